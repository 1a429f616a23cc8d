import { Redis } from 'ioredis';
import { freeLoopbackPort } from '../../server/redis-process.ts';
import { REPOSITORY_ROOT } from '../platform-process.ts';
import { spawnBaseline, waitUntilReady } from './child-process.ts';

export interface ScratchRedis {
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** A throw-away redis-server on a free loopback port: no persistence, nothing shared. */
export async function startScratchRedis(bin = 'redis-server'): Promise<ScratchRedis> {
  const port = await freeLoopbackPort();
  const server = spawnBaseline(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { cwd: REPOSITORY_ROOT },
  );
  const spawned = await new Promise<boolean>((resolve) => {
    server.child.once('spawn', () => resolve(true));
    server.child.once('error', () => resolve(false));
  });
  if (!spawned) throw new Error(`${bin} not found: install it (Debian/Ubuntu: apt-get install redis-server)`);
  await waitUntilReady('the redis-server baseline', server, async () => {
    const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined); // refused while starting: the loop asks again
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } finally {
      probe.disconnect();
    }
  });
  return { port, pid: server.child.pid, stop: () => server.stop() };
}
