import { setTimeout as sleep } from 'node:timers/promises';
import { runClosedLoop, type Outcome } from '../load/closed-loop.ts';
import { monitoringHeaders } from '../monitoring.ts';
import { startPlatform, type PlatformProcess } from '../platform-process.ts';
import { cpuSeconds } from '../process-cpu.ts';
import { runOpenLoop } from '../soak/open-loop.ts';
import { findChildProcess } from '../soak/process-memory.ts';
import { failureWarnings, measurementOf, ratiosOf, type BenchSettings, type Measurement, type Suite } from '../suite.ts';
import { bootstrapMerchants, errorCodeOf } from '../traffic/bootstrap.ts';
import { DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH, loadParticipants } from '../traffic/participants.ts';
import { createPaymentGenerator, type PaymentGenerator } from '../traffic/payment-generator.ts';
import { createSignedClient, type SignedClient } from '../traffic/signed-client.ts';
import { createLatencyRecorder } from '../traffic/stats.ts';

/** Enough payers that per-device velocity rules stay quiet at these rates. */
const PAYERS_PER_WALLET = 4000;
const SEED = 7;
/** Offered rates, as multiples of the capacity measured first. */
const OVERLOAD_FACTORS = [2, 5] as const;
/** Connections of the open-loop clients: enough that refusals, answered at once, never run them out. */
/** Past the node's largest limit (256) and within its connections per address (512): the limit, not the client, decides. */
const OPEN_LOOP_CONNECTIONS = 500;
/** 2xx/s under overload must stay at least this share of the capacity. */
const GOODPUT_FLOOR = 0.8;
/** A worker of the capacity run refused 503 OVERLOADED sends again after this long. */
const CAPACITY_RETRY_MS = 10;
/** How long the platform's Redis is stopped to see what refusals alone cost. */
const REFUSALS_ONLY_MS = 2000;

/**
 * Goodput under overload. The capacity first: POST /v1/payments closed loop, as the payments
 * suite runs it, but a refused worker sends again after CAPACITY_RETRY_MS. Then open loop at 2x and 5x that, with
 * clients that ignore Retry-After (each refusal is simply not answered 2xx and the next
 * payment goes out on schedule): the 2xx/s against the capacity, and the latency of the 2xx.
 * Last, what one refusal costs the node: its Redis is stopped for a moment, every place
 * waits on it, and every other request is refused on arrival; the platform's CPU over that
 * time per refusal.
 */
export const overloadSuite: Suite = {
  name: 'overload',
  description: 'POST /v1/payments open loop at 2x and 5x the capacity, clients ignoring Retry-After: 2xx/s and their p99',
  async run(settings) {
    const measurements: Measurement[] = [];
    const notes: string[] = [];
    settings.log('overload: starting server/main.ts');
    const platform = await startPlatform();
    try {
      const generator = await generatorOn(platform);
      const redisPid = findChildProcess(platform.pid, 'redis-server');

      const capacity = await measureCapacity(platform, generator, settings);
      measurements.push(capacity.measurement);
      notes.push(
        `capacity: ${capacity.measurement.perSecond.toFixed(0)} 2xx/s closed loop with ${settings.concurrency} workers (${capacity.refused} refused, each sent again after ${CAPACITY_RETRY_MS} ms), platform CPU ${capacity.cpuMsPer2xx.toFixed(3)} ms per 2xx`,
      );

      for (const factor of OVERLOAD_FACTORS) {
        const offered = Math.round(factor * capacity.measurement.perSecond);
        const run = await measureOpenLoop(platform, generator, offered, settings);
        const name = `open loop ${factor}x capacity (${offered}/s offered), ignoring Retry-After`;
        measurements.push(measurementOf(name, 'subject', run));
        const goodput = run.perSecond / capacity.measurement.perSecond;
        // Per CPU second of the platform: what the node did with the CPU it got, whatever the load
        // generator and anything else on the machine took from it.
        const perCpuSecond = run.perSecond / (run.platformCpuMs / settings.measureS / 1000);
        const capacityPerCpuSecond = 1000 / capacity.cpuMsPer2xx;
        notes.push(
          `${factor}x: sent ${run.sentPerSecond.toFixed(0)}/s (${run.missed} due but not sent), 2xx ${run.perSecond.toFixed(0)}/s = ${goodput.toFixed(2)}x capacity, ` +
            `refused 503 OVERLOADED ${(run.refused / settings.measureS).toFixed(0)}/s, 2xx p50 ${run.latencyMs.p50.toFixed(1)} ms p99 ${run.latencyMs.p99.toFixed(1)} ms; ` +
            `platform CPU ${(run.platformCpuMs / settings.measureS / 10).toFixed(0)}% of a core, load generator ${run.generatorCpuPercent.toFixed(0)}%; ` +
            `2xx per platform CPU second ${perCpuSecond.toFixed(0)} = ${(perCpuSecond / capacityPerCpuSecond).toFixed(2)}x the capacity run's; ` +
            `admission limit ${run.limit ?? '?'} (rtt ${fmt(run.rttMs)} ms, no-load ${fmt(run.rttNoloadMs)} ms)`,
        );
        if (goodput < GOODPUT_FLOOR) notes.push(`${factor}x: 2xx/s ${goodput.toFixed(2)}x the capacity, under the ${GOODPUT_FLOOR}x the platform aims at`);
      }

      if (redisPid !== undefined) notes.push(await measureRefusalCost(platform, redisPid, generator, 5 * capacity.measurement.perSecond, settings));
    } finally {
      const exit = await platform.stop();
      if (exit.code !== 0) settings.log(`platform exited with ${exit.code ?? exit.signal}${exit.timedOut ? ' (killed)' : ''}`);
    }
    return {
      suite: 'overload',
      description: overloadSuite.description,
      method: `capacity closed loop (${settings.concurrency} workers); then open loop, ${OPEN_LOOP_CONNECTIONS} connections, ${settings.warmupS} s warm-up and ${settings.measureS} s measured per rate; latency of 2xx answers only, from send to answer`,
      measurements,
      ratios: ratiosOf(measurements),
      warnings: failureWarnings(measurements),
      notes,
    };
  },
};

const fmt = (ms: number | undefined) => (ms === undefined ? '?' : ms.toFixed(2));

async function generatorOn(platform: PlatformProcess): Promise<PaymentGenerator> {
  const { participants, homeCountry } = loadParticipants(DEFAULT_CREDENTIALS_PATH, DEFAULT_CONFIG_PATH);
  const client = createSignedClient(platform.url, { connections: 4 });
  try {
    const merchants = await bootstrapMerchants(client, participants.filter((p) => p.kind === 'acquirer'));
    return createPaymentGenerator({ participants, merchants, homeCountry, seed: SEED, payersPerWallet: PAYERS_PER_WALLET, txnPrefix: 'overload' });
  } finally {
    await client.close();
  }
}

const utcHour = () => (Date.now() / 3_600_000) % 24;

function send(client: SignedClient, generator: PaymentGenerator) {
  const payment = generator.next(utcHour());
  return client.send(payment.participant, 'POST', '/v1/payments', JSON.stringify(payment.body));
}

async function measureCapacity(platform: PlatformProcess, generator: PaymentGenerator, settings: BenchSettings) {
  const client = createSignedClient(platform.url, { connections: settings.concurrency });
  let cpuAtStart: number | undefined;
  const warm = setTimeout(() => (cpuAtStart = cpuSeconds(platform.pid)), settings.warmupS * 1000);
  try {
    settings.log(`capacity: ${settings.warmupS} s warm-up, ${settings.measureS} s measured, ${settings.concurrency} workers`);
    const result = await runClosedLoop({
      ...settings,
      operation: async (): Promise<Outcome> => {
        const response = await send(client, generator);
        // Sent again almost at once: the capacity is what the node answers while always busy.
        if (response.status === 503 && errorCodeOf(response.body) === 'OVERLOADED') return { ok: false, backOffMs: CAPACITY_RETRY_MS };
        const ok = response.status >= 200 && response.status < 300;
        return { ok, latencyMs: response.latencyMs, failure: ok ? undefined : `HTTP ${response.status} ${errorCodeOf(response.body) ?? ''}`.trim() };
      },
    });
    const cpuMs = ((cpuSeconds(platform.pid) ?? NaN) - (cpuAtStart ?? NaN)) * 1000;
    return { measurement: measurementOf('capacity: closed loop (baseline)', 'baseline', result), refused: result.refused, cpuMsPer2xx: cpuMs / result.completed };
  } finally {
    clearTimeout(warm);
    await client.close();
  }
}

async function measureOpenLoop(platform: PlatformProcess, generator: PaymentGenerator, tps: number, settings: BenchSettings) {
  const client = createSignedClient(platform.url, { connections: OPEN_LOOP_CONNECTIONS, timeoutMs: 10_000 });
  try {
    let measuring = false;
    const ok = createLatencyRecorder(1 << 16);
    let refused = 0;
    const failureKinds: Record<string, number> = {};
    const operation = async () => {
      const response = await send(client, generator);
      if (measuring) {
        if (response.status >= 200 && response.status < 300) ok.record(response.latencyMs);
        else if (response.status === 503 && errorCodeOf(response.body) === 'OVERLOADED') refused++;
        else increment(failureKinds, `HTTP ${response.status} ${errorCodeOf(response.body) ?? ''}`.trim());
      }
      return { status: response.status };
    };
    const run = (seconds: number) => runOpenLoop({ tps, minutes: seconds / 60, maxInFlight: OPEN_LOOP_CONNECTIONS, operation, onMinute: () => undefined, drainMs: 10_000 });
    settings.log(`open loop ${tps}/s: ${settings.warmupS} s warm-up, ${settings.measureS} s measured`);
    if (settings.warmupS > 0) await run(settings.warmupS);
    measuring = true;
    const cpuBefore = cpuSeconds(platform.pid) ?? NaN;
    const generatorBefore = process.cpuUsage();
    const result = await run(settings.measureS);
    const platformCpuMs = ((cpuSeconds(platform.pid) ?? NaN) - cpuBefore) * 1000;
    const generatorCpu = process.cpuUsage(generatorBefore);
    const generatorCpuPercent = (generatorCpu.user + generatorCpu.system) / 1000 / settings.measureS / 10;
    measuring = false;
    const window = result.minutes[0]!;
    for (const [code, n] of Object.entries(window.errors)) increment(failureKinds, code, n);
    const summary = ok.summarize();
    const admission = await admissionFigures(platform.url);
    return {
      completed: summary.count,
      perSecond: summary.count / settings.measureS,
      sentPerSecond: window.sent / settings.measureS,
      missed: window.missed,
      refused,
      latencyMs: { p50: summary.p50, p99: summary.p99, max: summary.max },
      failures: Object.values(failureKinds).reduce((a, b) => a + b, 0),
      failureKinds,
      platformCpuMs,
      generatorCpuPercent,
      ...admission,
    };
  } finally {
    await client.close();
  }
}

/** The admission limit's state from /health, as monitoring reads it. */
async function admissionFigures(url: string): Promise<{ limit?: number; rttMs?: number; rttNoloadMs?: number }> {
  const body = (await (await fetch(`${url}/health`, { headers: monitoringHeaders() })).json()) as { admission?: { limit?: number; rttMs?: number; rttNoloadMs?: number } };
  return typeof body.admission === 'object' ? body.admission : {};
}

/**
 * Refusals alone: the platform's Redis is stopped (SIGSTOP), so the admitted requests wait on
 * it and every other one is refused as it arrives; CPU of the platform per refusal meanwhile.
 */
async function measureRefusalCost(platform: PlatformProcess, redisPid: number, generator: PaymentGenerator, tps: number, settings: BenchSettings): Promise<string> {
  const client = createSignedClient(platform.url, { connections: OPEN_LOOP_CONNECTIONS, timeoutMs: 10_000 });
  let refused = 0;
  const other: Record<string, number> = {};
  const operation = async () => {
    const response = await send(client, generator);
    if (response.status === 503 && errorCodeOf(response.body) === 'OVERLOADED') refused++;
    else increment(other, `${response.status} ${errorCodeOf(response.body) ?? ''}`.trim());
    return { status: response.status };
  };
  // What the process spends without any request (embedded ClickHouse's threads, timers), to take off.
  await sleep(1000);
  const idleFrom = cpuSeconds(platform.pid) ?? NaN;
  await sleep(REFUSALS_ONLY_MS);
  const idleMs = ((cpuSeconds(platform.pid) ?? NaN) - idleFrom) * 1000;
  settings.log(`refusals only: redis-server stopped for ${REFUSALS_ONLY_MS} ms, ${Math.round(tps)}/s offered`);
  process.kill(redisPid, 'SIGSTOP');
  try {
    const loop = runOpenLoop({ tps, minutes: (2 * REFUSALS_ONLY_MS) / 60_000, maxInFlight: OPEN_LOOP_CONNECTIONS, operation, onMinute: () => undefined, drainMs: 0 });
    // The first half fills every place (they wait on Redis); the second is refusals only.
    await sleep(REFUSALS_ONLY_MS);
    const cpuFrom = cpuSeconds(platform.pid) ?? NaN;
    const refusedFrom = refused;
    await sleep(REFUSALS_ONLY_MS);
    const cpuMs = ((cpuSeconds(platform.pid) ?? NaN) - cpuFrom) * 1000;
    const counted = Math.max(1, refused - refusedFrom);
    process.kill(redisPid, 'SIGCONT');
    await loop;
    await client.close();
    return (
      `refusals only (Redis stopped, ${Math.round(tps)}/s offered, ${REFUSALS_ONLY_MS} ms measured): ${counted} refused, other answers ${JSON.stringify(other)}; ` +
      `platform CPU ${cpuMs.toFixed(0)} ms, ${idleMs.toFixed(0)} ms over as long without requests: ${(((cpuMs - idleMs) / counted) * 1000).toFixed(1)} us per refusal`
    );
  } finally {
    process.kill(redisPid, 'SIGCONT');
  }
}

function increment(counter: Record<string, number>, key: string, by = 1): void {
  counter[key] = (counter[key] ?? 0) + by;
}
