import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subjectHistory } from './history.ts';
import type { Subject } from './subject.ts';
import { ALICE_IP, ALICE_TIMES, DATABASE, DAY, HOSTILE_IDS, openCase, SHARED_DEVICE, T0, WINDOW } from './test-support/case-fixture.ts';

/** Figures worked out by hand from test-support/case-fixture.ts. */
let kase: Awaited<ReturnType<typeof openCase>>;
beforeAll(async () => {
  kase = await openCase('cpg-investigation-history-');
}, 60_000);
afterAll(async () => {
  await kase?.close();
});

const history = (subject: Subject, window = WINDOW) => subjectHistory(kase.ch.client, DATABASE, subject, window);
const alice: Subject = { kind: 'wallet', id: 'w-alice', participant: 'siam-wallet' };

describe("a subject's history over the window", () => {
  it("gives a wallet's payments, declines, refunds and reversals in the window, and nothing of the same wallet id at another participant", async () => {
    const h = await history(alice);
    expect(h.payments).toEqual({ count: 4, approved: 2, declined: 2, review: 0, amountUsd: '247', approvedAmountUsd: '70' });
    expect(h.byCurrency).toEqual([
      { currency: 'CNY', payments: 3, approved: 2, amount: '1500', approvedAmount: '500', amountUsd: '210' },
      { currency: 'SGD', payments: 1, approved: 0, amount: '50', approvedAmount: '0', amountUsd: '37' },
    ]);
    expect(h.byCorridor).toEqual([
      { corridor: 'TH-CN', payments: 3, declined: 1, amountUsd: '210', approvedAmountUsd: '70' },
      { corridor: 'TH-SG', payments: 1, declined: 1, amountUsd: '37', approvedAmountUsd: '0' },
    ]);
    expect(h.byDay).toEqual([
      { day: '2025-03-10', payments: 2, declined: 0, amountUsd: '70', approvedAmountUsd: '70' },
      { day: '2025-03-11', payments: 1, declined: 1, amountUsd: '37', approvedAmountUsd: '0' },
      { day: '2025-03-12', payments: 1, declined: 1, amountUsd: '140', approvedAmountUsd: '0' },
    ]);
    expect(h.declines).toEqual({
      count: 2,
      byReason: [
        { reason: 'INSUFFICIENT_FUNDS', source: 'issuer', payments: 1 },
        { reason: 'large-value-single', source: 'risk', payments: 1 },
      ],
    });
    expect(h.refunds).toEqual({ count: 1, approved: 1, amountUsd: '7', approvedAmountUsd: '7', byCurrency: [{ currency: 'CNY', count: 1, amount: '50', approvedAmount: '50' }] });
    expect(h.reversals).toEqual({ count: 1, approved: 1, amountUsd: '42', approvedAmountUsd: '42', byCurrency: [{ currency: 'CNY', count: 1, amount: '300', approvedAmount: '300' }] });
    expect(h.firstSeen).toBe(new Date(ALICE_TIMES.a1).toISOString());
    expect(h.lastSeen).toBe(new Date(ALICE_TIMES.a4).toISOString());
    expect(h.truncated).toBe(false);
  });

  it('keeps the other participant\'s "w-alice" apart: hers alone when asked with her participant', async () => {
    const h = await history({ kind: 'wallet', id: 'w-alice', participant: 'merlion-pay' });
    expect(h.payments).toEqual({ count: 2, approved: 2, declined: 0, review: 0, amountUsd: '1000', approvedAmountUsd: '1000' });
    expect(h.byCorridor).toEqual([{ corridor: 'SG-CN', payments: 2, declined: 0, amountUsd: '1000', approvedAmountUsd: '1000' }]);
  });

  it('takes from inclusive and to exclusive', async () => {
    const h = await history(alice, { fromMs: T0 - 3_600_000, toMs: T0 + 3 * DAY + 1 });
    expect(h.payments.count).toBe(6);
    expect(h.payments.amountUsd).toBe('388.71');
  });

  it("gives a mule merchant's 32 payments from 30 payers, and why three were declined", async () => {
    const h = await history({ kind: 'merchant', id: 'm-mule' });
    expect(h.payments).toEqual({ count: 32, approved: 29, declined: 3, review: 0, amountUsd: '4670', approvedAmountUsd: '3800' });
    expect(h.byCurrency).toEqual([{ currency: 'CNY', payments: 32, approved: 29, amount: '46700', approvedAmount: '38000', amountUsd: '4670' }]);
    expect(h.byDay.map((d) => [d.day, d.payments])).toEqual([['2025-03-10', 30], ['2025-03-12', 2]]);
    expect(h.declines.byReason).toEqual([
      { reason: 'mule-fan-out', source: 'risk', payments: 2 },
      { reason: 'INSUFFICIENT_FUNDS', source: 'issuer', payments: 1 },
    ]);
    expect(h.refunds.count).toBe(0);
  });

  it('gives a device its payments by every wallet that used it, and an IP its own', async () => {
    const device = await history({ kind: 'device', id: SHARED_DEVICE });
    // Alice's a1, a2, a4, Bob's two, Carol's one; Alice's refund and reversal carry her device too.
    expect(device.payments).toMatchObject({ count: 6, declined: 1, amountUsd: '245' });
    expect(device.byCorridor.map((c) => [c.corridor, c.payments])).toEqual([['TH-CN', 5], ['SG-CN', 1]]);
    expect(device.refunds.count + device.reversals.count).toBe(2);
    const ip = await history({ kind: 'ip', id: ALICE_IP });
    expect(ip.payments).toMatchObject({ count: 4, declined: 2, amountUsd: '247' });
  });

  it('finds nothing for hostile or empty ids, leaving the table as it was', async () => {
    for (const id of HOSTILE_IDS) {
      for (const subject of [{ kind: 'wallet', id, participant: 'siam-wallet' }, { kind: 'wallet', id: 'w-alice', participant: id }, { kind: 'merchant', id }, { kind: 'device', id }, { kind: 'ip', id }] as Subject[]) {
        const h = await history(subject);
        expect(h.payments.count, JSON.stringify(subject)).toBe(0);
        expect(h.firstSeen).toBeNull();
        expect(h.byDay).toEqual([]);
      }
    }
    expect((await history(alice)).payments.count).toBe(4);
  });

  it('refuses a window that is empty, inverted or longer than 93 days, and a kind it does not know', async () => {
    await expect(history(alice, { fromMs: T0, toMs: T0 })).rejects.toThrow(RangeError);
    await expect(history(alice, { fromMs: T0, toMs: T0 + 94 * DAY })).rejects.toThrow(RangeError);
    await expect(history({ kind: 'constructor', id: 'x' } as unknown as Subject)).rejects.toThrow(/no subject kind/);
  });
});
