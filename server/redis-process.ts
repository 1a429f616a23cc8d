import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * The platform's own redis-server, for when no REDIS_URL is given: a child process on a
 * free loopback port, AOF on, data under `dir`, stopped with the platform.
 */
export interface RedisProcess {
  url: string;
  port: number;
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

export async function startRedisServer(options: { dir: string; bin?: string; port?: number }): Promise<RedisProcess> {
  const bin = options.bin ?? 'redis-server';
  mkdirSync(options.dir, { recursive: true });
  const pidFile = path.join(options.dir, 'redis.pid');
  // A platform killed with SIGKILL leaves its redis-server behind; it owns this AOF, so stop it first.
  await stopOrphan(pidFile);
  const port = options.port ?? (await freeLoopbackPort());
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', options.dir,
    '--pidfile', pidFile,
    '--logfile', path.join(options.dir, 'redis.log'),
    '--appendonly', 'yes',
    '--appendfsync', 'everysec',
    // Every payment appends ~13 KB of script effects to the AOF; with the default 64 MB
    // floor the log was rewritten (a fork writing the whole dataset) every few seconds
    // under load. From 1 GB it is rewritten about once a minute at 1,000 payments/s.
    '--auto-aof-rewrite-min-size', '1gb',
    '--save', '',
    '--maxmemory-policy', 'noeviction',
    '--protected-mode', 'yes',
    '--daemonize', 'no',
  ];
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()).slice(-2000));
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!spawned) throw new RedisNotInstalledError(bin);
  await waitForPing(port, child, () => stderr);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop(timeoutMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForPing(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`redis-server exited with code ${child.exitCode}: ${stderr().trim().split('\n').pop() ?? ''}`);
    }
    if (await pingOnce(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on port ${port} within 15 s`);
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (value: boolean) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    // While loading the AOF redis answers -LOADING; only +PONG means ready.
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

async function stopOrphan(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1 || !isRedis(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && alive(pid)) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

function alive(pid: number): boolean {
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
