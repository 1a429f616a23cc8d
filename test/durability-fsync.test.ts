import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startPlatform } from '../bench/platform-process.ts';
import { bootstrapMerchants } from '../bench/traffic/bootstrap.ts';
import { DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH, loadParticipants } from '../bench/traffic/participants.ts';
import { createPaymentGenerator } from '../bench/traffic/payment-generator.ts';
import { createSignedClient } from '../bench/traffic/signed-client.ts';
import { processAlive } from '../server/redis-process.ts';

/*
 * What a host crash needs and a process kill cannot show (the page cache outlives a process):
 * with `redis.durability: always` the platform's redis-server sends no reply while a write
 * to its AOF is not yet fsynced. Its system calls are traced (strace) while the platform
 * takes payments: on its main thread, between any AOF write and the next reply written to a
 * socket, there must be an fdatasync of the AOF.
 */
const hasStrace = (() => {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

interface TraceFindings {
  aofWrites: number;
  aofSyncs: number;
  replies: number;
  /** Replies written while an AOF write was not yet fsynced. */
  repliesBeforeFsync: number;
}

/** Reads the main thread's calls (strace -f -y: `TID call(FD<path>, ...`) in order. */
function findings(trace: string, mainThread: number): TraceFindings {
  const found: TraceFindings = { aofWrites: 0, aofSyncs: 0, replies: 0, repliesBeforeFsync: 0 };
  let unsynced = false;
  for (const line of trace.split('\n')) {
    const call = /^(\d+)\s+(write|writev|fdatasync|fsync)\(\d+<([^>]*)>/.exec(line);
    if (!call || Number(call[1]) !== mainThread) continue;
    const [, , name, target] = call;
    if (/appendonly\.aof\.\d+\.incr\.aof$/.test(target!)) {
      if (name === 'write' || name === 'writev') {
        found.aofWrites += 1;
        unsynced = true;
      } else {
        found.aofSyncs += 1;
        unsynced = false;
      }
    } else if (target!.startsWith('socket:') && (name === 'write' || name === 'writev')) {
      found.replies += 1;
      if (unsynced) found.repliesBeforeFsync += 1;
    }
  }
  return found;
}

describe('durability always, seen from the system calls of the platform’s redis-server', () => {
  it('answers no command before the AOF write that holds it is fsynced', { skip: !hasStrace, timeout: 240_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-durability-fsync-'));
    const traceFile = path.join(dir, 'redis.trace');
    const traced = path.join(dir, 'redis-server-traced');
    // The platform starts this instead of redis-server, with the same arguments and stdin.
    writeFileSync(traced, `#!/bin/sh\nexec strace -f -y -qq -o '${traceFile}' -e trace=write,writev,fdatasync,fsync redis-server "$@"\n`);
    chmodSync(traced, 0o755);
    const platform = await startPlatform({ durability: 'always', env: { REDIS_SERVER_BIN: traced }, keepDataDir: true, healthTimeoutMs: 120_000 });
    const pidFile = path.join(platform.dataDir, 'redis', 'redis.pid');
    const redisPid = Number(readFileSync(pidFile, 'utf8'));
    let answered = 0;
    try {
      const { participants, homeCountry } = loadParticipants(DEFAULT_CREDENTIALS_PATH, DEFAULT_CONFIG_PATH);
      const client = createSignedClient(platform.url, { connections: 8 });
      const merchants = await bootstrapMerchants(client, participants.filter((p) => p.kind === 'acquirer'));
      const generator = createPaymentGenerator({ participants, merchants, homeCountry, seed: 5, payersPerWallet: 500, txnPrefix: 'fsync' });
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = 0; i < 25; i++) {
            const { participant, body } = generator.next(new Date().getUTCHours());
            if ((await client.send(participant, 'POST', '/v1/payments', JSON.stringify(body))).status === 200) answered += 1;
          }
        }),
      );
      await client.close();
    } finally {
      await platform.stop(20_000);
      // strace may leave its tracee running when it is stopped itself.
      if (existsSync(pidFile) && processAlive(redisPid)) process.kill(redisPid, 'SIGKILL');
    }
    try {
      const seen = findings(readFileSync(traceFile, 'utf8'), redisPid);
      expect(answered).toBe(200);
      // Not vacuous: the payments were written to the AOF and answered (replies to pipelined
      // commands leave in one write: fewer than the commands, never none), and fsynced.
      expect(seen.aofWrites).toBeGreaterThan(0);
      expect(seen.replies).toBeGreaterThan(0);
      expect(seen).toEqual({ ...seen, repliesBeforeFsync: 0 });
      expect(seen.aofSyncs).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(platform.dataDir, { recursive: true, force: true });
    }
  });
});
