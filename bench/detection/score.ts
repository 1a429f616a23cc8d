import { TYPOLOGIES, type Typology } from '../traffic/scenarios/scenario.ts';
import type { ResponseRecord, TruthRecord } from './journal.ts';

/**
 * Scores what the gateway decided against the ground truth. A request is flagged when
 * its risk decision is review or decline. Per typology: recall is the share flagged of
 * the requests that should be flagged for it; precision is, of the flagged requests that
 * carry a reason from a rule tagged with the typology, the share that should be flagged
 * for it. The false-positive rate is the share of ordinary (legitimate) requests flagged.
 */

export const TARGETS = { recall: 0.9, falsePositiveRate: 0.01 } as const;

/** The typology under which the engine's fallback answers (RISK_DEGRADED) are counted: not a rule. */
export const DEGRADED = 'degraded';

export interface TypologyScore {
  typology: string;
  instances: number;
  requests: number;
  /** Requests without a decision (an error answer, no answer, not sent). */
  unanswered: number;
  /** Answered requests that should be flagged for this typology: its own, or others that name it in `also`. */
  shouldFlag: number;
  caught: number;
  recall: number | null;
  /**
   * Answered with a reason from a rule tagged with this typology, whatever the decision:
   * the rule saw it, even when its score alone stayed below review.
   */
  fired: number;
  /** Caught with a reason from a rule tagged with this typology, not just by some other rule. */
  caughtByOwnRule: number;
  recallByOwnRule: number | null;
  /** Flagged requests carrying a reason from a rule tagged with this typology. */
  flaggedByRules: number;
  truePositives: number;
  precision: number | null;
  /** Answered requests of its scenarios that should not be flagged, and how many were. */
  context: number;
  contextFlagged: number;
  /** Answered requests of its scenarios the engine's fallback decided instead of the rules. */
  degraded: number;
}

export interface VariantScore {
  scenario: string;
  instances: number;
  requests: number;
  unanswered: number;
  shouldFlag: number;
  caught: number;
  recall: number | null;
}

export interface LegitimateScore {
  requests: number;
  unanswered: number;
  answered: number;
  flagged: number;
  falsePositiveRate: number | null;
  /** Answered requests the engine's fallback decided instead of the rules. */
  degraded: number;
  /** Flagged legitimate requests by the rule ids among their reasons. */
  byRule: Record<string, number>;
  byKind: Record<string, { answered: number; flagged: number }>;
  /** Legitimate requests played like a scenario ("legitimate/small-spender-big-ticket"), by scenario. */
  byScenario: Record<string, { answered: number; flagged: number }>;
}

export interface DetectionScore {
  typologies: TypologyScore[];
  variants: VariantScore[];
  legitimate: LegitimateScore;
  /** Ordinary traffic of the warm-up, not part of the figures above. */
  warmup: LegitimateScore;
  /** Rule ids seen in answers that the pack does not tag with a typology. */
  unmappedRules: string[];
  /** Measured requests without a decision, by error code. */
  errors: Record<string, number>;
  /** Share of the measured answers decided by the engine's fallback rather than by rules. */
  degradedShare: number | null;
  targets: {
    recall: number;
    falsePositiveRate: number;
    met: boolean;
    /** Typologies measured below the recall target. */
    belowRecall: string[];
    /** Typologies of the benchmark with nothing that should have been flagged: no figure to judge. */
    unmeasured: string[];
    falsePositiveRateMet: boolean;
  };
}

const isFlagged = (r: ResponseRecord) => r.decision === 'review' || r.decision === 'decline';
const isAnswered = (r: ResponseRecord | undefined): r is ResponseRecord => r !== undefined && r.httpStatus === 200 && r.decision !== undefined;
const ratio = (n: number, d: number) => (d > 0 ? n / d : null);

/** The typologies a request should be flagged for. */
export function flagFor(truth: TruthRecord): Typology[] {
  const own = truth.typology !== 'legitimate' && truth.shouldFlag ? [truth.typology] : [];
  return [...own, ...(truth.also ?? []).filter((t) => !own.includes(t))];
}

function emptyLegitimate(): LegitimateScore {
  return { requests: 0, unanswered: 0, answered: 0, flagged: 0, falsePositiveRate: null, degraded: 0, byRule: {}, byKind: {}, byScenario: {} };
}

export function scoreDetection(
  truth: readonly TruthRecord[],
  responses: readonly ResponseRecord[],
  typologyOfRule: ReadonlyMap<string, string>,
): DetectionScore {
  const answers = new Map(responses.map((r) => [r.txnId, r]));
  const names = [...new Set<string>([...TYPOLOGIES, ...typologyOfRule.values()])];
  const typologies = new Map<string, TypologyScore & { instanceIds: Set<string> }>(
    names.map((typology) => [
      typology,
      {
        typology,
        instances: 0,
        instanceIds: new Set(),
        requests: 0,
        unanswered: 0,
        shouldFlag: 0,
        caught: 0,
        recall: null,
        fired: 0,
        caughtByOwnRule: 0,
        recallByOwnRule: null,
        flaggedByRules: 0,
        truePositives: 0,
        precision: null,
        context: 0,
        contextFlagged: 0,
        degraded: 0,
      },
    ]),
  );
  const variants = new Map<string, VariantScore & { instanceIds: Set<string> }>();
  const legitimate = emptyLegitimate();
  const warmup = emptyLegitimate();
  const unmapped = new Set<string>();
  const errors: Record<string, number> = {};
  let answeredMeasured = 0;
  let degradedMeasured = 0;

  const ruleTypologiesOf = (answer: ResponseRecord) =>
    new Set((answer.ruleIds ?? []).map((id) => typologyOfRule.get(id) ?? (unmapped.add(id), `rule:${id}`)));

  for (const t of truth) {
    const answer = answers.get(t.txnId);
    if (t.phase === 'measure') {
      if (!isAnswered(answer)) {
        // The guard narrows a record without a decision away; it is still there to ask for its error.
        const code = (answer as ResponseRecord | undefined)?.error ?? 'no answer recorded';
        errors[code] = (errors[code] ?? 0) + 1;
      } else {
        answeredMeasured++;
        if (isDegraded(answer, typologyOfRule)) degradedMeasured++;
      }
    }
    if (t.typology === 'legitimate') {
      countLegitimate(t.phase === 'warmup' ? warmup : legitimate, t, answer, typologyOfRule);
      // Ordinary requests flagged by a rule count against that rule's typology too.
      if (t.phase === 'measure' && isAnswered(answer) && isFlagged(answer)) countPrecision(typologies, ruleTypologiesOf(answer), []);
      continue;
    }
    if (t.phase === 'warmup') continue;
    const own = typologies.get(t.typology);
    if (!own) continue;
    own.requests++;
    if (t.instance) own.instanceIds.add(t.instance);
    const variant = variantEntry(variants, t.scenario ?? t.typology);
    variant.requests++;
    if (t.instance) variant.instanceIds.add(t.instance);
    if (!isAnswered(answer)) {
      own.unanswered++;
      variant.unanswered++;
      continue;
    }
    const flagged = isFlagged(answer);
    if (isDegraded(answer, typologyOfRule)) own.degraded++;
    const ruleTypologies = ruleTypologiesOf(answer);
    const shouldFor = flagFor(t);
    if (t.shouldFlag) {
      variant.shouldFlag++;
      if (flagged) variant.caught++;
    }
    if (shouldFor.length === 0) {
      own.context++;
      if (flagged) own.contextFlagged++;
    }
    for (const typology of shouldFor) {
      const entry = typologies.get(typology);
      if (!entry) continue;
      entry.shouldFlag++;
      if (flagged) entry.caught++;
      if (ruleTypologies.has(typology)) entry.fired++;
      if (flagged && ruleTypologies.has(typology)) entry.caughtByOwnRule++;
    }
    if (flagged) countPrecision(typologies, ruleTypologies, shouldFor);
  }

  const typologyScores = [...typologies.values()].map(({ instanceIds, ...s }) => ({
    ...s,
    instances: instanceIds.size,
    recall: ratio(s.caught, s.shouldFlag),
    recallByOwnRule: ratio(s.caughtByOwnRule, s.shouldFlag),
    precision: ratio(s.truePositives, s.flaggedByRules),
  }));
  const variantScores = [...variants.values()]
    .map(({ instanceIds, ...v }) => ({ ...v, instances: instanceIds.size, recall: ratio(v.caught, v.shouldFlag) }))
    .sort((a, b) => a.scenario.localeCompare(b.scenario));
  for (const l of [legitimate, warmup]) l.falsePositiveRate = ratio(l.flagged, l.answered);

  const measured = typologyScores.filter((s) => (TYPOLOGIES as readonly string[]).includes(s.typology));
  const belowRecall = measured.filter((s) => s.recall !== null && s.recall < TARGETS.recall).map((s) => s.typology);
  const unmeasured = measured.filter((s) => s.recall === null).map((s) => s.typology);
  const falsePositiveRateMet = legitimate.falsePositiveRate !== null && legitimate.falsePositiveRate <= TARGETS.falsePositiveRate;
  return {
    typologies: typologyScores,
    variants: variantScores,
    legitimate,
    warmup,
    unmappedRules: [...unmapped].sort(),
    errors,
    degradedShare: ratio(degradedMeasured, answeredMeasured),
    targets: {
      recall: TARGETS.recall,
      falsePositiveRate: TARGETS.falsePositiveRate,
      met: belowRecall.length === 0 && unmeasured.length === 0 && falsePositiveRateMet,
      belowRecall,
      unmeasured,
      falsePositiveRateMet,
    },
  };
}

function isDegraded(answer: ResponseRecord, typologyOfRule: ReadonlyMap<string, string>): boolean {
  return (answer.ruleIds ?? []).some((id) => typologyOfRule.get(id) === DEGRADED);
}

function countLegitimate(
  score: LegitimateScore,
  t: TruthRecord,
  answer: ResponseRecord | undefined,
  typologyOfRule: ReadonlyMap<string, string>,
): void {
  score.requests++;
  if (!isAnswered(answer)) {
    score.unanswered++;
    return;
  }
  score.answered++;
  if (isDegraded(answer, typologyOfRule)) score.degraded++;
  const kind = (score.byKind[t.kind] ??= { answered: 0, flagged: 0 });
  kind.answered++;
  const scenario = t.scenario === undefined ? undefined : (score.byScenario[t.scenario] ??= { answered: 0, flagged: 0 });
  if (scenario) scenario.answered++;
  if (!isFlagged(answer)) return;
  score.flagged++;
  kind.flagged++;
  if (scenario) scenario.flagged++;
  for (const id of answer.ruleIds ?? []) score.byRule[id] = (score.byRule[id] ?? 0) + 1;
}

function countPrecision(typologies: Map<string, TypologyScore>, ruleTypologies: ReadonlySet<string>, shouldFor: readonly string[]): void {
  for (const typology of ruleTypologies) {
    const entry = typologies.get(typology);
    if (!entry) continue;
    entry.flaggedByRules++;
    if (shouldFor.includes(typology)) entry.truePositives++;
  }
}

function variantEntry(variants: Map<string, VariantScore & { instanceIds: Set<string> }>, scenario: string) {
  let entry = variants.get(scenario);
  if (!entry) {
    entry = { scenario, instances: 0, instanceIds: new Set(), requests: 0, unanswered: 0, shouldFlag: 0, caught: 0, recall: null };
    variants.set(scenario, entry);
  }
  return entry;
}
