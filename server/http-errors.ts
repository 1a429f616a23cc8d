import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../domain/error-codes.ts';
import type { DomainError } from '../domain/result.ts';
import { STATUS_OF_CODE, type ErrorStatus } from './error-statuses.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE } from '../switch/store-unavailable.ts';

/** The status of a code: the one place where domain error codes become HTTP statuses. */
export function statusOf(code: ErrorCode): ErrorStatus {
  return STATUS_OF_CODE[code];
}

/** Answers with the code's status and of the error only its code, message and path: other fields (a report's ClickHouse detail) stay out. */
export function sendError(reply: FastifyReply, error: DomainError & { path?: string }): FastifyReply {
  const body = { code: error.code, message: error.message, ...(error.path !== undefined ? { path: error.path } : {}) };
  return reply.code(statusOf(error.code)).send({ error: body });
}

/** An error thrown from a hook, carrying its domain code (and headers the answer needs, e.g. Retry-After). */
export class HttpDomainError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.statusCode = statusOf(code);
  }
}

/** fastify's own error codes, and the platform's code each is answered with. */
export const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
};

/**
 * What of an unexpected error goes into the log: its type, code, message and stack, never
 * its other fields. An ioredis ReplyError carries the failed command's arguments, which
 * for a payment are its record: wallet id, payer IP, device (docs/conventions.md: none in a log line).
 */
function loggable(error: Error & { code?: unknown }): object {
  // Without a prototype, pino's err serializer takes the type from `name` (not from a constructor).
  const copy: Record<string, unknown> = Object.create(null);
  Object.defineProperty(copy, 'name', { value: error.name });
  copy.message = error.message;
  copy.stack = error.stack;
  if (typeof error.code === 'string') copy.code = error.code;
  return copy;
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof HttpDomainError) {
    if (error.headers) reply.headers(error.headers);
    return reply.code(error.statusCode).send({ error: { code: error.code, message: error.message } });
  }
  if (error.validation) {
    // The body was unreadable (not JSON, not UTF-8...): say that, not what its absence fails.
    if (request.bodyError) return sendError(reply, request.bodyError);
    const where = error.validationContext ?? 'request';
    return sendError(reply, { code: 'VALIDATION_FAILED', message: `${where}${error.message.replace(/^(body|params|querystring|headers)/, '')}` });
  }
  const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (mapped) return sendError(reply, { code: mapped, message: error.message });
  // Another client error fastify found keeps the status fastify gave it.
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return reply.code(error.statusCode).send({ error: { code: 'BAD_REQUEST' satisfies ErrorCode, message: error.message } });
  }
  // Redis gave no answer (down, restarting, loading): a retryable 503 on every route, not a bug.
  if (isStoreUnavailable(error)) {
    request.log.warn({ code: STORE_UNAVAILABLE.code, err: error.message }, 'store not answering');
    return sendError(reply, { code: STORE_UNAVAILABLE.code, message: 'a store the platform depends on is not answering; retry shortly' });
  }
  request.log.error({ err: loggable(error) }, 'unhandled error');
  return sendError(reply, { code: 'INTERNAL', message: 'internal error' });
}
