import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisProcess } from '../server/redis-process.ts';
import { DURABILITY_MODES, durableCommits, type DurabilityMode } from '../switch/durability.ts';
import { runClosedLoop } from './load/closed-loop.ts';
import { cpuMeter } from './process-cpu.ts';

/**
 * npx tsx bench/ledger-durability.ts [--modes everysec,always,replica,...] [--concurrency 1,32]
 *   [--seconds S] [--warmup W]
 * What each durability mode of the ledger costs a commit, alone: a commit of the ledger's
 * shape (claim marker, compact state, wallet, a ~1.5 KB tap entry: what it appends to the AOF)
 * on one auto-pipelined connection, as the platform issues it, with the replica's WAIT from
 * switch/durability.ts. Modes run in the order given: alternate them, the machine drifts.
 * The whole platform per mode: BENCH_DURABILITY=everysec,always npm run bench -- payments.
 */
const COMMIT = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', 86400000)
redis.call('HSET', KEYS[2], 'status', 'APPROVED', 'amountMinor', ARGV[2], 'refundedMinor', '0')
redis.call('PEXPIRE', KEYS[2], 86400000)
redis.call('HINCRBY', KEYS[3], 'balance', -tonumber(ARGV[2]))
redis.call('XADD', KEYS[4], '*', 'e', ARGV[3])
return 'APPROVED'`;
const ENTRY = JSON.stringify({ record: 'x'.repeat(1400) });

const { values } = parseArgs({
  options: {
    modes: { type: 'string', default: 'everysec,always,replica,always,everysec,replica' },
    concurrency: { type: 'string', default: '1,32' },
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
  },
});
const modes = values.modes.split(',').map((m) => {
  if (!(DURABILITY_MODES as readonly string[]).includes(m)) throw new Error(`--modes: "${m}" is not one of ${DURABILITY_MODES.join(', ')}`);
  return m as DurabilityMode;
});
const concurrencies = values.concurrency.split(',').map(Number);

interface Servers {
  url: string;
  pids: Record<string, number>;
  stop(): Promise<void>;
}

async function serversFor(mode: DurabilityMode, dir: string): Promise<Servers> {
  const pidOf = (sub: string) => Number(readFileSync(path.join(dir, sub, 'redis.pid'), 'utf8'));
  const primary: RedisProcess = await startRedisServer({ dir: path.join(dir, 'primary'), appendfsync: mode === 'always' ? 'always' : 'everysec' });
  if (mode !== 'replica') return { url: primary.url, pids: { redis: pidOf('primary') }, stop: () => primary.stop() };
  const replica = await startRedisServer({ dir: path.join(dir, 'replica'), replicaOf: { port: primary.port, password: primary.password } });
  const admin = new Redis(primary.url);
  while (!/slave0:.*state=online/.test(await admin.info('replication'))) await new Promise((r) => setTimeout(r, 50));
  admin.disconnect();
  return {
    url: primary.url,
    pids: { 'redis primary': pidOf('primary'), 'redis replica': pidOf('replica') },
    async stop() {
      await replica.stop();
      await primary.stop();
    },
  };
}

console.log(`ledger commit by durability mode: ${values.warmup} s warm-up, ${values.seconds} s measured per row`);
console.log('mode      run  conc  commits/s  p50 ms  p99 ms  CPU ms per commit');
for (const [run, mode] of modes.entries()) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-ledger-durability-'));
  const servers = await serversFor(mode, dir);
  const redis = new Redis(servers.url, { enableAutoPipelining: true, commandTimeout: 1000, maxRetriesPerRequest: 2 });
  redis.defineCommand('commit', { numberOfKeys: 4, lua: COMMIT });
  const commit = (redis as Redis & { commit(...args: string[]): Promise<string> }).commit.bind(redis);
  const durable = durableCommits({ mode, replicas: 1, replicaTimeoutMs: 250 });
  let n = 0;
  try {
    for (const concurrency of concurrencies) {
      const cpu = cpuMeter(servers.pids);
      const warm = setTimeout(() => cpu.start(), Number(values.warmup) * 1000);
      const result = await runClosedLoop({
        concurrency,
        warmupS: Number(values.warmup),
        measureS: Number(values.seconds),
        operation: async () => {
          const i = n++;
          const started = performance.now();
          const reply = commit(`txn:p:${i}`, `paystate:${i}`, `wallet:p:${i % 5000}`, 'tap:transactions', `D|h|pay_${i}`, '1250', ENTRY);
          const replicated = durable?.(redis);
          await (replicated ? Promise.all([reply, replicated]) : reply);
          return { ok: true, latencyMs: performance.now() - started };
        },
      });
      clearTimeout(warm);
      const perCommit = Object.entries(cpu.stop(result.completed)).map(([who, ms]) => `${who} ${ms.toFixed(3)}`).join(', ');
      console.log(
        `${mode.padEnd(9)} ${String(run + 1).padStart(3)} ${String(concurrency).padStart(5)} ${Math.round(result.perSecond).toLocaleString('en-US').padStart(10)} ${result.latencyMs.p50.toFixed(2).padStart(7)} ${result.latencyMs.p99.toFixed(2).padStart(7)}  ${perCommit}${result.failures ? `  FAILURES ${result.failures}` : ''}`,
      );
      await redis.del('tap:transactions');
    }
  } finally {
    redis.disconnect();
    await servers.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
