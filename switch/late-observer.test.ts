import { describe, expect, it } from 'vitest';
import type { TransactionEvent } from '../domain/transaction.ts';
import { createLateObserver } from './late-observer.ts';
import type { StoredPayment } from './ledger.ts';

/** The retry logic alone, with a scripted ledger read; test/lost-commit-reply.test.ts runs it on the platform. */
describe('late observer', () => {
  const stored = (paymentId: string): StoredPayment =>
    ({ record: { paymentId, messageType: 'payment', decidedAt: 1 }, status: 'DECLINED', declineCode: 'RISK_DECLINED', amountMinor: 1n, settleMinor: 1n, refundedMinor: 0n, reversed: false }) as unknown as StoredPayment;
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  };

  it('asks again while the store does not answer, then observes a committed message once, with its outcome', async () => {
    const observed: TransactionEvent[] = [];
    let failures = 2;
    const late = createLateObserver(
      async (id) => {
        if (failures-- > 0) throw new Error('Connection is closed.');
        return stored(id);
      },
      (e) => observed.push(e),
      { retryEveryMs: 5 },
    );
    late.add('pay_1');
    await until(() => late.pending() === 0);
    expect(observed).toEqual([expect.objectContaining({ paymentId: 'pay_1', status: 'DECLINED', declineCode: 'RISK_DECLINED', decidedAt: 1 })]);
    await new Promise((r) => setTimeout(r, 30));
    expect(observed).toHaveLength(1);
  });

  it('forgets a message that was never committed', async () => {
    const observed: TransactionEvent[] = [];
    const late = createLateObserver(async () => undefined, (e) => observed.push(e), { retryEveryMs: 5 });
    late.add('pay_2');
    await until(() => late.pending() === 0);
    expect(late.pending()).toBe(0);
    expect(observed).toEqual([]);
  });

  it('once closed, forgets what waits, stops asking and observes nothing', async () => {
    const observed: TransactionEvent[] = [];
    let reads = 0;
    const late = createLateObserver(
      async () => {
        reads++;
        throw new Error('Connection is closed.');
      },
      (e) => observed.push(e),
      { retryEveryMs: 5 },
    );
    late.add('pay_3');
    await until(() => reads > 0);
    late.close();
    const readsAtClose = reads;
    late.add('pay_4');
    await new Promise((r) => setTimeout(r, 30));
    expect([late.pending(), reads, observed]).toEqual([0, readsAtClose, []]);
  });
});
