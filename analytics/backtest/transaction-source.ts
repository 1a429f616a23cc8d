import type { ClickHouseClient } from '@clickhouse/client';
import type { RiskDecisionKind, SwitchedMessage } from '../../domain/transaction.ts';
import { messageOfRow, type TransactionRow } from '../../domain/transaction-row.ts';

/**
 * Reads the scored messages of a time range from `transactions` in received order, a page
 * at a time, every value a bound parameter. Pages are cut from a per-minute histogram
 * (one count() query), so each page query reads only its own time range: a window of
 * millions of rows is never in memory at once and never re-scanned page after page.
 */

/** One scored message as the row recorded it: the message, and what was decided live. */
export interface ReplayRow {
  message: SwitchedMessage;
  status: string;
  live: {
    decision: RiskDecisionKind;
    score: number;
    reasonRuleIds: string[];
    shadowRuleIds: string[];
    ruleSetVersion: string;
    /** The screening lists and versions the live decision used ('' with none). */
    screeningLists: string;
  };
}

export interface MinuteCount {
  /** Unix ms of the minute's start. */
  minute: number;
  rows: number;
}

/** A time range [from, to) of whole minutes, read with LIMIT/OFFSET only when one minute alone exceeds the page size. */
export interface PagePlan {
  from: number;
  to: number;
  rows: number;
}

export interface TransactionSource {
  histogram(from: number, to: number): Promise<MinuteCount[]>;
  page(from: number, to: number, limit?: { rows: number; offset: number }): Promise<ReplayRow[]>;
}

const SCORED = "message_type IN ('payment', 'refund', 'reversal')";
const RANGE = `received_at >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND received_at < fromUnixTimestamp64Milli({to:Int64}, 'UTC')`;

export function createTransactionSource(client: ClickHouseClient, database: string): TransactionSource {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`not a database name: ${database}`);
  return {
    async histogram(from, to) {
      const result = await client.query({
        query: `SELECT toUnixTimestamp(toStartOfMinute(received_at)) AS minute, toUInt32(count()) AS rows
          FROM ${database}.transactions WHERE ${RANGE} AND ${SCORED}
          GROUP BY minute ORDER BY minute`,
        query_params: { from, to },
        format: 'JSONEachRow',
      });
      const rows = await result.json<{ minute: number | string; rows: number | string }>();
      return rows.map((r) => ({ minute: Number(r.minute) * 1000, rows: Number(r.rows) }));
    },

    async page(from, to, limit) {
      // Ties within a millisecond keep the order the tap's stream gave them (the commit order).
      const result = await client.query({
        query: `SELECT payment_id, message_type, original_payment_id, participant, participant_kind, initiator, txn_id,
            direction, corridor, wallet_id, payer_name, payer_birth_year, payer_nationality, user_id, device_id, ip, payer_country, lat, lon,
            merchant_id, merchant_name, merchant_alt_names, mcc, merchant_country, merchant_city, acquirer, network,
            toString(amount) AS amount, currency, toString(amount_usd) AS amount_usd,
            toString(settlement_amount) AS settlement_amount, settlement_currency, toString(fx_rate) AS fx_rate,
            status, toUInt32(risk_score) AS risk_score, decision, reason_rule_ids, shadow_rule_ids, rule_set_version, screening_lists,
            toString(toUnixTimestamp64Milli(received_at)) AS received_ms
          FROM ${database}.transactions WHERE ${RANGE} AND ${SCORED}
          ORDER BY received_at,
            toUInt64OrZero(splitByChar('-', stream_id)[1]), toUInt64OrZero(splitByChar('-', stream_id)[2]), payment_id
          ${limit ? 'LIMIT {rows:UInt32} OFFSET {offset:UInt64}' : ''}`,
        query_params: { from, to, ...(limit ? { rows: limit.rows, offset: limit.offset } : {}) },
        format: 'JSONEachRow',
      });
      return (await result.json<TransactionRowOut>()).map(replayRow);
    },
  };
}

/** Cuts [from, to) into pages of about `pageSize` rows along minute boundaries. */
export function planPages(histogram: readonly MinuteCount[], from: number, to: number, pageSize: number): PagePlan[] {
  const pages: PagePlan[] = [];
  let start = from;
  let rows = 0;
  for (const { minute, rows: n } of histogram) {
    const minuteStart = Math.max(minute, from);
    if (rows > 0 && rows + n > pageSize) {
      pages.push({ from: start, to: minuteStart, rows });
      start = minuteStart;
      rows = 0;
    }
    rows += n;
  }
  if (rows > 0) pages.push({ from: start, to, rows });
  return pages;
}

/** The columns page() reads, as it selects them: the score as ClickHouse may quote it, the receive time in epoch ms. */
type TransactionRowOut = Omit<
  TransactionRow,
  'payer_market' | 'decline_code' | 'reasons' | 'switch_latency_us' | 'risk_latency_us' | 'received_at' | 'decided_at' | 'stream_id' | 'risk_score'
> & { risk_score: number | string; received_ms: string };

/** The SwitchedMessage a row was made from (domain/transaction.ts), as the rules saw it. */
export function replayRow(r: TransactionRowOut): ReplayRow {
  const message = messageOfRow(r, Number(r.received_ms));
  return {
    message,
    status: r.status,
    live: {
      decision: (r.decision || 'approve') as RiskDecisionKind,
      score: Number(r.risk_score),
      reasonRuleIds: r.reason_rule_ids,
      shadowRuleIds: r.shadow_rule_ids,
      ruleSetVersion: r.rule_set_version,
      screeningLists: r.screening_lists,
    },
  };
}

/** The page's rows in chunks of at most `pageSize`; a single minute above that is read with LIMIT/OFFSET. */
export async function* readPage(source: TransactionSource, page: PagePlan, pageSize: number): AsyncGenerator<ReplayRow[]> {
  if (page.rows <= pageSize) {
    yield await source.page(page.from, page.to);
    return;
  }
  for (let offset = 0; ; offset += pageSize) {
    const rows = await source.page(page.from, page.to, { rows: pageSize, offset });
    if (rows.length > 0) yield rows;
    if (rows.length < pageSize) return;
  }
}

/** Every scored message received in [from, to), in received order, a page at a time. */
export async function* historyPages(source: TransactionSource, from: number, to: number, pageSize: number): AsyncGenerator<ReplayRow[]> {
  for (const page of planPages(await source.histogram(from, to), from, to, pageSize)) yield* readPage(source, page, pageSize);
}

export type Disposition = 'fraud' | 'legitimate' | 'open';

/**
 * For each payment id, the alert it raised or was grouped into and that alert's last
 * disposition ('open' while unresolved). Payments without an alert are absent. Alert
 * events are never older than the payment they follow, which bounds the scan from below.
 */
export async function alertDispositions(
  client: ClickHouseClient,
  database: string,
  paymentIds: readonly string[],
  since: number,
): Promise<Map<string, { alertId: string; disposition: Disposition }>> {
  const out = new Map<string, { alertId: string; disposition: Disposition }>();
  if (paymentIds.length === 0) return out;
  const result = await client.query({
    query: `WITH members AS (
        SELECT JSONExtractString(details, 'paymentId') AS payment_id, any(alert_id) AS alert_id
        FROM ${database}.alert_events
        WHERE kind IN ('created', 'grouped') AND at >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')
          AND JSONExtractString(details, 'paymentId') IN {ids:Array(String)}
        GROUP BY payment_id
      )
      SELECT m.payment_id AS payment_id, m.alert_id AS alert_id, d.disposition AS disposition
      FROM members AS m
      LEFT JOIN (
        SELECT alert_id, argMax(disposition, at) AS disposition FROM ${database}.alert_events
        WHERE kind = 'resolved' AND alert_id IN (SELECT alert_id FROM members)
        GROUP BY alert_id
      ) AS d ON d.alert_id = m.alert_id`,
    query_params: { ids: paymentIds, since: since - 60_000 },
    format: 'JSONEachRow',
  });
  for (const r of await result.json<{ payment_id: string; alert_id: string; disposition: string }>()) {
    const disposition: Disposition = r.disposition === 'fraud' || r.disposition === 'legitimate' ? r.disposition : 'open';
    out.set(r.payment_id, { alertId: r.alert_id, disposition });
  }
  return out;
}
