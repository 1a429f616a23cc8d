import type { StrDocument, StrDraft, StrTransaction } from './str-document.ts';
import { strTotals } from './str-totals.ts';

/**
 * A realistic STR for the tests: a merchant receiving many small payments from many wallets
 * (fan-in), drafted by one officer and approved by another.
 */

export function sampleTransaction(i: number): StrTransaction {
  const second = String(i % 60).padStart(2, '0');
  const minute = String(Math.floor(i / 60) % 60).padStart(2, '0');
  const hour = String(Math.floor(i / 3600) % 24).padStart(2, '0');
  return {
    paymentId: `pay_0m4xq3b7k${String(i).padStart(6, '0')}`,
    receivedAt: `2026-11-30T${hour}:${minute}:${second}.${String(i % 1000).padStart(3, '0')}Z`,
    amount: `${4000 + (i % 997)}.${String(i % 100).padStart(2, '0')}`,
    currency: 'CNY',
    settleAmount: `${19000 + (i % 4000)}.25`,
    settleCurrency: 'THB',
    corridor: 'TH-CN',
    merchantId: 'm_sz_electronics_017',
    payerWalletId: `tw_${String(i % 37).padStart(4, '0')}`,
    status: i % 11 === 0 ? 'DECLINED' : 'APPROVED',
  };
}

export function sampleDraft(transactionCount = 3): StrDraft {
  return {
    strId: 'str_01JES0Q8H2YV7N3K5M9PZ4R6TB',
    version: 1,
    caseId: 'case_01JERZ6W4C2D8F0G1H3J5K7M9N',
    reportingInstitution: { name: 'Cross-Border QR Payment Gateway Co., Ltd.', code: 'CPG-0001', country: 'CN' },
    subject: {
      kind: 'merchant',
      id: 'm_sz_electronics_017',
      participant: 'acq_unionpay_sz',
      name: '深圳华强电子商行',
      identifiers: [
        { type: 'mcc', value: '5732' },
        { type: 'acquirer', value: 'acq_unionpay_sz' },
      ],
    },
    transactions: Array.from({ length: transactionCount }, (_, i) => sampleTransaction(i)),
    typologies: ['mule-fan-in', 'structuring'],
    reasons: [
      { ruleId: 'mule-fan-in', ruleVersion: 3, message: '37 distinct wallets paid this merchant within 24 hours (threshold 20)' },
      { ruleId: 'structuring-below-threshold', ruleVersion: 1, message: 'payments between 90 % and 100 % of the CNY 5,000 threshold' },
    ],
    narrative:
      'Between 30 November 00:00 and 23:59 UTC the merchant received payments from 37 Thai wallets, ' +
      'each just below CNY 5,000.\nThe wallets were opened within the same week and paid no other merchant.',
    measuresTaken: 'Merchant settlement held pending review; acquirer informed on 2026-12-01.',
    suspicionConfirmedAt: '2026-12-01T08:15:00Z',
    draftedBy: 'officer.li',
    draftedAt: '2026-12-02T03:40:12.500Z',
  };
}

export function sampleDocument(transactionCount = 3): StrDocument {
  const draft = sampleDraft(transactionCount);
  return {
    ...draft,
    totals: strTotals(draft.transactions),
    approvedBy: 'officer.chen',
    approvedAt: '2026-12-02T07:05:00Z',
  };
}
