import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { DURABILITY_MODES, type DurabilityMode } from '../../switch/durability.ts';
import { startEchoServer } from '../baselines/fastify-echo.ts';
import { startScratchRedis } from '../baselines/redis-server.ts';
import { runClosedLoop, type Outcome } from '../load/closed-loop.ts';
import { startPlatform } from '../platform-process.ts';
import { cpuMeter } from '../process-cpu.ts';
import { findChildProcess } from '../soak/process-memory.ts';
import { failureWarnings, measurementOf, ratiosOf, type BenchSettings, type Measurement, type Suite } from '../suite.ts';
import { bootstrapMerchants, errorCodeOf } from '../traffic/bootstrap.ts';
import { DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH, loadParticipants } from '../traffic/participants.ts';
import { createPaymentGenerator, type PayableMerchant, type PaymentGenerator } from '../traffic/payment-generator.ts';
import { createSignedClient, type SignedClient } from '../traffic/signed-client.ts';

/**
 * Payers per simulated wallet (BENCH_PAYERS_PER_WALLET). With 2,000 (16,000 payers) at
 * ~3,000 payments/s each payer pays every few seconds and the velocity rules decline most
 * payments, so the run measures declines and alerts as much as authorisations.
 */
const PAYERS_PER_WALLET = Number(process.env.BENCH_PAYERS_PER_WALLET ?? 2000);
const SEED = 42;

/**
 * POST /v1/payments on the whole platform, closed loop, next to what it cannot beat:
 * a plain fastify app doing the same HTTP and JSON work, and a single Redis round trip.
 */
export const paymentsSuite: Suite = {
  name: 'payments',
  description: 'POST /v1/payments (signed, realistic bodies) vs plain fastify and one Redis PING',
  async run(settings) {
    const { participants, homeCountry } = loadParticipants(DEFAULT_CREDENTIALS_PATH, DEFAULT_CONFIG_PATH);
    const measurements: Measurement[] = [];
    const cpuNotes: string[] = [];

    // The platform first: its acquirers issue the QR codes, so the echo baseline gets the
    // very same sequence of bodies (same seed), and each run has the machine to itself.
    // With the ingest writer in the process (as npm start runs it), then without it: what
    // moving the stream into ClickHouse costs the authorisation path.
    let merchants: PayableMerchant[] = [];
    for (const { name, env, durability } of platformVariants(process.env.BENCH_DURABILITY)) {
      settings.log(`${name}: starting server/main.ts`);
      const platform = await startPlatform({ env, durability });
      try {
        merchants = await bootstrap(platform.url, participants);
        const generator = generatorFor(participants, homeCountry, merchants);
        const processes = platform.redisPids
          ? { platform: platform.pid, 'its redis primary': platform.redisPids.primary, 'its redis replica': platform.redisPids.replica }
          : { platform: platform.pid, 'its redis-server': findChildProcess(platform.pid, 'redis-server') };
        const measured = await measureHttp(name, 'subject', platform.url, '/v1/payments', generator, settings, processes, cpuNotes);
        measurements.push(measured);
        if (measured.failures > 0) {
          // Its own log says why; the answers only carry a code.
          settings.log(`platform answered ${measured.failures} failures; the end of its output:\n${indent(platform.outputTail().slice(-3000))}`);
        }
      } finally {
        const exit = await platform.stop();
        if (exit.code !== 0) settings.log(`platform exited with ${exit.code ?? exit.signal}${exit.timedOut ? ' (killed)' : ''}`);
      }
    }

    settings.log('redis PING baseline: starting redis-server');
    const redis = await startScratchRedis();
    try {
      settings.log('fastify echo baselines: starting');
      const echo = await startEchoServer(`redis://127.0.0.1:${redis.port}`);
      try {
        for (const [name, path] of [
          ['fastify POST /echo (baseline)', '/echo'],
          ['fastify POST /echo + one Redis round trip (baseline)', '/echo-redis'],
        ] as const) {
          const generator = generatorFor(participants, homeCountry, merchants);
          const processes = { 'fastify echo': echo.pid, ...(path === '/echo-redis' ? { 'its redis-server': redis.pid } : {}) };
          measurements.push(await measureHttp(name, 'baseline', echo.url, path, generator, settings, processes, cpuNotes));
        }
      } finally {
        await echo.stop();
      }
      measurements.push(await measureRedisPing(redis.port, settings));
    } finally {
      await redis.stop();
    }

    return {
      suite: 'payments',
      description: paymentsSuite.description,
      measurements,
      ratios: ratiosOf(measurements),
      warnings: failureWarnings(measurements),
      notes: cpuNotes,
    };
  },
};

type Participants = ReturnType<typeof loadParticipants>['participants'];

/**
 * The platforms measured: as npm start runs it, then without its ingest writer; or, with
 * BENCH_DURABILITY (e.g. `everysec,always,replica,always,everysec`: alternate them, the
 * machine drifts), one platform per ledger durability mode, in that order.
 */
function platformVariants(durabilities: string | undefined): Array<{ name: string; env: Record<string, string>; durability?: DurabilityMode }> {
  if (!durabilities) {
    return [
      { name: 'platform POST /v1/payments', env: {} },
      { name: 'platform POST /v1/payments, ingest writer off', env: { INGEST_WRITER: 'off' } },
    ];
  }
  return durabilities.split(',').map((mode, i) => {
    if (!(DURABILITY_MODES as readonly string[]).includes(mode)) throw new Error(`BENCH_DURABILITY: "${mode}" is not one of ${DURABILITY_MODES.join(', ')}`);
    return { name: `platform POST /v1/payments, durability ${mode} (#${i + 1})`, env: {}, durability: mode as DurabilityMode };
  });
}

async function bootstrap(url: string, participants: Participants): Promise<PayableMerchant[]> {
  const client = createSignedClient(url, { connections: 4 });
  try {
    return await bootstrapMerchants(client, participants.filter((p) => p.kind === 'acquirer'));
  } finally {
    await client.close();
  }
}

function generatorFor(participants: Participants, homeCountry: string, merchants: PayableMerchant[]): PaymentGenerator {
  return createPaymentGenerator({
    participants,
    merchants,
    homeCountry,
    seed: SEED,
    payersPerWallet: PAYERS_PER_WALLET,
    txnPrefix: 'bench',
  });
}

async function measureHttp(
  name: string,
  role: Measurement['role'],
  url: string,
  path: string,
  generator: PaymentGenerator,
  settings: BenchSettings,
  processes: Record<string, number | undefined>,
  cpuNotes: string[],
): Promise<Measurement> {
  const client: SignedClient = createSignedClient(url, { connections: settings.concurrency });
  const utcHour = () => (Date.now() / 3_600_000) % 24;
  // CPU over the measured window only: where each request's time went, server by server.
  const cpu = cpuMeter({ ...processes, 'load generator (this process)': process.pid });
  const warm = setTimeout(() => cpu.start(), settings.warmupS * 1000);
  try {
    settings.log(`${name}: ${settings.warmupS} s warm-up, ${settings.measureS} s measured, ${settings.concurrency} workers`);
    const result = await runClosedLoop({
      ...settings,
      operation: async (): Promise<Outcome> => {
        const payment = generator.next(utcHour());
        const response = await client.send(payment.participant, 'POST', path, JSON.stringify(payment.body));
        const ok = response.status >= 200 && response.status < 300;
        // Admission control: a participant told to come back later waits as told.
        if (response.status === 503 && errorCodeOf(response.body) === 'OVERLOADED') {
          return { ok: false, backOffMs: 1000 * (response.retryAfterS ?? 1) };
        }
        return {
          ok,
          latencyMs: response.latencyMs,
          failure: ok ? undefined : `HTTP ${response.status} ${errorCodeOf(response.body) ?? ''}`.trim(),
        };
      },
    });
    const perRequest = cpu.stop(result.completed);
    const parts = Object.entries(perRequest).map(([who, ms]) => `${who} ${ms.toFixed(3)}`);
    if (parts.length > 0) cpuNotes.push(`CPU ms per answered request, ${name}: ${parts.join(', ')}`);
    if (result.refused > 0) {
      cpuNotes.push(
        `${name}: ${result.refused} requests refused with 503 OVERLOADED (admission control); each worker then waited Retry-After, as a participant would. Not counted in per second, latency or non-2xx.`,
      );
    }
    return measurementOf(name, role, result);
  } finally {
    clearTimeout(warm);
    await client.close();
  }
}

async function measureRedisPing(port: number, settings: BenchSettings): Promise<Measurement> {
  // One connection, as the platform uses: concurrent commands are pipelined on it.
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  try {
    const name = 'redis PING (baseline)';
    settings.log(`${name}: ${settings.warmupS} s warm-up, ${settings.measureS} s measured, ${settings.concurrency} in flight`);
    const result = await runClosedLoop({
      ...settings,
      operation: async (): Promise<Outcome> => {
        const started = performance.now();
        const answer = await redis.ping();
        return { ok: answer === 'PONG', latencyMs: performance.now() - started, failure: answer === 'PONG' ? undefined : answer };
      },
    });
    return measurementOf(name, 'baseline', result);
  } finally {
    redis.disconnect();
  }
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
