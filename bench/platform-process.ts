import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { freeLoopbackPort, startRedisServer, type RedisProcess } from '../server/redis-process.ts';
import type { DurabilityMode } from '../switch/durability.ts';

/**
 * The whole platform as a child process, started the way `npm start` does (`node --import
 * tsx server/main.ts`), on a free loopback port with a fresh data directory: what the
 * benchmark measures and what the end-to-end tests run against.
 */
export interface PlatformProcess {
  url: string;
  port: number;
  dataDir: string;
  pid: number;
  /** SIGTERM, then wait; SIGKILL to the whole process group if it overruns `timeoutMs`. */
  stop(timeoutMs?: number): Promise<PlatformExit>;
  /** SIGINT to the whole process group, as Ctrl-C in a terminal sends it; then as stop(). */
  interrupt(timeoutMs?: number): Promise<PlatformExit>;
  /**
   * SIGKILL to the whole process group: a crash. Its redis-server runs in a session of its
   * own, so it is not hit; it is sent SIGTERM as the platform dies (server/redis-process.ts).
   */
  kill(): Promise<PlatformExit>;
  /** The last few kilobytes of its stdout and stderr, for failure messages. */
  outputTail(): string;
  /** With `durability: 'replica'`: the pids of the primary and replica started for it. */
  redisPids?: { primary: number; replica: number };
}

export interface PlatformExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  elapsedMs: number;
  /** True when it had to be killed. */
  timedOut: boolean;
}

export interface StartPlatformOptions {
  /** Extra environment on top of PORT, HOST, DATA_DIR and LOG_LEVEL=warn. */
  env?: Record<string, string>;
  healthTimeoutMs?: number;
  /** Copy the platform's output to this process's stderr as it comes. */
  echo?: boolean;
  /** Keep the data directory after stop (it is removed by default). */
  keepDataDir?: boolean;
  /** Reuse this data directory (kept after stop) instead of a fresh one: a restart. */
  dataDir?: string;
  /**
   * The ledger's durability (REDIS_DURABILITY). `replica`: a primary and one replica of
   * this process's making, under the data directory, given as REDIS_URL, stopped after it.
   */
  durability?: DurabilityMode;
}

export const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT_TAIL_CHARS = 8192;

export async function startPlatform(options: StartPlatformOptions = {}): Promise<PlatformProcess> {
  const port = await freeLoopbackPort();
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'cpg-platform-'));
  const keepDataDir = options.keepDataDir || options.dataDir !== undefined;
  const url = `http://127.0.0.1:${port}`;
  const replicated = options.durability === 'replica' ? await startReplicatedRedis(dataDir) : undefined;
  const durabilityEnv = {
    ...(options.durability ? { REDIS_DURABILITY: options.durability } : {}),
    ...(replicated ? { REDIS_URL: replicated.primary.url } : {}),
  };
  // node --import tsx: one process, so signals reach the platform itself. BENCH_PLATFORM_NODE_ARGS
  // (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles it: node refuses --cpu-prof in NODE_OPTIONS.
  const nodeArgs = (process.env.BENCH_PLATFORM_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'server/main.ts'], {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...options.env, ...durabilityEnv, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a platform that will not stop can be killed with its children.
    detached: true,
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
    if (options.echo) process.stderr.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // Never leave a platform behind when the parent goes away unexpectedly.
  const killOnExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);
  const cleanUp = async () => {
    process.off('exit', killOnExit);
    await replicated?.stop();
    if (!keepDataDir) rmSync(dataDir, { recursive: true, force: true });
  };

  const signalled = (send: () => void) => async (timeoutMs = 10_000): Promise<PlatformExit> => {
    const started = performance.now();
    let timedOut = false;
    if (child.exitCode === null && child.signalCode === null) {
      send();
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child, 'SIGKILL');
      }, timeoutMs);
      await exited;
      clearTimeout(timer);
    }
    const { code, signal } = await exited;
    await cleanUp();
    return { code, signal, elapsedMs: performance.now() - started, timedOut };
  };
  // SIGTERM to the platform only: it stops its own redis-server in order.
  const stop = signalled(() => child.kill('SIGTERM'));
  const interrupt = signalled(() => killGroup(child, 'SIGINT'));

  const kill = async (): Promise<PlatformExit> => {
    const started = performance.now();
    killGroup(child, 'SIGKILL');
    const { code, signal } = await exited;
    await cleanUp();
    return { code, signal, elapsedMs: performance.now() - started, timedOut: false };
  };

  try {
    await waitForHealth(url, child, options.healthTimeoutMs ?? 60_000, () => tail);
  } catch (e) {
    await stop(5000);
    throw e;
  }
  return { url, port, dataDir, pid: child.pid as number, stop, interrupt, kill, outputTail: () => tail, ...(replicated ? { redisPids: replicated.pids } : {}) };
}

/** A primary and one replica on loopback, the replica in sync before this returns. */
async function startReplicatedRedis(dataDir: string): Promise<{ primary: RedisProcess; pids: { primary: number; replica: number }; stop(): Promise<void> }> {
  const primary = await startRedisServer({ dir: path.join(dataDir, 'redis-primary') });
  const replica = await startRedisServer({ dir: path.join(dataDir, 'redis-replica'), replicaOf: { port: primary.port, password: primary.password } });
  const stop = async () => {
    await replica.stop();
    await primary.stop();
  };
  const pidOf = (dir: string) => Number(readFileSync(path.join(dataDir, dir, 'redis.pid'), 'utf8'));
  const admin = new Redis(primary.url, { maxRetriesPerRequest: 1 });
  try {
    const deadline = Date.now() + 15_000;
    while (!/slave0:.*state=online/.test(await admin.info('replication'))) {
      if (Date.now() > deadline) throw new Error('the replica did not come online within 15 s');
      await sleep(50);
    }
  } catch (e) {
    await stop();
    throw e;
  } finally {
    admin.disconnect();
  }
  return { primary, pids: { primary: pidOf('redis-primary'), replica: pidOf('redis-replica') }, stop };
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number, tail: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the platform exited (${child.exitCode ?? child.signalCode}) before /health answered 200:\n${tail()}`);
    }
    try {
      const response = await request(`${url}/health`, { headersTimeout: 3000, bodyTimeout: 3000 });
      const body = await response.body.text();
      if (response.statusCode === 200) return;
      last = `HTTP ${response.statusCode} ${body.slice(0, 300)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`the platform's /health did not answer 200 within ${timeoutMs / 1000} s (last: ${last}):\n${tail()}`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
