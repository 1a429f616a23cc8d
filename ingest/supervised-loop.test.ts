import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../rules/test-support/redis.ts';
import { superviseLoop } from './supervised-loop.ts';
import { WriterLoop } from './writer-loop.ts';

describe('a supervised writer loop', () => {
  let server: TestRedis;
  beforeAll(async () => {
    server = await startTestRedis();
  });
  afterAll(async () => server?.stop());

  it('starts again after its Redis commands time out, and every entry is written exactly once', async () => {
    const producer = server.connect();
    // The loop's connection gives up on a command after 100 ms, as the platform's does after 1 s.
    const redis = server.connect({ commandTimeout: 100, maxRetriesPerRequest: 1 });
    const written: string[] = [];
    const errors: string[] = [];
    const supervised = superviseLoop(
      () =>
        new WriterLoop({
          redis,
          stream: 'test:supervised',
          consumer: 'c1',
          batchSize: 50,
          maxWaitMs: 50,
          rowOf: (id) => ({ id }),
          insert: async (body) => {
            for (const line of body.split('\n').filter(Boolean)) written.push((JSON.parse(line) as { id: string }).id);
          },
        }),
      { name: 'test writer', log: { error: (_fields, message) => errors.push(message) }, restartMinMs: 50, restartMaxMs: 200 },
    );
    // Redis stalls while the loop starts: its first commands time out and run() gives up.
    await producer.call('CLIENT', 'PAUSE', '600', 'ALL');
    supervised.start();
    await new Promise((r) => setTimeout(r, 700));
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) ids.push((await producer.xadd('test:supervised', '*', 'n', String(i)))!);
    const deadline = Date.now() + 10_000;
    while (written.length < ids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    await supervised.close(1000);

    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toBe('test writer stopped; starting it again');
    expect(supervised.restarts()).toBe(errors.length);
    expect(written.sort()).toEqual([...ids].sort());
  });

  it('does not start again once closed', async () => {
    const redis = server.connect();
    let created = 0;
    const supervised = superviseLoop(
      () => {
        created++;
        return new WriterLoop({ redis, stream: 'test:closed', consumer: 'c1', maxWaitMs: 50, rowOf: (id) => ({ id }), insert: async () => undefined });
      },
      { name: 'closed writer', log: { error: () => undefined }, restartMinMs: 10 },
    );
    supervised.start();
    supervised.start();
    await supervised.close(100);
    supervised.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(created).toBe(1);
  });
});
