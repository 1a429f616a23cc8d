import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPOSITORY_ROOT, startPlatform, type PlatformExit, type PlatformProcess } from './platform-process.ts';
import { machineInfo, writeResults } from './report.ts';
import { minuteHeader, minuteLine, type MinuteRecord } from './soak/format.ts';
import { readHealth } from './soak/health.ts';
import { countStoredPayments, waitForIngestDrain, type Drain, type StoredCounts } from './soak/ingest-check.ts';
import { LATE_MS, runOpenLoop, type OpenLoopResult } from './soak/open-loop.ts';
import { findChildProcess, readProcessMemory } from './soak/process-memory.ts';
import { summarizeSoak, type SoakRun } from './soak/summary.ts';
import { bootstrapMerchants } from './traffic/bootstrap.ts';
import { isRecord, loadParticipants, DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH } from './traffic/participants.ts';
import { createPaymentGenerator } from './traffic/payment-generator.ts';
import { createSignedClient } from './traffic/signed-client.ts';

/**
 * Soak: the platform all-in-one (its own redis-server, embedded ClickHouse, ingest writer
 * in the process) in a fresh data directory, offered signed payments open loop at --tps
 * for --minutes. One line a minute, then the whole run, a trend judgement, the ingest
 * drain, and every figure in bench/results/soak-latest.json. Progress goes to stderr,
 * figures to stdout. It measures; it asserts nothing.
 */
const USAGE = `usage: node --import tsx bench/soak.ts --minutes M --tps N [options]
  --minutes M          whole minutes of traffic (>= 1; the trend is judged from 3)
  --tps N              payments offered per second, open loop (> 0)
  --connections C      keep-alive connections = requests in flight at most (default 256);
                       a payment due while all are busy is counted as missed
  --payers P           simulated payers per wallet (default 2000)
  --seed S             seed of the generated traffic (default 1)
  --drain-timeout S    seconds to wait for ingest to drain after the traffic (default 120)
  --windows-minutes W  scale Redis's windows down to W minutes, so its memory can level off
                       within the run: the follow-up window, the idempotency window and the
                       nonce window (a clock skew of W/2 minutes); the rest of the config as is
  --output FILE        where the figures go (default bench/results/soak-latest.json)`;

const DEFAULT_OUTPUT = 'bench/results/soak-latest.json';
const REQUEST_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

interface SoakOptions {
  minutes: number;
  tps: number;
  connections: number;
  payersPerWallet: number;
  seed: number;
  drainTimeoutS: number;
  output: string;
  /** --windows-minutes: Redis's per-payment windows scaled down to this; the config's own when left out. */
  windowsMinutes?: number;
}

class UsageError extends Error {}

function parseCommandLine(argv: string[]): SoakOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        minutes: { type: 'string' },
        tps: { type: 'string' },
        connections: { type: 'string', default: '256' },
        payers: { type: 'string', default: '2000' },
        seed: { type: 'string', default: '1' },
        'drain-timeout': { type: 'string', default: '120' },
        output: { type: 'string', default: DEFAULT_OUTPUT },
        'windows-minutes': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return 'help';
  if (values.minutes === undefined) throw new UsageError('--minutes is required');
  if (values.tps === undefined) throw new UsageError('--tps is required');
  return {
    minutes: wholeNumber('--minutes', values.minutes, 1),
    tps: positive('--tps', values.tps),
    connections: wholeNumber('--connections', values.connections, 1),
    payersPerWallet: wholeNumber('--payers', values.payers, 1),
    seed: wholeNumber('--seed', values.seed, 0),
    drainTimeoutS: positive('--drain-timeout', values['drain-timeout']),
    output: path.resolve(values.output),
    ...(values['windows-minutes'] === undefined ? {} : { windowsMinutes: windowMinutes(values['windows-minutes']) }),
  };
}

/** The nonce window is twice the clock skew, which the config takes in whole seconds from 1 s to 15 minutes. */
function windowMinutes(text: string): number {
  const value = wholeNumber('--windows-minutes', text, 1);
  if (value > 30) throw new UsageError(`--windows-minutes: ${value} is more than 30 (the nonce window is at most 30 minutes)`);
  return value;
}

/**
 * The platform's config (CONFIG, else the development file) with Redis's per-payment windows
 * scaled down to `minutes`, written to a directory of its own; the other settings unchanged.
 */
function configWithWindows(minutes: number): { path: string; dir: string } {
  const source = path.resolve(REPOSITORY_ROOT, process.env.CONFIG || DEFAULT_CONFIG_PATH);
  const config = JSON.parse(readFileSync(source, 'utf8'));
  config.payments = { ...config.payments, followUpWindowMinutes: minutes, idempotencyTtlHours: minutes / 60 };
  config.auth = { ...config.auth, maxClockSkewMs: minutes * 30_000 };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-soak-config-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, `${JSON.stringify(config, null, 1)}\n`);
  return { path: file, dir };
}

function positive(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new UsageError(`${flag}: "${text}" is not a number above 0`);
  return value;
}

function wholeNumber(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min) throw new UsageError(`${flag}: "${text}" is not a whole number >= ${min}`);
  return value;
}

const progress = (line: string) => process.stderr.write(`soak: ${line}\n`);
const print = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  let options: SoakOptions;
  try {
    const parsed = parseCommandLine(process.argv.slice(2));
    if (parsed === 'help') {
      print(USAGE);
      return 0;
    }
    options = parsed;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`soak: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (process.platform !== 'linux') progress('not Linux: RSS comes from /proc and will show as "?"');

  const stop = new AbortController();
  process.once('SIGINT', () => {
    progress('SIGINT: ending the traffic early, then draining and stopping the platform (again to quit at once)');
    stop.abort();
    process.once('SIGINT', () => process.exit(130));
  });

  const credentialsPath = path.join(REPOSITORY_ROOT, DEFAULT_CREDENTIALS_PATH);
  const { participants, homeCountry } = loadParticipants(credentialsPath, path.join(REPOSITORY_ROOT, DEFAULT_CONFIG_PATH));
  progress('starting the platform (server/main.ts: own redis-server, embedded ClickHouse, ingest writer) in a fresh data directory');
  const scaled = options.windowsMinutes === undefined ? undefined : configWithWindows(options.windowsMinutes);
  if (scaled) progress(`Redis's windows scaled down to ${options.windowsMinutes} min: follow-up, idempotency, nonces (config ${scaled.path})`);
  // Empty values unset what the caller's environment might point elsewhere: the soak is all-in-one.
  const platform = await startPlatform({
    keepDataDir: true,
    env: { REDIS_URL: '', CLICKHOUSE_URL: '', CLICKHOUSE_DATABASE: '', INGEST_WRITER: 'on', ROLE: '', ...(scaled ? { CONFIG: scaled.path } : {}) },
  }).finally(() => {
    if (scaled) rmSync(scaled.dir, { recursive: true, force: true });
  });
  const redisPid = findChildProcess(platform.pid, 'redis-server');
  progress(`platform pid ${platform.pid} at ${platform.url}, redis-server ${redisPid === undefined ? 'not found among its children' : `pid ${redisPid}`}, data ${platform.dataDir}`);

  let run: SoakRun | undefined;
  let failure: Error | undefined;
  try {
    run = await soak(platform, redisPid, options, participants, homeCountry, stop.signal);
  } catch (e) {
    failure = e as Error;
  }
  progress('stopping the platform (SIGTERM)');
  const exit = await platform.stop(STOP_TIMEOUT_MS);
  let stored: StoredCounts | string | undefined;
  if (run) {
    progress('counting the payments in ClickHouse (the stopped platform\'s data directory)');
    stored = await countStoredPayments(platform.dataDir).catch((e: unknown) => `could not count: ${(e as Error).message.split('\n')[0]}`);
  }
  rmSync(platform.dataDir, { recursive: true, force: true });
  if (!run) {
    process.stderr.write(`soak: ${failure?.message}\nthe end of the platform's output:\n${platform.outputTail().slice(-3000)}\n`);
    return 1;
  }
  finish(options, run, exit, stored);
  return 0;
}

async function soak(
  platform: PlatformProcess,
  redisPid: number | undefined,
  options: SoakOptions,
  participants: ReturnType<typeof loadParticipants>['participants'],
  homeCountry: string,
  signal: AbortSignal,
): Promise<SoakRun> {
  const client = createSignedClient(platform.url, { connections: options.connections, timeoutMs: REQUEST_TIMEOUT_MS });
  try {
    progress('bootstrapping merchants (acquirers list them and issue their QR codes)');
    const merchants = await bootstrapMerchants(client, participants.filter((p) => p.kind === 'acquirer'));
    const generator = createPaymentGenerator({
      participants,
      merchants,
      homeCountry,
      seed: options.seed,
      payersPerWallet: options.payersPerWallet,
      txnPrefix: 'soak',
    });
    const ended = new AbortController();
    const abort = AbortSignal.any([signal, ended.signal]);
    const records: MinuteRecord[] = [];
    // Lines wait for their /health answer but come out in minute order.
    let printed: Promise<void> = Promise.resolve();
    let cpuMark = { usage: process.cpuUsage(), at: performance.now() };
    progress(`offering ${options.tps}/s for ${options.minutes} min over at most ${options.connections} connections; one line a minute on stdout`);
    print(`soak: ${options.tps}/s offered for ${options.minutes} min, open loop, ${options.connections} connections, platform pid ${platform.pid}`);
    print(minuteHeader());
    const traffic: OpenLoopResult = await runOpenLoop({
      tps: options.tps,
      minutes: options.minutes,
      maxInFlight: options.connections,
      drainMs: REQUEST_TIMEOUT_MS + 2000,
      signal: abort,
      operation: async () => {
        const payment = generator.next((Date.now() / 3_600_000) % 24);
        const response = await client.send(payment.participant, 'POST', '/v1/payments', JSON.stringify(payment.body));
        const decision = isRecord(response.body) && typeof response.body.status === 'string' ? response.body.status : undefined;
        return { status: response.status, decision };
      },
      onMinute: (minute) => {
        const platformMemory = readProcessMemory(platform.pid);
        const redisMemory = redisPid === undefined ? undefined : readProcessMemory(redisPid);
        const cpu = process.cpuUsage(cpuMark.usage);
        const runnerCpuPercent = (100 * (cpu.user + cpu.system)) / 1000 / (performance.now() - cpuMark.at);
        cpuMark = { usage: process.cpuUsage(), at: performance.now() };
        const loadAverage1m = os.loadavg()[0] ?? Number.NaN;
        if (!platformMemory && !ended.signal.aborted) {
          progress(`the platform (pid ${platform.pid}) is gone; ending the run`);
          ended.abort();
        }
        const health = platformMemory ? readHealth(platform.url) : Promise.resolve({ status: 0, ms: 0, error: 'platform gone' });
        printed = printed.then(async () => {
          const record: MinuteRecord = {
            ...minute,
            platformRssMiB: platformMemory?.rssMiB,
            redisRssMiB: redisMemory?.rssMiB,
            health: await health,
            loadAverage1m,
            runnerCpuPercent,
          };
          records.push(record);
          print(minuteLine(record));
        });
      },
    });
    await printed;
    const platformGone = ended.signal.aborted || readProcessMemory(platform.pid) === undefined;
    let drain: Drain | undefined;
    if (!platformGone) {
      progress(`traffic over; waiting up to ${options.drainTimeoutS} s for ingest to drain (lag 0, nothing pending)`);
      drain = await waitForIngestDrain(platform.url, options.drainTimeoutS * 1000);
    }
    // The kernel's high-water marks, read last: the drain's inserts count too.
    const peaks = { platformMiB: readProcessMemory(platform.pid)?.peakRssMiB, redisMiB: redisPid === undefined ? undefined : readProcessMemory(redisPid)?.peakRssMiB };
    return { traffic, records, peaks, drain, merchants: merchants.length, platformGone };
  } finally {
    await client.close();
  }
}

function finish(options: SoakOptions, run: SoakRun, exit: PlatformExit, stored: StoredCounts | string | undefined): void {
  const summary = summarizeSoak({ ...options, lateMs: LATE_MS }, run, exit, stored);
  for (const line of summary.lines) print(line);
  writeResults(options.output, {
    kind: 'soak',
    machine: machineInfo(),
    settings: { ...options, requestTimeoutMs: REQUEST_TIMEOUT_MS, lateMs: LATE_MS },
    aborted: run.traffic.aborted,
    platformGone: run.platformGone,
    minutes: run.records,
    totals: summary.totals,
    peakRssMiB: run.peaks,
    trend: summary.trend,
    ingest: { drain: run.drain, stored, fromHealth: summary.fromHealth, fromClickHouse: summary.fromClickHouse },
    platformExit: exit,
  });
  const shown = path.relative(process.cwd(), options.output);
  print(`\nfigures written to ${shown.startsWith('..') ? options.output : shown}`);
}

process.exitCode = await main();
