import type { RiskReason, TapEvent } from '../domain/transaction.ts';
import type { Case } from './case.ts';
import type { StrDraft, StrTransaction } from './str/str-document.ts';

/** Who files: the config's `cases.reportingInstitution`. */
export interface ReportingInstitution {
  name: string;
  code: string;
  country: string;
}

/** What an STR draft is filled from: the case, its alerts' reasons and typologies, and the payments in scope. */
export interface StrSources {
  case: Case;
  institution: ReportingInstitution;
  /** The reasons of the case's alerts (every reason of each). */
  reasons: RiskReason[];
  /** The typology of each rule among the reasons, when the rule is known. */
  typologyOf: (ruleId: string) => string | undefined;
  /** The payments in scope, as the switch recorded them. */
  payments: Array<{ record: TapEvent; status: string }>;
  /** What the officer wrote, when drafting with it. */
  narrative?: string;
  measuresTaken?: string;
  subjectName?: string;
  suspicionConfirmedAt?: string;
  actor: string;
  now: number;
}

export function strTransactionOf(p: { record: TapEvent; status: string }): StrTransaction {
  const r = p.record;
  return {
    paymentId: r.paymentId,
    receivedAt: new Date(r.receivedAt).toISOString(),
    amount: r.amount.value,
    currency: r.amount.currency,
    settleAmount: r.settlement.value,
    settleCurrency: r.settlement.currency,
    corridor: r.corridor,
    merchantId: r.merchant.id,
    payerWalletId: r.payer.walletId,
    status: p.status,
  };
}

/**
 * A first draft of the case's STR: the institution, the subject with its identifiers, the
 * payments in scope (oldest first), the typologies and reasons of its alerts (each rule once),
 * and whatever the officer already wrote. The narrative is the officer's: it starts empty,
 * and the draft cannot be submitted until it says enough (strProblems).
 */
export function prefillStr(s: StrSources): Omit<StrDraft, 'strId'> {
  const subject = s.case.subject;
  const identifiers = [
    { type: subject.kind === 'wallet' ? 'wallet_id' : `${subject.kind}_id`, value: subject.id },
    ...(subject.kind === 'wallet' ? [{ type: 'participant', value: subject.participant }] : []),
    ...s.case.mergedSubjects.map((m) => ({ type: m.kind === 'wallet' ? 'wallet_id' : `${m.kind}_id`, value: m.kind === 'wallet' ? `${m.participant}/${m.id}` : m.id })),
  ];
  const byRule = new Map<string, RiskReason>();
  for (const r of s.reasons) if (!byRule.has(r.ruleId)) byRule.set(r.ruleId, r);
  const typologies = [...new Set([...byRule.keys()].map((id) => s.typologyOf(id)).filter((t): t is string => t !== undefined))];
  const payerName = s.payments.find((p) => p.record.payer.name)?.record.payer.name;
  const merchantName = s.payments[0]?.record.merchant.name;
  const name = s.subjectName ?? (subject.kind === 'wallet' ? payerName : subject.kind === 'merchant' ? merchantName : undefined);
  return {
    version: 1,
    caseId: s.case.id,
    reportingInstitution: { ...s.institution },
    subject: { kind: subject.kind, id: subject.id, participant: subject.participant, ...(name ? { name } : {}), identifiers },
    transactions: [...s.payments].sort((a, b) => a.record.receivedAt - b.record.receivedAt).map(strTransactionOf),
    typologies,
    reasons: [...byRule.values()].map((r) => ({ ruleId: r.ruleId, ruleVersion: r.ruleVersion, message: r.message })),
    narrative: s.narrative ?? '',
    measuresTaken: s.measuresTaken ?? '',
    suspicionConfirmedAt: s.suspicionConfirmedAt ?? new Date(s.now).toISOString(),
    draftedBy: s.actor,
    draftedAt: new Date(s.now).toISOString(),
  };
}
