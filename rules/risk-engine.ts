import type { ChainableCommander, Redis } from 'ioredis';
import type { Scorer } from '../domain/ports.ts';
import type { RiskAssessment, SwitchedMessage } from '../domain/transaction.ts';
import { compileRuleSet, type CompiledRule, type CompiledRuleSet } from './compile-rule.ts';
import { checkThresholds, decide, type RuleHit, type Thresholds } from './decide.ts';
import { degradedAssessment, withLocalRules, type DegradedCause, type FallbackPolicy } from './degraded.ts';
import { createNodeRulesEvaluator } from './evaluate-node-rules.ts';
import { createDirectEvaluator, evaluateDirect, type Evaluator, type EvaluatorKind } from './evaluation.ts';
import { buildFacts } from './facts/derive.ts';
import type { Facts } from './facts/catalog.ts';
import { decodeStoredFacts, gatherArgs, localStoredFacts, usdCents } from './facts/gather.ts';
import { createListSnapshot } from './list-snapshot.ts';
import { appendRecordOutcome } from './facts/record-outcome.ts';
import { defineRiskScripts } from './lua-scripts.ts';
import type { Audit, ListName } from './risk-lists.ts';
import { createRuleStore, type RuleSet, type RuleStore, type RuleSubscription } from './rule-store.ts';

export interface RiskEngineOptions {
  /** The shared command connection; the engine duplicates it once for pub/sub. */
  redis: Redis;
  thresholds: Thresholds;
  /** Budget of the whole risk step (facts and rules), in ms. */
  deadlineMs: number;
  fallback: FallbackPolicy;
  /** CNY per USD as a decimal string, e.g. "7.12". */
  cnyPerUsd: string;
  /** Wall clock for the rule store's timestamps (velocity buckets use each message's receivedAt). */
  now?: () => number;
  audit?: Audit;
  /** How compiled rules run: through node-rules (default) or the plain loop. */
  evaluator?: EvaluatorKind;
  /**
   * Fact look-ups given up at the deadline but still in Redis or ioredis's queues; at this
   * many, payments fall back at once without sending more (default 256), so a stalled
   * Redis is not buried under work nobody waits for.
   */
  maxAbandonedInFlight?: number;
}

export interface RiskEngineStats {
  scored: number;
  degraded: number;
  conditionErrors: number;
  ruleSetVersion: string;
  degradedByCause: Record<DegradedCause, number>;
  /** Fact look-ups given up at the deadline whose Redis reply has not come back yet. */
  abandonedInFlight: number;
  /** Enforced and shadow rules in the running rule set. */
  rules: number;
  /** Stored rules that failed to compile and are left out, as "id@version". */
  rejectedRules: string[];
  ruleSetReloadErrors: number;
  /** Post-decision updates whose Redis reply was an error (velocity amounts one payment short). */
  recordOutcomeErrors: number;
  /** Degraded payments on which a local rule (lists, amount) still fired. */
  degradedWithRuleHits: number;
  /** Reloads of the in-memory lists that failed (the last copy stays in use). */
  listRefreshErrors: number;
  /** Members per list in the in-memory copy the degraded path uses. */
  listSizes: Record<ListName, number>;
  evaluator: EvaluatorKind;
}

export interface RiskEngine extends Scorer {
  score(message: SwitchedMessage): Promise<RiskAssessment>;
  /** Issues the post-decision update right after the ledger's commit, on the same connection (client or pipeline). */
  recordOutcome(commands: ChainableCommander | Redis, message: SwitchedMessage): void;
  stats(): RiskEngineStats;
  /** The rule store on the same connection and audit callback, for the rules and lists routes. */
  readonly store: RuleStore;
  /** Called after every swap to a new rule set, with its version; returns an unsubscribe function. */
  onRuleSetChange(listener: (ruleSetVersion: string) => void): () => void;
  /** Stops listening for rule changes (the shared connection stays open: it is the caller's). */
  close(): Promise<void>;
}

class DeadlineError extends Error {}

function hitsOf(fired: readonly CompiledRule[], facts: Facts): RuleHit[] {
  return fired.map((rule) => ({
    mode: rule.mode,
    score: rule.score,
    ...(rule.floor ? { floor: rule.floor } : {}),
    priority: rule.priority,
    reason: rule.reason(facts),
  }));
}

/** The local rules of each rule set, picked once per version (degraded payments come in bursts). */
const localRuleSets = new WeakMap<CompiledRuleSet, CompiledRuleSet>();
function localRulesOf(ruleSet: CompiledRuleSet): CompiledRuleSet {
  let local = localRuleSets.get(ruleSet);
  if (!local) {
    local = { ...ruleSet, rules: ruleSet.rules.filter((rule) => rule.local) };
    localRuleSets.set(ruleSet, local);
  }
  return local;
}

const RELOAD_RETRY_MS = 1000;

export async function createRiskEngine(options: RiskEngineOptions): Promise<RiskEngine> {
  checkThresholds(options.thresholds);
  const cnyPerUsd = Number(options.cnyPerUsd);
  if (!(cnyPerUsd > 0 && Number.isFinite(cnyPerUsd))) throw new Error(`cnyPerUsd must be a positive decimal, got "${options.cnyPerUsd}"`);
  if (!(options.deadlineMs > 0)) throw new Error(`deadlineMs must be positive, got ${options.deadlineMs}`);
  if (!(options.fallback.approveBelowUsd >= 0)) throw new Error('fallback.approveBelowUsd must be >= 0');
  const kind: EvaluatorKind = options.evaluator ?? 'node-rules';
  const maxAbandoned = options.maxAbandonedInFlight ?? 256;
  const redis = defineRiskScripts(options.redis);
  const store = createRuleStore(redis, options.audit, options.now ? { now: options.now } : {});

  const counters = {
    scored: 0,
    degraded: 0,
    conditionErrors: 0,
    degradedByCause: { redis: 0, deadline: 0, overload: 0, error: 0 } as Record<DegradedCause, number>,
    abandonedInFlight: 0,
    ruleSetReloadErrors: 0,
    recordOutcomeErrors: 0,
    degradedWithRuleHits: 0,
    listRefreshErrors: 0,
  };
  const listeners = new Set<(version: string) => void>();
  let current: Evaluator | undefined;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;

  const build = (set: RuleSet): Evaluator => {
    const compiled = compileRuleSet(set.version, set.rules);
    return kind === 'direct' ? createDirectEvaluator(compiled) : createNodeRulesEvaluator(compiled);
  };

  // Reloads are serialised and each reads the latest state, so the last one always wins.
  let reloading: Promise<void> | undefined;
  let reloadAgain = false;
  const reload = (): Promise<void> => {
    if (reloading) {
      reloadAgain = true;
      return reloading;
    }
    reloading = (async () => {
      do {
        reloadAgain = false;
        const set = await store.ruleSet();
        if (set.version !== current?.ruleSet.version) {
          current = build(set);
          for (const listener of listeners) listener(set.version);
        }
      } while (reloadAgain && !closed);
    })()
      .catch((e: unknown) => {
        counters.ruleSetReloadErrors++;
        if (!current) throw e;
        // Keep scoring with the rule set we have, and try again shortly.
        if (!closed && !retryTimer) {
          retryTimer = setTimeout(() => {
            retryTimer = undefined;
            reload().catch(() => undefined);
          }, RELOAD_RETRY_MS);
          retryTimer.unref();
        }
      })
      .finally(() => {
        reloading = undefined;
      });
    return reloading;
  };

  await store.seedDefaults();
  // Subscribe before the first load, so no change can fall between the two.
  const lists = createListSnapshot(redis);
  const refreshLists = () => {
    lists.refresh().catch(() => counters.listRefreshErrors++);
  };
  const subscription: RuleSubscription = await store.subscribe(() => {
    reload().catch(() => undefined);
  }, refreshLists);
  try {
    await reload();
    await lists.refresh();
  } catch (e) {
    await subscription.close();
    throw e;
  }

  const degrade = (message: SwitchedMessage, evaluator: Evaluator, cause: DegradedCause): RiskAssessment => {
    counters.degraded++;
    counters.degradedByCause[cause]++;
    let usd = Number.NaN;
    try {
      usd = usdCents(message.amountUsd) / 100;
    } catch {
      // An unreadable amount is never "small": the fallback's otherwise applies.
    }
    const fallback = degradedAssessment(usd, options.fallback, options.thresholds, evaluator.ruleSet.version, cause);
    // The rules that need no velocity store still run, on the lists held in memory.
    try {
      const local = localRulesOf(evaluator.ruleSet);
      if (local.rules.length === 0) return fallback;
      const facts = buildFacts(message, localStoredFacts(message, lists.has), cnyPerUsd);
      const fired = evaluateDirect(local, facts, Number.POSITIVE_INFINITY).fired;
      if (fired.length > 0) counters.degradedWithRuleHits++;
      return withLocalRules(fallback, decide(hitsOf(fired, facts), options.thresholds, evaluator.ruleSet.version));
    } catch {
      return fallback;
    }
  };

  const gather = (args: string[], budgetMs: number): Promise<string[]> => {
    const reply = redis.gatherRiskFacts(...args);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        counters.abandonedInFlight++;
        reply.then(
          () => counters.abandonedInFlight--,
          () => counters.abandonedInFlight--,
        );
        reject(new DeadlineError());
      }, budgetMs);
    });
    return Promise.race([reply, deadline]).finally(() => clearTimeout(timer));
  };

  return {
    store,

    async score(message) {
      const started = performance.now();
      const deadlineAt = started + options.deadlineMs;
      counters.scored++;
      // One rule set for the whole payment, even if a swap happens meanwhile.
      const evaluator = current!;
      let args: string[];
      try {
        args = gatherArgs(message);
      } catch {
        return degrade(message, evaluator, 'error');
      }
      if (counters.abandonedInFlight >= maxAbandoned) return degrade(message, evaluator, 'overload');
      let reply: string[];
      try {
        reply = await gather(args, deadlineAt - performance.now());
      } catch (e) {
        return degrade(message, evaluator, e instanceof DeadlineError ? 'deadline' : 'redis');
      }
      try {
        const facts = buildFacts(message, decodeStoredFacts(reply), cnyPerUsd);
        const evaluation = await evaluator.evaluate(facts, deadlineAt);
        counters.conditionErrors += evaluation.errors.length;
        if (evaluation.timedOut) return degrade(message, evaluator, 'deadline');
        return decide(hitsOf(evaluation.fired, facts), options.thresholds, evaluator.ruleSet.version);
      } catch {
        return degrade(message, evaluator, 'error');
      }
    },

    recordOutcome(commands, message) {
      // A failure leaves the payment as committed and the velocity store one payment
      // short: counted, never thrown. On a client the reply is a promise.
      try {
        const reply = appendRecordOutcome(commands, message, cnyPerUsd);
        if (reply instanceof Promise) reply.catch(() => counters.recordOutcomeErrors++);
      } catch {
        counters.recordOutcomeErrors++;
      }
    },

    stats() {
      const set = current!.ruleSet;
      return {
        scored: counters.scored,
        degraded: counters.degraded,
        conditionErrors: counters.conditionErrors,
        ruleSetVersion: set.version,
        degradedByCause: { ...counters.degradedByCause },
        abandonedInFlight: counters.abandonedInFlight,
        rules: set.rules.length,
        rejectedRules: set.rejected.map((r) => `${r.id}@${r.version}`),
        ruleSetReloadErrors: counters.ruleSetReloadErrors,
        recordOutcomeErrors: counters.recordOutcomeErrors,
        degradedWithRuleHits: counters.degradedWithRuleHits,
        listRefreshErrors: counters.listRefreshErrors,
        listSizes: lists.sizes(),
        evaluator: kind,
      };
    },

    onRuleSetChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      listeners.clear();
      await subscription.close();
    },
  };
}
