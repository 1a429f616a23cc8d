import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { ClickHouseClient } from '@clickhouse/client';
import { INVESTIGATION_INDEXES } from '../../analytics/investigation/candidate-migration.ts';
import { counterparties, subjectHistory, subjectNetwork, type Subject } from '../../analytics/investigation/index.ts';
import type { Window } from '../../analytics/participant/window.ts';
import { migrate } from '../../analytics/schema/migrate.ts';
import { openClickHouse } from '../../server/clickhouse.ts';
import { REPOSITORY_ROOT } from '../platform-process.ts';
import { measurementOfRuns, median, type TimedRuns } from '../few-runs.ts';
import type { Measurement, Suite } from '../suite.ts';

/** Rows generated inside ClickHouse, as the analytics suite (`ANALYTICS_ROWS` overrides, e.g. for a quick look). */
const ROWS = Number(process.env.ANALYTICS_ROWS ?? 10_000_000);
const DAYS = 30;
/** Timed runs per call, after one untimed run (`CASES_RUNS`; from 100 up the p99 is the 99th percentile, below it the slowest run). */
const RUNS = Number(process.env.CASES_RUNS ?? 5);
const HISTORY_TARGET_MS = 1000;
const NETWORK_TARGET_MS = 2000;
/** Time each call on an indexed copy as well, with the candidate migration of analytics/investigation/MIGRATION.md (CASES_CANDIDATE=0 skips it). */
const WITH_CANDIDATE = process.env.CASES_CANDIDATE !== '0';

interface Timed extends TimedRuns {
  /** What the last run answered, in a few words (rows, nodes, truncated). */
  answer: string;
}

/** What the timing child reports on its last stdout line. */
interface Timings {
  rows: number;
  window: { from: string; to: string };
  /** Per role, the subject of each run (the first untimed). */
  subjects: Array<{ role: string; picked: Array<{ subject: Subject; payments: number }> }>;
  timed: Timed[];
  /** The machine's load average (1, 5, 15 minutes) before and after the timings: other work on the CPUs shows here. */
  load: number[][];
  /** How the indexed copy was made, when it was. */
  copy?: string;
}

/**
 * The investigation view of a compliance case (analytics/investigation/) over the rows the
 * analytics suite generates: a subject's history, counterparties and network, for busy
 * merchants, ordinary wallets, devices and IPs picked from the data, called as functions on
 * the embedded ClickHouse of the seeded directory, next to a full scan of the window's
 * rows; then the same again with the candidate indexes of MIGRATION.md applied to the copy.
 * The timing runs in a child process (this file, run directly): embedded ClickHouse allows
 * one data directory per process, and another suite of the same run may hold one.
 */
export const casesSuite: Suite = {
  name: 'cases',
  description: `case investigation (subject history, counterparties, network) over ${ROWS.toLocaleString('en')} transactions (${DAYS} days) in embedded ClickHouse`,
  async run(settings) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-cases-bench-'));
    try {
      settings.log(`cases: generating ${ROWS.toLocaleString('en')} transactions inside ClickHouse`);
      const seeded = await seedInto(dataDir);
      const seed = JSON.parse(seeded.stdout.trim().split('\n').at(-1)!) as { transactions: number; alert_events: number; seconds: number; settleSeconds: number; parts: number };
      settings.log(`cases: ${seed.transactions} transactions and ${seed.alert_events} alert events in ${seed.seconds} s, merges settled in ${seed.settleSeconds} s (${seed.parts} parts)`);

      const timings = JSON.parse(await runChild(WITH_CANDIDATE ? 'time-with-candidate' : 'time', dataDir, settings.log)) as Timings;
      const measurements = timings.timed.map(measurementOfRuns);
      const over = (prefix: string, target: number) => measurements.filter((m) => m.name.startsWith(prefix) && !(m.p50Ms < target));
      const slowHistory = over('history', HISTORY_TARGET_MS);
      const slowNetwork = over('network', NETWORK_TARGET_MS);
      const notes = [
        `${seed.transactions.toLocaleString('en')} transactions over ${DAYS} days, ${seed.alert_events.toLocaleString('en')} alert events; timed after background merges settled (${seed.settleSeconds} s, ${seed.parts} active parts); window ${timings.window.from} to ${timings.window.to}`,
        ...timings.subjects.map((s) => `${s.role}s (payments in the window), run 0 untimed, then runs 1-${RUNS}: ${s.picked.map((p) => `${p.subject.kind === 'wallet' ? `${p.subject.participant}/` : ''}${p.subject.id} (${p.payments.toLocaleString('en')})`).join(', ')}`),
        ...(timings.copy ? [timings.copy] : []),
        ...timings.timed.filter((t) => t.answer).map((t) => `${t.name}, last run: ${t.answer}`),
        `load average (1, 5, 15 min) before and after the timings: ${timings.load.map((l) => l.map((x) => x.toFixed(2)).join(', ')).join(' and ')} on ${os.availableParallelism()} CPUs`,
        `history: ${slowHistory.length === 0 ? `every subject under ${HISTORY_TARGET_MS} ms (median)` : `over ${HISTORY_TARGET_MS} ms: ${slowHistory.map((m) => `${m.name} ${m.p50Ms.toFixed(0)} ms`).join(', ')}`}`,
        `network: ${slowNetwork.length === 0 ? `every subject under ${NETWORK_TARGET_MS} ms (median)` : `over ${NETWORK_TARGET_MS} ms: ${slowNetwork.map((m) => `${m.name} ${m.p50Ms.toFixed(0)} ms`).join(', ')}`}`,
      ];
      const warnings = measurements.filter((m) => m.failures > 0).map((m) => `${m.name}: ${m.failures} failed runs (${Object.keys(m.failureKinds).join('; ')})`);
      const method = `functions called in-process on embedded ClickHouse (no HTTP), one at a time, ${RUNS} timed runs each after one untimed run, each run a different subject of the role (see below); per second = 1000 / median, ${RUNS >= 100 ? 'p99 the 99th percentile of the runs' : 'p99 and max = the slowest run'}`;
      return { suite: 'cases', description: casesSuite.description, method, measurements, ratios: [], warnings, notes };
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

function seedInto(dataDir: string): Promise<{ stdout: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/analytics-seed.ts', dataDir, String(ROWS), String(DAYS)], { cwd: REPOSITORY_ROOT, maxBuffer: 1 << 20 });
}

/** Runs this file as a child on the data directory; its stderr is the progress, its last stdout line the answer. */
function runChild(mode: ChildMode, dataDir: string, log: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/suites/cases.ts', mode, dataDir], { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const lines = stderr.split('\n');
      stderr = lines.pop() ?? '';
      for (const line of lines) if (line) log(line);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout.trim().split('\n').at(-1) ?? '') : reject(new Error(`cases.ts ${mode} exited with ${code}: ${stderr.slice(-2000)}`))));
  });
}

async function one<T>(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<T> {
  const rows = await (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();
  if (!rows[0]) throw new Error(`no row: ${query}`);
  return rows[0];
}

/**
 * The subjects, picked from the data, RUNS + 1 of each role: the merchants with most
 * payments, wallets with the median count of payments, the devices and the IPs with most
 * payments. Each run takes the next one, so no run finds the engine's query condition
 * cache warm from the one before (a repeated lookup skips the granules it found empty
 * last time): every timing is a first look at a subject, as an officer's is.
 */
async function pickSubjects(client: ClickHouseClient, window: Window): Promise<Timings['subjects']> {
  const n = RUNS + 1;
  const inWindow = `received_at >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC') AND received_at < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC') AND message_type = 'payment'`;
  const read = async <T>(query: string) => (await client.query({ query, query_params: { ...window, n }, format: 'JSONEachRow' })).json<T>();
  const busiest = (column: string) =>
    read<{ id: string; payments: number }>(
      `SELECT toString(${column}) AS id, toUInt32(count()) AS payments FROM cpg.transactions WHERE ${inWindow} AND ${column} != '' GROUP BY id ORDER BY payments DESC, id LIMIT {n:UInt32}`,
    );
  const wallets = await read<{ participant: string; id: string; payments: number }>(
    `WITH per_wallet AS (SELECT toString(participant) AS participant, wallet_id AS id, toUInt32(count()) AS payments FROM cpg.transactions WHERE ${inWindow} GROUP BY participant, id)
    SELECT participant, id, payments FROM per_wallet
    WHERE payments = (SELECT toUInt32(quantileExact(0.5)(payments)) FROM per_wallet)
    ORDER BY cityHash64(participant, id) LIMIT {n:UInt32}`,
  );
  return [
    { role: 'busy merchant', picked: (await busiest('merchant_id')).map((r) => ({ subject: { kind: 'merchant', id: r.id }, payments: r.payments })) },
    { role: 'ordinary wallet', picked: wallets.map((r) => ({ subject: { kind: 'wallet', id: r.id, participant: r.participant }, payments: r.payments })) },
    { role: 'busy device', picked: (await busiest('device_id')).map((r) => ({ subject: { kind: 'device', id: r.id }, payments: r.payments })) },
    { role: 'busy IP', picked: (await busiest('ip')).map((r) => ({ subject: { kind: 'ip', id: r.id }, payments: r.payments })) },
  ];
}

type ChildMode = 'time' | 'time-with-candidate';

/**
 * A copy of the seeded rows in database `cpg_indexed`, migrated as the platform migrates
 * and with the candidate indexes added before the rows go in (so every part has them).
 * Timed alternately with `cpg`, run by run, both see the same load on the machine.
 */
async function indexedCopy(client: ClickHouseClient, log: (line: string) => void): Promise<string> {
  const started = performance.now();
  await migrate(client, INDEXED);
  for (const statement of INVESTIGATION_INDEXES.statements) await client.command({ query: statement.replaceAll('{db}', INDEXED) });
  const columns = (
    await (
      await client.query({
        query: `SELECT name FROM system.columns WHERE database = 'cpg' AND table = 'transactions' AND default_kind NOT IN ('MATERIALIZED', 'ALIAS') ORDER BY position`,
        format: 'JSONEachRow',
      })
    ).json<{ name: string }>()
  ).map((c) => c.name).join(', ');
  const copy = `SETTINGS async_insert = 0, insert_deduplicate = 0`;
  await client.command({ query: `INSERT INTO ${INDEXED}.transactions (${columns}) SELECT ${columns} FROM cpg.transactions ${copy}` });
  await client.command({ query: `INSERT INTO ${INDEXED}.alert_events SELECT * FROM cpg.alert_events ${copy}` });
  // As the seed does: time a table whose merges have settled, not the merges.
  for (let quiet = 0, waited = 0; quiet < 4 && waited < 240; waited++) {
    const [running] = await (await client.query({ query: `SELECT toUInt32(count()) AS merges FROM system.merges WHERE database = '${INDEXED}'`, format: 'JSONEachRow' })).json<{ merges: number }>();
    quiet = running?.merges === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const [size] = await (
    await client.query({
      query: `SELECT formatReadableSize(sum(data_compressed_bytes)) AS indexes FROM system.data_skipping_indices WHERE database = '${INDEXED}' AND table = 'transactions' AND name IN ('device_id_bloom', 'ip_bloom', 'wallet_id_bloom')`,
      format: 'JSONEachRow',
    })
  ).json<{ indexes: string }>();
  const line = `candidate indexes (analytics/investigation/candidate-migration.ts): measured on a copy of the rows in ${INDEXED} made in ${((performance.now() - started) / 1000).toFixed(1)} s, the three indexes ${size?.indexes ?? '?'} on disk; each run times cpg then ${INDEXED} with the same subject`;
  log(`cases: ${line}`);
  return line;
}

const INDEXED = 'cpg_indexed';

async function timeAll(dataDir: string, withCandidate: boolean): Promise<Timings> {
  const clickhouse = await openClickHouse({ dataDir });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const loadBefore = os.loadavg();
  try {
    const client = clickhouse.client;
    const copy = withCandidate ? await indexedCopy(client, log) : undefined;
    const span = await one<{ first: string; last: string; rows: string }>(
      client,
      `SELECT toString(toUnixTimestamp64Milli(min(received_at))) AS first, toString(toUnixTimestamp64Milli(max(received_at))) AS last, toString(count()) AS rows FROM cpg.transactions`,
    );
    const window: Window = { fromMs: Number(span.first), toMs: Number(span.last) + 1 };
    const subjects = await pickSubjects(client, window);
    const databases = withCandidate ? ['cpg', INDEXED] : ['cpg'];

    /** Run i calls with the i-th subject, on each database in turn: run 0 untimed, runs 1..RUNS timed. */
    const time = async (name: string, role: Measurement['role'], call: (i: number, database: string) => Promise<string>): Promise<Timed[]> => {
      const timed = databases.map((database): Timed => ({ name: database === 'cpg' ? name : `${name}, candidate indexes`, role, ms: [], failures: 0, failureKinds: {}, answer: '' }));
      for (let i = 0; i <= RUNS; i++) {
        for (const [d, database] of databases.entries()) {
          const t = timed[d]!;
          const started = performance.now();
          try {
            const answer = await call(i, database);
            if (i > 0) t.ms.push(performance.now() - started);
            if (i === RUNS) t.answer = answer;
          } catch (e) {
            t.failures++;
            const kind = (e as Error).message.slice(0, 160);
            t.failureKinds[kind] = (t.failureKinds[kind] ?? 0) + 1;
          }
        }
      }
      for (const t of timed) log(`  ${t.name}: median ${median(t.ms).toFixed(0)} ms, max ${Math.max(...t.ms).toFixed(0)} ms (last: ${t.answer})`);
      return timed;
    };
    const subjectOf = (picked: Timings['subjects'][number]['picked'], i: number) => (picked[i] ?? picked[0]!).subject;

    const timed: Timed[] = [];
    timed.push(
      ...(await time('full scan of the window: count and sum of every row (baseline)', 'baseline', async (_, database) => {
        const r = await one<{ n: string }>(
          client,
          `SELECT toString(count()) AS n, toString(sum(amount_usd)) AS usd FROM ${database}.transactions
          WHERE received_at >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC') AND received_at < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')`,
          { ...window },
        );
        return `${r.n} rows`;
      })),
    );
    for (const { role, picked } of subjects) {
      timed.push(
        ...(await time(`history, ${role}`, 'subject', async (i, database) => {
          const h = await subjectHistory(client, database, subjectOf(picked, i), window);
          return `${h.payments.count} payments, ${h.byDay.length} days, ${h.declines.byReason.length} decline reasons`;
        })),
      );
    }
    for (const { role, picked } of subjects) {
      timed.push(
        ...(await time(`counterparties, ${role} (100)`, 'subject', async (i, database) => {
          const c = await counterparties(client, database, subjectOf(picked, i), window, 100);
          return `${c.rows.length} counterparties${c.truncated ? ', truncated' : ''}`;
        })),
      );
    }
    for (const { role, picked } of subjects) {
      timed.push(
        ...(await time(`network, ${role} (2 hops, 200 nodes)`, 'subject', async (i, database) => {
          const n = await subjectNetwork(client, database, subjectOf(picked, i), window, { hops: 2, maxNodes: 200 });
          return `${n.nodes.length} nodes, ${n.edges.length} edges, ${n.nodes.filter((x) => x.suspicious).length} suspicious, ${n.nodes.filter((x) => x.hub).length} hubs${n.truncated ? ', truncated' : ''}`;
        })),
      );
    }
    const merchants = subjects[0]!.picked;
    timed.push(
      ...(await time('network, busy merchant (2 hops, 1000 nodes)', 'subject', async (i, database) => {
        const n = await subjectNetwork(client, database, subjectOf(merchants, i), window, { hops: 2, maxNodes: 1000 });
        return `${n.nodes.length} nodes, ${n.edges.length} edges${n.truncated ? ', truncated' : ''}`;
      })),
    );
    return {
      rows: Number(span.rows),
      window: { from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString() },
      subjects,
      timed,
      load: [loadBefore, os.loadavg()],
      ...(copy ? { copy } : {}),
    };
  } finally {
    await clickhouse.close();
  }
}

// Run directly (by runChild): time the calls on DATA_DIR (and on an indexed copy, run by run) and print the timings as one JSON line.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [mode, dataDir] = process.argv.slice(2);
  if ((mode !== 'time' && mode !== 'time-with-candidate') || !dataDir) {
    process.stderr.write('usage: node --import tsx bench/suites/cases.ts time|time-with-candidate DATA_DIR\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(await timeAll(dataDir, mode === 'time-with-candidate'))}\n`);
}
