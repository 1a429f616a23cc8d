import type { ErrorCode } from './error-codes.ts';
import type { DomainError } from './result.ts';

/**
 * How a store turns a script's refusal code into a domain error: the codes it knows, each
 * with its words; anything else under `fallback`. `detail` (what is in the way, e.g. the case
 * that already holds a subject) is added to the message.
 */
export function scriptRefusal<C extends ErrorCode>(texts: Readonly<Record<C, string>>, fallback: ErrorCode) {
  return (code: string | undefined, detail?: string): DomainError => {
    const known = code !== undefined && Object.hasOwn(texts, code) ? (code as C) : undefined;
    const message = known ? texts[known] : `refused: ${code ?? 'unknown'}`;
    return { code: known ?? fallback, message: detail ? `${message}: ${detail}` : message };
  };
}
