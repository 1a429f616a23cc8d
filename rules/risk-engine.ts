import type { Redis } from 'ioredis';
import { ScreeningUnavailableError, type ScreeningService } from '../screening/screening-service.ts';
import type { Scorer } from '../domain/ports.ts';
import type { Payer, PaymentStatus, RiskAssessment, SwitchedMessage } from '../domain/transaction.ts';
import { compileRuleSet, type CompiledRule, type CompiledRuleSet } from './compile-rule.ts';
import { checkThresholds, decide, type RuleHit, type Thresholds } from './decide.ts';
import { degradedAssessment, withLocalRules, type DegradedCause, type FallbackPolicy } from './degraded.ts';
import { createNodeRulesEvaluator } from './evaluate-node-rules.ts';
import { createDirectEvaluator, evaluateDirect, type Evaluator, type EvaluatorKind } from './evaluation.ts';
import { buildFacts } from './facts/derive.ts';
import type { Facts } from './facts/catalog.ts';
import { listFacts, localStoredFacts, usdCents } from './facts/gather.ts';
import { createAsyncMessageScreener, type ScreeningFacts } from './facts/screening.ts';
import { createListSnapshot } from './list-snapshot.ts';
import { createListMemory, type ListVerdict } from './lists/list-memory.ts';
import { isListId, TYPED_LIST_MESSAGE, type ListId } from './lists/subject-lists.ts';
import { defineRiskScripts } from './lua-scripts.ts';
import type { Audit, ListName } from './risk-lists.ts';
import { createRuleStore, type RuleSet, type RuleStore, type RuleSubscription } from './rule-store.ts';
import { observationOf, type Observation } from './state/observation.ts';
import { replayHistory, type RecordedMessage } from './state/replay-history.ts';
import { createRiskState, type RiskStateSize } from './state/risk-state.ts';
import { createStateDeltas, type StateDeltasStats } from './state/state-deltas.ts';
import { RECENT_MS, type StateSnapshot } from './state/state-snapshot.ts';

export interface RiskEngineOptions {
  /** The shared command connection (rules, lists, deltas); the engine duplicates it for pub/sub and for reading deltas. */
  redis: Redis;
  thresholds: Thresholds;
  /** Budget of the rules' evaluation, in ms. */
  deadlineMs: number;
  fallback: FallbackPolicy;
  /** CNY per USD as a decimal string, e.g. "7.12". */
  cnyPerUsd: string;
  /** Wall clock for the rule store's timestamps and the state's sweeps (velocity buckets use each message's receivedAt). */
  now?: () => number;
  audit?: Audit;
  /** How compiled rules run: through node-rules (default) or the plain loop. */
  evaluator?: EvaluatorKind;
  /**
   * Share the velocity state with the other switch nodes on this Redis (state-deltas.ts):
   * this node's id and how often it publishes. Without it the state is this node's alone.
   */
  deltas?: { nodeId: string; intervalMs?: number; retentionMs?: number; stream?: string };
  /**
   * The state is rebuilt from history before it is trusted: until warmUp() has finished,
   * payments are decided by the failure policy (cause `warming`), and still counted.
   */
  warming?: boolean;
  /** Starts from this snapshot (state-snapshot.ts) instead of an empty state. */
  restore?: StateSnapshot;
  /**
   * The screening lists the parties' names are matched against (facts payerSanctionsScore...),
   * on every path, the degraded one included; the lists and versions used are recorded with
   * each decision. Without it no name is screened. Lists that do not answer (their thread
   * stuck or reloading) make the payment's decision degraded, cause `screening`: never
   * decided as if no name had matched.
   */
  screening?: ScreeningService;
}

export interface RiskEngineStats {
  scored: number;
  degraded: number;
  conditionErrors: number;
  ruleSetVersion: string;
  degradedByCause: Record<DegradedCause, number>;
  /** Enforced and shadow rules in the running rule set. */
  rules: number;
  /** Stored rules that failed to compile and are left out, as "id@version". */
  rejectedRules: string[];
  ruleSetReloadErrors: number;
  /** Degraded payments on which a local rule (lists, amount) still fired. */
  degradedWithRuleHits: number;
  /** Reloads of the in-memory lists that failed (the last copy stays in use). */
  listRefreshErrors: number;
  /** The running rule set's deadline and failure policy (a change set's, else the configuration's). */
  deadlineMs: number;
  fallback: FallbackPolicy;
  /** Members per list in the in-memory copy. */
  listSizes: Record<ListName, number>;
  /** Entries held per typed list (rules/lists/), emergency blocks included. */
  typedListSizes: Record<ListId, number>;
  evaluator: EvaluatorKind;
  /** The velocity state: entities held, whether it is still being rebuilt, and how. */
  state: RiskStateSize & {
    warming: boolean;
    /** Messages applied from history by the warm-up, how long it took, and the snapshot it started from. */
    warmUp?: { applied: number; ms: number; snapshotTakenAt?: string; error?: string };
    deltas?: StateDeltasStats;
  };
}

export interface RiskEngine extends Scorer {
  prepare(payer: Payer): void;
  score(message: SwitchedMessage): Promise<RiskAssessment>;
  settle(message: SwitchedMessage, status: PaymentStatus | undefined): void;
  /**
   * Rebuilds the state from recorded history (sources in order, each in received order):
   * messages already applied (scored here or received from another node meanwhile) are
   * skipped. Ends the warming period, also when a source fails (the error is in stats).
   */
  warmUp(sources: readonly (() => AsyncIterable<readonly RecordedMessage[]>)[]): Promise<void>;
  /** The state as it is now, with the ids of its last RECENT_MS of messages (state-snapshot.ts). */
  snapshot(): StateSnapshot;
  stats(): RiskEngineStats;
  /** The rule store on the same connection and audit callback, for the rules and lists routes. */
  readonly store: RuleStore;
  /** Reads the lists again now (after a change made by this process, so its next payment sees it). */
  refreshLists(list?: ListId): Promise<void>;
  /** Called after every swap to a new rule set, with its version; returns an unsubscribe function. */
  onRuleSetChange(listener: (ruleSetVersion: string) => void): () => void;
  /** Publishes what is queued for the other nodes and stops (the shared connection stays open: it is the caller's). */
  close(): Promise<void>;
}

/** An evaluator with the thresholds, deadline and failure policy its rule-set version decides with. */
type Live = Evaluator & { readonly thresholds: Thresholds; readonly deadlineMs: number; readonly fallback: FallbackPolicy };

/** The assessment with the screening lists it was decided against, when there were any. */
function withScreeningLists(assessment: RiskAssessment, screened: ScreeningFacts | undefined): RiskAssessment {
  return screened?.lists ? { ...assessment, screeningLists: screened.lists } : assessment;
}

/** The hits that count: a rule named by an allow entry of the payment's subjects does not (rules/lists/). */
function hitsOf(fired: readonly CompiledRule[], facts: Facts, exempt?: ReadonlySet<string>): RuleHit[] {
  return (exempt ? fired.filter((rule) => !exempt.has(rule.id)) : fired).map((rule) => ({
    mode: rule.mode,
    score: rule.score,
    ...(rule.floor ? { floor: rule.floor } : {}),
    ...(rule.holdSettlement ? { holdSettlement: true as const } : {}),
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
/** How often entities no window can read any more are forgotten. */
const SWEEP_EVERY_MS = 10 * 60_000;
/**
 * After a warm-up, ids of recent messages are kept this long, so another node's delta for
 * a message the warm-up already read from history is not counted twice.
 */
const SEEN_AFTER_WARM_UP_MS = 30_000;
/** Messages received this long before the engine started may arrive as deltas too. */
const DELTA_OVERLAP_MS = 30_000;

export async function createRiskEngine(options: RiskEngineOptions): Promise<RiskEngine> {
  checkThresholds(options.thresholds);
  const cnyPerUsd = Number(options.cnyPerUsd);
  if (!(cnyPerUsd > 0 && Number.isFinite(cnyPerUsd))) throw new Error(`cnyPerUsd must be a positive decimal, got "${options.cnyPerUsd}"`);
  if (!(options.deadlineMs > 0)) throw new Error(`deadlineMs must be positive, got ${options.deadlineMs}`);
  if (!(options.fallback.approveBelowUsd >= 0)) throw new Error('fallback.approveBelowUsd must be >= 0');
  const kind: EvaluatorKind = options.evaluator ?? 'node-rules';
  const now = options.now ?? Date.now;
  const redis = defineRiskScripts(options.redis);
  const shared = createRuleStore(redis, options.audit, options.now ? { now: options.now } : {});
  // A list change made through this engine's store applies to this process's next payment;
  // other processes hear of it on LISTS_CHANNEL.
  const store: RuleStore = {
    ...shared,
    lists: {
      get: (name) => shared.lists.get(name),
      add: async (name, values, actor) => {
        const done = await shared.lists.add(name, values, actor);
        await lists.refresh().catch(() => counters.listRefreshErrors++);
        return done;
      },
      remove: async (name, values, actor) => {
        const done = await shared.lists.remove(name, values, actor);
        await lists.refresh().catch(() => counters.listRefreshErrors++);
        return done;
      },
    },
  };
  const startedAt = now();

  const counters = {
    scored: 0,
    degraded: 0,
    conditionErrors: 0,
    degradedByCause: { deadline: 0, error: 0, warming: 0, screening: 0 } as Record<DegradedCause, number>,
    ruleSetReloadErrors: 0,
    degradedWithRuleHits: 0,
    listRefreshErrors: 0,
  };
  const listeners = new Set<(version: string) => void>();
  /** The running rule set, with the decision thresholds that came with its version. */
  let current: Live | undefined;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;

  // The velocity state, and while warming the ids of messages applied live (skipped by the warm-up).
  const state = createRiskState(options.restore?.state);
  let warming = options.warming ?? false;
  let seen: Set<string> | undefined = warming ? new Set(options.restore?.recent) : undefined;
  // Receipt time and id of the messages applied lately, oldest first, for snapshots.
  let recentIds: string[] = [];
  let recentAt: number[] = [];
  const remember = (o: Observation) => {
    recentIds.push(o.id);
    recentAt.push(o.t);
    if (recentIds.length > 4096 && recentAt[0]! < now() - 2 * RECENT_MS) {
      const keepFrom = recentAt.findIndex((t) => t >= now() - RECENT_MS);
      recentIds = keepFrom < 0 ? [] : recentIds.slice(keepFrom);
      recentAt = keepFrom < 0 ? [] : recentAt.slice(keepFrom);
    }
  };
  let warmUpResult: { applied: number; ms: number; snapshotTakenAt?: string; error?: string } | undefined;
  const snapshotTakenAt = options.restore ? { snapshotTakenAt: new Date(options.restore.takenAt).toISOString() } : {};
  const applyOnce = (o: Observation, apply: () => void) => {
    if (seen) {
      if (seen.has(o.id)) return;
      seen.add(o.id);
    }
    apply();
    remember(o);
  };
  const deltas = options.deltas
    ? createStateDeltas({
        redis: options.redis,
        nodeId: options.deltas.nodeId,
        apply: (o) => applyOnce(o, () => state.apply(o)),
        ...(options.deltas.intervalMs !== undefined ? { intervalMs: options.deltas.intervalMs } : {}),
        ...(options.deltas.retentionMs !== undefined ? { retentionMs: options.deltas.retentionMs } : {}),
        ...(options.deltas.stream !== undefined ? { stream: options.deltas.stream } : {}),
      })
    : undefined;
  // The observation of each message between its score and its settlement.
  const scoring = new WeakMap<SwitchedMessage, Observation>();
  const sweepTimer = setInterval(() => state.sweep(now()), SWEEP_EVERY_MS);
  sweepTimer.unref();

  const build = (set: RuleSet): Live => {
    // Submitted change sets' rules in their shadow period run beside the set, in shadow.
    const compiled = compileRuleSet(set.version, set.trials ? [...set.rules, ...set.trials] : set.rules);
    const evaluator = kind === 'direct' ? createDirectEvaluator(compiled) : createNodeRulesEvaluator(compiled);
    // Thresholds from Redis (seeded from the configuration, changed by change sets); the configuration's until seeded.
    // The deadline and failure policy likewise, once a change set set them.
    return Object.assign(evaluator, {
      thresholds: set.thresholds ?? options.thresholds,
      deadlineMs: set.policy?.deadlineMs ?? options.deadlineMs,
      fallback: set.policy?.fallback ?? options.fallback,
    });
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
  const typedLists = createListMemory(redis);
  const refreshLists = (message?: string) => {
    if (message?.startsWith(TYPED_LIST_MESSAGE)) {
      const list = message.slice(TYPED_LIST_MESSAGE.length);
      if (isListId(list)) typedLists.refresh(list).catch(() => counters.listRefreshErrors++);
      return;
    }
    lists.refresh().catch(() => counters.listRefreshErrors++);
    // After a reconnection (no message) the typed lists are read again too.
    if (message === undefined) typedLists.refresh().catch(() => counters.listRefreshErrors++);
  };
  const subscription: RuleSubscription = await store.subscribe(() => {
    reload().catch(() => undefined);
  }, refreshLists);
  try {
    // The configuration's thresholds seed Redis's when it has none; from then on Redis's decide.
    await store.seedThresholds(options.thresholds);
    await reload();
    await lists.refresh();
    await typedLists.refresh();
    await deltas?.start();
  } catch (e) {
    clearInterval(sweepTimer);
    await subscription.close();
    await deltas?.close();
    throw e;
  }

  const screener = options.screening ? createAsyncMessageScreener(options.screening) : undefined;
  /** The parties screened, or undefined when the lists did not answer (the decision is then degraded, cause `screening`). */
  const screen = async (message: SwitchedMessage): Promise<ScreeningFacts | undefined> => {
    try {
      return await screener?.screen(message);
    } catch (e) {
      if (e instanceof ScreeningUnavailableError) return undefined;
      throw e;
    }
  };

  const degrade = async (message: SwitchedMessage, evaluator: Live, cause: DegradedCause, screened?: ScreeningFacts, listed?: ListVerdict): Promise<RiskAssessment> => {
    counters.degraded++;
    counters.degradedByCause[cause]++;
    let usd = Number.NaN;
    try {
      usd = usdCents(message.amountUsd) / 100;
    } catch {
      // An unreadable amount is never "small": the fallback's otherwise applies.
    }
    const fallback = degradedAssessment(usd, evaluator.fallback, evaluator.thresholds, evaluator.ruleSet.version, cause);
    // Looked up once: a payment that got as far as its facts brings its verdict.
    listed ??= typedLists.check(message, message.receivedAt);
    // The rules that need no history still run, on the lists held in memory and the names screened.
    try {
      const local = localRulesOf(evaluator.ruleSet);
      if (cause !== 'screening') screened ??= await screen(message);
      if (local.rules.length === 0) return withScreeningLists(fallback, screened);
      const facts = buildFacts(message, localStoredFacts(message, lists.has, screened, listed.blockedBy), cnyPerUsd);
      const fired = evaluateDirect(local, facts, Number.POSITIVE_INFINITY).fired;
      if (fired.length > 0) counters.degradedWithRuleHits++;
      return withScreeningLists(withLocalRules(fallback, decide(hitsOf(fired, facts, listed.exempt), evaluator.thresholds, evaluator.ruleSet.version)), screened);
    } catch {
      return fallback;
    }
  };

  return {
    store,

    async score(message) {
      const started = performance.now();
      counters.scored++;
      // One rule set for the whole payment, even if a swap happens meanwhile.
      const evaluator = current!;
      const deadlineAt = started + evaluator.deadlineMs;
      let facts: Facts;
      let screened: ScreeningFacts | undefined;
      let listed: ListVerdict | undefined;
      try {
        const o = observationOf(message, cnyPerUsd);
        scoring.set(message, o);
        let velocity: ReturnType<typeof state.observe> | undefined;
        applyOnce(o, () => (velocity = state.observe(o)));
        if (screener) {
          screened = await screen(message);
          if (!screened) return await degrade(message, evaluator, 'screening');
        }
        if (warming || !velocity) return await degrade(message, evaluator, 'warming', screened);
        listed = typedLists.check(message, message.receivedAt);
        facts = buildFacts(message, { ...velocity, lists: listFacts(message, lists.has, listed.blockedBy), ...(screened ? { screening: screened } : {}) }, cnyPerUsd);
      } catch {
        return await degrade(message, evaluator, 'error', screened, listed);
      }
      try {
        const evaluation = await evaluator.evaluate(facts, deadlineAt);
        counters.conditionErrors += evaluation.errors.length;
        if (evaluation.timedOut) return await degrade(message, evaluator, 'deadline', screened, listed);
        return withScreeningLists(decide(hitsOf(evaluation.fired, facts, listed?.exempt), evaluator.thresholds, evaluator.ruleSet.version), screened);
      } catch {
        return await degrade(message, evaluator, 'error', screened, listed);
      }
    },

    prepare(payer) {
      try {
        screener?.prescreen(payer);
      } catch {
        // Screened again when the payment is scored.
      }
    },

    settle(message, status) {
      const o = scoring.get(message);
      if (!o) return;
      scoring.delete(message);
      const decided: Observation = status ? { ...o, status } : o;
      try {
        state.record(decided, status);
      } catch {
        // The state is one payment short; the payment stands as committed.
      }
      deltas?.publish(decided);
    },

    async warmUp(sources) {
      const started = performance.now();
      let applied = 0;
      try {
        for (const source of sources) {
          applied += await replayHistory(state, source(), {
            cnyPerUsd,
            ...(seen ? { seen, rememberFrom: startedAt - DELTA_OVERLAP_MS } : {}),
            applied: (o) => {
              if (o.t >= now() - RECENT_MS) remember(o);
            },
            cancelled: () => closed,
          });
        }
        warmUpResult = { applied, ms: Math.round(performance.now() - started), ...snapshotTakenAt };
      } catch (e) {
        warmUpResult = { applied, ms: Math.round(performance.now() - started), ...snapshotTakenAt, error: e instanceof Error ? e.message : String(e) };
      } finally {
        warming = false;
        setTimeout(() => (seen = undefined), SEEN_AFTER_WARM_UP_MS).unref();
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
        rules: set.rules.length,
        rejectedRules: set.rejected.map((r) => `${r.id}@${r.version}`),
        ruleSetReloadErrors: counters.ruleSetReloadErrors,
        degradedWithRuleHits: counters.degradedWithRuleHits,
        listRefreshErrors: counters.listRefreshErrors,
        deadlineMs: current!.deadlineMs,
        fallback: current!.fallback,
        listSizes: lists.sizes(),
        typedListSizes: typedLists.sizes(),
        evaluator: kind,
        state: {
          ...state.size(),
          warming,
          ...(warmUpResult ? { warmUp: warmUpResult } : {}),
          ...(deltas ? { deltas: deltas.stats() } : {}),
        },
      };
    },

    snapshot() {
      const takenAt = now();
      const recent: string[] = [];
      for (let i = 0; i < recentIds.length; i++) if (recentAt[i]! >= takenAt - RECENT_MS) recent.push(recentIds[i]!);
      return { takenAt, recent, state: state.exported() };
    },

    refreshLists: async (list?: ListId) => {
      await Promise.all([lists.refresh(), typedLists.refresh(list)]);
    },

    onRuleSetChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      closed = true;
      clearInterval(sweepTimer);
      if (retryTimer) clearTimeout(retryTimer);
      listeners.clear();
      await subscription.close();
      await deltas?.close();
    },
  };
}
