import type { ClickHouseClient } from '@clickhouse/client';
import { breakdown, type Dimension } from './breakdown.ts';
import type { Scope } from './scope.ts';
import { summary } from './summary.ts';
import { timeseries } from './timeseries.ts';
import type { Bucket, Window } from './window.ts';

export { DIMENSIONS, DEFAULT_BREAKDOWN_LIMIT, MAX_BREAKDOWN_LIMIT, type Breakdown, type BreakdownRow, type Dimension } from './breakdown.ts';
export { scopeOf, type Scope, type Side } from './scope.ts';
export type { ParticipantSummary } from './summary.ts';
export type { Timeseries, TimeseriesPoint } from './timeseries.ts';
export { BUCKET_MS, chooseBucket, DEFAULT_SPAN_MS, MAX_POINTS, MAX_SPAN_DAYS, parseWindow, resolveWindow, type Bucket, type Window } from './window.ts';

/**
 * A participant's own analytics over ClickHouse: every query is scoped to one participant
 * through a bound parameter (scope.ts) and to one window (window.ts).
 */
export function createParticipantAnalytics(client: ClickHouseClient, database: string) {
  return {
    summary: (scope: Scope, window: Window) => summary(client, database, scope, window),
    timeseries: (scope: Scope, window: Window, bucket: Bucket) => timeseries(client, database, scope, window, bucket),
    breakdown: (scope: Scope, window: Window, dimension: Dimension, limit?: number) => breakdown(client, database, scope, window, dimension, limit),
  };
}

export type ParticipantAnalytics = ReturnType<typeof createParticipantAnalytics>;
