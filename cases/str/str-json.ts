import type { StrDocument } from './str-document.ts';
import { STR_FORMAT } from './str-fields.ts';

/** The JSON form of an STR: the document's fields under the format's name. */
export type StrJson = { format: typeof STR_FORMAT } & StrDocument;

/**
 * The approved STR as JSON (docs/str-format.md): `format` first, then the fields in the XML
 * schema's order, absent optional fields left out, amounts as decimal strings, 2-space
 * indentation and a final newline. The same document always gives the same bytes, whatever
 * order its properties were built in and whatever else they carry.
 */
export function strToJson(doc: StrDocument): string {
  const json: StrJson = {
    format: STR_FORMAT,
    strId: doc.strId,
    version: doc.version,
    ...present('correctsStrId', doc.correctsStrId),
    caseId: doc.caseId,
    reportingInstitution: {
      name: doc.reportingInstitution.name,
      code: doc.reportingInstitution.code,
      country: doc.reportingInstitution.country,
    },
    subject: {
      kind: doc.subject.kind,
      id: doc.subject.id,
      participant: doc.subject.participant,
      ...present('name', doc.subject.name),
      identifiers: doc.subject.identifiers.map(({ type, value }) => ({ type, value })),
    },
    transactions: doc.transactions.map((t) => ({
      paymentId: t.paymentId,
      receivedAt: t.receivedAt,
      amount: t.amount,
      currency: t.currency,
      ...present('settleAmount', t.settleAmount),
      ...present('settleCurrency', t.settleCurrency),
      corridor: t.corridor,
      merchantId: t.merchantId,
      payerWalletId: t.payerWalletId,
      status: t.status,
    })),
    totals: doc.totals.map(({ currency, amount, count }) => ({ currency, amount, count })),
    typologies: [...doc.typologies],
    reasons: doc.reasons.map(({ ruleId, ruleVersion, message }) => ({ ruleId, ruleVersion, message })),
    narrative: doc.narrative,
    measuresTaken: doc.measuresTaken,
    suspicionConfirmedAt: doc.suspicionConfirmedAt,
    draftedBy: doc.draftedBy,
    draftedAt: doc.draftedAt,
    ...present('approvedBy', doc.approvedBy),
    ...present('approvedAt', doc.approvedAt),
    ...present('filingReference', doc.filingReference),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

function present<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
