import { describe, expect, it } from 'vitest';
import { strProblems, type StrDraft } from './str-document.ts';
import { sampleDraft, sampleTransaction } from './sample-str.ts';

/** The draft with the value at a dotted path replaced, or removed when `value` is undefined. */
function withField(path: string, value: unknown): StrDraft {
  const draft = structuredClone(sampleDraft()) as unknown as Record<string, unknown>;
  const keys = path.split('.');
  const last = keys.pop() as string;
  let target = draft;
  for (const key of keys) target = target[key] as Record<string, unknown>;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return draft as unknown as StrDraft;
}

function fieldsOf(draft: StrDraft): string[] {
  return strProblems(draft).map((problem) => problem.field);
}

describe('strProblems', () => {
  it('finds nothing wrong with a complete draft', () => {
    expect(strProblems(sampleDraft())).toEqual([]);
  });

  it('accepts a correction that names the first version', () => {
    const draft = { ...sampleDraft(), strId: 'str_01JEX00000000000000000000B', version: 2, correctsStrId: 'str_01JES0Q8H2YV7N3K5M9PZ4R6TB' };
    expect(strProblems(draft)).toEqual([]);
  });

  it.each([
    'strId',
    'version',
    'caseId',
    'reportingInstitution',
    'reportingInstitution.name',
    'reportingInstitution.code',
    'reportingInstitution.country',
    'subject',
    'subject.kind',
    'subject.id',
    'subject.participant',
    'subject.identifiers',
    'transactions',
    'transactions.0',
    'transactions.1.paymentId',
    'transactions.1.receivedAt',
    'transactions.1.amount',
    'transactions.1.currency',
    'transactions.1.corridor',
    'transactions.1.merchantId',
    'transactions.1.payerWalletId',
    'transactions.1.status',
    'typologies',
    'reasons',
    'narrative',
    'measuresTaken',
    'suspicionConfirmedAt',
    'draftedBy',
    'draftedAt',
  ])('names %s when it is missing', (path) => {
    const problems = strProblems(withField(path, path === 'transactions.0' ? null : undefined));
    expect(problems).toContainEqual({ field: path, message: 'is required' });
  });

  it.each([
    ['strId', ''],
    ['strId', '   '],
    ['strId', ' str_1'],
    ['strId', 'str\n1'],
    ['strId', 'x'.repeat(257)],
    ['version', 0],
    ['version', 1.5],
    ['version', '1'],
    ['caseId', 42],
    ['reportingInstitution.name', 'Gateway\u0000Co'],
    ['reportingInstitution.country', 'CHN'],
    ['reportingInstitution.country', 'cn'],
    ['subject.kind', 'person'],
    ['subject.name', ''],
    ['subject.name', '名'.repeat(257)],
    ['subject.identifiers.0.type', 'x'.repeat(65)],
    ['subject.identifiers.1', 'acq_unionpay_sz'],
    ['transactions', []],
    ['transactions', 'pay_1'],
    ['transactions.2.paymentId', 'pay\t2'],
    ['transactions.2.receivedAt', '2026-11-30 10:00:00'],
    ['transactions.2.receivedAt', '2026-11-30T10:00:00+08:00'],
    ['transactions.2.receivedAt', '2026-02-30T10:00:00Z'],
    ['transactions.2.receivedAt', '2026-11-30T24:00:00Z'],
    ['transactions.2.receivedAt', '2026-11-30T10:00:00.1234Z'],
    ['transactions.2.receivedAt', 1764496800000],
    ['transactions.2.amount', '0'],
    ['transactions.2.amount', '0.0000'],
    ['transactions.2.amount', '-12.50'],
    ['transactions.2.amount', '+12.50'],
    ['transactions.2.amount', '12.34567'],
    ['transactions.2.amount', '1234567890123456789'],
    ['transactions.2.amount', '012.50'],
    ['transactions.2.amount', '1e3'],
    ['transactions.2.amount', '1,000.00'],
    ['transactions.2.amount', '12.'],
    ['transactions.2.amount', '.5'],
    ['transactions.2.amount', 12.5],
    ['transactions.2.currency', 'cny'],
    ['transactions.2.currency', 'CNYX'],
    ['transactions.2.settleAmount', '-1'],
    ['transactions.2.settleCurrency', 'BAHT'],
    ['transactions.2.corridor', 'THCN'],
    ['transactions.2.status', 'A'.repeat(65)],
    ['typologies', []],
    ['typologies.1', 'Structuring'],
    ['typologies.1', 'mule fan-in'],
    ['typologies.1', 'mule-fan-in'],
    ['reasons.0.ruleVersion', 0],
    ['reasons.1.message', 'x'.repeat(1001)],
    ['narrative', 'Too short to say why.'],
    ['narrative', `${' '.repeat(40)}Too short.${' '.repeat(40)}`],
    ['narrative', 'n'.repeat(20_001)],
    ['narrative', `${'A narrative long enough to be accepted by the checks. '.repeat(2)}\u0007`],
    ['narrative', `${'A narrative long enough to be accepted by the checks. '.repeat(2)}\r\n`],
    ['narrative', `${'A narrative long enough to be accepted by the checks. '.repeat(2)}\u0085`],
    ['narrative', `${'A narrative long enough to be accepted by the checks. '.repeat(2)}\uD83D`],
    ['narrative', `${'A narrative long enough to be accepted by the checks. '.repeat(2)}\uFFFF`],
    ['measuresTaken', ''],
    ['measuresTaken', 'm'.repeat(5_001)],
    ['suspicionConfirmedAt', '2026-12-02T03:40:12.501Z'],
    ['draftedBy', 'officer.li\u007f'],
  ])('names %s when it is %j', (path, value) => {
    expect(fieldsOf(withField(path, value))).toContain(path);
  });

  it('names the later of two transactions with one payment id', () => {
    const draft = sampleDraft(5);
    draft.transactions[3] = { ...sampleTransaction(9), paymentId: draft.transactions[1]?.paymentId ?? '' };
    expect(strProblems(draft)).toEqual([{ field: 'transactions.3.paymentId', message: 'repeats transactions.1.paymentId' }]);
  });

  it('wants a settlement amount and currency together or not at all', () => {
    expect(fieldsOf(withField('transactions.0.settleCurrency', undefined))).toEqual(['transactions.0.settleCurrency']);
    const neither = withField('transactions.0.settleCurrency', undefined);
    delete neither.transactions[0]?.settleAmount;
    expect(strProblems(neither)).toEqual([]);
  });

  it('refuses a transaction received after the draft', () => {
    expect(fieldsOf(withField('transactions.1.receivedAt', '2026-12-02T03:40:13Z'))).toEqual(['transactions.1.receivedAt']);
  });

  it('takes suspicion confirmed at the very moment of drafting', () => {
    expect(strProblems(withField('suspicionConfirmedAt', '2026-12-02T03:40:12.500Z'))).toEqual([]);
  });

  it('names a correction without the STR it corrects, and a first report that claims one', () => {
    expect(fieldsOf(withField('version', 2))).toEqual(['correctsStrId']);
    expect(fieldsOf(withField('correctsStrId', 'str_01JEQ00000000000000000000A'))).toEqual(['correctsStrId']);
    const ownId = { ...sampleDraft(), version: 3, correctsStrId: sampleDraft().strId };
    expect(fieldsOf(ownId)).toEqual(['correctsStrId']);
  });

  it('keeps newlines and tabs in free text, and counts characters, not UTF-16 units', () => {
    const narrative = `第一段：商户在一天内收到37个钱包的付款。\n\t每笔金额均略低于5000元。😀\n${'理由'.repeat(10)}`;
    expect(strProblems({ ...sampleDraft(), narrative })).toEqual([]);
    const name = `${'😀'.repeat(255)}名`;
    expect(strProblems(withField('subject.name', name))).toEqual([]);
    expect(fieldsOf(withField('subject.name', `${name}x`))).toEqual(['subject.name']);
  });

  it('accepts the largest values the format holds', () => {
    const draft = sampleDraft(10_000);
    draft.transactions[0] = { ...sampleTransaction(0), amount: '999999999999999999.9999' };
    draft.narrative = 'n'.repeat(20_000);
    draft.measuresTaken = 'm'.repeat(5_000);
    expect(strProblems(draft)).toEqual([]);
  });

  it('refuses a 10,001st transaction with one problem, not one per entry', () => {
    expect(strProblems(sampleDraft(10_001))).toEqual([
      { field: 'transactions', message: 'must hold at most 10,000 entries, not 10,001' },
    ]);
  });

  it('never throws, whatever it is handed', () => {
    const garbage: unknown[] = [null, undefined, 'str', 7, [], {}, { transactions: [null, 1, 'x'], subject: [], reasons: {} }];
    for (const value of garbage) {
      expect(strProblems(value as StrDraft).length).toBeGreaterThan(0);
    }
  });
});
