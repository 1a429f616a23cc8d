import type { TObject } from 'typebox';
import type { JsonResult } from '../json-result/json-result.ts';

/**
 * One compliance report: a name, what it answers, its parameters as a TypeBox schema
 * (types, ranges, enums, defaults: the same schema validates a request and is shown in the
 * catalog) and SQL that takes every input as a ClickHouse bound parameter (`{name:Type}`).
 * Only the database name, which comes from the configuration, is written into the SQL.
 */
export interface ReportDefinition {
  name: string;
  title: string;
  description: string;
  params: TObject;
  /** Widest allowed from-to window, in days. */
  maxSpanDays: number;
  sql(database: string): string;
  /** The bound parameters of one run, from parameters already validated and defaulted. */
  bind(params: Record<string, unknown>, context: ReportContext): Record<string, unknown>;
}

/** What a report may need besides its parameters: set once from the configuration. */
export interface ReportContext {
  /** CNY per USD at the gateway's configured rate, as the risk engine prices thresholds. */
  cnyPerUsd: string;
}

export type ReportFormat = 'json' | 'csv' | 'parquet';

/** docs/api.md: the JSON result of reports and ad-hoc SQL, its rows as ClickHouse wrote them. */
export type ReportResult = JsonResult;

export interface ReportError {
  code: 'REPORT_UNKNOWN' | 'REPORT_PARAMS_INVALID' | 'REPORT_TIMEOUT' | 'REPORT_FAILED' | 'REPORT_TOO_LARGE';
  message: string;
  /** JSON Pointer into the request body, for invalid parameters. */
  path?: string;
  /** What ClickHouse said, for the log; never sent to the caller. */
  detail?: string;
}
