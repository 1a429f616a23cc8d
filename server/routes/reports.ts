import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditEntry, AuditLog } from '../../analytics/audit-log.ts';
import { jsonResultBody } from '../../analytics/json-result/json-result.ts';
import { createReportRunner } from '../../analytics/reports/run-report.ts';
import { sendError } from '../http-errors.ts';
import { errorResponses } from '../schemas/common.ts';

const CatalogEntry = Type.Object({
  name: Type.String(),
  title: Type.String(),
  description: Type.String(),
  maxSpanDays: Type.Integer(),
  formats: Type.Array(Type.String()),
  params: Type.Object({}, { additionalProperties: true, description: 'JSON Schema of the report parameters: types, ranges, enums, required, defaults' }),
});

const ReportResult = Type.Object({
  columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String({ description: 'ClickHouse type' }) })),
  rows: Type.Array(Type.Object({}, { additionalProperties: true })),
  rowsRead: Type.Number(),
  elapsedMs: Type.Number(),
});

const NameParams = Type.Object({ name: Type.String({ maxLength: 100 }) });
const RunBody = Type.Object(
  {
    params: Type.Optional(Type.Object({}, { additionalProperties: true, description: "The report's parameters, see GET /v1/reports" })),
    format: Type.Optional(Type.Enum(['json', 'csv', 'parquet'], { default: 'json' })),
  },
  { additionalProperties: false },
);

export interface ReportRouteOptions {
  clickhouse: ClickHouseClient;
  database: string;
  /** CNY per USD at the gateway's rate, for the CNY side of the large-value thresholds. */
  cnyPerUsd: string;
  audit: AuditLog;
  maxExecutionSeconds?: number;
}

/**
 * The compliance report catalog (docs/api.md): list it, run a report as JSON, CSV or
 * Parquet. Every run, refused or not, is written to the audit log with its parameters.
 */
export default async function reportRoutes(app: FastifyInstance, options: ReportRouteOptions) {
  const runner = createReportRunner({
    client: options.clickhouse,
    database: options.database,
    context: { cnyPerUsd: options.cnyPerUsd },
    maxExecutionSeconds: options.maxExecutionSeconds,
  });
  const readers = app.requireRole('compliance', 'risk_officer', 'admin');
  const base = { tags: ['reports'], security: [{ operatorToken: [] }] };
  const audit = runAuditOf(options.audit);

  app.get('/v1/reports', {
    preValidation: readers,
    schema: { ...base, summary: 'The report catalog, with each report\'s parameter schema', response: { 200: Type.Object({ reports: Type.Array(CatalogEntry) }), ...errorResponses } },
  }, async () => ({ reports: runner.catalog() }));

  app.post<{ Params: Static<typeof NameParams>; Body: Static<typeof RunBody> }>('/v1/reports/:name', {
    preValidation: readers,
    schema: {
      ...base,
      summary: 'Run a report: JSON { columns, rows, rowsRead, elapsedMs }, CSV (RFC 4180, header row) or Parquet written by ClickHouse',
      params: NameParams,
      body: RunBody,
      response: {
        200: {
          description: 'The report',
          content: {
            'application/json': { schema: ReportResult },
            'text/csv': { schema: { type: 'string' } },
            'application/vnd.apache.parquet': { schema: { type: 'string', format: 'binary' } },
          },
        },
        ...errorResponses,
      },
    },
  }, async (request, reply) => {
    const name = request.params.name;
    const format = request.body.format ?? 'json';
    const prepared = runner.prepare(name, request.body.params ?? {});
    if (!prepared.ok) {
      await audit(request, name, 'denied', { params: request.body.params ?? {}, format, error: prepared.error.code });
      return sendError(reply, prepared.error);
    }
    const { report, params } = prepared.value;
    const ran = await runner.run(prepared.value, format);
    if (!ran.ok) {
      request.log.error({ report: report.name, code: ran.error.code, err: ran.error.detail }, 'report failed');
      await audit(request, report.name, 'failed', { params, format, error: ran.error.code });
      return sendError(reply, ran.error);
    }
    const out = ran.value;
    if (out.format === 'json') {
      const { rowTexts, rowsRead, elapsedMs } = out.result;
      const body = jsonResultBody(out.result);
      await audit(request, report.name, 'ok', { params, format, rows: rowTexts.length, rowsRead, elapsedMs, bytes: body.bytes });
      // The rows as ClickHouse wrote them, streamed: never parsed or serialised again.
      return reply.type('application/json; charset=utf-8').header('content-length', body.bytes).send(body.stream);
    }
    if (out.format === 'parquet') {
      await audit(request, report.name, 'ok', { params, format, rows: out.rows, elapsedMs: out.elapsedMs });
      return reply
        .header('content-type', 'application/vnd.apache.parquet')
        .header('content-disposition', `attachment; filename="${report.name}.parquet"`)
        .send(out.body);
    }
    // Audited once the last row has gone out, with the number of rows sent.
    void out.rows
      .then((rows) => audit(request, report.name, 'ok', { params, format, rows, elapsedMs: out.elapsedMs }))
      .catch((e: unknown) => request.log.error({ err: (e as Error).message, report: report.name }, 'audit write failed'));
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${report.name}.csv"`)
      .send(out.stream);
  });
}

/** Every run of a report, by whom, with its outcome. */
function runAuditOf(log: AuditLog) {
  return (request: FastifyRequest, report: string, outcome: AuditEntry['outcome'], details: Record<string, unknown>) =>
    log.record({
      actor: request.operator!.username,
      actorRole: request.operator!.role,
      action: 'report.run',
      target: `report:${report.slice(0, 100)}`,
      outcome,
      details,
    });
}
