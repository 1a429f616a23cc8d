/**
 * The transaction as every folder sees it: what the switch decided about one message,
 * what the rules scored, and what the tap streams to ClickHouse. Imports nothing but the
 * error catalogue beside it.
 */

import type { ErrorCode } from './error-codes.ts';

export type ParticipantKind = 'overseas_wallet' | 'domestic_wallet' | 'acquirer';
/**
 * Which way a payment crosses (or, for `local`, does not cross) the border; see
 * switch/routing.ts for who decides it.
 */
export type Direction = 'inbound' | 'outbound' | 'cross-market' | 'local';
export type MessageType = 'payment' | 'refund' | 'reversal';
export type PaymentStatus = 'APPROVED' | 'DECLINED';
export type RiskDecisionKind = 'approve' | 'review' | 'decline';

export interface Money {
  /** Decimal string in the currency's minor units, e.g. "123.45". */
  value: string;
  /** ISO 4217 alphabetic code. */
  currency: string;
}

export interface Payer {
  walletId: string;
  /**
   * The originator's name as the wallet holds it (FATF recommendation 16), any script, NFC,
   * trimmed: what screening matches. Personal data: never in a log line.
   */
  name?: string;
  /**
   * The year of the originator's date of birth, and their nationality (ISO 3166 alpha-2),
   * when the wallet sends them: they strengthen or weaken a screening match. Only the year of
   * the date the request carries is kept.
   */
  birthYear?: number;
  nationality?: string;
  userId?: string;
  deviceId?: string;
  ip?: string;
  country?: string;
  location?: { lat: number; lon: number };
}

export interface MerchantRef {
  id: string;
  /** The registry's name, which the QR's tag 59 must equal. */
  name: string;
  /**
   * Its other names, screened with `name`: the registry's name in the merchant's own language
   * and the presented QR's alternate-language name (template 64), distinct. In the tap and
   * the transaction row (merchant_alt_names) since migration 7.
   */
  altNames?: string[];
  mcc: string;
  country: string;
  city: string;
  acquirer: string;
  network: string;
}

/** A message the switch has validated, routed and priced, ready to be scored. */
export interface SwitchedMessage {
  paymentId: string;
  messageType: MessageType;
  /** For refunds and reversals: the payment they follow. */
  originalPaymentId?: string;
  /** The wallet whose payer pays (for follow-ups: the original payment's wallet). */
  participant: string;
  participantKind: ParticipantKind;
  /** The participant that sent this message: the wallet, or for a refund the merchant's acquirer. */
  initiator: string;
  txnId: string;
  direction: Direction;
  /** Payer country and merchant country, e.g. "TH-CN". */
  corridor: string;
  payer: Payer;
  merchant: MerchantRef;
  amount: Money;
  /** The amount in US dollars at the gateway's rate, for thresholds and reports. */
  amountUsd: string;
  settlement: Money & { fxRate: string };
  /** Unix ms when the switch received the message. */
  receivedAt: number;
  /**
   * A payment's presented QR: the distinct codes of what it does that EMVCo does not allow but
   * moves no money (a name over 25 characters, a reserved ID...), e.g. ["QR_FIELD_TOO_LONG"];
   * absent for a clean QR. In the tap and the transaction row (qr_warnings) since migration 11.
   */
  qrWarnings?: string[];
}

export interface RiskReason {
  ruleId: string;
  ruleVersion: number;
  message: string;
  value?: number | string;
  threshold?: number | string;
}

export interface RiskAssessment {
  /** 0 to 1000. */
  score: number;
  decision: RiskDecisionKind;
  reasons: RiskReason[];
  ruleSetVersion: string;
  /** Rules in shadow mode that would have fired; never affect the decision. */
  shadowHits: RiskReason[];
  /** The screening lists and versions the names were matched against, e.g. "sample:3,ofac:12"; absent or "" with none. */
  screeningLists?: string;
  /** A review by a rule that holds settlement (`then.holdSettlement`). */
  holdSettlement?: true;
}

/** What the tap streams for every processed message. */
export interface TransactionEvent extends SwitchedMessage {
  status: PaymentStatus;
  /** Why it was declined, e.g. "RISK_DECLINED", "INSUFFICIENT_FUNDS". */
  declineCode?: string;
  risk: RiskAssessment;
  /**
   * Approved for the payer with its settlement held: reviewed by a rule that holds, or for a
   * wallet configured to hold every review (`holdSettlement`). Whether it is still held is
   * asked of the ledger (`settlementReleased`): a release is recorded apart, never in this.
   */
  settlementHeld?: true;
  /** Receipt to decision, before the commit. */
  switchLatencyUs: number;
  riskLatencyUs: number;
  decidedAt: number;
}

/** A transaction event before the commit has decided its status. */
export type TapEvent = Omit<TransactionEvent, 'status' | 'declineCode'>;

/** A request the switch refused after authenticating its sender: recorded, never processed. */
export interface RejectedMessage {
  paymentId: string;
  messageType: 'rejected';
  /** What was asked: a payment, a refund or a reversal. */
  requested: MessageType;
  participant: string;
  initiator: string;
  txnId?: string;
  originalPaymentId?: string;
  rejectCode: ErrorCode;
  payer?: Payer;
  merchant?: MerchantRef;
  amount?: Money;
  receivedAt: number;
}
