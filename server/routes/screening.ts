import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditLog } from '../../analytics/audit-log.ts';
import type { Audit } from '../../rules/index.ts';
import { ScreeningUnavailableError, type ScreeningService } from '../../screening/screening-service.ts';
import type { ListError } from '../../screening/read-list.ts';
import { ERROR_CODES } from '../../domain/error-codes.ts';
import { sendError, statusOf } from '../http-errors.ts';
import { closeAfterLinger } from '../refused-body.ts';
import type { LiveLists } from '../screening/live-lists.ts';
import type { ListStore } from '../screening/list-store.ts';
import { readListDigested } from '../screening/read-digested.ts';
import { errorResponses } from '../schemas/common.ts';

export const LIST_NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,39}$';
const NameParams = Type.Object({ name: Type.String({ pattern: LIST_NAME_PATTERN }) });

const ListErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      /** The first bad line of the list, 1-based. */
      line: Type.Optional(Type.Integer()),
      /** Every problem found before reading stopped (at most 20). */
      problems: Type.Optional(Type.Array(Type.Object({ code: Type.String(), message: Type.String(), line: Type.Integer() }))),
    }),
  },
  { description: 'A refused list: the code, the first bad line and the problems found' },
);

const Uploaded = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  entities: Type.Integer(),
  names: Type.Integer(),
  /** The live version of the list now: this one, unless a newer upload went live first. */
  liveVersion: Type.Integer(),
  sha256: Type.String(),
});

const CheckBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 1000 }),
    country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166 alpha-2: strengthens a candidate of that nationality' })),
    birthYear: Type.Optional(Type.Integer({ minimum: 1000, maximum: 9999 })),
    threshold: Type.Optional(Type.Number({ minimum: 0.3, maximum: 1, description: 'Default: the configured threshold (0.85)' })),
  },
  { additionalProperties: false },
);

const Candidate = Type.Object({
  list: Type.String(),
  version: Type.Integer(),
  entityId: Type.String(),
  schema: Type.String(),
  kind: Type.String({ description: 'sanction, pep or both' }),
  matchedName: Type.String(),
  score: Type.Number(),
  nameScore: Type.Number(),
  birthYear: Type.Optional(Type.String()),
  country: Type.Optional(Type.String()),
});

const LiveList = Type.Object({
  name: Type.String(),
  version: Type.Integer({ description: 'The live version, shared by every node' }),
  entities: Type.Integer(),
  names: Type.Integer(),
  sha256: Type.String(),
  bytes: Type.Integer(),
  uploadedBy: Type.String(),
  uploadedAt: Type.String({ format: 'date-time' }),
  /** What this node screens with: the live version within a second of its upload. */
  installedVersion: Type.Integer(),
  installedAt: Type.Optional(Type.String({ format: 'date-time' })),
  memoryBytes: Type.Optional(Type.Integer()),
});

export interface ScreeningRoutesOptions {
  screening: ScreeningService;
  lists: LiveLists;
  store: ListStore;
  maxListBytes: number;
  audit: AuditLog;
  auditRule: Audit;
}

/**
 * Screening lists (docs/screening.md): an upload of a whole list as FollowTheMoney JSON lines,
 * read as it streams in and refused at its first problems; the live versions; a test box.
 */
export default async function screeningRoutes(app: FastifyInstance, options: ScreeningRoutesOptions) {
  const base = { tags: ['screening'], security: [{ operatorToken: [] }] };
  const readers = app.requireRole('admin', 'compliance', 'risk_officer');
  const uploaders = app.requireRole('admin', 'compliance');

  // The list is handed over as the request's stream, read only once the caller is authorised.
  app.addContentTypeParser('application/x-ndjson', (_request, payload, done) => done(null, payload));

  // One upload read at a time on a node: a list is held whole in memory while it is read,
  // stored and indexed (about 600 MB for 1,000,000 names), beside the versions live.
  let uploading = false;

  app.put<{ Params: Static<typeof NameParams> }>('/v1/screening/lists/:name', {
    preValidation: uploaders,
    schema: {
      ...base,
      summary: 'A new version of a screening list: the whole list, one FollowTheMoney entity per line',
      description:
        'Content-Type application/x-ndjson. The list is all or nothing: a bad line refuses it (with the first bad line and up to 20 problems) ' +
        'and the live version stays. Live on every node within a second.',
      params: NameParams,
      body: { content: { 'application/x-ndjson': { schema: Type.Unknown({ description: 'FollowTheMoney entities, one JSON object a line' }) } } },
      response: { 200: Uploaded, ...errorResponses, 400: ListErrorBody, 413: ListErrorBody, 422: ListErrorBody },
    },
  }, async (request, reply) => {
    const { name } = request.params;
    const operator = request.operator!;
    const body = request.body;
    const denied = (code: string, line?: number) =>
      options.audit
        .record({ actor: operator.username, actorRole: operator.role, action: 'screening.list.upload', target: `screening-list:${name}`, outcome: 'denied', details: { code, ...(line ? { line } : {}) } })
        .catch((e: unknown) => request.log.error({ err: (e as Error).message }, 'audit write failed'));
    const refuse = async (error: ListError, bodyLeft: boolean) => {
      await denied(error.code, error.line);
      if (bodyLeft) closeAfterLinger(request.raw.socket);
      return sendListError(reply, error);
    };
    if (!(body instanceof Readable)) {
      return sendError(reply, { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'a screening list is sent as application/x-ndjson: one FollowTheMoney entity per line' });
    }
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxListBytes) {
      return refuse({ code: 'SCREENING_LIST_TOO_LARGE', message: `the list is larger than ${options.maxListBytes} bytes`, problems: [] }, true);
    }
    if (uploading) {
      await denied('SCREENING_LIST_UPLOAD_BUSY');
      closeAfterLinger(request.raw.socket);
      return sendError(reply, { code: 'SCREENING_LIST_UPLOAD_BUSY', message: ERROR_CODES.SCREENING_LIST_UPLOAD_BUSY });
    }
    uploading = true;
    try {
      // Not destroyed when reading stops early: the answer must still go out on its socket.
      const read = await readListDigested(body.iterator({ destroyOnReturn: false }), { maxBytes: options.maxListBytes });
      if (!read.list.ok) return await refuse(read.list.error, !body.readableEnded);
      const { entities, names } = read.list.value;
      const published = await options.lists.publish(
        { name, entities: entities.length, names, sha256: read.sha256, bytes: read.bytes, uploadedBy: operator.username, uploadedAt: Date.now() },
        entities,
        'newer',
      );
      options.auditRule({
        actor: operator.username,
        action: 'screening.list.upload',
        target: `screening-list:${name}`,
        details: { version: published.version, live: published.promoted, entities: entities.length, names, bytes: read.bytes, sha256: read.sha256 },
      });
      return { name, version: published.version, entities: entities.length, names, liveVersion: published.live, sha256: read.sha256 };
    } finally {
      uploading = false;
    }
  });

  app.get('/v1/screening/lists', {
    preValidation: readers,
    schema: { ...base, summary: 'The live version of every screening list, with its counts and upload', response: { 200: Type.Object({ lists: Type.Array(LiveList), matchedOn: Type.Union([Type.Literal('main'), Type.Literal('thread')], { description: 'Where this node matches names: its main thread, or the screening thread (config screening.matchOn)' }) }), ...errorResponses } },
  }, async () => {
    const live = await options.store.live();
    const installed = new Map(options.screening.versions().map((v) => [v.name, v]));
    const lists = [];
    for (const [name, version] of [...live].sort(([a], [b]) => a.localeCompare(b))) {
      const upload = await options.store.upload(name, version);
      if (!upload) continue;
      const here = installed.get(name);
      lists.push({
        name,
        version,
        entities: upload.entities,
        names: upload.names,
        sha256: upload.sha256,
        bytes: upload.bytes,
        uploadedBy: upload.uploadedBy,
        uploadedAt: new Date(upload.uploadedAt).toISOString(),
        installedVersion: here?.version ?? 0,
        ...(here ? { installedAt: new Date(here.installedAt).toISOString(), memoryBytes: here.memoryBytes } : {}),
      });
    }
    return { lists, matchedOn: options.screening.matchedOn };
  });

  app.post<{ Body: Static<typeof CheckBody> }>('/v1/screening/check', {
    preValidation: readers,
    schema: {
      ...base,
      summary: 'Screen a name against every live list: the candidates at or above the threshold, best first, with their list and version',
      body: CheckBody,
      response: { 200: Type.Object({ candidates: Type.Array(Candidate), lists: Type.String({ description: 'The list versions screened, e.g. "sample:3"' }) }), ...errorResponses },
    },
  }, async (request, reply) => {
    const { name, country, birthYear, threshold } = request.body;
    const lists = options.screening.versionTag();
    try {
      const candidates = await options.screening.check(name, { ...(country ? { country } : {}), ...(birthYear ? { birthYear } : {}), ...(threshold !== undefined ? { threshold } : {}) });
      return { candidates, lists };
    } catch (e) {
      if (!(e instanceof ScreeningUnavailableError)) throw e;
      return sendError(reply, { code: 'SCREENING_UNAVAILABLE', message: e.message });
    }
  });
}

function sendListError(reply: FastifyReply, error: ListError): FastifyReply {
  const body = { code: error.code, message: error.message, ...(error.line !== undefined ? { line: error.line } : {}), problems: error.problems };
  return reply.code(statusOf(error.code)).send({ error: body });
}
