import type { ClickHouseClient } from '@clickhouse/client';
import { decimalText } from '../participant/figures.ts';
import type { Window } from '../participant/window.ts';
import { readRows } from './read-rows.ts';
import { checkWindow, IN_WINDOW, isoTime, subjectParams, subjectRows, type Subject } from './subject.ts';

export const DEFAULT_COUNTERPARTY_LIMIT = 100;
export const MAX_COUNTERPARTY_LIMIT = 1000;

/** Who the subject dealt with: a wallet's merchants, or the payer wallets of a merchant, a device or an IP. */
export interface Counterparty {
  kind: 'merchant' | 'wallet';
  id: string;
  /** The wallet's participant; wallets are only ever named with it. */
  participant?: string;
  /** The merchant's name (its latest in the window), the wallet's id. */
  label: string;
  payments: number;
  approved: number;
  declined: number;
  amountUsd: string;
  approvedAmountUsd: string;
  firstSeen: string;
  lastSeen: string;
}

export interface Counterparties {
  subject: Subject;
  from: string;
  to: string;
  /** Most payments first. */
  rows: Counterparty[];
  /** More counterparties exist than `limit` let through (those with fewest payments were left out). */
  truncated: boolean;
}

interface Row {
  holder: string;
  id: string;
  label: string;
  payments: number;
  approved: number;
  declined: number;
  usd: string;
  approved_usd: string;
  first_ms: string;
  last_ms: string;
}

/** What a counterparty is keyed by: constants chosen by the subject's kind. */
const KEYS = {
  merchant: { holder: "''", id: 'toString(merchant_id)', label: 'argMax(merchant_name, received_at)', group: 'id' },
  wallet: { holder: 'toString(participant)', id: 'wallet_id', label: 'any(wallet_id)', group: 'holder, id' },
} as const;

/** Over the subject's payments (refunds and reversals are in its history, not here). */
export async function counterparties(
  client: ClickHouseClient,
  database: string,
  subject: Subject,
  window: Window,
  limit = DEFAULT_COUNTERPARTY_LIMIT,
): Promise<Counterparties> {
  checkWindow(window);
  const n = Math.max(1, Math.min(Math.floor(limit) || 1, MAX_COUNTERPARTY_LIMIT));
  const kind = subject.kind === 'wallet' ? 'merchant' : 'wallet';
  const key = KEYS[kind];
  const rows = await readRows<Row>(
    client,
    `SELECT ${key.holder} AS holder, ${key.id} AS id, ${key.label} AS label,
      toUInt32(count()) AS payments,
      toUInt32(countIf(status = 'APPROVED')) AS approved,
      toUInt32(countIf(status = 'DECLINED')) AS declined,
      toString(sum(amount_usd)) AS usd,
      toString(sumIf(amount_usd, status = 'APPROVED')) AS approved_usd,
      toString(toUnixTimestamp64Milli(min(received_at))) AS first_ms,
      toString(toUnixTimestamp64Milli(max(received_at))) AS last_ms
    FROM ${database}.transactions
    WHERE ${subjectRows(subject)} AND ${IN_WINDOW} AND message_type = 'payment' AND ${key.id} != ''
    GROUP BY ${key.group}
    ORDER BY payments DESC, sum(amount_usd) DESC, holder, id
    LIMIT {limit:UInt32}`,
    { ...subjectParams(subject, window), limit: n + 1 },
  );
  return {
    subject,
    from: isoTime(window.fromMs),
    to: isoTime(window.toMs),
    rows: rows.slice(0, n).map((r) => ({
      kind,
      id: r.id,
      ...(kind === 'wallet' ? { participant: r.holder } : {}),
      label: r.label || r.id,
      payments: r.payments,
      approved: r.approved,
      declined: r.declined,
      amountUsd: decimalText(r.usd),
      approvedAmountUsd: decimalText(r.approved_usd),
      firstSeen: isoTime(r.first_ms),
      lastSeen: isoTime(r.last_ms),
    })),
    truncated: rows.length > n,
  };
}
