import { describe, expect, it } from 'vitest';
import { loadDefaultPack } from './rule-store.ts';
import { validateRule } from './validate-rule.ts';

const valid = {
  id: 'velocity-device-burst',
  description: 'More than five payments from one device within a minute',
  typology: 'velocity',
  priority: 90,
  mode: 'enforce',
  when: { all: [{ fact: 'velocity.device.count.1m', gt: 5 }, { fact: 'message.type', eq: 'payment' }] },
  then: {
    score: 500,
    floor: 'decline',
    reason: '{{velocity.device.count.1m}} payments from this device in 1 minute (limit 5)',
    value: 'velocity.device.count.1m',
    threshold: 5,
  },
};

function rejection(rule: unknown) {
  const result = validateRule(rule);
  if (result.ok) throw new Error('expected the rule to be rejected');
  return result.error;
}

const withWhen = (when: unknown) => ({ ...valid, when });

describe('validateRule', () => {
  it('accepts a well-formed rule and every rule of the default pack', () => {
    expect(validateRule(valid).ok).toBe(true);
    for (const rule of loadDefaultPack().rules) expect(validateRule(rule), rule.id).toMatchObject({ ok: true });
  });

  it('rejects an unknown fact with its JSON path and the closest known name', () => {
    const error = rejection(withWhen({ all: [{ fact: 'velocity.device.count.1m', gt: 5 }, { fact: 'velocity.devcie.count.1m', gt: 5 }] }));
    expect(error).toMatchObject({ code: 'RULE_INVALID', path: '/when/all/1/fact' });
    expect(error.message).toContain('unknown fact "velocity.devcie.count.1m"');
    expect(error.message).toContain('did you mean "velocity.device.count.1m"');
  });

  it('rejects an unknown fact on the right-hand side, deep inside any/not', () => {
    const error = rejection(withWhen({ any: [{ not: { fact: 'amount.usd', gt: { fact: 'payer.profile.maximum' } } }] }));
    expect(error.path).toBe('/when/any/0/not/gt/fact');
  });

  it('rejects a comparison with two operators or none, and unknown operators', () => {
    expect(rejection(withWhen({ fact: 'amount.usd', gt: 1, lt: 5 }))).toMatchObject({ path: '/when' });
    expect(rejection(withWhen({ fact: 'amount.usd' })).message).toContain('exactly one operator');
    expect(rejection(withWhen({ fact: 'amount.usd', greater: 1 }))).toMatchObject({ path: '/when/greater' });
  });

  it('rejects types that do not match the fact', () => {
    expect(rejection(withWhen({ fact: 'corridor', gt: 5 }))).toMatchObject({ path: '/when/gt' });
    expect(rejection(withWhen({ fact: 'amount.usd', eq: '100' }))).toMatchObject({ path: '/when/eq' });
    expect(rejection(withWhen({ fact: 'merchant.mcc', in: ['7995', 6051] }))).toMatchObject({ path: '/when/in/1' });
    expect(rejection(withWhen({ fact: 'amount.usd', gt: { fact: 'corridor' } }))).toMatchObject({ path: '/when/gt/fact' });
    expect(rejection(withWhen({ fact: 'merchant.localHour', between: [6, 0] })).message).toContain('low must not exceed high');
    expect(rejection(withWhen({ fact: 'corridor', between: [1, 2] }))).toMatchObject({ path: '/when/between' });
  });

  it('rejects malformed groups', () => {
    expect(rejection(withWhen({ all: [] }))).toMatchObject({ path: '/when/all' });
    expect(rejection(withWhen({ all: [{ fact: 'amount.usd', gt: 1 }], any: [] }))).toMatchObject({ path: '/when' });
    expect(rejection(withWhen('amount.usd > 5'))).toMatchObject({ path: '/when' });
  });

  it('limits how deep conditions nest', () => {
    let when: unknown = { fact: 'amount.usd', gt: 1 };
    for (let i = 0; i < 9; i++) when = { not: when };
    expect(rejection(withWhen(when)).message).toContain('nest at most');
  });

  it('checks the outcome: placeholders, value and threshold facts, score range', () => {
    expect(rejection({ ...valid, then: { ...valid.then, reason: '{{velocity.device.count.1mm}} payments' } })).toMatchObject({ path: '/then/reason' });
    expect(rejection({ ...valid, then: { ...valid.then, value: 'device.count' } })).toMatchObject({ path: '/then/value' });
    expect(rejection({ ...valid, then: { ...valid.then, threshold: 'limit' } })).toMatchObject({ path: '/then/threshold' });
    expect(rejection({ ...valid, then: { ...valid.then, score: 1001 } })).toMatchObject({ path: '/then/score' });
    expect(rejection({ ...valid, then: { ...valid.then, floor: 'approve' } })).toMatchObject({ path: '/then/floor' });
  });

  it('checks the envelope: kebab-case id, priority >= 1, mode, no unknown or missing properties', () => {
    expect(rejection({ ...valid, id: 'Velocity_Burst' })).toMatchObject({ path: '/id' });
    expect(rejection({ ...valid, priority: 0 })).toMatchObject({ path: '/priority' });
    expect(rejection({ ...valid, priority: 1.5 })).toMatchObject({ path: '/priority' });
    expect(rejection({ ...valid, mode: 'on' })).toMatchObject({ path: '/mode', message: '/mode: must be one of enforce, shadow, off' });
    expect(rejection({ ...valid, colour: 'red' })).toMatchObject({ path: '/colour' });
    const { then: _then, ...noOutcome } = valid;
    expect(rejection(noOutcome)).toMatchObject({ path: '/then' });
    expect(rejection([valid])).toMatchObject({ path: '' });
  });
});
