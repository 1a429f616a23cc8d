import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditLog } from '../../analytics/audit-log.ts';
import {
  chooseBucket,
  createParticipantAnalytics,
  DEFAULT_BREAKDOWN_LIMIT,
  DIMENSIONS,
  MAX_BREAKDOWN_LIMIT,
  MAX_POINTS,
  MAX_SPAN_DAYS,
  resolveWindow,
  scopeOf,
  type Scope,
  type Window,
} from '../../analytics/participant/index.ts';
import { err, ok, type DomainError, type Result } from '../../domain/result.ts';
import { HttpDomainError, sendError } from '../http-errors.ts';
import { errorResponses, signedHeaders } from '../schemas/common.ts';

/* ---- request schemas ---- */

const Timestamp = Type.String({
  format: 'date-time',
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
  maxLength: 40,
  description: 'ISO 8601 with a time zone, e.g. 2025-03-10T00:00:00Z',
});
const common = {
  from: Type.Optional({
    ...Timestamp,
    description:
      'Start of the window, inclusive. Left out: 24 hours before to; with to left out too, the window is the last 24 hours, up to the end of the current UTC minute',
  }),
  to: Type.Optional({
    ...Timestamp,
    description: `End of the window, exclusive; later than from, at most ${MAX_SPAN_DAYS} days after it. Left out: 24 hours after from, but no later than the end of the current UTC minute (a from after that is 400 ANALYTICS_WINDOW_INVALID)`,
  }),
  participant: Type.Optional(
    Type.String({
      pattern: '^[a-z0-9][a-z0-9.-]{1,62}$',
      description:
        'Whose analytics. A participant may name only itself; a participant_analyst only its own participant; risk_officer, compliance and admin must name one.',
    }),
  ),
};
const SummaryQuery = Type.Object(common, { additionalProperties: false });
const TimeseriesQuery = Type.Object(
  {
    ...common,
    bucket: Type.Optional(
      Type.Union([Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day')], {
        description: `Bucket size, aligned on UTC; at most ${MAX_POINTS} buckets. Default: the finest that fits`,
      }),
    ),
  },
  { additionalProperties: false },
);
const BreakdownParams = Type.Object({ dimension: Type.Union(DIMENSIONS.map((d) => Type.Literal(d))) });
const BreakdownQuery = Type.Object(
  {
    ...common,
    limit: Type.Optional(
      Type.String({ pattern: '^[1-9]\\d{0,3}$', maxLength: 4, description: `Most keys returned, 1-${MAX_BREAKDOWN_LIMIT} (default ${DEFAULT_BREAKDOWN_LIMIT})` }),
    ),
  },
  { additionalProperties: false },
);

/* ---- response schemas ---- */

const Count = Type.Integer({ minimum: 0 });
const Rate = Type.Number({ minimum: 0, maximum: 1 });
const Decimal = Type.String({ description: 'Exact decimal, e.g. "1234.5"' });
const LatencyMs = Type.Union([Type.Number(), Type.Null()], { description: 'Switch latency (receipt to decision) in ms; null without payments' });
const paymentFigures = {
  payments: Count,
  approved: Count,
  declined: Count,
  review: { ...Count, description: 'Payments the risk engine sent to review' },
  approvalRate: Rate,
  declineRate: Rate,
  reviewRate: Rate,
  valueUsd: { ...Decimal, description: 'USD value of all payments' },
  approvedValueUsd: { ...Decimal, description: 'USD value of approved payments' },
};
const scopeFields = {
  participant: Type.String(),
  side: Type.Union([Type.Literal('wallet'), Type.Literal('acquirer')], {
    description: "wallet: the payer-side wallet's payments; acquirer: its merchants' payments",
  }),
  from: Type.String({ format: 'date-time', description: 'Start of the window answered for, inclusive: the one asked for, or the default when from was left out' }),
  to: Type.String({ format: 'date-time', description: 'End of the window answered for, exclusive: the one asked for, or the default when to was left out' }),
};
const FollowUp = Type.Object({ count: Count, approved: Count, approvedValueUsd: Decimal });

const SummarySchema = Type.Object({
  ...scopeFields,
  payments: Type.Object(paymentFigures),
  settlement: Type.Array(Type.Object({ currency: Type.String(), payments: Count, value: Decimal, approvedValue: Decimal }), {
    description: "Payment value in the settlement currency: a wallet's own, an acquirer's merchants'",
  }),
  refunds: FollowUp,
  reversals: FollowUp,
  declineReasons: Type.Array(
    Type.Object({ reason: Type.String(), source: Type.Union([Type.Literal('risk'), Type.Literal('issuer')]), payments: Count }),
    { description: 'Declined payments by issuer code, or for a risk decline the rule that weighed most' },
  ),
  fraudConfirmed: Type.Object(
    { payments: Count, rate: Rate, valueUsd: Decimal },
    { description: 'Payments in alerts a risk officer resolved as fraud' },
  ),
  settlementHeld: Type.Object(
    { payments: Count, valueUsd: Decimal, released: Count },
    { description: "Payments of the window approved for the payer with their settlement held: those still held and their value, and those released since (their case closed without suspicion, or an officer released them)" },
  ),
  latency: Type.Object({ p50Ms: LatencyMs, p99Ms: LatencyMs }),
});
const TimeseriesSchema = Type.Object({
  ...scopeFields,
  bucket: Type.String(),
  source: Type.Union([Type.Literal('per-minute'), Type.Literal('transactions')], {
    description: 'per-minute: the per-minute aggregate, latency estimated by t-digest; transactions: the rows, exact latency',
  }),
  points: Type.Array(Type.Object({ t: Type.String({ format: 'date-time' }), ...paymentFigures, p50LatencyMs: LatencyMs, p99LatencyMs: LatencyMs })),
});
const BreakdownSchema = Type.Object({
  ...scopeFields,
  dimension: Type.String(),
  rows: Type.Array(
    Type.Object({
      key: Type.String(),
      label: Type.Optional(Type.String({ description: "The merchant's name, for the merchant dimension" })),
      ...paymentFigures,
      fraudConfirmed: Count,
      fraudConfirmedRate: Rate,
      p50LatencyMs: LatencyMs,
      p99LatencyMs: LatencyMs,
    }),
  ),
  truncated: Type.Boolean({ description: 'More keys exist than limit let through' }),
});

/* ---- who is asking, and for whom ---- */

const SIGNATURE_HEADERS = ['x-participant-id', 'x-timestamp', 'x-nonce', 'x-signature'];
const PRIVILEGED = new Set(['risk_officer', 'compliance', 'admin']);

interface Caller {
  actor: string;
  role: string;
}

/**
 * Participant analytics (docs/api.md `/v1/analytics/...`). One URL, two kinds of caller:
 * a participant signs its request and sees only itself; an operator sends a bearer token
 * and names the participant in `participant` (a participant_analyst only its own). The
 * scope is decided here, from the verified identity, and reaches ClickHouse as a bound
 * parameter. Answers and refusals (403) are written to the audit log.
 */
export default async function analyticsRoutes(
  app: FastifyInstance,
  options: { clickhouse: ClickHouseClient; database: string; participants: ReadonlyArray<{ id: string; kind: string }>; audit: AuditLog },
) {
  const analytics = createParticipantAnalytics(options.clickhouse, options.database);
  const authenticate = authenticatorOf(app);
  const answer = answererOf(options.audit, new Map(options.participants.map((p) => [p.id, p])));

  const base = {
    tags: ['analytics'],
    security: [{ participantSignature: [] }, { operatorToken: [] }] as Array<Record<string, string[]>>,
    headers: signedHeaders,
  };

  app.get<{ Querystring: Static<typeof SummaryQuery> }>(
    '/v1/analytics/summary',
    {
      preValidation: authenticate,
      schema: {
        ...base,
        summary: "A participant's volumes, rates, decline reasons, confirmed fraud and latency over a window",
        querystring: SummaryQuery,
        response: { 200: SummarySchema, ...errorResponses },
      },
    },
    (request, reply) => answer(request, reply, 'analytics.summary', request.query, {}, (window) => ok((scope) => analytics.summary(scope, window))),
  );

  app.get<{ Querystring: Static<typeof TimeseriesQuery> }>(
    '/v1/analytics/timeseries',
    {
      preValidation: authenticate,
      schema: {
        ...base,
        summary: "A participant's payments per minute, hour or day over a window",
        querystring: TimeseriesQuery,
        response: { 200: TimeseriesSchema, ...errorResponses },
      },
    },
    (request, reply) =>
      answer(request, reply, 'analytics.timeseries', request.query, { bucket: request.query.bucket ?? 'auto' }, (window) => {
        const bucket = chooseBucket(window, request.query.bucket);
        return bucket.ok ? ok((scope) => analytics.timeseries(scope, window, bucket.value)) : bucket;
      }),
  );

  app.get<{ Params: Static<typeof BreakdownParams>; Querystring: Static<typeof BreakdownQuery> }>(
    '/v1/analytics/breakdown/:dimension',
    {
      preValidation: authenticate,
      schema: {
        ...base,
        summary: "A participant's payments by corridor, merchant, MCC, decline reason or hour of day (UTC)",
        params: BreakdownParams,
        querystring: BreakdownQuery,
        response: { 200: BreakdownSchema, ...errorResponses },
      },
    },
    (request, reply) => {
      const limit = request.query.limit === undefined ? DEFAULT_BREAKDOWN_LIMIT : Number(request.query.limit);
      const { dimension } = request.params;
      return answer(request, reply, 'analytics.breakdown', request.query, { dimension, limit }, (window) =>
        limit > MAX_BREAKDOWN_LIMIT
          ? err({ code: 'ANALYTICS_LIMIT_INVALID', message: `limit may be at most ${MAX_BREAKDOWN_LIMIT}` })
          : ok((scope) => analytics.breakdown(scope, window, dimension, limit)),
      );
    },
  );
}

/** Dispatches on the headers: a bearer token to operator auth, signature headers to participant auth, never both. */
function authenticatorOf(app: FastifyInstance) {
  const operatorCheck = app.requireRole('risk_officer', 'compliance', 'participant_analyst', 'admin');
  return async function authenticate(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const bearer = request.headers.authorization !== undefined;
    const signature = SIGNATURE_HEADERS.some((h) => request.headers[h] !== undefined);
    if (bearer && signature) throw new HttpDomainError('AUTH_AMBIGUOUS', 'send either a participant signature or a bearer token, not both');
    if (signature) return app.authenticateParticipant(request);
    if (bearer) {
      // requireRole's hook is an async function: its promise carries the refusal.
      await (operatorCheck.call(this, request, reply, () => undefined) as unknown as Promise<void>);
      return;
    }
    throw new HttpDomainError('AUTH_REQUIRED', 'sign the request as a participant, or send Authorization: Bearer <token>');
  };
}

function callerOf(request: FastifyRequest): Caller {
  const op = request.operator;
  return op ? { actor: op.username, role: op.role } : { actor: request.participantId, role: 'participant' };
}

/** The scope a caller may see for the `participant` it asked for (or none). */
function scopeFor(
  request: FastifyRequest,
  asked: string | undefined,
  registry: ReadonlyMap<string, { id: string; kind: string }>,
): { ok: true; scope: Scope } | { ok: false; error: DomainError } {
  const forbidden = { ok: false as const, error: { code: 'ANALYTICS_FORBIDDEN' as const, message: 'you may only see your own participant' } };
  const op = request.operator;
  let target: string | undefined;
  if (!op) target = request.participantId;
  else if (op.role === 'participant_analyst') target = op.participant;
  else {
    if (!PRIVILEGED.has(op.role)) return forbidden;
    if (!asked) return { ok: false, error: { code: 'ANALYTICS_PARTICIPANT_REQUIRED', message: 'name the participant in the participant parameter' } };
    const p = registry.get(asked);
    return p ? { ok: true, scope: scopeOf(p) } : { ok: false, error: { code: 'ANALYTICS_PARTICIPANT_UNKNOWN', message: 'no such participant' } };
  }
  // Anyone bound to a participant sees that one only, and learns nothing of others' existence.
  if (!target || (asked !== undefined && asked !== target)) return forbidden;
  const p = registry.get(target);
  return p ? { ok: true, scope: scopeOf(p) } : forbidden;
}

/** Scope, window, then the query; every answer and every refusal of scope audited. */
function answererOf(audit: AuditLog, registry: ReadonlyMap<string, { id: string; kind: string }>) {
  return async function answer<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    action: string,
    query: { from?: string; to?: string; participant?: string },
    details: Record<string, unknown>,
    plan: (window: Window) => Result<(scope: Scope) => Promise<T>, DomainError>,
  ): Promise<T | FastifyReply> {
    const caller = callerOf(request);
    // Audited: the window as asked until it is resolved, then the one answered for.
    let audited: { from?: string; to?: string } = { from: query.from, to: query.to };
    const record = (target: string, outcome: 'ok' | 'denied' | 'failed', extra: Record<string, unknown> = {}) =>
      audit.record({ actor: caller.actor, actorRole: caller.role, action, target, outcome, details: { ...audited, ...details, ...extra } });
    const scoped = scopeFor(request, query.participant, registry);
    if (!scoped.ok) {
      if (scoped.error.code === 'ANALYTICS_FORBIDDEN') await record(query.participant ?? '', 'denied', { code: scoped.error.code });
      return sendError(reply, scoped.error);
    }
    const window = resolveWindow(query.from, query.to, Date.now());
    if (!window.ok) return sendError(reply, window.error);
    audited = { from: new Date(window.value.fromMs).toISOString(), to: new Date(window.value.toMs).toISOString() };
    const run = plan(window.value);
    if (!run.ok) return sendError(reply, run.error);
    let result: T;
    try {
      result = await run.value(scoped.scope);
    } catch (e) {
      // The query's own error is the one to report, whether or not its audit lands.
      await record(scoped.scope.participant, 'failed').catch(() => undefined);
      throw e;
    }
    await record(scoped.scope.participant, 'ok');
    return result;
  };
}
