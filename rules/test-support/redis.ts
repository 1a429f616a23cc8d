import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { startRedisServer, type RedisProcess } from '../../server/redis-process.ts';

/** A real redis-server of the test's own, on a free loopback port, in a temporary directory. */
export interface TestRedis {
  server: RedisProcess;
  connect(options?: RedisOptions): Redis;
  stop(): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-rules-'));
  const server = await startRedisServer({ dir });
  const clients: Redis[] = [];
  return {
    server,
    connect(options = {}) {
      // What the caller must configure for the risk step (docs/rules.md): bounded retries and a command timeout.
      const client = new Redis(server.url, { maxRetriesPerRequest: 1, commandTimeout: 2000, ...options });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
