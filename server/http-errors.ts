import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { DomainError } from '../domain/result.ts';
import { isStoreUnavailable, STORE_UNAVAILABLE } from '../switch/store-unavailable.ts';

/** The one place where domain error codes become HTTP statuses. */
const STATUS_BY_CODE: Record<string, number> = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  MALFORMED_UNICODE: 400,
  URL_INVALID: 400,
  HEADER_INVALID: 400,
  RULE_INVALID: 400,
  LIST_VALUE_INVALID: 400,
  RULE_NOT_FOUND: 404,
  LIST_NOT_FOUND: 404,
  PARTICIPANT_NOT_A_WALLET: 403,
  NOT_AN_ACQUIRER: 403,
  FOLLOW_UP_NOT_ALLOWED: 403,
  FORBIDDEN_ROLE: 403,
  FORBIDDEN_PARTICIPANT: 403,
  LOGIN_THROTTLED: 429,
  LOGIN_ADDRESS_THROTTLED: 429,
  LOGIN_BUSY: 503,
  PAYMENT_NOT_FOUND: 404,
  MERCHANT_NOT_FOUND: 404,
  ALERT_NOT_FOUND: 404,
  ALERT_ALREADY_RESOLVED: 409,
  ALERT_ALREADY_ACKNOWLEDGED: 409,
  NOT_FOUND: 404,
  TXN_ID_CONFLICT: 409,
  TXN_IN_PROGRESS: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  TOO_MANY_CONNECTIONS: 429,
  REQUEST_TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  BAD_REQUEST: 400,
  INTERNAL: 500,
  MERCHANT_MISCONFIGURED: 500,
  PROCESSING_TIMEOUT: 503,
  OVERLOADED: 503,
  DEPENDENCY_DOWN: 503,
};

export function statusOf(code: string): number {
  if (code.startsWith('AUTH_')) return 401;
  return STATUS_BY_CODE[code] ?? 422;
}

export function sendError(reply: FastifyReply, error: DomainError & { path?: string }): FastifyReply {
  const body = { code: error.code, message: error.message, ...(error.path !== undefined ? { path: error.path } : {}) };
  return reply.code(statusOf(error.code)).send({ error: body });
}

/** An error thrown from a hook, carrying its domain code (and headers the answer needs, e.g. Retry-After). */
export class HttpDomainError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: string,
    message: string,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.statusCode = statusOf(code);
  }
}

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_RATE_LIMIT: 'RATE_LIMITED',
};

/**
 * What of an unexpected error goes into the log: its type, code, message and stack, never
 * its other fields. An ioredis ReplyError carries the failed command's arguments, which
 * for a payment are its record: wallet id, payer IP, device (STYLE.md: none in a log line).
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
    return reply.code(400).send({ error: { code: 'VALIDATION_FAILED', message: `${where}${error.message.replace(/^(body|params|querystring|headers)/, '')}` } });
  }
  const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (mapped) return reply.code(statusOf(mapped)).send({ error: { code: mapped, message: error.message } });
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return reply.code(error.statusCode).send({ error: { code: 'BAD_REQUEST', message: error.message } });
  }
  // Redis gave no answer (down, restarting, loading): a retryable 503 on every route, not a bug.
  if (isStoreUnavailable(error)) {
    request.log.warn({ code: STORE_UNAVAILABLE.code, err: error.message }, 'store not answering');
    return reply.code(503).send({ error: { code: STORE_UNAVAILABLE.code, message: 'a store the platform depends on is not answering; retry shortly' } });
  }
  request.log.error({ err: loggable(error) }, 'unhandled error');
  return reply.code(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
}
