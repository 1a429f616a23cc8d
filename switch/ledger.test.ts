import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../rules/test-support/redis.ts';
import { createLedger } from './ledger.ts';

/** Polls until `check` holds; a read that fails (Redis still paused) counts as not yet. */
const eventually = async <T>(read: () => Promise<T>, check: (v: T) => boolean, timeoutMs: number): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().then(
      (v) => ({ v }),
      (e: Error) => ({ error: e.message }),
    );
    if ('v' in value && check(value.v)) return value.v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('txnId claims when Redis does not answer', () => {
  let server: TestRedis;
  beforeAll(async () => {
    server = await startTestRedis();
  });
  afterAll(async () => server?.stop());

  it('gives back a claim whose SET timed out but still ran, so a retry is not held up until it expires', async () => {
    const admin = server.connect();
    // The platform's connection gives up on a command after 1 s; this one after 100 ms.
    const redis = server.connect({ commandTimeout: 100 });
    const ledger = createLedger(redis, { idempotencyTtlMs: 60_000, retentionMs: 60_000, claimTtlMs: 30_000 });
    await redis.ping();
    await admin.call('CLIENT', 'PAUSE', '400', 'ALL');
    await expect(ledger.claim('siam-wallet', 't-1', 'h1', 'pay_first')).rejects.toThrow('Command timed out');
    // Redis resumes and runs the SET nobody waits for; the retry gets the txnId well before the claim's 30 s.
    const retry = await eventually(() => ledger.claim('siam-wallet', 't-1', 'h1', 'pay_retry'), (c) => c.kind !== 'in-progress', 5000);
    expect(retry).toEqual({ kind: 'claimed', token: 'P|h1|pay_retry' });
  });

  it('leaves a claim alone that is no longer the one it gave up on', async () => {
    const redis = server.connect({ commandTimeout: 100 });
    const ledger = createLedger(redis, { idempotencyTtlMs: 60_000, retentionMs: 60_000 });
    await redis.set('txn:siam-wallet:t-2', 'D|h2|pay_done');
    ledger.releaseSoon('siam-wallet', 't-2', 'P|h2|pay_other');
    await eventually(async () => (await ledger.claim('siam-wallet', 't-2', 'h2', 'pay_late')).kind, (k) => k === 'done', 1000);
    expect(await redis.get('txn:siam-wallet:t-2')).toBe('D|h2|pay_done');
  });
});
