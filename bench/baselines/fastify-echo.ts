import path from 'node:path';
import { request } from 'undici';
import { REPOSITORY_ROOT } from '../platform-process.ts';
import { freeLoopbackPort } from '../../server/redis-process.ts';
import { spawnBaseline, waitUntilReady, type BaselineProcess } from './child-process.ts';

export interface EchoServer {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Starts bench/baselines/echo-server.ts with node --import tsx, exactly as the platform is started. */
export async function startEchoServer(redisUrl?: string): Promise<EchoServer> {
  const port = await freeLoopbackPort();
  const server: BaselineProcess = spawnBaseline(
    process.execPath,
    ['--import', 'tsx', 'bench/baselines/echo-server.ts'],
    { cwd: REPOSITORY_ROOT, env: { ...process.env, PORT: String(port), ...(redisUrl ? { REDIS_URL: redisUrl } : {}) } },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady('the fastify echo baseline', server, async () => {
    const response = await request(`${url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    await response.body.dump();
    return response.statusCode === 200;
  });
  return { url, pid: server.child.pid, stop: () => server.stop() };
}
