import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { migrate } from '../../analytics/schema/migrate.ts';
import { clickhouseTransactionBodySink, clickhouseTransactionSink } from '../../ingest/clickhouse-sink.ts';
import { createStreamTap, decodeTapEntry } from '../../ingest/tap-stream.ts';
import { transactionRow, type TransactionRow } from '../../ingest/transaction-row.ts';
import { IngestWriter } from '../../ingest/writer.ts';
import { openClickHouse } from '../../server/clickhouse.ts';
import { startScratchRedis } from '../baselines/redis-server.ts';
import { monitoringHeaders } from '../monitoring.ts';
import { REPOSITORY_ROOT, startPlatform } from '../platform-process.ts';
import type { BenchSettings, Measurement, Suite } from '../suite.ts';
import { runSimulation } from '../traffic/simulation.ts';
import { sampleEvent } from '../traffic/tap-events.ts';

const ROWS = 100_000;
const BATCH = 5000;
const FRESHNESS_TPS = 2000;
const STREAM = 'tap:transactions';
/** The offered rate at which CPU per row is measured, and the stream it is offered on. */
const STEADY_TPS = 500;
const STEADY_STREAM = 'tap:steady';

/**
 * The ingest writer: rows/s from the tap stream into embedded ClickHouse next to a raw
 * insert of the same rows in the same batches; the CPU per row of the whole process (writer
 * thread, main thread, embedded ClickHouse) at a steady offered rate, next to a raw insert
 * of the same rows at the same cadence; and freshness (decision to row in ClickHouse) with
 * the platform under an offered load of 2,000 payments/s.
 */
export const ingestSuite: Suite = {
  name: 'ingest',
  description: `ingest writer rows/s vs raw ClickHouse insert of the same ${ROWS.toLocaleString('en')} rows; freshness at ${FRESHNESS_TPS}/s offered`,
  async run(settings) {
    const { measurements, cpu } = await writerVersusRawInsert(settings);
    const notes = await freshness(settings);
    notes.lines.unshift(...cpu);
    return {
      suite: 'ingest',
      description: ingestSuite.description,
      measurements,
      ratios: [
        {
          subject: measurements[0]!.name,
          baseline: measurements[1]!.name,
          throughput: measurements[0]!.perSecond / measurements[1]!.perSecond,
          p99: measurements[0]!.p99Ms / measurements[1]!.p99Ms,
        },
      ],
      warnings: notes.warnings,
      notes: notes.lines,
    };
  },
};

async function writerVersusRawInsert(settings: BenchSettings): Promise<{ measurements: Measurement[]; cpu: string[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-bench-ingest-'));
  const redisServer = await startScratchRedis();
  const redis = new Redis({ host: '127.0.0.1', port: redisServer.port });
  const clickhouse = await openClickHouse({ dataDir: dir });
  try {
    await migrate(clickhouse.client, 'cpg');
    await migrate(clickhouse.client, 'raw');
    const steady = await steadyCpu(settings, redis, redisServer.port, clickhouse.client);
    settings.log(`ingest: appending ${ROWS.toLocaleString('en')} events to the tap stream`);
    const start = Date.now();
    // Entries as the switch writes them.
    const tap = createStreamTap(redis, STREAM);
    for (let i = 0; i < ROWS; i += BATCH) {
      const pipeline = redis.pipeline();
      for (let j = i; j < Math.min(ROWS, i + BATCH); j++) {
        pipeline.xadd(STREAM, '*', 'e', tap.encode(sampleEvent(j, start + j)), 's', 'APPROVED', 'd', '');
      }
      await pipeline.exec();
    }

    // Baseline: the same rows, already built, inserted straight in batches of the same size.
    const entries = (await redis.xrange(STREAM, '-', '+')) as Array<[string, string[]]>;
    const rows: TransactionRow[] = entries.map(([id, fields]) => transactionRow(decodeTapEntry(id, fields)!));
    const rawSink = clickhouseTransactionSink(clickhouse.client, 'raw');
    const rawBatchMs: number[] = [];
    const rawCpu = process.cpuUsage();
    const rawStarted = performance.now();
    for (let i = 0; i < rows.length; i += BATCH) {
      const t = performance.now();
      await rawSink(rows.slice(i, i + BATCH), `raw-${i}`);
      rawBatchMs.push(performance.now() - t);
    }
    const rawMs = performance.now() - rawStarted;
    const rawCpuUs = cpuUsSince(rawCpu);

    settings.log('ingest: draining the stream with the writer');
    const writer = new IngestWriter({
      redis,
      redisUrl: `redis://127.0.0.1:${redisServer.port}`,
      stream: STREAM,
      consumer: 'bench',
      insert: clickhouseTransactionBodySink(clickhouse.client, 'cpg'),
      batchSize: BATCH,
      maxWaitMs: 1000,
    });
    const writerBatchMs: number[] = [];
    const writerCpu = process.cpuUsage();
    const writerStarted = performance.now();
    writer.start();
    let lastBatches = 0;
    while (writer.stats().rows < ROWS) {
      await new Promise((r) => setTimeout(r, 5));
      const s = writer.stats();
      if (s.batches !== lastBatches) {
        writerBatchMs.push(s.lastBatchMs);
        lastBatches = s.batches;
      }
    }
    const writerMs = performance.now() - writerStarted;
    const writerCpuUs = cpuUsSince(writerCpu);
    await writer.close();
    const counted = await (await clickhouse.client.query({ query: 'SELECT toUInt32(count()) AS n FROM cpg.transactions WHERE payment_id < {first:String}', query_params: { first: sampleEvent(1_000_000).paymentId }, format: 'JSONEachRow' })).json<{ n: number }>();
    if (Number(counted[0]?.n) !== ROWS) throw new Error(`writer landed ${counted[0]?.n} rows, expected ${ROWS}`);
    return {
      measurements: [
        batchMeasurement('ingest writer (stream -> ClickHouse)', 'subject', ROWS, writerMs, writerBatchMs),
        batchMeasurement('raw ClickHouse insert, same rows (baseline)', 'baseline', ROWS, rawMs, rawBatchMs),
      ],
      cpu: [
        `CPU per row, whole process (writer thread, main thread, embedded ClickHouse):`,
        `  draining ${ROWS.toLocaleString('en')} entries in batches of ${BATCH}: writer ${(writerCpuUs / ROWS).toFixed(1)} us, raw insert of the same rows ${(rawCpuUs / ROWS).toFixed(1)} us (${(writerCpuUs / rawCpuUs).toFixed(2)}x)`,
        `  at ${STEADY_TPS}/s offered, batches as they come (one a second): writer ${steady.writerUs.toFixed(1)} us over ${steady.writerRows} rows, raw insert of the same rows at the same cadence ${steady.rawUs.toFixed(1)} us (${(steady.writerUs / steady.rawUs).toFixed(2)}x)`,
      ],
    };
  } finally {
    await clickhouse.close();
    redis.disconnect();
    await redisServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const cpuUsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return used.user + used.system;
};

/**
 * Entries appended one by one as the switch commits them, from a process of its own so that
 * only the writer's work is counted here.
 */
const STEADY_FEEDER = `
import { Redis } from 'ioredis';
const [tapStream, tapEvents, port, stream, tps, seconds] = process.argv.slice(1);
const { createStreamTap } = await import(tapStream);
const { sampleEvent } = await import(tapEvents);
const redis = new Redis({ host: '127.0.0.1', port: Number(port) });
const tap = createStreamTap(redis, stream);
const started = Date.now();
let sent = 0;
while (Date.now() - started < Number(seconds) * 1000) {
  for (const due = ((Date.now() - started) / 1000) * Number(tps); sent < due; sent++) {
    void redis.xadd(stream, '*', 'e', tap.encode(sampleEvent(1_000_000 + sent)), 's', 'APPROVED', 'd', '');
  }
  await new Promise((r) => setTimeout(r, 2));
}
await redis.quit();
`;

/**
 * CPU per row of the whole process at STEADY_TPS offered: the writer moving entries as they
 * come, then a raw insert of rows of the same kind in batches of one second's worth, once a
 * second: what the embedded ClickHouse alone costs at that cadence.
 */
async function steadyCpu(settings: BenchSettings, redis: Redis, port: number, client: Parameters<typeof clickhouseTransactionSink>[0]) {
  settings.log(`ingest: the writer at ${STEADY_TPS}/s offered, ${settings.measureS} s after ${settings.warmupS} s of warm-up`);
  const writer = new IngestWriter({
    redis,
    redisUrl: `redis://127.0.0.1:${port}`,
    stream: STEADY_STREAM,
    consumer: 'steady',
    insert: clickhouseTransactionBodySink(client, 'cpg'),
  });
  writer.start();
  const feeder = spawn(
    process.execPath,
    [
      '--import', 'tsx', '--input-type=module', '-e', STEADY_FEEDER,
      new URL('../../ingest/tap-stream.ts', import.meta.url).href,
      new URL('../traffic/tap-events.ts', import.meta.url).href,
      String(port), STEADY_STREAM, String(STEADY_TPS), String(settings.warmupS + settings.measureS + 1),
    ],
    { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const fed = new Promise((resolve) => feeder.once('exit', resolve));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let writing = true;
  try {
    await sleep(settings.warmupS * 1000);
    const rows0 = writer.stats().rows;
    const cpu0 = process.cpuUsage();
    await sleep(settings.measureS * 1000);
    const writerUs = cpuUsSince(cpu0);
    const writerRows = writer.stats().rows - rows0;
    await fed;
    await writer.close();
    writing = false;

    settings.log(`ingest: a raw insert of ${STEADY_TPS} rows once a second, ${settings.measureS} s`);
    const rawSink = clickhouseTransactionSink(client, 'raw');
    const batchOf = (second: number) =>
      Array.from({ length: STEADY_TPS }, (_, i) => {
        const n = 2_000_000 + second * STEADY_TPS + i;
        return transactionRow({ kind: 'transaction', streamId: `${n}-0`, event: { ...sampleEvent(n), status: 'APPROVED' } });
      });
    const seconds = Math.max(1, Math.round(settings.measureS));
    const batches = Array.from({ length: seconds + 1 }, (_, s) => batchOf(s));
    await rawSink(batches[0]!, 'steady-raw-0');
    const cpu1 = process.cpuUsage();
    for (let s = 1; s <= seconds; s++) {
      const next = Date.now() + 1000;
      await rawSink(batches[s]!, `steady-raw-${s}`);
      await sleep(Math.max(0, next - Date.now()));
    }
    const rawUs = cpuUsSince(cpu1);
    return { writerUs: writerUs / Math.max(1, writerRows), writerRows, rawUs: rawUs / (seconds * STEADY_TPS) };
  } finally {
    feeder.kill();
    if (writing) await writer.close();
  }
}

function batchMeasurement(name: string, role: Measurement['role'], rows: number, ms: number, batchMs: number[]): Measurement {
  const sorted = [...batchMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    name: `${name}, rows/s; batch ms`,
    role,
    completed: rows,
    perSecond: rows / (ms / 1000),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: sorted[sorted.length - 1] ?? 0,
    failures: 0,
    failureKinds: {},
  };
}

async function freshness(settings: BenchSettings): Promise<{ lines: string[]; warnings: string[] }> {
  settings.log(`freshness: the platform under ${FRESHNESS_TPS}/s offered for ${settings.measureS} s`);
  const platform = await startPlatform({ keepDataDir: true });
  const since = Date.now();
  let summary;
  try {
    summary = await runSimulation({
      url: platform.url,
      credentialsPath: path.join(REPOSITORY_ROOT, 'config/dev-credentials.json'),
      tps: FRESHNESS_TPS,
      durationS: settings.measureS,
      quiet: true,
    });
    for (let i = 0; i < 600; i++) {
      const health = (await (await fetch(`${platform.url}/health`, { headers: monitoringHeaders() })).json()) as { ingest: { pending: number; lagMs: number } };
      if (health.ingest.pending === 0 && health.ingest.lagMs === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await platform.stop();
  }
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import', 'tsx', 'bench/clickhouse-query.ts', platform.dataDir,
        `SELECT toUInt32(count()) AS n, quantilesExact(0.5, 0.99)(dateDiff('millisecond', decided_at, ingested_at)) AS q
         FROM cpg.transactions WHERE message_type = 'payment' AND received_at >= fromUnixTimestamp64Milli(${since})`,
      ],
      { cwd: REPOSITORY_ROOT },
    );
    const [row] = JSON.parse(stdout) as Array<{ n: number; q: number[] }>;
    const answered = summary.ok2xx;
    const lines = [
      `freshness at ${FRESHNESS_TPS}/s offered: sent ${summary.achievedTps.toFixed(0)}/s, ${answered} answered 2xx (${(answered / summary.durationS).toFixed(0)}/s), ${summary.errorCodes.OVERLOADED ?? 0} refused 503 OVERLOADED, ${row?.n} rows in ClickHouse`,
      `  decision to row in ClickHouse (ingested_at - decided_at): p50 ${row?.q[0]} ms, p99 ${row?.q[1]} ms`,
      `  payment latency at that load: p50 ${summary.latencyMs.p50.toFixed(1)} ms, p99 ${summary.latencyMs.p99.toFixed(1)} ms`,
    ];
    const warnings = Number(row?.n) === answered ? [] : [`freshness: ${answered} payments answered 2xx but ${row?.n} rows found`];
    return { lines, warnings };
  } finally {
    rmSync(platform.dataDir, { recursive: true, force: true });
  }
}
