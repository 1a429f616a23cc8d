import { describe, expect, it } from 'vitest';
import { sampleEvent } from '../bench/traffic/tap-events.ts';
import type { TapEvent } from '../domain/transaction.ts';
import { decodeTapEntry } from './tap-stream.ts';
import { tapRowOf } from './tap-row.ts';
import { transactionRow } from './transaction-row.ts';
import { transactionRowOf } from './writer-batch.ts';

const reason = { ruleId: 'velocity-device-10m', ruleVersion: 3, message: 'a "quoted", \\ back-slashed\nmessage', value: 7, threshold: 5 };
const shadow = { ruleId: 'shadow-amount-spike', ruleVersion: 1, message: 'would have fired: ,"settlement_amount":"1"}', value: '2.5', threshold: 1.5 };

/** Events as the switch taps them: every optional part present, none of them, a declined follow-up. */
const EVENTS: Array<{ name: string; event: TapEvent; fields: string[] }> = [
  {
    name: 'a payment with reasons, shadow hits and every optional field',
    event: { ...sampleEvent(1, 1_765_000_000_123), qrWarnings: ['QR_FIELD_TOO_LONG', 'QR_RFU_ID'], payer: { walletId: 'w-1', name: '김정은 "Jong-un" \\ 金', userId: 'u-1', deviceId: 'd-1', ip: '2001:db8::1', country: 'TH', location: { lat: -13.5, lon: 100.25 } }, risk: { score: 420, decision: 'review', reasons: [reason], ruleSetVersion: 'rs-7', shadowHits: [shadow], screeningLists: 'sample:3,ofac:12' } },
    fields: ['s', 'APPROVED', 'd', ''],
  },
  {
    name: 'a payment with no optional field',
    event: { ...sampleEvent(2, 1_765_000_000_456), payer: { walletId: '钱包-2' }, merchant: { ...sampleEvent(2).merchant, name: 'Café "Zürich" 🍵' } },
    fields: ['s', 'DECLINED', 'd', 'RISK_DECLINED'],
  },
  {
    name: 'a declined refund with the value its commit credited',
    event: { ...sampleEvent(3, 1_765_000_000_789), messageType: 'refund', originalPaymentId: 'pay_original', initiator: 'huaxia-acquiring', switchLatencyUs: 12_345 },
    fields: ['s', 'DECLINED', 'd', 'REFUND_EXCEEDS_PAYMENT', 'v', '0012.3400'],
  },
];

describe('the tap entry in row form', () => {
  for (const { name, event, fields } of EVENTS) {
    const older = ['e', JSON.stringify(event), ...fields];
    const rowForm = ['e', tapRowOf(event), ...fields];

    it(`reads back as the event an entry of the older form reads back as: ${name}`, () => {
      const expected = decodeTapEntry('1765000000000-7', older);
      expect(expected?.kind).toBe('transaction');
      expect(decodeTapEntry('1765000000000-7', rowForm)).toEqual(expected);
    });

    it(`becomes, without being parsed, the row an entry of the older form is built into: ${name}`, () => {
      const line = transactionRowOf('1765000000000-7', rowForm);
      expect(typeof line).toBe('string');
      expect(JSON.parse(line as string)).toEqual(transactionRow(decodeTapEntry('1765000000000-7', older)!));
    });
  }

  it('keeps the columns of the row in the order of the table, and no key the table lacks', () => {
    const line = transactionRowOf('1-0', ['e', tapRowOf(EVENTS[0]!.event), 's', 'APPROVED', 'd', '']) as string;
    expect(Object.keys(JSON.parse(line)).sort()).toEqual(Object.keys(transactionRow(decodeTapEntry('1-0', ['e', JSON.stringify(EVENTS[0]!.event), 's', 'APPROVED', 'd', ''])!)).sort());
  });

  it("carries the presented QR's warning codes into the row and back, and none for a clean QR", () => {
    for (const [event, codes] of [[EVENTS[0]!.event, ['QR_FIELD_TOO_LONG', 'QR_RFU_ID']], [EVENTS[1]!.event, []]] as const) {
      const fields = ['e', tapRowOf(event), 's', 'APPROVED', 'd', ''];
      expect(JSON.parse(transactionRowOf('1-0', fields) as string).qr_warnings).toEqual(codes);
      const read = decodeTapEntry('1-0', fields);
      expect(read?.kind === 'transaction' && read.event.qrWarnings).toEqual(codes.length > 0 ? codes : undefined);
      expect(transactionRow(read!).qr_warnings).toEqual(codes);
    }
  });

  it('reads a latency back as the row holds it: whole microseconds within UInt32', () => {
    const event = { ...EVENTS[0]!.event, switchLatencyUs: 5_000_000_000, riskLatencyUs: 7.6 };
    const read = decodeTapEntry('1-0', ['e', tapRowOf(event), 's', 'APPROVED', 'd', '']);
    expect(read?.kind === 'transaction' && [read.event.switchLatencyUs, read.event.riskLatencyUs]).toEqual([4_294_967_295, 8]);
  });

  it('makes no row of an entry whose status no commit writes', () => {
    expect(transactionRowOf('1-0', ['e', tapRowOf(EVENTS[0]!.event), 's', 'PENDING', 'd', ''])).toBeUndefined();
    expect(decodeTapEntry('1-0', ['e', tapRowOf(EVENTS[0]!.event), 's', 'approved', 'd', ''])).toBeUndefined();
  });
});
