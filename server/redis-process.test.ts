import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freeLoopbackPort, processAlive as alive, startRedisServer, type RedisProcess } from './redis-process.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

describe("the platform's own redis-server when the platform is gone", () => {
  const dirs: string[] = [];
  const servers: RedisProcess[] = [];
  const dir = () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'cpg-redis-process-'));
    dirs.push(d);
    return d;
  };
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('stops by itself, writing its AOF, when the process that started it is killed with SIGKILL', { skip: !existsSync('/usr/bin/setpriv') }, async () => {
    const data = dir();
    // A process that starts one and is then killed, as the OOM killer would kill the platform.
    const parent = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', `import { startRedisServer } from './server/redis-process.ts'; await startRedisServer({ dir: ${JSON.stringify(data)} }); console.log('ready'); setInterval(() => {}, 1000);`],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      parent.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      parent.once('exit', (code) => reject(new Error(`exited ${code} before its redis-server was ready`)));
    });
    const pid = Number(readFileSync(path.join(data, 'redis.pid'), 'utf8'));
    expect(alive(pid)).toBe(true);
    parent.kill('SIGKILL');
    const stopped = await until(() => !alive(pid), 5000);
    if (!stopped) process.kill(pid, 'SIGKILL'); // not left running after a failure
    expect(stopped).toBe(true);
    expect(readFileSync(path.join(data, 'redis.log'), 'utf8')).toMatch(/Received SIGTERM scheduling shutdown[\s\S]*fsync\(\) on the AOF file[\s\S]*ready to exit, bye bye/);
    // A clean shutdown removes its pid file: nothing is left for the next start to stop.
    expect(existsSync(path.join(data, 'redis.pid'))).toBe(false);
  });

  it('stops a redis-server left running on its data directory before it starts its own', async () => {
    const data = dir();
    const port = await freeLoopbackPort();
    // Left behind, as where there is no setpriv a platform killed with SIGKILL leaves it.
    const orphan = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', data, '--pidfile', path.join(data, 'redis.pid'), '--save', ''], {
      stdio: 'ignore',
      detached: true,
    });
    const orphanExited = new Promise((resolve) => orphan.once('exit', resolve));
    expect(await until(() => existsSync(path.join(data, 'redis.pid')), 5000)).toBe(true);
    const server = await startRedisServer({ dir: data });
    servers.push(server);
    await orphanExited;
    expect(alive(orphan.pid!)).toBe(false);
    expect(Number(readFileSync(path.join(data, 'redis.pid'), 'utf8'))).not.toBe(orphan.pid);
  });
});
