import type { ErrorCode } from './error-codes.ts';

/** A value or a typed error: the way every layer below `server/` reports failure. */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}

/** A domain error: a stable code of the catalogue (error-codes.ts) and a sentence for humans. */
export interface DomainError<C extends ErrorCode = ErrorCode> {
  code: C;
  message: string;
}
