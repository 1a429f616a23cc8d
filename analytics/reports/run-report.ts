import { performance } from 'node:perf_hooks';
import { pipeline, type Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { err, ok, type Result } from '../../domain/result.ts';
import { queryJsonResult, sizeText } from '../json-result/json-result.ts';
import { findReport, REPORTS } from './catalog.ts';
import { countCsvRecords } from './csv-records.ts';
import { parquetRowCount } from './parquet-rows.ts';
import type { ReportContext, ReportDefinition, ReportError, ReportFormat, ReportResult } from './report.ts';
import { validateParams } from './validate-params.ts';

export interface ReportRunnerOptions {
  client: ClickHouseClient;
  database: string;
  context: ReportContext;
  /** Engine-side limit of one run; the client gives up a few seconds later still. */
  maxExecutionSeconds?: number;
  /** The most bytes a JSON answer may have (CSV and Parquet stream, or are compressed). */
  maxJsonBytes?: number;
  reports?: readonly ReportDefinition[];
}

/** A report and its validated, defaulted parameters: ready to run. */
export interface PreparedRun {
  report: ReportDefinition;
  params: Record<string, unknown>;
}

export type ReportOutput =
  | { format: 'json'; result: ReportResult }
  /** CSV streams out; `rows` (without the header) settles when the stream has ended. */
  | { format: 'csv'; stream: Readable; rows: Promise<number>; elapsedMs: number }
  /** Parquet is whole before it goes out: its footer comes last. */
  | { format: 'parquet'; body: Buffer; rows: number; elapsedMs: number };

/** Larger JSON answers are refused: CSV streams out, and Parquet is compressed. */
export const DEFAULT_MAX_JSON_BYTES = 64 * 1024 * 1024;

export interface CatalogEntry {
  name: string;
  title: string;
  description: string;
  maxSpanDays: number;
  formats: ReportFormat[];
  params: ReportDefinition['params'];
}

/**
 * Runs catalog reports on ClickHouse. Limits travel in the query's own SETTINGS clause,
 * never as `clickhouse_settings`: chDB turns those into session-wide SETs that would stay
 * on every later query of the process; a SETTINGS clause ends with its query (both checked
 * in test/reports.test.ts). Rows are bounded by each report's `limit` parameter (LIMIT, at
 * most 100,000), not by max_result_rows, which would also stop the reports' subqueries.
 */
export function createReportRunner(options: ReportRunnerOptions) {
  const reports = options.reports ?? REPORTS;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.database)) throw new Error(`not a database name: ${options.database}`);
  const seconds = Math.max(1, Math.floor(options.maxExecutionSeconds ?? 30));
  const maxJsonBytes = options.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES;
  // Output formats for JSON and CSV: exact decimals as strings, ISO 8601 times, CRLF line ends and
  // empty fields for NULL (RFC 4180).
  const settings = [
    `max_execution_time = ${seconds}`,
    `timeout_overflow_mode = 'throw'`,
    'output_format_json_quote_decimals = 1',
    'output_format_json_quote_64bit_integers = 1',
    // JSON rows go out as ClickHouse wrote them (json-result.ts): invalid UTF-8 must not break them.
    'output_format_json_validate_utf8 = 1',
    `date_time_output_format = 'iso'`,
    'output_format_csv_crlf_end_of_line = 1',
    `format_csv_null_representation = ''`,
  ].join(', ');

  function queryOf(run: PreparedRun, format?: string): string {
    return `${run.report.sql(options.database).trim()}\nSETTINGS ${settings}${format ? `\nFORMAT ${format}` : ''}`;
  }

  /**
   * chDB 3.4 keeps the output a query had written when it failed (a timeout, an error half
   * way) and hands it out at the head of the session's next result: one query read to the
   * end clears it, so a failed report does not garble whatever runs next.
   */
  async function drain(): Promise<void> {
    await (await options.client.query({ query: 'SELECT 1 AS drained', format: 'JSONEachRow' })).text().catch(() => undefined);
  }

  /** Runs `query` under the client-side deadline, mapping ClickHouse's failures to report errors. */
  async function guarded<T>(query: (signal: AbortSignal) => Promise<T>): Promise<Result<T, ReportError>> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve('late');
      }, seconds * 1000 + 5000);
    });
    const running = query(controller.signal).catch(async (e: unknown) => {
      await drain();
      throw e;
    });
    try {
      const outcome = await Promise.race([running, deadline]);
      if (outcome === 'late') {
        running.catch(() => undefined);
        return err(timeoutError());
      }
      return ok(outcome as T);
    } catch (e) {
      if (isTimeout(e)) return err(timeoutError());
      return err({ code: 'REPORT_FAILED', message: 'the report failed', detail: (e as Error).message });
    } finally {
      clearTimeout(timer);
    }
  }

  function timeoutError(): ReportError {
    return { code: 'REPORT_TIMEOUT', message: `the report ran longer than ${seconds} s: narrow the window or the filters` };
  }

  return {
    catalog(): CatalogEntry[] {
      return reports.map((r) => ({
        name: r.name,
        title: r.title,
        description: r.description,
        maxSpanDays: r.maxSpanDays,
        formats: ['json', 'csv', 'parquet'],
        params: r.params,
      }));
    },

    prepare(name: string, params: unknown): Result<PreparedRun, ReportError> {
      const report = findReport(name, reports);
      if (!report) return err({ code: 'REPORT_UNKNOWN', message: `no report named ${JSON.stringify(name.slice(0, 80))}; GET /v1/reports lists them` });
      const checked = validateParams(report, params);
      if (!checked.ok) return checked;
      return ok({ report, params: checked.value });
    },

    async run(run: PreparedRun, format: ReportFormat): Promise<Result<ReportOutput, ReportError>> {
      const query_params = run.report.bind(run.params, options.context);
      const started = performance.now();
      const elapsed = () => Math.round((performance.now() - started) * 10) / 10;

      if (format === 'json') {
        const read = await guarded((abort_signal) => queryJsonResult(options.client, queryOf(run), { maxBytes: maxJsonBytes, query_params, signal: abort_signal }));
        if (!read.ok) return read;
        if (!read.value.ok) {
          return err({
            code: 'REPORT_TOO_LARGE',
            message: `the JSON answer passed ${sizeText(maxJsonBytes)} after ${read.value.error.rows} rows and was stopped: ask for csv or parquet, lower params.limit or narrow the window`,
          });
        }
        return ok({ format: 'json' as const, result: { ...read.value.value, elapsedMs: elapsed() } });
      }

      if (format === 'csv') {
        return guarded(async (abort_signal) => {
          const result = await options.client.exec({ query: queryOf(run, 'CSVWithNames'), query_params, abort_signal });
          const { through, records } = countCsvRecords();
          pipeline(result.stream, through, () => undefined);
          return { format: 'csv' as const, stream: through, rows: records.then((n) => Math.max(0, n - 1)), elapsedMs: elapsed() };
        });
      }

      return guarded(async (abort_signal) => {
        const result = await options.client.exec({ query: queryOf(run, 'Parquet'), query_params, abort_signal });
        const chunks: Buffer[] = [];
        for await (const chunk of result.stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
        const body = Buffer.concat(chunks);
        return { format: 'parquet' as const, body, rows: parquetRowCount(body), elapsedMs: elapsed() };
      });
    },
  };
}

export type ReportRunner = ReturnType<typeof createReportRunner>;

function isTimeout(e: unknown): boolean {
  const { code, type, message } = (e ?? {}) as { code?: unknown; type?: unknown; message?: unknown };
  return code === '159' || type === 'TIMEOUT_EXCEEDED' || (typeof message === 'string' && /Timeout exceeded/i.test(message));
}
