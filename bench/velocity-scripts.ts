/**
 * Benchmark of the velocity store: N ordinary payments through score() (gatherRiskFacts)
 * and the commit + recordOutcome (recordRiskOutcome), against a scratch redis-server of
 * its own (AOF on, as the platform runs it). Prints, per script, the time spent inside
 * Redis (`INFO commandstats` usec_per_call of EVALSHA, and the median / p99 of each
 * script's calls from the SLOWLOG with a threshold of 0), then score() p50 / p99 run one
 * at a time and with 32 payments in flight, next to a PING round trip.
 *   npm run bench:velocity-scripts -- [payments, default 3000] [--no-slowlog]
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import type { Redis } from 'ioredis';
import type { SwitchedMessage } from '../domain/transaction.ts';
import { defineRiskScripts } from '../rules/lua-scripts.ts';
import { createRiskEngine, type RiskEngine } from '../rules/risk-engine.ts';
import { ordinaryTraffic } from '../rules/test-support/ordinary-traffic.ts';
import { commit } from '../rules/test-support/outcome.ts';
import { startTestRedis } from '../rules/test-support/redis.ts';

const PAYMENTS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 3000);
/** `--no-slowlog`: commandstats only (the SLOWLOG at threshold 0 logs every command run inside the scripts too, which costs). */
const SLOWLOG = !process.argv.includes('--no-slowlog');
const IN_FLIGHT = 32;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const summary = (us: number[]) => {
  const sorted = [...us].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(0)} us, p99 ${percentile(sorted, 99).toFixed(0)} us, max ${(sorted.at(-1) ?? 0).toFixed(0)} us`;
};

const options = {
  thresholds: { review: 400, decline: 700 },
  deadlineMs: 1000,
  fallback: { approveBelowUsd: 50, otherwise: 'review' as const },
  cnyPerUsd: '7.12',
};

/** The SHA1 of each risk script as ioredis sends it, to tell their SLOWLOG entries apart. */
function scriptShas(redis: Redis): Map<string, string> {
  const shas = new Map<string, string>();
  const scripts = (redis as unknown as { scriptsSet: Record<string, { lua: string }> }).scriptsSet;
  for (const name of ['gatherRiskFacts', 'recordRiskOutcome']) {
    const lua = scripts[name]?.lua;
    if (lua) shas.set(createHash('sha1').update(lua).digest('hex'), name);
  }
  return shas;
}

/**
 * Per-script time inside Redis from the SLOWLOG (threshold 0). Commands called from inside
 * a script are logged too, so the log is drained (GET and RESET in one MULTI) every 50 ms.
 */
function slowlogCollector(admin: Redis, shas: Map<string, string>) {
  const byScript = new Map<string, number[]>();
  const drain = async () => {
    const replies = await admin.multi().call('SLOWLOG', 'GET', '-1').call('SLOWLOG', 'RESET').exec();
    const log = (replies?.[0]?.[1] ?? []) as Array<[number, number, number, string[]]>;
    for (const [, , usec, args] of log) {
      if (String(args[0]).toLowerCase() !== 'evalsha') continue;
      const name = shas.get(String(args[1])) ?? String(args[1]).slice(0, 8);
      let list = byScript.get(name);
      if (!list) byScript.set(name, (list = []));
      list.push(usec);
    }
  };
  let pending = Promise.resolve();
  if (!SLOWLOG) return { stop: async () => byScript };
  const timer = setInterval(() => {
    pending = pending.then(drain);
  }, 50);
  return {
    async stop(): Promise<Map<string, number[]>> {
      clearInterval(timer);
      await pending;
      await drain();
      return byScript;
    },
  };
}

async function redisSide(admin: Redis, byScript: Map<string, number[]>): Promise<string[]> {
  const info = await admin.info('commandstats');
  const lines: string[] = [];
  const evalsha = /cmdstat_evalsha:calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/.exec(info);
  if (evalsha) lines.push(`  commandstats evalsha: ${evalsha[1]} calls, usec_per_call ${Number(evalsha[3]).toFixed(1)} (both scripts)`);
  for (const [name, us] of [...byScript].sort()) lines.push(`  ${name}: ${us.length} calls, inside Redis ${summary(us)}`);
  const counted = [...info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].filter((m) => !['info', 'slowlog', 'config', 'multi', 'exec', 'ping'].includes(m[1]!));
  const all = counted.reduce((n, m) => n + Number(m[2]), 0);
  lines.push(`  Redis commands per payment, those inside the scripts included, MULTI/EXEC aside: ${(all / PAYMENTS).toFixed(1)}`);
  const top = [...info.matchAll(/^cmdstat_(\w+):calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/gm)]
    .filter((m) => !['evalsha', 'info', 'slowlog', 'config', 'ping'].includes(m[1]!))
    .sort((a, b) => Number(b[3]) - Number(a[3]))
    .map((m) => `${m[1]} ${(Number(m[2]) / PAYMENTS).toFixed(1)}x ${Number(m[4]).toFixed(1)} us`);
  lines.push(`  per payment, by time spent: ${top.join(', ')}`);
  return lines;
}

async function reset(admin: Redis): Promise<void> {
  await admin.config('RESETSTAT');
  await admin.call('SLOWLOG', 'RESET');
}

async function main() {
  const server = await startTestRedis();
  try {
    const admin = server.connect();
    await admin.config('SET', 'slowlog-log-slower-than', SLOWLOG ? '0' : '-1');
    await admin.config('SET', 'slowlog-max-len', '100000');
    console.log(`velocity scripts: ${PAYMENTS} payments, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

    const ping: number[] = [];
    for (let i = 0; i < Math.min(PAYMENTS, 2000); i++) {
      const t = performance.now();
      await admin.ping();
      ping.push((performance.now() - t) * 1000);
    }
    console.log(`PING round trip: ${summary(ping)}`);

    // One at a time: score (timed), then the commit with recordOutcome (as the switch does).
    {
      const redis = defineRiskScripts(server.connect());
      const engine: RiskEngine = await createRiskEngine({ ...options, redis });
      const traffic = ordinaryTraffic({ seed: 11, payers: 300, merchants: 40, payments: PAYMENTS, meanGapSeconds: 5, start: Date.UTC(2025, 5, 1, 2) });
      await warmUp(engine, redis);
      await reset(admin);
      const slowlog = slowlogCollector(admin, scriptShas(redis));
      const us: number[] = [];
      const started = performance.now();
      for (const message of traffic) {
        const t = performance.now();
        const risk = await engine.score(message);
        us.push((performance.now() - t) * 1000);
        await commit(engine, redis, message, risk.decision === 'decline' ? 'DECLINED' : 'APPROVED');
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(`sequential: ${(PAYMENTS / seconds).toFixed(0)} payments/s (score + commit), score() ${summary(us)}, degraded ${engine.stats().degraded}`);
      for (const line of await redisSide(admin, await slowlog.stop())) console.log(line);
      await engine.close();
    }

    // 32 in flight on an auto-pipelining connection: score, then commit, per payment.
    {
      const redis = defineRiskScripts(server.connect({ enableAutoPipelining: true }));
      const engine = await createRiskEngine({ ...options, redis });
      const traffic = ordinaryTraffic({ seed: 12, payers: 500, merchants: 40, payments: PAYMENTS, meanGapSeconds: 2, start: Date.UTC(2025, 6, 1, 2) });
      await warmUp(engine, redis);
      await reset(admin);
      const slowlog = slowlogCollector(admin, scriptShas(redis));
      let next = 0;
      const us: number[] = [];
      const started = performance.now();
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < traffic.length) {
            const message = traffic[next++]!;
            const t = performance.now();
            const risk = await engine.score(message);
            us.push((performance.now() - t) * 1000);
            await commit(engine, redis, message, risk.decision === 'decline' ? 'DECLINED' : 'APPROVED');
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      console.log(`${IN_FLIGHT} in flight: ${(PAYMENTS / seconds).toFixed(0)} payments/s (score + commit), score() ${summary(us)}, degraded ${engine.stats().degraded}`);
      for (const line of await redisSide(admin, await slowlog.stop())) console.log(line);
      await engine.close();
    }
  } finally {
    await server.stop();
  }
}

/** Loads the scripts and warms the JIT on a payer of its own. */
async function warmUp(engine: RiskEngine, redis: Redis): Promise<void> {
  const warm = ordinaryTraffic({ seed: 1, payers: 5, merchants: 3, payments: 200, start: Date.UTC(2024, 0, 1) }).map(
    (m): SwitchedMessage => ({ ...m, paymentId: `warm-${m.paymentId}` }),
  );
  for (const message of warm) {
    const risk = await engine.score(message);
    await commit(engine, redis, message, risk.decision === 'decline' ? 'DECLINED' : 'APPROVED');
  }
}

await main();
