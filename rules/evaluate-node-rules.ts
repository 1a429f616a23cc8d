import { RuleEngine, type API, type Rule as NodeRule } from 'node-rules';
import type { CompiledRuleSet } from './compile-rule.ts';
import type { Evaluation, Evaluator } from './evaluation.ts';
import type { Facts } from './facts/catalog.ts';

/**
 * Runs a compiled rule set through node-rules 9, wrapped against its pitfalls:
 * - one engine per rule-set version, never mutated (a running `execute` re-reads
 *   `activeRules` on every step, so mutation would change rules under a payment);
 * - `ignoreFactChanges: true` (otherwise every consequence deep-compares and restarts);
 * - every rule registered with its priority >= 1, already in order (node-rules only sorts
 *   when both priorities are truthy);
 * - every condition in try/catch: only the first condition runs synchronously inside
 *   `execute`, later ones run on process.nextTick, where a throw would be uncaught;
 * - every consequence calls `R.next()` (forgetting it hangs `execute` for ever), and a
 *   timer resolves the run as timed out should the callback never come;
 * - the deadline is checked before every 8th condition (reading the clock costs more than
 *   a condition), because the whole run is a chain of nextTicks no timer can interrupt.
 * node-rules deep-clones the fact it is given twice per run (~20 us each for our ~90
 * facts), so it is given a small session instead: a run id and the run's bookkeeping.
 * Conditions find the flat fact of their run by that id.
 */

interface Session {
  run: number;
  fired: number[];
  errors: string[];
  deadlineAt: number;
  timedOut: boolean;
}

export function createNodeRulesEvaluator(ruleSet: CompiledRuleSet): Evaluator {
  const running = new Map<number, Facts>();
  let nextRun = 0;
  const rules: NodeRule[] = ruleSet.rules.map((rule, index) => ({
    id: rule.id,
    name: rule.id,
    on: true,
    priority: rule.priority,
    condition: (R: API, fact) => {
      const session = fact as unknown as Session;
      if ((index & 7) === 0 && performance.now() > session.deadlineAt) {
        session.timedOut = true;
        R.stop();
        return;
      }
      let hit = false;
      try {
        hit = rule.predicate(running.get(session.run)!) === true;
      } catch {
        session.errors.push(rule.id);
      }
      R.when(hit);
    },
    consequence: (R: API, fact) => {
      (fact as unknown as Session).fired.push(index);
      R.next();
    },
  }));
  const engine = new RuleEngine(rules, { ignoreFactChanges: true });

  return {
    ruleSet,
    evaluate(facts, deadlineAt) {
      return new Promise<Evaluation>((resolve) => {
        const run = nextRun++;
        running.set(run, facts);
        let settled = false;
        const finish = (evaluation: Evaluation) => {
          if (settled) return;
          settled = true;
          clearTimeout(guard);
          running.delete(run);
          resolve(evaluation);
        };
        const guard = setTimeout(
          () => finish({ fired: [], errors: [], timedOut: true }),
          Math.max(0, Math.ceil(deadlineAt - performance.now())) + 1,
        );
        const session: Session = { run, fired: [], errors: [], deadlineAt, timedOut: false };
        try {
          engine.execute(session as unknown as Record<string, unknown>, (result) => {
            const done = result as unknown as Session;
            finish({
              fired: done.fired.map((i) => ruleSet.rules[i]!),
              errors: done.errors,
              timedOut: done.timedOut,
            });
          });
        } catch {
          // Conditions never throw (they catch); this is node-rules itself failing.
          finish({ fired: [], errors: ['node-rules'], timedOut: true });
        }
      });
    },
  };
}
