import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startPlatform } from '../bench/platform-process.ts';
import { bootstrapMerchants } from '../bench/traffic/bootstrap.ts';
import { DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH, loadParticipants } from '../bench/traffic/participants.ts';
import { createPaymentGenerator } from '../bench/traffic/payment-generator.ts';
import { createSignedClient } from '../bench/traffic/signed-client.ts';
import { processAlive as alive } from '../server/redis-process.ts';

/*
 * Ctrl-C in a terminal sends SIGINT to the whole foreground process group. The platform runs
 * here as a terminal runs a job, in a process group of its own, and the signal goes to that
 * group. Its redis-server must not be hit: the platform drains against it, then stops it.
 */

describe('Ctrl-C: SIGINT to the process group of a running platform', () => {
  it('stops the platform in order, within seconds, its redis-server last and stopped by the platform, no Redis error logged', async () => {
    const platform = await startPlatform({ keepDataDir: true });
    const redisDir = path.join(platform.dataDir, 'redis');
    try {
      const redisPid = Number(readFileSync(path.join(redisDir, 'redis.pid'), 'utf8'));
      // Payments first, so the writer, the alerting path and the live aggregates have work to drain.
      const { participants, homeCountry } = loadParticipants(DEFAULT_CREDENTIALS_PATH, DEFAULT_CONFIG_PATH);
      const client = createSignedClient(platform.url, { connections: 4 });
      const merchants = await bootstrapMerchants(client, participants.filter((p) => p.kind === 'acquirer'));
      const generator = createPaymentGenerator({ participants, merchants, homeCountry, seed: 11, payersPerWallet: 50 });
      for (let i = 0; i < 50; i++) {
        const { participant, body } = generator.next(new Date().getUTCHours());
        expect((await client.send(participant, 'POST', '/v1/payments', JSON.stringify(body))).status).toBe(200);
      }
      await client.close();

      const exit = await platform.interrupt(15_000);
      const output = platform.outputTail();
      expect({ code: exit.code, signal: exit.signal, timedOut: exit.timedOut }, output).toEqual({ code: 0, signal: null, timedOut: false });
      expect(output).toContain('SIGINT: stopping');
      // Well inside the 5 s a Redis command or a closing client waits for a dead server.
      expect(exit.elapsedMs, output).toBeLessThan(4000);
      const redisErrors = output.split('\n').filter((line) => /redis|ECONNREFUSED|Connection is closed|ECONNRESET|NOAUTH/i.test(line) && !/^\s*Redis:\s+own redis-server/.test(line));
      expect(redisErrors).toEqual([]);
      // Stopped by the platform's SIGTERM once the platform was done with it, not by the terminal's SIGINT.
      const redisLog = readFileSync(path.join(redisDir, 'redis.log'), 'utf8');
      expect(redisLog).toMatch(/Received SIGTERM scheduling shutdown/);
      expect(redisLog).not.toMatch(/Received SIGINT/);
      expect(alive(redisPid)).toBe(false);
    } finally {
      await platform.kill().catch(() => undefined);
      rmSync(platform.dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
