import type { JsonlWriter, ResponseRecord, TruthRecord } from '../detection/journal.ts';
import { TYPOLOGIES } from '../traffic/scenarios/scenario.ts';

/**
 * What the demo's alert queue amounts to, counted from what was sent (its label) and what
 * the gateway answered: a message raises or joins an alert when risk reviewed or declined
 * it, or scored it at the config's alert score (analytics/alerts/alert-store.ts). Precision
 * is the share of those alerted messages that belong to a labelled fraud scenario.
 */

export interface DemoSummary {
  elapsedS: number;
  /** Answered (HTTP 200) payments and refunds. */
  answered: number;
  payments: number;
  refunds: number;
  /** Answered messages that raised or joined an alert. */
  alerted: number;
  alertRate: number;
  /** Alerted messages that belong to a fraud scenario, over all alerted: undefined without alerts. */
  precision: number | undefined;
  /** Messages of fraud scenarios answered, and how many of them were alerted. */
  fraud: { answered: number; alerted: number };
  /** Alerted messages per typology of the rules that fired (a message may count for several). */
  typologies: Record<string, number>;
  /** Typologies of the detection benchmark no alert named. */
  typologiesMissing: string[];
  /** Alerts on ordinary payments, by the rule that fired. */
  falseAlertsByRule: Record<string, number>;
  /** Requests not answered 200, by error. */
  errors: Record<string, number>;
}

export interface DemoTally {
  /** Where scenario players and ordinary traffic write their labels and answers. */
  truth: JsonlWriter<TruthRecord>;
  responses: JsonlWriter<ResponseRecord>;
  summary(): DemoSummary;
}

const increment = (counter: Record<string, number>, key: string) => {
  counter[key] = (counter[key] ?? 0) + 1;
};

export function createDemoTally(options: { alertScore: number; typologyOfRule: ReadonlyMap<string, string>; startedAt: number; now?: () => number }): DemoTally {
  const now = options.now ?? Date.now;
  // Labels wait here for their answer: the ones in flight, not the whole run.
  const pending = new Map<string, TruthRecord>();
  const counts = { answered: 0, payments: 0, refunds: 0, alerted: 0, fraudAlerted: 0, fraudAnswered: 0 };
  const typologies: Record<string, number> = {};
  const falseAlertsByRule: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let truthCount = 0;
  let responseCount = 0;

  const truth: JsonlWriter<TruthRecord> = {
    write(record) {
      truthCount++;
      pending.set(record.txnId, record);
    },
    get count() {
      return truthCount;
    },
    close: async () => undefined,
  };
  const responses: JsonlWriter<ResponseRecord> = {
    write(record) {
      responseCount++;
      const label = pending.get(record.txnId);
      pending.delete(record.txnId);
      if (record.httpStatus !== 200) {
        increment(errors, record.error ?? `HTTP ${record.httpStatus}`);
        return;
      }
      counts.answered++;
      if (label?.kind === 'refund') counts.refunds++;
      else counts.payments++;
      const fraud = label !== undefined && label.typology !== 'legitimate';
      if (fraud) counts.fraudAnswered++;
      const alerted = record.decision === 'review' || record.decision === 'decline' || (record.score ?? 0) >= options.alertScore;
      if (!alerted) return;
      counts.alerted++;
      if (fraud) counts.fraudAlerted++;
      const seen = new Set<string>();
      for (const ruleId of record.ruleIds ?? []) {
        const typology = options.typologyOfRule.get(ruleId) ?? 'untagged';
        if (!seen.has(typology)) increment(typologies, typology);
        seen.add(typology);
        if (!fraud) increment(falseAlertsByRule, ruleId);
      }
    },
    get count() {
      return responseCount;
    },
    close: async () => undefined,
  };

  return {
    truth,
    responses,
    summary() {
      return {
        elapsedS: (now() - options.startedAt) / 1000,
        answered: counts.answered,
        payments: counts.payments,
        refunds: counts.refunds,
        alerted: counts.alerted,
        alertRate: counts.answered > 0 ? counts.alerted / counts.answered : 0,
        precision: counts.alerted > 0 ? counts.fraudAlerted / counts.alerted : undefined,
        fraud: { answered: counts.fraudAnswered, alerted: counts.fraudAlerted },
        typologies: { ...typologies },
        typologiesMissing: TYPOLOGIES.filter((t) => !typologies[t]),
        falseAlertsByRule: { ...falseAlertsByRule },
        errors: { ...errors },
      };
    },
  };
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

function top(counter: Record<string, number>, n = 12): string {
  const entries = Object.entries(counter).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? '-' : entries.slice(0, n).map(([k, v]) => `${k} ${v}`).join(', ');
}

export function formatDemoSummary(s: DemoSummary, targetAlertRate = 0.02): string {
  const met = s.alertRate <= targetAlertRate && s.typologiesMissing.length === 0;
  return [
    `Demo summary after ${s.elapsedS.toFixed(0)} s of live traffic`,
    `  payments       ${s.payments.toLocaleString('en')} answered (+ ${s.refunds} refunds)`,
    `  alerts         ${s.alerted.toLocaleString('en')} payments raised or joined an alert: ${pct(s.alertRate)} (target <= ${pct(targetAlertRate)})`,
    `  typologies     ${TYPOLOGIES.length - s.typologiesMissing.length} of ${TYPOLOGIES.length} raised: ${top(s.typologies, 20)}`,
    ...(s.typologiesMissing.length > 0 ? [`  not raised     ${s.typologiesMissing.join(', ')}`] : []),
    `  precision      ${s.precision === undefined ? '-' : pct(s.precision)} of alerts are on labelled fraud (${s.fraud.alerted} of ${s.alerted}); ${s.fraud.alerted} of ${s.fraud.answered} scenario requests alerted`,
    `  false alerts   by rule: ${top(s.falseAlertsByRule, 6)}`,
    ...(Object.keys(s.errors).length > 0 ? [`  not answered   ${top(s.errors, 5)}`] : []),
    `  target         ${met ? 'met' : 'NOT met'} (alerts <= ${pct(targetAlertRate)} of payments, every typology at least once)`,
  ].join('\n');
}
