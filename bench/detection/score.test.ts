import { describe, expect, it } from 'vitest';
import type { ResponseRecord, TruthRecord } from './journal.ts';
import { scoreDetection } from './score.ts';

const typologyOfRule = new Map([
  ['RISK_DEGRADED', 'degraded'],
  ['velocity-payer-burst', 'velocity'],
  ['large-value-daily', 'large-value'],
  ['structuring', 'structuring'],
  ['amount-spike', 'amount-spike'],
]);

let n = 0;
function request(truth: Omit<TruthRecord, 'txnId' | 'kind' | 'phase'> & Partial<TruthRecord>, answer: Partial<ResponseRecord> | 'none') {
  const txnId = `t${++n}`;
  const t: TruthRecord = { txnId, kind: 'payment', phase: 'measure', ...truth };
  const r: ResponseRecord | undefined = answer === 'none' ? undefined : { txnId, httpStatus: 200, decision: 'approve', ruleIds: [], at: 0, ...answer };
  return { t, r };
}
const flagged = (ruleIds: string[], decision: 'review' | 'decline' = 'review') => ({ decision, ruleIds });

function score(requests: Array<ReturnType<typeof request>>) {
  return scoreDetection(
    requests.map((x) => x.t),
    requests.flatMap((x) => (x.r ? [x.r] : [])),
    typologyOfRule,
  );
}
const typology = (s: ReturnType<typeof score>, name: string) => s.typologies.find((t) => t.typology === name)!;

describe('detection scoring', () => {
  it('counts recall as the flagged share of what should be flagged, review and decline alike', () => {
    const s = score([
      request({ typology: 'velocity', shouldFlag: false, instance: 'a' }, {}),
      request({ typology: 'velocity', shouldFlag: true, instance: 'a' }, flagged(['velocity-payer-burst'], 'decline')),
      request({ typology: 'velocity', shouldFlag: true, instance: 'a' }, flagged(['velocity-payer-burst'])),
      request({ typology: 'velocity', shouldFlag: true, instance: 'b' }, {}),
    ]);
    const v = typology(s, 'velocity');
    expect(v).toMatchObject({ instances: 2, requests: 4, shouldFlag: 3, caught: 2, context: 1, contextFlagged: 0 });
    expect(v.recall).toBeCloseTo(2 / 3);
  });

  it('counts precision over the requests flagged by the typology rules, legitimate ones and early ones against it', () => {
    const s = score([
      request({ typology: 'velocity', shouldFlag: true }, flagged(['velocity-payer-burst'])),
      request({ typology: 'velocity', shouldFlag: false }, flagged(['velocity-payer-burst'])),
      request({ typology: 'legitimate', shouldFlag: false }, flagged(['velocity-payer-burst'])),
      request({ typology: 'probing', shouldFlag: true }, flagged(['velocity-payer-burst'])),
    ]);
    const v = typology(s, 'velocity');
    expect(v).toMatchObject({ flaggedByRules: 4, truePositives: 1, contextFlagged: 1 });
    expect(v.precision).toBe(0.25);
    // The probing request was caught, though by another typology's rule.
    expect(typology(s, 'probing')).toMatchObject({ caught: 1, caughtByOwnRule: 0, recallByOwnRule: 0 });
  });

  it('tells a rule that fired below the review threshold from one that did not fire', () => {
    const s = score([
      request({ typology: 'amount-spike', shouldFlag: true }, { decision: 'approve', ruleIds: ['amount-spike'] }),
      request({ typology: 'amount-spike', shouldFlag: true }, {}),
    ]);
    expect(typology(s, 'amount-spike')).toMatchObject({ shouldFlag: 2, caught: 0, fired: 1, flaggedByRules: 0 });
  });

  it('credits a structured payment flagged as large value to large value, which it also is', () => {
    const s = score([
      request({ typology: 'structuring', shouldFlag: false, also: ['large-value'] }, flagged(['large-value-daily'])),
      request({ typology: 'structuring', shouldFlag: true, also: ['large-value'] }, flagged(['structuring', 'large-value-daily'])),
    ]);
    expect(typology(s, 'large-value')).toMatchObject({ shouldFlag: 2, caught: 2, flaggedByRules: 2, truePositives: 2, precision: 1, requests: 0 });
    expect(typology(s, 'structuring')).toMatchObject({ shouldFlag: 1, caught: 1, flaggedByRules: 1, precision: 1, context: 0 });
  });

  it('leaves requests without a decision out of every rate and counts them', () => {
    const s = score([
      request({ typology: 'amount-spike', shouldFlag: true }, 'none'),
      request({ typology: 'amount-spike', shouldFlag: true }, { httpStatus: 503, decision: undefined, error: 'UNAVAILABLE' }),
      request({ typology: 'amount-spike', shouldFlag: true }, flagged(['amount-spike'])),
      request({ typology: 'legitimate', shouldFlag: false }, 'none'),
    ]);
    expect(typology(s, 'amount-spike')).toMatchObject({ requests: 3, unanswered: 2, shouldFlag: 1, recall: 1 });
    expect(s.legitimate).toMatchObject({ requests: 1, unanswered: 1, answered: 0, falsePositiveRate: null });
  });

  it('gives the false-positive rate of measured legitimate traffic by rule, the warm-up apart', () => {
    const s = score([
      ...Array.from({ length: 98 }, () => request({ typology: 'legitimate', shouldFlag: false }, {})),
      request({ typology: 'legitimate', shouldFlag: false }, flagged(['amount-spike'])),
      request({ typology: 'legitimate', shouldFlag: false, kind: 'refund' }, flagged(['refund-abuse-merchant'])),
      request({ typology: 'legitimate', shouldFlag: false, phase: 'warmup' }, flagged(['velocity-payer-burst'])),
    ]);
    expect(s.legitimate).toMatchObject({ answered: 100, flagged: 2, falsePositiveRate: 0.02 });
    expect(s.legitimate.byRule).toEqual({ 'amount-spike': 1, 'refund-abuse-merchant': 1 });
    expect(s.legitimate.byKind).toEqual({ payment: { answered: 99, flagged: 1 }, refund: { answered: 1, flagged: 1 } });
    expect(s.warmup).toMatchObject({ answered: 1, flagged: 1, falsePositiveRate: 1 });
    expect(s.unmappedRules).toEqual(['refund-abuse-merchant']);
    expect(s.targets.falsePositiveRateMet).toBe(false);
  });

  it('counts ordinary people played like a scenario with legitimate traffic, and apart by their scenario', () => {
    const spender = { typology: 'legitimate', shouldFlag: false, scenario: 'legitimate/small-spender-big-ticket', instance: 'i0400' } as const;
    const s = score([
      ...Array.from({ length: 7 }, () => request({ typology: 'legitimate', shouldFlag: false }, {})),
      request(spender, {}),
      request(spender, {}),
      request(spender, flagged(['amount-spike'])),
    ]);
    expect(s.legitimate).toMatchObject({ answered: 10, flagged: 1, falsePositiveRate: 0.1 });
    expect(s.legitimate.byScenario).toEqual({ 'legitimate/small-spender-big-ticket': { answered: 3, flagged: 1 } });
    expect(s.variants).toEqual([]);
    expect(typology(s, 'amount-spike')).toMatchObject({ requests: 0, flaggedByRules: 1, truePositives: 0, precision: 0 });
  });

  it('meets the targets only when every typology is measured at recall 0.9 or more and at most 1% of legitimate traffic is flagged', () => {
    const s = score([
      request({ typology: 'velocity', shouldFlag: true }, flagged(['velocity-payer-burst'])),
      request({ typology: 'legitimate', shouldFlag: false }, {}),
    ]);
    expect(s.targets.falsePositiveRateMet).toBe(true);
    expect(s.targets.belowRecall).toEqual([]);
    expect(s.targets.unmeasured).toContain('probing');
    expect(s.targets.met).toBe(false);
  });

  it('counts the answers the engine fallback decided, and the measured requests left without a decision by error', () => {
    const s = score([
      request({ typology: 'velocity', shouldFlag: true }, { decision: 'approve', ruleIds: ['RISK_DEGRADED'] }),
      request({ typology: 'velocity', shouldFlag: true }, flagged(['velocity-payer-burst'])),
      request({ typology: 'legitimate', shouldFlag: false }, flagged(['RISK_DEGRADED'])),
      request({ typology: 'legitimate', shouldFlag: false }, { httpStatus: 500, decision: undefined, error: 'INTERNAL' }),
    ]);
    expect(typology(s, 'velocity')).toMatchObject({ degraded: 1, caught: 1, recall: 0.5 });
    expect(s.legitimate).toMatchObject({ degraded: 1, flagged: 1 });
    expect(s.degradedShare).toBeCloseTo(2 / 3);
    expect(s.errors).toEqual({ INTERNAL: 1 });
    // The fallback is no typology's rule: it earns no precision anywhere.
    expect(typology(s, 'degraded')).toMatchObject({ flaggedByRules: 1, truePositives: 0 });
  });

  it('scores an approve-all gateway at recall 0, precision n/a and no false positives', () => {
    const s = score([
      request({ typology: 'velocity', shouldFlag: true }, {}),
      request({ typology: 'legitimate', shouldFlag: false }, {}),
    ]);
    expect(typology(s, 'velocity')).toMatchObject({ recall: 0, precision: null, flaggedByRules: 0 });
    expect(s.legitimate.falsePositiveRate).toBe(0);
    expect(s.targets.belowRecall).toContain('velocity');
  });
});
