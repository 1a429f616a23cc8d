import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileCondition, compileRuleSet } from './compile-rule.ts';
import type { Condition, Rule } from './rule-schema.ts';
import { factsWith } from './test-support/facts.ts';

const holds = (condition: Condition, overrides: Parameters<typeof factsWith>[0]) => compileCondition(condition)(factsWith(overrides));

function rule(id: string, overrides: Partial<Rule> = {}): Rule & { version: number } {
  return {
    id,
    description: id,
    typology: 'test',
    priority: 10,
    mode: 'enforce',
    when: { fact: 'amount.usd', gt: 100 },
    then: { score: 100, reason: 'USD {{amount.usd}} over {{velocity.device.count.1m}}' },
    version: 3,
    ...overrides,
  };
}

describe('compileCondition', () => {
  it('compares a fact with a literal for every operator', () => {
    expect(holds({ fact: 'amount.usd', gt: 5 }, { 'amount.usd': 6 })).toBe(true);
    expect(holds({ fact: 'amount.usd', gt: 5 }, { 'amount.usd': 5 })).toBe(false);
    expect(holds({ fact: 'amount.usd', gte: 5 }, { 'amount.usd': 5 })).toBe(true);
    expect(holds({ fact: 'amount.usd', lt: 5 }, { 'amount.usd': 5 })).toBe(false);
    expect(holds({ fact: 'amount.usd', lte: 5 }, { 'amount.usd': 5 })).toBe(true);
    expect(holds({ fact: 'corridor', eq: 'TH-CN' }, { corridor: 'TH-CN' })).toBe(true);
    expect(holds({ fact: 'corridor', ne: 'TH-CN' }, { corridor: 'TH-CN' })).toBe(false);
    expect(holds({ fact: 'payer.device.new', eq: true }, { 'payer.device.new': true })).toBe(true);
  });

  it('compares a fact with another fact', () => {
    expect(holds({ fact: 'amount.usd', gt: { fact: 'payer.profile.maxUsd' } }, { 'amount.usd': 10, 'payer.profile.maxUsd': 9 })).toBe(true);
    expect(holds({ fact: 'amount.usd', lte: { fact: 'payer.profile.maxUsd' } }, { 'amount.usd': 10, 'payer.profile.maxUsd': 9 })).toBe(false);
  });

  it('supports in, between (inclusive), all, any and not', () => {
    expect(holds({ fact: 'merchant.mcc', in: ['7995', '6051'] }, { 'merchant.mcc': '6051' })).toBe(true);
    expect(holds({ fact: 'merchant.mcc', in: ['7995', '6051'] }, { 'merchant.mcc': '5812' })).toBe(false);
    expect(holds({ fact: 'merchant.localHour', between: [0, 5] }, { 'merchant.localHour': 5 })).toBe(true);
    expect(holds({ fact: 'merchant.localHour', between: [0, 5] }, { 'merchant.localHour': 6 })).toBe(false);
    const both = { all: [{ fact: 'amount.usd', gt: 1 }, { fact: 'amount.small', eq: false }] } as Condition;
    expect(holds(both, { 'amount.usd': 2 })).toBe(true);
    expect(holds(both, { 'amount.usd': 2, 'amount.small': true })).toBe(false);
    const either = { any: [{ fact: 'amount.usd', gt: 100 }, { fact: 'amount.cny', gt: 700 }] } as Condition;
    expect(holds(either, { 'amount.cny': 701 })).toBe(true);
    expect(holds(either, {})).toBe(false);
    expect(holds({ not: either }, {})).toBe(true);
  });
});

describe('compileRuleSet', () => {
  it('orders rules by priority (then id), leaves out rules that are off, and keeps versions', () => {
    const set = compileRuleSet('rs-9', [
      rule('b-low', { priority: 5 }),
      rule('a-high', { priority: 50 }),
      rule('c-high', { priority: 50, mode: 'shadow' }),
      rule('d-off', { priority: 99, mode: 'off' }),
    ]);
    expect(set.version).toBe('rs-9');
    expect(set.rules.map((r) => `${r.id}:${r.mode}:${r.version}`)).toEqual(['a-high:enforce:3', 'c-high:shadow:3', 'b-low:enforce:3']);
  });

  it('leaves out, and reports, a stored rule that no longer validates', () => {
    const set = compileRuleSet('rs-1', [rule('fine'), rule('stale', { when: { fact: 'retired.fact', gt: 1 } })]);
    expect(set.rules.map((r) => r.id)).toEqual(['fine']);
    expect(set.rejected).toMatchObject([{ id: 'stale', version: 3, error: { path: '/when/fact' } }]);
  });

  it('quotes fact values in the reason, with value and threshold from facts or literals', () => {
    const [withFacts] = compileRuleSet('rs-1', [
      rule('r', { then: { score: 1, reason: 'USD {{amount.usd}} from {{corridor}}, {{velocity.device.count.1m}} payments', value: 'amount.usd', threshold: 'payer.profile.maxUsd' } }),
    ]).rules;
    expect(withFacts!.reason(factsWith({ 'amount.usd': 1234.5, corridor: 'TH-CN', 'velocity.device.count.1m': 6, 'payer.profile.maxUsd': 99.999 }))).toEqual({
      ruleId: 'r',
      ruleVersion: 3,
      message: 'USD 1234.50 from TH-CN, 6 payments',
      value: 1234.5,
      threshold: 100,
    });
    const [literal] = compileRuleSet('rs-1', [rule('r', { then: { score: 1, reason: 'plain', threshold: 5 } })]).rules;
    expect(literal!.reason(factsWith())).toEqual({ ruleId: 'r', ruleVersion: 3, message: 'plain', threshold: 5 });
  });
});

describe('local rules', () => {
  const rule = (when: Condition): Rule => ({
    id: 'r',
    description: 'd',
    typology: 't',
    priority: 10,
    mode: 'enforce',
    when,
    then: { score: 100, reason: 'r' },
  });
  const local = (when: Condition) => compileRuleSet('rs-1', [{ ...rule(when), version: 1 }]).rules[0]!.local;

  it('are those naming only facts known without the velocity state, on either side of a comparison', () => {
    expect(local({ any: [{ fact: 'payer.country.sanctioned', eq: true }, { fact: 'merchant.country.sanctioned', eq: true }] })).toBe(true);
    expect(local({ all: [{ fact: 'amount.usd', gte: 10_000 }, { not: { fact: 'merchant.mcc', in: ['5411'] } }] })).toBe(true);
    expect(local({ all: [{ fact: 'amount.usd', gte: 10 }, { fact: 'velocity.payer.count.1m', gt: 5 }] })).toBe(false);
    expect(local({ fact: 'amount.usd', gt: { fact: 'payer.profile.maxUsd' } })).toBe(false);
    expect(local({ fact: 'payer.device.new', eq: true })).toBe(false);
  });
});

describe('the rules folder', () => {
  it('never evaluates code from strings', () => {
    const sources = readdirSync(new URL('.', import.meta.url), { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('.'),
    );
    expect(sources.length).toBeGreaterThan(10);
    for (const file of sources) {
      const text = readFileSync(new URL(file, import.meta.url), 'utf8');
      expect(text, file).not.toMatch(/\beval\s*\(|new\s+Function\s*\(/);
    }
  });
});
