import { describe, expect, it } from 'vitest';
import { compileRuleSet, type CompiledRule, type CompiledRuleSet } from './compile-rule.ts';
import { createNodeRulesEvaluator } from './evaluate-node-rules.ts';
import { createDirectEvaluator, evaluateDirect, type Evaluator } from './evaluation.ts';
import type { Facts } from './facts/catalog.ts';
import { loadDefaultPack } from './rule-store.ts';
import { factsWith } from './test-support/facts.ts';

const pack = compileRuleSet(
  'rs-pack',
  loadDefaultPack().rules.map((r) => ({ ...r, version: 1 })),
);

function withRule(set: CompiledRuleSet, rule: Partial<CompiledRule> & { id: string; priority: number }): CompiledRuleSet {
  const extra: CompiledRule = {
    version: 1,
    mode: 'enforce',
    typology: 'test',
    score: 10,
    predicate: () => true,
    local: false,
    reason: () => ({ ruleId: rule.id, ruleVersion: 1, message: rule.id }),
    ...rule,
  };
  return { ...set, rules: [...set.rules, extra].sort((a, b) => b.priority - a.priority) };
}

/** Facts drawn so that, across the sample, every default rule fires sometimes and not always. */
function randomFacts(random: () => number): Facts {
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  return factsWith({
    'message.type': pick(['payment', 'payment', 'refund']),
    'amount.usd': pick([3, 40, 600, 9_000, 12_000]),
    'amount.cny': pick([20, 300, 210_000]),
    'velocity.device.count.1m': pick([1, 6]),
    'velocity.payer.count.1m': pick([1, 7]),
    'velocity.device.smallCount.10m': pick([0, 9]),
    'structuring.count.24h': pick([0, 3]),
    'payer.device.new': random() < 0.3,
    'payer.country.sanctioned': random() < 0.1,
    'merchant.mcc.highRisk': random() < 0.3,
    'merchant.localHour': pick([2, 14]),
    'payer.travel.km': pick([0, 1200]),
    'payer.travel.kmh': pick([0, 2400]),
    'distinct.merchantsPerPayer.24h': pick([1, 12]),
    'merchant.refunds.count.30d': pick([0, 20]),
    'merchant.refunds.ratio.30d': pick([0, 0.6]),
  });
}

function lcg(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

const evaluators: Array<[string, (set: CompiledRuleSet) => Evaluator]> = [
  ['node-rules', createNodeRulesEvaluator],
  ['direct', createDirectEvaluator],
];

describe('rule evaluation', () => {
  it('fires the same rules, in the same order, through node-rules and without it', async () => {
    const nodeRules = createNodeRulesEvaluator(pack);
    const random = lcg(42);
    const firedIds = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const facts = randomFacts(random);
      const viaNodeRules = await nodeRules.evaluate(facts, performance.now() + 1000);
      const direct = evaluateDirect(pack, facts, performance.now() + 1000);
      expect(viaNodeRules.fired.map((r) => r.id)).toEqual(direct.fired.map((r) => r.id));
      for (const r of direct.fired) firedIds.add(r.id);
    }
    expect(firedIds.size).toBeGreaterThan(10);
  });

  it('runs many payments concurrently through one node-rules engine without mixing their facts', async () => {
    const nodeRules = createNodeRulesEvaluator(pack);
    const random = lcg(7);
    const facts = Array.from({ length: 50 }, () => randomFacts(random));
    const results = await Promise.all(facts.map((f) => nodeRules.evaluate(f, performance.now() + 1000)));
    results.forEach((result, i) => {
      expect(result.fired.map((r) => r.id)).toEqual(evaluateDirect(pack, facts[i]!, Infinity).fired.map((r) => r.id));
    });
  });

  for (const [name, create] of evaluators) {
    it(`${name}: a throwing condition counts as not fired, is reported, and the other rules still run`, async () => {
      const throwing = () => {
        throw new Error('broken condition');
      };
      // Two throwing rules: the first condition runs synchronously inside node-rules, the second on nextTick.
      const set = withRule(withRule(pack, { id: 'broken-first', priority: 999, predicate: throwing }), { id: 'broken-later', priority: 1, predicate: throwing });
      const result = await create(set).evaluate(factsWith({ 'velocity.device.count.1m': 6 }), performance.now() + 1000);
      expect(result.errors).toEqual(['broken-first', 'broken-later']);
      expect(result.fired.map((r) => r.id)).toEqual(['velocity-device-burst']);
      expect(result.timedOut).toBe(false);
    });

    it(`${name}: stops at the deadline and says so`, async () => {
      const slow = () => {
        const until = performance.now() + 10;
        while (performance.now() < until);
        return true;
      };
      let set = pack;
      for (let i = 0; i < 20; i++) set = withRule(set, { id: `slow-${i}`, priority: 500 - i, predicate: slow });
      const evaluator = create(set);
      const facts = factsWith();
      const result = await evaluator.evaluate(facts, performance.now() + 40);
      expect(result.timedOut).toBe(true);
      // The clock is read before every 8th condition: 8 slow ones (80 ms) ran, then it stopped.
      expect(result.fired.map((r) => r.id)).toEqual(Array.from({ length: 8 }, (_, i) => `slow-${i}`));
    });
  }

  it('keeps each node-rules engine on its own rule-set version', async () => {
    const before = createNodeRulesEvaluator(pack);
    const after = createNodeRulesEvaluator(withRule(pack, { id: 'always', priority: 1 }));
    const facts = factsWith();
    expect((await before.evaluate(facts, performance.now() + 1000)).fired).toEqual([]);
    expect((await after.evaluate(facts, performance.now() + 1000)).fired.map((r) => r.id)).toEqual(['always']);
    expect(before.ruleSet.version).toBe('rs-pack');
  });
});
