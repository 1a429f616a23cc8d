import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { AuditLog } from '../../analytics/audit-log.ts';
import { ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES, attachmentMismatch, attachmentNameProblem, isAttachmentType } from '../../cases/attachment-type.ts';
import type { AttachmentStore } from '../../cases/case-attachments.ts';
import type { DomainError } from '../../domain/result.ts';
import { sendError } from '../http-errors.ts';
import type { LiveFeed } from '../live/console-gateway.ts';
import { closeAfterLinger } from '../refused-body.ts';
import { errorResponses } from '../schemas/common.ts';

const CaseParams = Type.Object({ id: Type.String({ pattern: '^case_[a-f0-9]{24}$' }) });
const FileParams = Type.Object({ id: Type.String({ pattern: '^case_[a-f0-9]{24}$' }), attachmentId: Type.String({ pattern: '^[a-f0-9]{32}$' }) });
const AttachmentSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  bytes: Type.Integer(),
  sha256: Type.String(),
  addedBy: Type.String(),
  addedAt: Type.String(),
});

interface Options {
  attachments: AttachmentStore;
  live: LiveFeed;
  audit: AuditLog;
}

/** The body, read only now (the caller is authorised), at most `max` bytes: undefined past it. */
async function readAtMost(body: Readable, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length;
    if (size > max) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Evidence on a case (docs/cases.md): PDF, PNG, JPEG, text or CSV up to 10 MiB, the file as
 * the body with its Content-Type and its name in X-File-Name; checked by its first bytes,
 * stored under the data directory by a random id, served only through this route, always as
 * a download. Risk officers, compliance and admins.
 */
export default async function caseAttachmentRoutes(app: FastifyInstance, options: Options) {
  const base = { tags: ['operator'], security: [{ operatorToken: [] }] };
  const workers = app.requireRole('risk_officer', 'compliance', 'admin');
  // The file is handed over as the request's stream, read once the caller is authorised.
  for (const type of ATTACHMENT_TYPES) app.addContentTypeParser(type, (_request, payload, done) => done(null, payload));

  const refuse = async (request: FastifyRequest<{ Params: Static<typeof CaseParams> }>, reply: FastifyReply, error: DomainError, bodyLeft: boolean) => {
    const op = request.operator!;
    await options.audit.record({ actor: op.username, actorRole: op.role, action: 'case.attach', target: request.params.id, outcome: 'denied', details: { code: error.code } });
    if (bodyLeft) closeAfterLinger(request.raw.socket);
    return sendError(reply, error);
  };

  // A body of another type was kept by the platform's parser, which calls it "not JSON": say what this route takes.
  const saysWhatItTakes = async (request: FastifyRequest) => {
    if (request.bodyError?.code === 'UNSUPPORTED_MEDIA_TYPE') {
      request.bodyError = { code: 'ATTACHMENT_TYPE_UNSUPPORTED', message: `an attachment is one of ${ATTACHMENT_TYPES.join(', ')}` };
    }
  };

  app.post<{ Params: Static<typeof CaseParams> }>(
    '/v1/cases/:id/attachments',
    {
      preValidation: [workers, saysWhatItTakes],
      schema: {
        ...base,
        summary: 'Attach a file to a case: the file as the body, its name in X-File-Name',
        params: CaseParams,
        body: { content: Object.fromEntries(ATTACHMENT_TYPES.map((t) => [t, { schema: Type.Unknown({ description: 'the file' }) }])) },
        response: { 201: AttachmentSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (!(body instanceof Readable) || !isAttachmentType(type)) {
        return refuse(request, reply, { code: 'ATTACHMENT_TYPE_UNSUPPORTED', message: `an attachment is one of ${ATTACHMENT_TYPES.join(', ')}` }, false);
      }
      const rawName = request.headers['x-file-name'];
      let name = '';
      try {
        name = typeof rawName === 'string' ? decodeURIComponent(rawName) : '';
      } catch {
        name = '';
      }
      const nameProblem = attachmentNameProblem(name);
      if (nameProblem) return refuse(request, reply, { code: 'ATTACHMENT_NAME_INVALID', message: `${nameProblem} (X-File-Name, percent-encoded UTF-8)` }, !body.readableEnded);
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > MAX_ATTACHMENT_BYTES) {
        return refuse(request, reply, { code: 'ATTACHMENT_TOO_LARGE', message: `the file is larger than ${MAX_ATTACHMENT_BYTES} bytes` }, true);
      }
      const content = await readAtMost(body, MAX_ATTACHMENT_BYTES);
      if (!content) return refuse(request, reply, { code: 'ATTACHMENT_TOO_LARGE', message: `the file is larger than ${MAX_ATTACHMENT_BYTES} bytes` }, !body.readableEnded);
      const mismatch = attachmentMismatch(type, content);
      if (mismatch) return refuse(request, reply, { code: 'ATTACHMENT_TYPE_MISMATCH', message: mismatch }, false);
      const op = request.operator!;
      const added = await options.attachments.add(request.params.id, op.username, { name, type, content });
      if (!added.ok) return refuse(request, reply, added.error, false);
      const { attachment } = added.value;
      await options.audit.record({ actor: op.username, actorRole: op.role, action: 'case.attach', target: request.params.id, outcome: 'ok', details: { attachmentId: attachment.id, name, type, bytes: attachment.bytes, sha256: attachment.sha256 } });
      options.live.case('updated', added.value.case);
      return reply.code(201).send(attachment);
    },
  );

  app.get<{ Params: Static<typeof CaseParams> }>(
    '/v1/cases/:id/attachments',
    { preValidation: workers, schema: { ...base, summary: "A case's attachments, oldest first", params: CaseParams, response: { 200: Type.Object({ attachments: Type.Array(AttachmentSchema) }), ...errorResponses } } },
    async (request) => ({ attachments: await options.attachments.list(request.params.id) }),
  );

  app.get<{ Params: Static<typeof FileParams> }>(
    '/v1/cases/:id/attachments/:attachmentId',
    { preValidation: workers, schema: { ...base, summary: 'One attachment, as a download', params: FileParams, response: { ...errorResponses } } },
    async (request, reply) => {
      const found = await options.attachments.read(request.params.id, request.params.attachmentId);
      if (!found) return sendError(reply, { code: 'ATTACHMENT_NOT_FOUND', message: 'no such attachment on this case' });
      // Never rendered by the browser as a page: a download, its type as checked, no sniffing.
      return reply
        .header('content-type', found.attachment.type)
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(found.attachment.name)}`)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .send(found.content);
    },
  );
}
