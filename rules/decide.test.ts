import { describe, expect, it } from 'vitest';
import { decide, type RuleHit } from './decide.ts';
import { degradedAssessment } from './degraded.ts';

const thresholds = { review: 400, decline: 700 };

function hit(ruleId: string, score: number, extra: Partial<RuleHit> = {}): RuleHit {
  return { mode: 'enforce', score, priority: 10, reason: { ruleId, ruleVersion: 2, message: `${ruleId} fired`, value: 6, threshold: 5 }, ...extra };
}

describe('decide', () => {
  it('approves with score 0 and no reasons when nothing fired', () => {
    expect(decide([], thresholds, 'rs-3')).toEqual({ score: 0, decision: 'approve', reasons: [], ruleSetVersion: 'rs-3', shadowHits: [] });
  });

  it('holds the settlement of a review an enforced rule that fired says to hold, and of nothing else', () => {
    const holding = hit('hold', 150, { holdSettlement: true });
    expect(decide([holding, hit('b', 250)], thresholds, 'rs-1')).toMatchObject({ decision: 'review', holdSettlement: true });
    // Not a review: an approval pays, a decline settles nothing.
    expect(decide([holding], thresholds, 'rs-1')).not.toHaveProperty('holdSettlement');
    expect(decide([holding, hit('b', 600)], thresholds, 'rs-1')).toMatchObject({ decision: 'decline' });
    expect(decide([holding, hit('b', 600)], thresholds, 'rs-1')).not.toHaveProperty('holdSettlement');
    // A review by other rules; the holding rule in shadow only.
    expect(decide([hit('b', 450), { ...holding, mode: 'shadow' }], thresholds, 'rs-1')).not.toHaveProperty('holdSettlement');
  });

  it('sums contributions and applies the thresholds', () => {
    expect(decide([hit('a', 150), hit('b', 249)], thresholds, 'rs-1')).toMatchObject({ score: 399, decision: 'approve' });
    expect(decide([hit('a', 150), hit('b', 250)], thresholds, 'rs-1')).toMatchObject({ score: 400, decision: 'review' });
    expect(decide([hit('a', 450), hit('b', 250)], thresholds, 'rs-1')).toMatchObject({ score: 700, decision: 'decline' });
  });

  it('caps the score at 1000', () => {
    expect(decide([hit('a', 1000), hit('b', 500)], thresholds, 'rs-1').score).toBe(1000);
  });

  it('lets a floor raise the decision but never lower it', () => {
    expect(decide([hit('a', 10, { floor: 'review' })], thresholds, 'rs-1')).toMatchObject({ score: 10, decision: 'review' });
    expect(decide([hit('a', 10, { floor: 'decline' }), hit('b', 10, { floor: 'review' })], thresholds, 'rs-1').decision).toBe('decline');
    expect(decide([hit('a', 800, { floor: 'review' })], thresholds, 'rs-1').decision).toBe('decline');
  });

  it('orders reasons by contribution, then priority, then rule id, keeping rule versions and quoted values', () => {
    const result = decide([hit('small', 50), hit('big', 300), hit('tie-b', 100), hit('tie-a', 100), hit('urgent', 100, { priority: 90 })], thresholds, 'rs-1');
    expect(result.reasons.map((r) => r.ruleId)).toEqual(['big', 'urgent', 'tie-a', 'tie-b', 'small']);
    expect(result.reasons[0]).toEqual({ ruleId: 'big', ruleVersion: 2, message: 'big fired', value: 6, threshold: 5 });
  });

  it('reports shadow rules without letting them touch score or decision', () => {
    const result = decide([hit('live', 100), hit('trial', 900, { mode: 'shadow', floor: 'decline' })], thresholds, 'rs-1');
    expect(result).toMatchObject({ score: 100, decision: 'approve', reasons: [{ ruleId: 'live' }], shadowHits: [{ ruleId: 'trial' }] });
  });
});

describe('degradedAssessment', () => {
  const policy = { approveBelowUsd: 50, otherwise: 'review' } as const;

  it('approves below the configured amount, with reason RISK_DEGRADED', () => {
    expect(degradedAssessment(49.99, policy, thresholds, 'rs-4', 'warming')).toEqual({
      score: 0,
      decision: 'approve',
      reasons: [{ ruleId: 'RISK_DEGRADED', ruleVersion: 0, message: 'risk not scored (velocity state still being rebuilt); approved below USD 50', value: 49.99, threshold: 50 }],
      ruleSetVersion: 'rs-4',
      shadowHits: [],
    });
  });

  it('reviews or declines the rest, scored at that threshold', () => {
    expect(degradedAssessment(50, policy, thresholds, 'rs-4', 'deadline')).toMatchObject({ score: 400, decision: 'review', reasons: [{ ruleId: 'RISK_DEGRADED' }] });
    expect(degradedAssessment(50, { ...policy, otherwise: 'decline' }, thresholds, 'rs-4', 'deadline')).toMatchObject({ score: 700, decision: 'decline' });
  });

  it('never approves an amount it cannot read', () => {
    const result = degradedAssessment(Number.NaN, policy, thresholds, 'rs-4', 'error');
    expect(result).toMatchObject({ decision: 'review', reasons: [{ message: 'risk not scored (risk step failed); an unreadable amount is not below USD 50: review' }] });
    expect(result.reasons[0]).not.toHaveProperty('value');
  });
});
