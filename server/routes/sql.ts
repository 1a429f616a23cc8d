import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditEntry, AuditLog } from '../../analytics/audit-log.ts';
import { jsonResultBody } from '../../analytics/json-result/json-result.ts';
import { ANALYTICS_TABLES, createReadOnlySql, type SqlLimits } from '../../analytics/sql/read-only-sql.ts';
import type { SqlErrorCode } from '../../analytics/sql/sql-error.ts';
import type { Sessions } from '../auth/sessions.ts';
import type { ClickHouse } from '../clickhouse.ts';
import { HttpDomainError, sendError } from '../http-errors.ts';
import { bearerToken } from '../plugins/operator-auth.ts';
import { errorResponses } from '../schemas/common.ts';

/** Well inside the platform's body limit, so a long statement is refused by this schema, with a code. */
const MAX_STATEMENT_LENGTH = 10_000;

const SqlBody = Type.Object(
  {
    query: Type.String({
      minLength: 1,
      maxLength: MAX_STATEMENT_LENGTH,
      description: `One SELECT over ${ANALYTICS_TABLES.join(', ')}; a table named without its database is one of the platform's`,
    }),
  },
  { additionalProperties: false },
);

const SqlSchemaAnswer = Type.Object({
  database: Type.String({ description: 'The database a table name without one means' }),
  tables: Type.Array(
    Type.Object({
      name: Type.String(),
      engine: Type.String(),
      comment: Type.String(),
      sortingKey: Type.String({ description: 'ORDER BY of the table: filters on its leading columns read the least' }),
      columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String({ description: 'ClickHouse type' }), comment: Type.String() })),
    }),
  ),
});

const SqlResultSchema = Type.Object({
  columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
  rows: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'One object per row; 64-bit integers and decimals as strings' }),
  rowsRead: Type.Number(),
  elapsedMs: Type.Number(),
});

/** Refusals by policy are `denied`; statements that could not run are `failed`. */
const DENIED: ReadonlySet<SqlErrorCode | 'FORBIDDEN_ROLE'> = new Set(['SQL_NOT_READ_ONLY', 'SQL_TABLE_FORBIDDEN', 'SQL_FUNCTION_FORBIDDEN', 'FORBIDDEN_ROLE']);

type AsyncHook = (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * `POST /v1/sql` (docs/api.md): read-only ad-hoc SQL for the compliance role over the
 * analytics tables, and `GET /v1/sql/schema`: those tables and their columns. Every statement, run or refused, goes to the audit log with who sent
 * it, its text, the outcome, the rows and the time; an operator of another role is
 * refused and audited too. No answer leaves before its audit entry is written.
 *
 * Statements run on a ClickHouse connection of their own (`connect`), closed with the app:
 * whatever a failed statement leaves on it never reaches the ingest writer or other readers.
 */
export default async function sqlRoutes(
  app: FastifyInstance,
  options: { connect: () => Promise<ClickHouse>; database: string; audit: AuditLog; sessions: Sessions; limits?: Partial<SqlLimits> },
) {
  const connection = await options.connect();
  app.addHook('onClose', async () => connection.close());
  const sql = createReadOnlySql(connection.client, { database: options.database, limits: options.limits });
  const compliance = app.requireRole('compliance') as unknown as AsyncHook;
  const audit = (actor: { username: string; role: string }, statement: unknown, outcome: AuditEntry['outcome'], details: Record<string, unknown>) =>
    options.audit.record({
      actor: actor.username,
      actorRole: actor.role,
      action: 'sql.query',
      target: typeof statement === 'string' ? statement.slice(0, MAX_STATEMENT_LENGTH) : '',
      outcome,
      details,
    });

  async function complianceOnly(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
    try {
      await compliance.call(this, request, reply);
    } catch (e) {
      // A signed-in operator of another role is named in the audit; an unknown token has no name to record.
      if (e instanceof HttpDomainError && e.code === 'FORBIDDEN_ROLE') {
        const token = bearerToken(request);
        const operator = token ? await options.sessions.verify(token) : undefined;
        const statement = (request.body as { query?: unknown } | undefined)?.query;
        if (operator) await audit(operator, statement, 'denied', { code: e.code });
      }
      throw e;
    }
  }

  app.get(
    '/v1/sql/schema',
    {
      preValidation: compliance,
      schema: {
        tags: ['reports'],
        security: [{ operatorToken: [] }],
        summary: 'The tables POST /v1/sql may read, each with its columns, types and comments (compliance only)',
        response: { 200: SqlSchemaAnswer, ...errorResponses },
      },
    },
    async () => sql.schema(),
  );

  app.post<{ Body: Static<typeof SqlBody> }>(
    '/v1/sql',
    {
      preValidation: complianceOnly,
      attachValidation: true,
      schema: {
        tags: ['reports'],
        security: [{ operatorToken: [] }],
        summary: 'One read-only SELECT over the analytics tables (compliance only), limited in time, rows and bytes of the answer',
        body: SqlBody,
        response: { 200: SqlResultSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const operator = request.operator!;
      const started = performance.now();
      const since = () => Math.round((performance.now() - started) * 1000) / 1000;
      if (request.validationError) {
        const message = `body${request.validationError.message.replace(/^body/, '')}`;
        await audit(operator, (request.body as { query?: unknown } | undefined)?.query, 'failed', { code: 'VALIDATION_FAILED', rows: 0, rowsRead: 0, elapsedMs: since() });
        return sendError(reply, { code: 'VALIDATION_FAILED', message });
      }
      const statement = request.body.query;
      const result = await sql.run(statement).catch(async (e: unknown) => {
        await audit(operator, statement, 'failed', { code: 'INTERNAL', rows: 0, rowsRead: 0, elapsedMs: since() });
        throw e;
      });
      if (!result.ok) {
        const { code, message } = result.error;
        await audit(operator, statement, DENIED.has(code) ? 'denied' : 'failed', { code, message, rows: 0, rowsRead: 0, elapsedMs: since() });
        return sendError(reply, { code, message });
      }
      const { rowTexts, rowsRead, elapsedMs } = result.value;
      const body = jsonResultBody(result.value);
      await audit(operator, statement, 'ok', { rows: rowTexts.length, rowsRead, elapsedMs, bytes: body.bytes });
      // The rows as ClickHouse wrote them, streamed: the answer is never parsed or serialised again.
      return reply.type('application/json; charset=utf-8').header('content-length', body.bytes).send(body.stream);
    },
  );
}
