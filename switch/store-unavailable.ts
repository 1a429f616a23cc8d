import type { DomainError } from '../domain/result.ts';

/**
 * The payment store (Redis: nonces, txnId claims, the ledger, the tap's stream) did not
 * answer. Nothing can be authorised without it, and a commit whose reply was lost may or
 * may not have happened; a repeat of the same request (same txnId) is safe either way: it
 * gets the first answer if the payment was committed, and is processed once if not.
 */
export const STORE_UNAVAILABLE: DomainError = {
  code: 'DEPENDENCY_DOWN',
  message: 'the payment store is not answering; send the request again shortly (a payment with the same txnId is never processed twice)',
};

/** ioredis's own errors when a command got no answer (timed out, connection gone, retries used up). */
const NO_ANSWER = /^(Command timed out|Connection is closed|Stream isn't writeable|Reached the max retries per request limit|Command aborted due to connection close|connect E[A-Z]+|Socket timeout)/;
/** Errors Redis itself answers with while it cannot serve commands yet (loading its AOF, a script stuck). */
const NOT_SERVING = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN) /;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTCONN']);

/**
 * Whether a Redis command failed for want of an answer rather than with one: a script
 * error or a wrong type is a bug and stays one (a 500), this is a 503 worth retrying.
 */
export function isStoreUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e.name === 'ReplyError') return NOT_SERVING.test(e.message);
  // Committed on the primary but not on its replicas in time (durability.ts): not done either.
  if (e.name === 'UnreplicatedCommitError') return true;
  const code = (e as { code?: unknown }).code;
  // AbortError: a pipelined command whose reply never came (MaxRetriesPerRequestError is one).
  return e.name === 'AbortError' || e.name === 'MaxRetriesPerRequestError' || NO_ANSWER.test(e.message) || (typeof code === 'string' && SOCKET_CODES.has(code));
}
