import { errorCodeOf } from '../traffic/bootstrap.ts';
import { isRecord } from '../traffic/participants.ts';
import type { SignedResponse } from '../traffic/signed-client.ts';
import type { ResponseRecord } from './journal.ts';

/** What the gateway answered to one request, reduced to what scoring and refunds need. */
export function responseRecordOf(txnId: string, response: SignedResponse, at: number): ResponseRecord {
  const record: ResponseRecord = { txnId, httpStatus: response.status, latencyMs: Math.round(response.latencyMs * 100) / 100, at };
  const body = response.body;
  if (response.status !== 200 || !isRecord(body)) {
    record.error = errorCodeOf(body) ?? `HTTP ${response.status}`;
    return record;
  }
  const risk = isRecord(body.risk) ? body.risk : undefined;
  const decision = risk?.decision;
  if (decision === 'approve' || decision === 'review' || decision === 'decline') record.decision = decision;
  if (typeof risk?.score === 'number') record.score = risk.score;
  const reasons = Array.isArray(risk?.reasons) ? risk.reasons : [];
  record.ruleIds = reasons.flatMap((r) => (isRecord(r) && typeof r.ruleId === 'string' ? [r.ruleId] : []));
  if (typeof body.paymentId === 'string') record.paymentId = body.paymentId;
  if (typeof body.status === 'string') record.status = body.status;
  if (typeof body.declineCode === 'string' && body.declineCode !== '') record.declineCode = body.declineCode;
  return record;
}

/** A request that got no answer: a network error, or never sent (and why). */
export function failedRecord(txnId: string, error: unknown, at: number): ResponseRecord {
  const code = typeof error === 'string' ? error : isRecord(error) && typeof error.code === 'string' ? error.code : ((error as Error)?.message ?? 'error');
  return { txnId, httpStatus: 0, error: code, at };
}

export const isFlaggedRecord = (r: ResponseRecord): boolean => r.decision === 'review' || r.decision === 'decline';
