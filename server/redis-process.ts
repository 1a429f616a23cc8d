import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * The platform's own redis-server, for when no REDIS_URL is given: a child process on a
 * free loopback port, AOF on, data under `dir`, behind a password generated at each start,
 * stopped with the platform.
 */
export interface RedisProcess {
  /** `redis://:PASSWORD@127.0.0.1:PORT`: it holds the password, so it is never logged. */
  url: string;
  port: number;
  /** Only for starting it again on the same data (a restart keeps the clients' URL valid). */
  password: string;
  stop(timeoutMs?: number): Promise<void>;
}

export class RedisNotInstalledError extends Error {
  override name = 'RedisNotInstalledError';
  constructor(bin: string) {
    super(
      `redis-server not found (${bin}): install it (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL=redis://host:port`,
    );
  }
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Where util-linux keeps setpriv, which makes redis-server stop when the platform dies. */
const SETPRIV = '/usr/bin/setpriv';

export interface RedisServerOptions {
  dir: string;
  bin?: string;
  port?: number;
  password?: string;
  /**
   * How often the AOF is fsynced: `everysec` (default) or `always`, before every reply
   * (switch/durability.ts). The platform starts it with its `redis.durability`.
   */
  appendfsync?: 'everysec' | 'always';
  /** Run as a replica of this loopback primary: for tests and benchmarks of `replica` durability. */
  replicaOf?: { port: number; password: string };
}

export async function startRedisServer(options: RedisServerOptions): Promise<RedisProcess> {
  const bin = options.bin ?? 'redis-server';
  // The AOF holds sessions, balances and rules: this user's alone.
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  chmodSync(options.dir, 0o700);
  const pidFile = path.join(options.dir, 'redis.pid');
  // A platform killed with SIGKILL leaves its redis-server behind; it owns this AOF, so stop it first.
  await stopOrphan(pidFile);
  const port = options.port ?? (await freeLoopbackPort());
  // Without a password any local process could write a session key and be admin. It goes in
  // on stdin (`-`): `ps` shows every process's command line to every local user.
  const password = options.password ?? randomBytes(32).toString('hex');
  const args = [
    '-',
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', options.dir,
    '--pidfile', pidFile,
    '--logfile', path.join(options.dir, 'redis.log'),
    '--appendonly', 'yes',
    '--appendfsync', options.appendfsync ?? 'everysec',
    // Every payment appends ~13 KB of script effects to the AOF; with the default 64 MB
    // floor the log was rewritten (a fork writing the whole dataset) every few seconds
    // under load. From 1 GB it is rewritten about once a minute at 1,000 payments/s.
    '--auto-aof-rewrite-min-size', '1gb',
    '--save', '',
    '--maxmemory-policy', 'noeviction',
    '--protected-mode', 'yes',
    '--daemonize', 'no',
  ];
  // A session of its own: Ctrl-C in a terminal signals the whole foreground process group,
  // and redis-server must go after the platform has drained against it, when the platform
  // stops it. Should the platform die without stopping it, setpriv has it sent SIGTERM then
  // (it writes its AOF and exits); where there is no setpriv it runs on until the next start
  // on this data directory stops it (stopOrphan).
  const supervised = existsSync(SETPRIV);
  const [command, argv] = supervised ? [SETPRIV, ['--pdeathsig', 'TERM', '--', bin, ...args]] : [bin, args];
  const child = spawn(command, argv, { stdio: ['pipe', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  child.stdin?.on('error', () => undefined); // a redis-server that exits at once: reported below
  const replicaOf = options.replicaOf ? `replicaof 127.0.0.1 ${options.replicaOf.port}\nmasterauth ${options.replicaOf.password}\n` : '';
  child.stdin?.end(`requirepass ${password}\n${replicaOf}`);
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!spawned) throw new RedisNotInstalledError(bin);
  // setpriv exits 127 when it cannot find the binary to run.
  await waitForPing(port, password, child, () => stderr, () => (supervised && child.exitCode === 127 ? new RedisNotInstalledError(bin) : undefined));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `redis://:${password}@127.0.0.1:${port}`,
    port,
    password,
    async stop(timeoutMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForPing(
  port: number,
  password: string,
  child: ChildProcess,
  stderr: () => string,
  notInstalled: () => Error | undefined,
): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw notInstalled() ?? new Error(`redis-server exited with code ${child.exitCode}: ${stderr().trim().split('\n').pop() ?? ''}`);
    }
    if (await pingOnce(port, password)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on port ${port} within 15 s`);
}

function pingOnce(port: number, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let replies = '';
    const done = (value: boolean) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write(`AUTH ${password}\r\nPING\r\n`));
    // Two replies, AUTH's and PING's. While loading the AOF redis answers PING with
    // -LOADING; only +OK then +PONG means ready.
    socket.on('data', (data) => {
      replies += data.toString();
      const lines = replies.split('\r\n');
      if (lines.length > 2) done(lines[0] === '+OK' && lines[1] === '+PONG');
    });
  });
}

async function stopOrphan(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1 || !isRedis(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && processAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** Whether a process of this id exists (signal 0 only asks). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isRedis(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return false;
  }
}
