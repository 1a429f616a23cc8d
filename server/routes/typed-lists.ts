import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditLog } from '../../analytics/audit-log.ts';
import type { ChangeSets } from '../../rules/change-sets.ts';
import { csvField, csvText, readCsvRecords, CSV_COLUMNS } from '../../rules/lists/list-csv.ts';
import type { ImportRefused, ListStore } from '../../rules/lists/list-store.ts';
import { checkEntry, LIST_KINDS, LIST_TYPES, normaliseValue, type ListEntry, type ListId, type ListType } from '../../rules/lists/subject-lists.ts';
import { sendError, statusOf } from '../http-errors.ts';
import { closeAfterLinger } from '../refused-body.ts';
import { errorResponses } from '../schemas/common.ts';

/** The most bytes one import may send (a million rows of about 250 characters). */
export const MAX_IMPORT_BYTES = 256 * 1024 * 1024;

const ListParams = Type.Object({
  kind: Type.Union(LIST_KINDS.map((k) => Type.Literal(k))),
  type: Type.Union(LIST_TYPES.map((t) => Type.Literal(t))),
});
const BlockParams = Type.Object({ type: Type.Union(LIST_TYPES.map((t) => Type.Literal(t))) });
const PageQuery = Type.Object(
  {
    contains: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Only values containing this text' })),
    cursor: Type.Optional(Type.String({ pattern: '^\\d{1,20}$', description: 'From the previous page' })),
    limit: Type.Optional(Type.String({ pattern: '^([1-9]\\d{0,2}|1000)$', description: 'Entries wanted, 1 to 1000 (default 100): a page holds at least this many unless the list ends, and may hold more (Redis HSCAN reads in batches); an entry may come twice across pages' })),
  },
  { additionalProperties: false },
);
const ImportQuery = Type.Object(
  {
    mode: Type.Optional(Type.Union([Type.Literal('add'), Type.Literal('replace')], { default: 'add', description: '`add`: the rows over the live list; `replace`: the rows become the whole list' })),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
const EmergencyBody = Type.Object(
  {
    value: Type.String({ minLength: 1, maxLength: 256 }),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
const ReviewBody = Type.Object(
  {
    list: Type.String({ pattern: '^block:(wallet|device|ip|merchant|mcc|country|user|name)$' }),
    value: Type.String({ minLength: 1, maxLength: 256 }),
    decision: Type.Union([Type.Literal('keep'), Type.Literal('lift')]),
  },
  { additionalProperties: false },
);
const Entry = Type.Object({
  value: Type.String(),
  reason: Type.String(),
  author: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  expired: Type.Boolean(),
  rules: Type.Optional(Type.Array(Type.String())),
  emergency: Type.Optional(Type.Boolean()),
});
const ImportErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    problems: Type.Optional(Type.Array(Type.Object({ line: Type.Integer(), message: Type.String() }))),
    invalidLines: Type.Optional(Type.Integer()),
  }),
});

const entryView = (e: ListEntry, now: number) => ({
  value: e.value,
  reason: e.reason,
  author: e.author,
  createdAt: new Date(e.createdAt).toISOString(),
  ...(e.expiresAt !== undefined ? { expiresAt: new Date(e.expiresAt).toISOString() } : {}),
  expired: e.expiresAt !== undefined && e.expiresAt <= now,
  ...(e.rules ? { rules: e.rules } : {}),
  ...(e.emergency ? { emergency: true } : {}),
});

class ImportTooLarge extends Error {}

/** The request body, counted as it streams: past `max` bytes reading stops. */
async function* bounded(body: Readable, max: number): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of body.iterator({ destroyOnReturn: false })) {
    bytes += (chunk as Buffer).length;
    if (bytes > max) throw new ImportTooLarge();
    yield chunk as Buffer;
  }
}

/**
 * Typed lists (docs/rules.md, "Lists"): reading, CSV export, CSV import (drafted as a change
 * set, live only when a second officer approves it), and the emergency block of one entry,
 * which one officer may do alone and a second reviews.
 */
export default async function typedListRoutes(app: FastifyInstance, options: { lists: ListStore; changeSets: ChangeSets; audit: AuditLog }) {
  const { lists, changeSets, audit } = options;
  const base = { tags: ['lists'], security: [{ operatorToken: [] }] };
  const readers = app.requireRole('risk_officer', 'compliance', 'admin');
  const editors = app.requireRole('risk_officer', 'admin');
  const record = (request: FastifyRequest, action: string, target: string, outcome: 'ok' | 'denied', details: Record<string, unknown>) =>
    audit.record({ actor: request.operator!.username, actorRole: request.operator!.role, action, target, outcome, details });

  // An import is read as the request streams, once the caller is authorised.
  app.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));

  app.get<{ Params: Static<typeof ListParams>; Querystring: Static<typeof PageQuery> }>('/v1/lists/:kind/:type', {
    preValidation: readers,
    schema: {
      ...base,
      summary: 'A typed list: its entries a page at a time (emergency blocks first), searchable by part of the value',
      params: ListParams,
      querystring: PageQuery,
      response: {
        200: Type.Object({ list: Type.String(), generation: Type.Integer(), total: Type.Integer(), emergencies: Type.Integer(), entries: Type.Array(Entry), cursor: Type.String({ description: '"0" on the last page' }) }),
        ...errorResponses,
      },
    },
  }, async (request) => {
    const list = `${request.params.kind}:${request.params.type}` as ListId;
    const page = await lists.page(list, { ...(request.query.contains ? { contains: request.query.contains } : {}), ...(request.query.cursor ? { cursor: request.query.cursor } : {}), count: request.query.limit ? Number(request.query.limit) : 100 });
    const now = Date.now();
    return { list, ...page, entries: page.entries.map((e) => entryView(e, now)) };
  });

  app.get<{ Params: Static<typeof ListParams> }>('/v1/lists/:kind/:type/export', {
    preValidation: readers,
    schema: { ...base, summary: `A typed list as CSV (${CSV_COLUMNS.join(',')}), the format its import reads`, params: ListParams, produces: ['text/csv'] },
  }, async (request, reply) => {
    const list = `${request.params.kind}:${request.params.type}` as ListId;
    await record(request, 'list.export', `list:${list}`, 'ok', {});
    const iso = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString());
    const rows = async function* () {
      yield `${CSV_COLUMNS.join(',')}\n`;
      for await (const batch of lists.entries(list)) {
        yield batch.map((e) => `${csvField(e.value)},${csvText(e.reason)},${iso(e.expiresAt)},${csvField((e.rules ?? []).join(';'))}\n`).join('');
      }
    };
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${list.replace(':', '-')}.csv"`)
      .send(Readable.from(rows()));
  });

  app.post<{ Params: Static<typeof ListParams>; Querystring: Static<typeof ImportQuery> }>('/v1/lists/:kind/:type/import', {
    preValidation: editors,
    schema: {
      ...base,
      summary: 'Import a CSV into a typed list: drafted as a change set (live once another officer approves it)',
      description:
        `Content-Type text/csv; header ${CSV_COLUMNS.join(',')} (the last two columns may be left out); expiresAt ISO 8601 or empty; rules (allow lists) separated by ";". ` +
        `At most 1,000,000 rows and ${MAX_IMPORT_BYTES} bytes. All or nothing: a bad line refuses the import with the first 20 problems by line number.`,
      params: ListParams,
      querystring: ImportQuery,
      body: { content: { 'text/csv': { schema: Type.Unknown({ description: 'The rows' }) } } },
      response: { 201: Type.Object({}, { additionalProperties: true, description: 'The change set drafted' }), ...errorResponses, 400: ImportErrorBody, 413: ImportErrorBody },
    },
  }, async (request, reply) => {
    const list = `${request.params.kind}:${request.params.type}` as ListId;
    const mode = request.query.mode ?? 'add';
    const body = request.body;
    if (!(body instanceof Readable)) return sendError(reply, { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'a list is imported as text/csv' });
    const refuse = async (error: ImportRefused) => {
      await record(request, 'list.import', `list:${list}`, 'denied', { code: error.code, invalidLines: error.invalidLines });
      if (!body.readableEnded) closeAfterLinger(request.raw.socket);
      return reply.code(statusOf(error.code)).send({ error: error });
    };
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_IMPORT_BYTES) {
      return refuse({ code: 'LIST_IMPORT_TOO_LARGE', message: `the import is larger than ${MAX_IMPORT_BYTES} bytes: split it`, problems: [], invalidLines: 0 });
    }
    let staged;
    try {
      staged = await lists.stageImport(list, request.operator!.username, mode, readCsvRecords(bounded(body, MAX_IMPORT_BYTES)));
    } catch (e) {
      if (e instanceof ImportTooLarge) return refuse({ code: 'LIST_IMPORT_TOO_LARGE', message: `the import is larger than ${MAX_IMPORT_BYTES} bytes: split it`, problems: [], invalidLines: 0 });
      throw e;
    }
    if (!staged.ok) return refuse(staged.error);
    const title = request.query.title ?? `Import into ${list} (${mode}, ${staged.value.counts.rows} rows)`;
    const drafted = await changeSets.createFromImport(request.operator!.username, title, staged.value, mode);
    await record(request, 'list.import', drafted.ok ? drafted.value.id : `list:${list}`, drafted.ok ? 'ok' : 'denied', drafted.ok ? { list, mode, ...staged.value.counts } : { code: drafted.error.code });
    if (!drafted.ok) return sendError(reply, drafted.error);
    return reply.code(201).send(drafted.value);
  });

  app.post<{ Params: Static<typeof BlockParams>; Body: Static<typeof EmergencyBody> }>('/v1/lists/block/:type/emergency', {
    preValidation: editors,
    schema: {
      ...base,
      summary: 'Block one entry at once, without a change set: audited, in force on every node within a second, listed for a second officer to review',
      params: BlockParams,
      body: EmergencyBody,
      response: { 201: Entry, ...errorResponses },
    },
  }, async (request, reply) => {
    const list = `block:${request.params.type}` as ListId;
    const now = Date.now();
    const expiresAt = request.body.expiresAt === undefined ? undefined : Date.parse(request.body.expiresAt);
    const checked = checkEntry(list, { value: request.body.value, reason: request.body.reason, ...(expiresAt !== undefined ? { expiresAt } : {}) }, now);
    if (!checked.ok) {
      await record(request, 'list.emergency-block', `list:${list}`, 'denied', { code: checked.error.code });
      return sendError(reply, checked.error);
    }
    const entry = await lists.emergencyBlock(list, checked.value, request.operator!.username);
    await record(request, 'list.emergency-block', `list:${list}`, 'ok', { value: entry.value, reason: entry.reason, ...(entry.expiresAt ? { expiresAt: entry.expiresAt } : {}) });
    return reply.code(201).send(entryView(entry, now));
  });

  app.get('/v1/lists/emergency-blocks', {
    preValidation: readers,
    schema: { ...base, summary: 'Emergency blocks waiting for review, oldest first', response: { 200: Type.Object({ blocks: Type.Array(Type.Object({ list: Type.String(), entry: Entry })) }), ...errorResponses } },
  }, async () => {
    const now = Date.now();
    return { blocks: (await lists.emergencies()).map((b) => ({ list: b.list, entry: entryView(b.entry, now) })) };
  });

  app.post<{ Body: Static<typeof ReviewBody> }>('/v1/lists/emergency-blocks/review', {
    preValidation: editors,
    schema: {
      ...base,
      summary: 'A second officer reviews an emergency block: keep it in force, or lift it',
      body: ReviewBody,
      response: { 200: Type.Object({ list: Type.String(), decision: Type.String(), entry: Entry }), ...errorResponses },
    },
  }, async (request, reply) => {
    const list = request.body.list as ListId;
    const value = normaliseValue(list.split(':')[1] as ListType, request.body.value);
    if (!value.ok) return sendError(reply, value.error);
    const reviewed = await lists.review(list, value.value, request.operator!.username, request.body.decision);
    await record(request, 'list.emergency-review', `list:${list}`, reviewed.ok ? 'ok' : 'denied', reviewed.ok ? { value: value.value, decision: request.body.decision } : { code: reviewed.error.code });
    if (!reviewed.ok) return sendError(reply, reviewed.error);
    return { list, decision: request.body.decision, entry: entryView(reviewed.value, Date.now()) };
  });
}
