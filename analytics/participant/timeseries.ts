import type { ClickHouseClient } from '@clickhouse/client';
import { latencyMs, paymentFigureColumns, paymentFigures, rowsOf, type PaymentFigureRow, type PaymentFigures } from './figures.ts';
import { queryParams, scopedRows, type Scope } from './scope.ts';
import { BUCKET_MS, bucketStarts, type Bucket, type Window } from './window.ts';

export interface TimeseriesPoint extends PaymentFigures {
  /** Start of the bucket (UTC). The first and last bucket count only what lies inside the window. */
  t: string;
  p50LatencyMs: number | null;
  p99LatencyMs: number | null;
}

export interface Timeseries {
  participant: string;
  side: Scope['side'];
  from: string;
  to: string;
  bucket: Bucket;
  /**
   * Where the figures come from: `per-minute`, the transactions_per_minute aggregate
   * (latency quantiles are t-digest estimates), or `transactions`, the rows themselves
   * (exact quantiles).
   */
  source: 'per-minute' | 'transactions';
  /** Every bucket of the window, oldest first, empty ones included. */
  points: TimeseriesPoint[];
}

interface Row extends PaymentFigureRow {
  t: number;
  latency_us: number[];
}

/**
 * The aggregate holds payer-side wallets by minute, so it answers a wallet's series over
 * a window of whole minutes; an acquirer's series (the aggregate has no acquirer column)
 * and windows cut inside a minute read the rows.
 */
function readsPerMinute(scope: Scope, window: Window): boolean {
  return scope.side === 'wallet' && window.fromMs % BUCKET_MS.minute === 0 && window.toMs % BUCKET_MS.minute === 0;
}

export async function timeseries(client: ClickHouseClient, database: string, scope: Scope, window: Window, bucket: Bucket): Promise<Timeseries> {
  const params = { ...queryParams(scope, window), bucketMs: BUCKET_MS[bucket] };
  const perMinute = readsPerMinute(scope, window);
  const rows = perMinute
    ? await rowsOf<Row>(
        client,
        // Read with sum/merge and GROUP BY: an AggregatingMergeTree may not have merged yet.
        `SELECT intDiv(toInt64(toUnixTimestamp(minute)) * 1000, {bucketMs:Int64}) * {bucketMs:Int64} AS t,
          toUInt32(sum(messages)) AS payments,
          toUInt32(sumIf(messages, status = 'APPROVED')) AS approved,
          toUInt32(sumIf(messages, status = 'DECLINED')) AS declined,
          toUInt32(sumIf(messages, decision = 'review')) AS review,
          toString(sum(amount_usd)) AS value_usd,
          toString(sumIf(amount_usd, status = 'APPROVED')) AS approved_value_usd,
          quantilesTDigestMerge(0.5, 0.99)(switch_latency_us) AS latency_us
        FROM ${database}.transactions_per_minute
        WHERE participant = {participant:String} AND message_type = 'payment'
          AND minute >= toDateTime(intDiv({fromMs:Int64}, 1000), 'UTC') AND minute < toDateTime(intDiv({toMs:Int64}, 1000), 'UTC')
        GROUP BY t ORDER BY t`,
        params,
      )
    : await rowsOf<Row>(
        client,
        `SELECT intDiv(toUnixTimestamp64Milli(received_at), {bucketMs:Int64}) * {bucketMs:Int64} AS t,
          ${paymentFigureColumns()},
          quantilesExact(0.5, 0.99)(switch_latency_us) AS latency_us
        FROM ${database}.transactions
        WHERE ${scopedRows(scope.side)} AND message_type = 'payment'
        GROUP BY t ORDER BY t`,
        params,
      );
  const byStart = new Map(rows.map((r) => [Number(r.t), r]));
  const empty: Row = { t: 0, payments: 0, approved: 0, declined: 0, review: 0, value_usd: '0', approved_value_usd: '0', latency_us: [] };
  return {
    participant: scope.participant,
    side: scope.side,
    from: new Date(window.fromMs).toISOString(),
    to: new Date(window.toMs).toISOString(),
    bucket,
    source: perMinute ? 'per-minute' : 'transactions',
    points: bucketStarts(window, bucket).map((start) => {
      const r = byStart.get(start) ?? empty;
      return {
        t: new Date(start).toISOString(),
        ...paymentFigures(r),
        p50LatencyMs: latencyMs(r.latency_us[0], r.payments > 0),
        p99LatencyMs: latencyMs(r.latency_us[1], r.payments > 0),
      };
    }),
  };
}
