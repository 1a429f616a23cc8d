import type { RiskDecisionKind, SwitchedMessage } from '../../domain/transaction.ts';
import { transactionRow } from '../../ingest/transaction-row.ts';

/**
 * `transactions` rows as the ingest writer would have written them for messages decided live
 * (rule set `rs-1`, no reasons), for backtests to replay: `decided` adds one and returns the
 * message, `rows` is what to insert.
 */
export function decidedRows() {
  const rows: object[] = [];
  let seq = 0;
  const decided = (message: SwitchedMessage, status: 'APPROVED' | 'DECLINED' = 'APPROVED', decision: RiskDecisionKind = 'approve') => {
    rows.push(
      transactionRow({
        kind: 'transaction',
        streamId: `${message.receivedAt}-${seq++}`,
        event: { ...message, status, risk: { score: 0, decision, reasons: [], ruleSetVersion: 'rs-1', shadowHits: [] }, switchLatencyUs: 900, riskLatencyUs: 300, decidedAt: message.receivedAt + 1 },
      }),
    );
    return message;
  };
  return { rows, decided };
}
