import { DEGRADED, type DetectionScore, type LegitimateScore } from './score.ts';

/** The detection benchmark's printed report: per typology, per scenario, ordinary traffic, targets. */

/** Above this share of fallback answers the figures say more about the machine than about the rules. */
const DEGRADED_WARNING_SHARE = 0.01;
const LEGEND = [
  'should flag: includes requests of other scenarios that truly show the typology too (a structured payment taking the day',
  '  past the large-value threshold). recall own rule: flagged with a reason from a rule of the typology. own rule fired: such',
  '  a reason was given whatever the decision (a rule scoring below review fires without flagging). precision: of the requests',
  '  flagged with a reason from the typology\'s rules, the share that should be flagged for it. context: requests of the',
  '  scenario that should not be flagged (a burst before its limit). degraded: decided by the engine\'s fallback (RISK_DEGRADED,',
  `  the risk step overran its deadline), not its rules; the "${DEGRADED}" row counts what that fallback flagged.`,
];
const fixed = (x: number | null, digits = 3) => (x === null ? 'n/a' : x.toFixed(digits));
const percent = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(3)}%`);

export function formatScore(score: DetectionScore): string {
  const lines: string[] = [];
  const measured = score.typologies.filter((t) => t.requests > 0 || t.flaggedByRules > 0 || t.shouldFlag > 0);
  lines.push(
    ...table(
      ['typology', 'instances', 'requests', 'should flag', 'caught', 'recall', 'recall own rule', 'own rule fired', 'flagged by its rules', 'precision', 'context flagged', 'no answer', 'degraded'],
      measured.map((t) => [
        t.typology,
        String(t.instances),
        String(t.requests),
        String(t.shouldFlag),
        String(t.caught),
        fixed(t.recall),
        fixed(t.recallByOwnRule),
        `${t.fired}/${t.shouldFlag}`,
        String(t.flaggedByRules),
        fixed(t.precision),
        `${t.contextFlagged}/${t.context}`,
        String(t.unanswered),
        String(t.degraded),
      ]),
    ),
  );
  lines.push(...LEGEND);
  const idle = score.typologies.filter((t) => !measured.includes(t)).map((t) => t.typology);
  if (idle.length > 0) lines.push(`(nothing sent or flagged for: ${idle.join(', ')})`);

  lines.push(
    '',
    ...table(
      ['scenario', 'instances', 'requests', 'should flag', 'caught', 'recall', 'no answer'],
      score.variants.map((v) => [v.scenario, String(v.instances), String(v.requests), String(v.shouldFlag), String(v.caught), fixed(v.recall), String(v.unanswered)]),
    ),
  );

  lines.push('', legitimateLine('legitimate traffic (measured)', score.legitimate), legitimateLine('legitimate traffic (warm-up, not scored)', score.warmup));
  for (const [scenario, n] of Object.entries(score.legitimate.byScenario ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  of which ${scenario}: ${n.answered} answered, ${n.flagged} flagged`);
  }
  const byRule = Object.entries(score.legitimate.byRule).sort((a, b) => b[1] - a[1]);
  if (byRule.length > 0) {
    lines.push(`  flagged legitimate requests by rule: ${byRule.slice(0, 10).map(([rule, n]) => `${rule} ${n}`).join(', ')}`);
  }
  if (score.unmappedRules.length > 0) lines.push(`rules in answers that the pack does not tag: ${score.unmappedRules.join(', ')}`);
  const errors = Object.entries(score.errors).sort((a, b) => b[1] - a[1]);
  if (errors.length > 0) lines.push(`measured requests without a decision: ${errors.map(([code, n]) => `${code} ${n}`).join(', ')}`);
  if (score.degradedShare !== null && score.degradedShare > DEGRADED_WARNING_SHARE) {
    lines.push(
      `WARNING: ${percent(score.degradedShare)} of the measured answers came from the engine's fallback (RISK_DEGRADED), not from its rules:`,
      '  the risk step overran its deadline, so these figures measure the machine as much as the rules. Run on a quieter machine,',
      '  at a lower --tps, or with --risk-deadline-ms to see the rules alone.',
    );
  }

  const t = score.targets;
  lines.push(
    '',
    `target recall >= ${t.recall} for every typology: ${
      t.belowRecall.length === 0 && t.unmeasured.length === 0
        ? 'met'
        : `NOT met${t.belowRecall.length ? ` (below: ${t.belowRecall.join(', ')})` : ''}${t.unmeasured.length ? ` (not measured: ${t.unmeasured.join(', ')})` : ''}`
    }`,
    `target false-positive rate <= ${percent(t.falsePositiveRate)}: ${t.falsePositiveRateMet ? 'met' : 'NOT met'} (${percent(score.legitimate.falsePositiveRate)})`,
  );
  return lines.join('\n');
}

function legitimateLine(name: string, l: LegitimateScore): string {
  const kinds = Object.entries(l.byKind)
    .map(([kind, k]) => `${kind}s ${k.flagged}/${k.answered}`)
    .join(', ');
  return `${name}: ${l.answered} answered, ${l.flagged} flagged, false-positive rate ${percent(l.falsePositiveRate)}${kinds ? ` (${kinds})` : ''}${
    l.degraded > 0 ? `, ${l.degraded} decided by the fallback` : ''
  }${
    l.unanswered > 0 ? `, ${l.unanswered} without an answer` : ''
  }`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(format)];
}
