import type { SubjectKind } from '../../domain/subject.ts';
import type { RiskReason } from '../../domain/transaction.ts';

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type AlertStatus = 'open' | 'acknowledged' | 'assigned' | 'resolved';
export type Disposition = 'fraud' | 'legitimate';

/**
 * One alert as risk officers see it: a risky payment, or a burst of them by one payer on one
 * rule (`decision`); or a corridor or participant unlike its own history (`monitor`, see
 * analytics/monitors/: no payment, its reasons carry the statistics).
 */
export interface Alert {
  id: string;
  kind: 'decision' | 'monitor';
  paymentId: string;
  lastPaymentId: string;
  participant: string;
  walletId: string;
  /** The payer's name as the payment carried it ('' without one, or for a monitor). */
  payerName: string;
  merchantId: string;
  /** The merchant's registered name ('' for a monitor not about a merchant). */
  merchantName: string;
  ruleId: string;
  /**
   * What the alert is about (domain/subject.ts): the payer's wallet, the merchant, the device
   * or the IP its rule points at; its payments group into it by that subject. '' for a
   * monitor's alert about no merchant, and for alerts raised before subjects were kept.
   */
  subjectKind: SubjectKind | '';
  subjectId: string;
  /** The first payment's amount in US dollars (decimal string); '' for a monitor's alert. */
  amountUsd: string;
  score: number;
  decision: string;
  reasons: RiskReason[];
  severity: Severity;
  status: AlertStatus;
  /** Payments grouped into this alert; for a monitor, the abnormal minutes. */
  count: number;
  assignee: string;
  disposition: Disposition | '';
  note: string;
  createdAt: string;
  updatedAt: string;
}

/** An entry of the append-only `alert_events` table. */
export interface AlertEvent {
  eventId: string;
  alertId: string;
  at: number;
  kind: 'created' | 'grouped' | 'acknowledged' | 'assigned' | 'resolved';
  participant: string;
  paymentId: string;
  ruleId: string;
  severity: Severity;
  status: AlertStatus;
  actor: string;
  assignee: string;
  disposition: string;
  note: string;
  details: unknown;
}

export function severityOf(score: number): Severity {
  if (score >= 800) return 'critical';
  if (score >= 600) return 'high';
  if (score >= 400) return 'medium';
  return 'low';
}
