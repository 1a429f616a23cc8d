import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../rules/test-support/redis.ts';
import { eventually } from '../test/support/traffic.ts';
import { WriterLoop } from './writer-loop.ts';

describe('the writer loop and a lost connection', () => {
  let server: TestRedis;
  beforeAll(async () => {
    server = await startTestRedis();
  });
  afterAll(async () => server?.stop());

  it('writes entries delivered to it whose reply was lost with the connection', async () => {
    const admin = server.connect();
    const redis = server.connect();
    const stream = 'test:lost-delivery';
    const written: string[] = [];
    const loop = new WriterLoop({
      redis,
      stream,
      consumer: 'c1',
      batchSize: 100,
      maxWaitMs: 200,
      rowOf: (id) => ({ id }),
      insert: async (body) => {
        for (const line of body.split('\n').filter(Boolean)) written.push((JSON.parse(line) as { id: string }).id);
      },
    });
    const running = loop.run();
    const first = (await admin.xadd(stream, '*', 'n', '1'))!;
    await eventually(() => written.length, (n) => n === 1, 10_000);
    expect(written).toEqual([first]);

    // What Redis stopping between delivering entries and sending the reply leaves behind:
    // entries pending for this consumer that the loop never received. The delivery runs in
    // one transaction with the append, so the loop's blocked XREADGROUP is never served.
    const [[, lost]] = (await admin.multi().xadd(stream, '*', 'n', '2').xreadgroup('GROUP', 'ingest', 'c1', 'COUNT', 10, 'STREAMS', stream, '>').exec()) as [
      [null, string],
      unknown,
    ];
    expect(await admin.xpending(stream, 'ingest')).toEqual([1, lost, lost, [['c1', '1']]]);
    // The connection drops; ioredis reconnects and sends the XREADGROUP again.
    const clients = (await admin.call('CLIENT', 'LIST')) as string;
    const blocked = clients.split('\n').filter((line) => /cmd=xreadgroup/.test(line));
    expect(blocked).toHaveLength(1);
    await admin.call('CLIENT', 'KILL', 'ID', /id=(\d+)/.exec(blocked[0]!)![1]!);
    const later = (await admin.xadd(stream, '*', 'n', '3'))!;

    await eventually(() => written.length, (n) => n >= 3, 10_000);
    expect(written.sort()).toEqual([first, lost, later].sort());
    await eventually(() => admin.xpending(stream, 'ingest'), (p) => Number((p as [number])[0]) === 0, 10_000);
    await loop.close(1000);
    await running;
  });

  it('gathers entries appended one at a time into a few reads, not one read per entry', async () => {
    const admin = server.connect();
    const stream = 'test:one-at-a-time';
    let landed = 0;
    const loop = new WriterLoop({
      redis: server.connect(),
      stream,
      consumer: 'c1',
      batchSize: 1000,
      maxWaitMs: 2000,
      rowOf: (id) => ({ id }),
      insert: async (body) => {
        landed += body.split('\n').filter(Boolean).length;
      },
    });
    const running = loop.run();
    await eventually(() => admin.xinfo('GROUPS', stream).catch(() => []), (groups) => (groups as unknown[]).length === 1, 10_000);
    const calls = async () => Number(/cmdstat_xreadgroup:calls=(\d+)/.exec((await admin.info('commandstats')) as string)?.[1] ?? 0);
    const before = await calls();
    // As the switch appends them: one entry per commit, each a round trip after the one before.
    for (let i = 0; i < 300; i++) await admin.xadd(stream, '*', 'n', String(i));
    await eventually(() => landed, (n) => n === 300, 10_000);
    expect(await calls() - before).toBeLessThan(60);
    await loop.close(1000);
    await running;
  });
});
