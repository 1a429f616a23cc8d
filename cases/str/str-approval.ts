import { strProblems, type StrDocument, type StrProblem } from './str-document.ts';
import { instant, line } from './str-field-checks.ts';
import { strTotals } from './str-totals.ts';

/**
 * Every problem that keeps an STR from being exported: those of its draft, then its approval
 * (by a second officer, not before the draft), its totals (exactly those of its transactions)
 * and its filing reference. [] when it may leave.
 */
export function strApprovalProblems(doc: StrDocument): StrProblem[] {
  const problems = strProblems(doc);
  const report = (field: string, message: string): void => void problems.push({ field, message });

  const approvedBy = line(report, 'approvedBy', doc.approvedBy);
  if (approvedBy !== undefined && approvedBy === doc.draftedBy) {
    report('approvedBy', 'must be a second officer, not the one who drafted the report');
  }
  const approvedAt = instant(report, 'approvedAt', doc.approvedAt);
  const draftedAt = Date.parse(doc.draftedAt);
  if (approvedAt !== undefined && approvedAt < draftedAt) report('approvedAt', 'must not be before draftedAt');
  line(report, 'filingReference', doc.filingReference, { optional: true });

  // Totals can only be computed from transactions the draft's checks accept.
  if (!problems.some((problem) => problem.field.startsWith('transactions'))) {
    const expected = JSON.stringify(strTotals(doc.transactions));
    const totals: unknown = doc.totals;
    const given = Array.isArray(totals)
      ? totals.map((total: Partial<StrDocument['totals'][number]> | null) => ({
          currency: total?.currency,
          amount: total?.amount,
          count: total?.count,
        }))
      : totals;
    if (JSON.stringify(given) !== expected) report('totals', `must be the totals of the transactions: ${expected}`);
  }
  return problems;
}
