import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counterparties } from './counterparties.ts';
import type { Subject } from './subject.ts';
import { DATABASE, HOSTILE_IDS, openCase, payer, SHARED_DEVICE, T0, WINDOW } from './test-support/case-fixture.ts';

/** Figures worked out by hand from test-support/case-fixture.ts. */
let kase: Awaited<ReturnType<typeof openCase>>;
beforeAll(async () => {
  kase = await openCase('cpg-investigation-counterparties-');
}, 60_000);
afterAll(async () => {
  await kase?.close();
});

const of = (subject: Subject, limit?: number) => counterparties(kase.ch.client, DATABASE, subject, WINDOW, limit);
const at = (ms: number) => new Date(ms).toISOString();

describe("a subject's counterparties", () => {
  it('lists the merchants a wallet paid, most payments first, with the same wallet id at another participant left out', async () => {
    const c = await of({ kind: 'wallet', id: 'w-alice', participant: 'siam-wallet' });
    expect(c.rows).toEqual([
      {
        kind: 'merchant', id: 'm-cn-0001', label: 'Jade Garden Restaurant', payments: 3, approved: 2, declined: 1, amountUsd: '210', approvedAmountUsd: '70',
        firstSeen: at(T0 + 3_600_000), lastSeen: at(T0 + 2 * 86_400_000 + 5 * 3_600_000),
      },
      {
        kind: 'merchant', id: 'm-sg-0001', label: 'Marina Bay Store', payments: 1, approved: 0, declined: 1, amountUsd: '37', approvedAmountUsd: '0',
        firstSeen: at(T0 + 86_400_000 + 3 * 3_600_000), lastSeen: at(T0 + 86_400_000 + 3 * 3_600_000),
      },
    ]);
    expect(c.truncated).toBe(false);
  });

  it("lists a mule merchant's 30 payers, the most frequent first, then by amount, and says when the limit cut some", async () => {
    const all = await of({ kind: 'merchant', id: 'm-mule' });
    expect(all.rows).toHaveLength(30);
    expect(all.truncated).toBe(false);
    expect(all.rows.map((r) => r.id)).toEqual([payer(1), ...Array.from({ length: 29 }, (_, i) => payer(30 - i))]);
    expect(all.rows[0]).toMatchObject({ kind: 'wallet', id: 'p-01', participant: 'siam-wallet', label: 'p-01', payments: 3, amountUsd: '30' });
    expect(all.rows.reduce((n, r) => n + r.payments, 0)).toBe(32);
    expect(all.rows.filter((r) => r.declined > 0).map((r) => r.id)).toEqual(['p-30', 'p-29', 'p-28']);

    const top = await of({ kind: 'merchant', id: 'm-mule' }, 10);
    expect(top.rows.map((r) => r.id)).toEqual(all.rows.slice(0, 10).map((r) => r.id));
    expect(top.truncated).toBe(true);
  });

  it('lists the wallets that used a device, each named with its participant', async () => {
    const c = await of({ kind: 'device', id: SHARED_DEVICE });
    expect(c.rows.map((r) => [r.participant, r.id, r.payments, r.amountUsd])).toEqual([
      ['siam-wallet', 'w-alice', 3, '210'],
      ['siam-wallet', 'w-bob', 2, '20'],
      ['merlion-pay', 'w-carol', 1, '15'],
    ]);
  });

  it('lists the wallets behind an IP', async () => {
    const c = await of({ kind: 'ip', id: '198.51.100.7' });
    expect(c.rows.map((r) => [r.id, r.payments, r.amountUsd])).toEqual([['p-07', 1, '70']]);
  });

  it('finds nothing for hostile or empty ids', async () => {
    for (const id of HOSTILE_IDS) {
      for (const subject of [{ kind: 'wallet', id, participant: 'siam-wallet' }, { kind: 'merchant', id }, { kind: 'device', id }, { kind: 'ip', id }] as Subject[]) {
        const c = await of(subject);
        expect(c.rows, JSON.stringify(subject)).toEqual([]);
      }
    }
  });
});
