import type { RiskReason } from '../../domain/transaction.ts';
import { SUBJECT_KINDS, type SubjectKind } from '../../domain/subject.ts';
import { CORRIDOR_PATTERN, COUNTRY_PATTERN, CURRENCY_PATTERN, STR_LIMITS, TYPOLOGY_PATTERN, characterCount } from './str-fields.ts';
import { amount, instant, line, listAt, matching, objectAt, positiveInteger, text, type Report } from './str-field-checks.ts';

export { strTotals } from './str-totals.ts';

/**
 * A suspicious transaction report: drafted by one compliance officer from an investigation
 * case, approved by a second, then filed with the regulator within 5 working days of
 * `suspicionConfirmedAt`. Its formats are str-xml.ts, str-json.ts and str-print.ts.
 */
export interface StrDocument {
  /** e.g. str_<26 chars>; every version has its own. */
  strId: string;
  /** 1 for the first report, 2 and up for each correction. */
  version: number;
  /** A correction names the STR it corrects: the strId of its first version. */
  correctsStrId?: string;
  caseId: string;
  reportingInstitution: { name: string; code: string; /** ISO 3166 alpha-2 */ country: string };
  subject: {
    kind: SubjectKind;
    id: string;
    participant: string;
    name?: string;
    identifiers: Array<{ type: string; value: string }>;
  };
  transactions: StrTransaction[];
  /** One per currency, computed from the transactions by strTotals. */
  totals: Array<{ currency: string; amount: string; count: number }>;
  /** e.g. 'structuring', 'mule-fan-in'. */
  typologies: string[];
  reasons: Array<Pick<RiskReason, 'ruleId' | 'ruleVersion' | 'message'>>;
  /** The officer's own words. */
  narrative: string;
  measuresTaken: string;
  /** ISO instant: the start of the filing clock. */
  suspicionConfirmedAt: string;
  draftedBy: string;
  draftedAt: string;
  approvedBy?: string;
  approvedAt?: string;
  /** Recorded later, when the regulator answers. */
  filingReference?: string;
}

export interface StrTransaction {
  paymentId: string;
  /** ISO instant. */
  receivedAt: string;
  /** Decimal, e.g. "123.45". */
  amount: string;
  /** ISO 4217. */
  currency: string;
  settleAmount?: string;
  settleCurrency?: string;
  corridor: string;
  merchantId: string;
  payerWalletId: string;
  status: string;
}

export type StrDraft = Omit<StrDocument, 'totals' | 'approvedBy' | 'approvedAt' | 'filingReference'>;

/** A problem of one field, named by its dotted path ("transactions.2.amount"). */
export interface StrProblem {
  field: string;
  message: string;
}

/** Every problem of a draft as { field, message } with the field as a dotted path ("transactions.2.amount"); [] when it may be submitted. */
export function strProblems(draft: StrDraft): StrProblem[] {
  const problems: StrProblem[] = [];
  const report: Report = (field, message) => problems.push({ field, message });
  // The draft arrives from a form or a store: every field is checked as the unknown it may be.
  const input = objectAt(report, '', draft);
  if (input === undefined) return problems;

  const strId = line(report, 'strId', input.strId);
  checkVersion(report, input.version, input.correctsStrId, strId);
  line(report, 'caseId', input.caseId);

  const institution = objectAt(report, 'reportingInstitution', input.reportingInstitution);
  if (institution !== undefined) {
    line(report, 'reportingInstitution.name', institution.name);
    line(report, 'reportingInstitution.code', institution.code);
    matching(report, 'reportingInstitution.country', institution.country, COUNTRY_PATTERN, 'an ISO 3166 alpha-2 code such as "CN"');
  }
  checkSubject(report, input.subject);

  const draftedAt = instant(report, 'draftedAt', input.draftedAt);
  checkTransactions(report, input.transactions, draftedAt);

  const typologies = listAt(report, 'typologies', input.typologies, 1, STR_LIMITS.typologies);
  typologies?.forEach((typology, i) => {
    const field = `typologies.${i}`;
    if (matching(report, field, typology, TYPOLOGY_PATTERN, 'lower-case words joined by hyphens, e.g. "mule-fan-in"')) {
      if (characterCount(typology as string) > STR_LIMITS.token) report(field, `must be at most ${STR_LIMITS.token} characters`);
      if (typologies.indexOf(typology) < i) report(field, `repeats typologies.${typologies.indexOf(typology)}`);
    }
  });

  const reasons = listAt(report, 'reasons', input.reasons, 0, STR_LIMITS.reasons);
  reasons?.forEach((item, i) => {
    const reason = objectAt(report, `reasons.${i}`, item);
    if (reason === undefined) return;
    line(report, `reasons.${i}.ruleId`, reason.ruleId);
    positiveInteger(report, `reasons.${i}.ruleVersion`, reason.ruleVersion);
    line(report, `reasons.${i}.message`, reason.message, { max: STR_LIMITS.message });
  });

  text(report, 'narrative', input.narrative, STR_LIMITS.narrativeMin, STR_LIMITS.narrativeMax);
  text(report, 'measuresTaken', input.measuresTaken, 1, STR_LIMITS.measuresTakenMax);
  const confirmedAt = instant(report, 'suspicionConfirmedAt', input.suspicionConfirmedAt);
  if (confirmedAt !== undefined && draftedAt !== undefined && confirmedAt > draftedAt) {
    report('suspicionConfirmedAt', 'must not be after draftedAt');
  }
  line(report, 'draftedBy', input.draftedBy);
  return problems;
}

function checkVersion(report: Report, version: unknown, correctsStrId: unknown, strId: string | undefined): void {
  if (!positiveInteger(report, 'version', version)) return;
  if (version === 1) {
    if (correctsStrId !== undefined) report('correctsStrId', 'only a correction (version 2 and up) names the STR it corrects');
    return;
  }
  const corrected = line(report, 'correctsStrId', correctsStrId);
  if (corrected !== undefined && corrected === strId) report('correctsStrId', 'must name the first version, not this STR');
}

function checkSubject(report: Report, value: unknown): void {
  const subject = objectAt(report, 'subject', value);
  if (subject === undefined) return;
  if (!SUBJECT_KINDS.includes(subject.kind as SubjectKind)) {
    report('subject.kind', subject.kind === undefined ? 'is required' : `must be one of ${SUBJECT_KINDS.join(', ')}`);
  }
  line(report, 'subject.id', subject.id);
  line(report, 'subject.participant', subject.participant);
  line(report, 'subject.name', subject.name, { optional: true });
  const identifiers = listAt(report, 'subject.identifiers', subject.identifiers, 0, STR_LIMITS.identifiers);
  identifiers?.forEach((item, i) => {
    const identifier = objectAt(report, `subject.identifiers.${i}`, item);
    if (identifier === undefined) return;
    line(report, `subject.identifiers.${i}.type`, identifier.type, { max: STR_LIMITS.token });
    line(report, `subject.identifiers.${i}.value`, identifier.value);
  });
}

function checkTransactions(report: Report, value: unknown, draftedAt: number | undefined): void {
  const transactions = listAt(report, 'transactions', value, 1, STR_LIMITS.transactions);
  if (transactions === undefined) return;
  const firstIndexOf = new Map<string, number>();
  transactions.forEach((item, i) => {
    const at = `transactions.${i}`;
    const transaction = objectAt(report, at, item);
    if (transaction === undefined) return;
    const paymentId = line(report, `${at}.paymentId`, transaction.paymentId);
    if (paymentId !== undefined) {
      const first = firstIndexOf.get(paymentId);
      if (first === undefined) firstIndexOf.set(paymentId, i);
      else report(`${at}.paymentId`, `repeats transactions.${first}.paymentId`);
    }
    const receivedAt = instant(report, `${at}.receivedAt`, transaction.receivedAt);
    if (receivedAt !== undefined && draftedAt !== undefined && receivedAt > draftedAt) {
      report(`${at}.receivedAt`, 'must not be after draftedAt');
    }
    amount(report, `${at}.amount`, transaction.amount);
    matching(report, `${at}.currency`, transaction.currency, CURRENCY_PATTERN, 'an ISO 4217 code of three capital letters');
    if (transaction.settleAmount !== undefined || transaction.settleCurrency !== undefined) {
      amount(report, `${at}.settleAmount`, transaction.settleAmount);
      matching(report, `${at}.settleCurrency`, transaction.settleCurrency, CURRENCY_PATTERN, 'an ISO 4217 code of three capital letters');
    }
    matching(report, `${at}.corridor`, transaction.corridor, CORRIDOR_PATTERN, 'payer country and merchant country, e.g. "TH-CN"');
    line(report, `${at}.merchantId`, transaction.merchantId);
    line(report, `${at}.payerWalletId`, transaction.payerWalletId);
    line(report, `${at}.status`, transaction.status, { max: STR_LIMITS.token });
  });
}
