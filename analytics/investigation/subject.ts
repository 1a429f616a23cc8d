import { BUCKET_MS, MAX_SPAN_DAYS, type Window } from '../participant/window.ts';

/**
 * Whom a compliance case is about: a payer wallet (its id is the wallet's own, so it is
 * named together with the participant that holds it: the same walletId at two wallets is
 * two people), a merchant, a device or an IP address. Device and IP are the payer's, as the
 * wallet sent them (`transactions.device_id`, `transactions.ip`: stored whole, as sent; ''
 * when the message had none). Which subjects a caller may look at is the caller's business.
 */
export type Subject =
  | { kind: 'wallet'; id: string; participant: string }
  | { kind: 'merchant' | 'device' | 'ip'; id: string };

export type SubjectKind = Subject['kind'];
export const SUBJECT_KINDS: readonly SubjectKind[] = ['wallet', 'merchant', 'device', 'ip'];

/**
 * The rows a subject is party to. Constants chosen by kind; the ids are bound parameters.
 * An empty id matches nothing: '' in device_id or ip means "none sent", not one device.
 * A Map, so a kind named like an object's property ('constructor') is no kind.
 */
const SUBJECT_ROWS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    wallet: 'participant = {participant:String} AND wallet_id = {subject:String}',
    merchant: 'merchant_id = {subject:String}',
    device: 'device_id = {subject:String}',
    ip: 'ip = {subject:String}',
  } satisfies Record<SubjectKind, string>),
);

export function subjectRows(subject: Subject): string {
  const condition = SUBJECT_ROWS.get(subject.kind);
  // The route's schema admits only SUBJECT_KINDS; anything else is a caller's mistake, not a query.
  if (!condition) throw new Error(`no subject kind ${JSON.stringify(String(subject.kind).slice(0, 40))}`);
  return `${condition} AND {subject:String} != ''`;
}

const AT = (name: string) => `fromUnixTimestamp64Milli({${name}:Int64}, 'UTC')`;

/** Rows received in the window, `from` inclusive, `to` exclusive. */
export const IN_WINDOW = `received_at >= ${AT('fromMs')} AND received_at < ${AT('toMs')}`;

/** Messages the switch processed; refused ones (`rejected`) carry whatever the caller sent and are no one's history. */
export const PROCESSED = `message_type IN ('payment', 'refund', 'reversal')`;

/**
 * Payments that raised or joined an alert. Alerts follow their payments, so events from the
 * window's start on are enough; used only as a membership test on rows already in the window.
 */
export function alertedPayments(database: string): string {
  return `SELECT payment_id FROM ${database}.alert_events
    WHERE kind IN ('created', 'grouped') AND payment_id != '' AND at >= ${AT('fromMs')}`;
}

/** The bound parameters every investigation query takes. */
export function subjectParams(subject: Subject, window: Window): Record<string, unknown> {
  return {
    subject: subject.id,
    subjectKind: subject.kind,
    participant: subject.kind === 'wallet' ? subject.participant : '',
    fromMs: window.fromMs,
    toMs: window.toMs,
  };
}

/** The route parses windows with parseWindow; anything else reaching here is a caller's mistake. */
export function checkWindow(window: Window): void {
  const { fromMs, toMs } = window;
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs) || toMs <= fromMs || toMs - fromMs > MAX_SPAN_DAYS * BUCKET_MS.day) {
    throw new RangeError(`not an investigation window: [${fromMs}, ${toMs}); at most ${MAX_SPAN_DAYS} days`);
  }
}

export const isoTime = (ms: number | string) => new Date(Number(ms)).toISOString();
