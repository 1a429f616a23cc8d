import type { DomainError } from '../domain/result.ts';
import { err, ok, type Result } from '../domain/result.ts';
import { entityOfJson, type EntityRules, type LineProblem, type ListEntity, type ListErrorCode } from './list-entity.ts';
import { timeSlices } from './time-slices.ts';

/**
 * A screening list read from FollowTheMoney JSON lines, all or nothing: one bad line refuses
 * the list (a list loaded in part would let the missing parties through unseen). Reading
 * stops early, so 100 MB of junk costs its first few kilobytes: after `maxBadLines` problems,
 * at the first line longer than `maxLineBytes`, past `maxBytes` or `maxEntities`.
 */
export interface ScreeningList {
  entities: ListEntity[];
  /** Lines read, blank ones included. */
  lines: number;
  /** Names and aliases over all entities (weak aliases included). */
  names: number;
  /** Entities of schemata that are not screened (Sanction, Address, Ownership...). */
  skipped: number;
}

export interface ListError extends DomainError<ListErrorCode> {
  /** The first problem's line, when a line is at fault. */
  line?: number;
  /** Every problem found before reading stopped (at most `maxBadLines`). */
  problems: LineProblem[];
}

export interface ListLimits extends EntityRules {
  maxBytes: number;
  maxLineBytes: number;
  maxEntities: number;
  maxBadLines: number;
}

export const DEFAULT_LIST_LIMITS: ListLimits = {
  maxBytes: 512 * 1024 * 1024,
  maxLineBytes: 1024 * 1024,
  maxEntities: 1_000_000,
  maxBadLines: 20,
  maxNamesPerEntity: 2_000,
  maxNameLength: 1_000,
  defaultKind: 'sanction',
};

export type ListSource = string | Uint8Array | AsyncIterable<Uint8Array | string>;

/** The longest a stream of chunks is read without giving the event loop a turn. */
const SLICE_MS = 10;

/** Reads a list from text, bytes, or a stream of chunks (a file or request stream). */
export async function readList(source: ListSource, limits: Partial<ListLimits> = {}): Promise<Result<ScreeningList, ListError>> {
  if (typeof source === 'string') return readListText(source, limits);
  const reader = createLineReader({ ...DEFAULT_LIST_LIMITS, ...limits });
  if (source instanceof Uint8Array) {
    reader.bytes(source);
  } else {
    const slices = timeSlices(SLICE_MS);
    for await (const chunk of source) {
      // Leaving the loop early returns the iterator, which ends a file or request stream.
      if (!reader.bytes(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) break;
      // Chunks already buffered come one after the other without a turn of the event loop:
      // a list of 100 MB would otherwise hold a process taking payments for seconds.
      if (slices.due()) await slices.pause();
    }
  }
  return reader.end();
}

/** The same, for a list already in memory as a string. */
export function readListText(text: string, limits: Partial<ListLimits> = {}): Result<ScreeningList, ListError> {
  const reader = createLineReader({ ...DEFAULT_LIST_LIMITS, ...limits });
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    // Every UTF-16 unit is at least one byte: a line this long is refused before it is copied.
    if (end - start > reader.limits.maxLineBytes) {
      reader.lineTooLong();
      break;
    }
    const line = text.slice(start, end);
    const bytes = Buffer.byteLength(line);
    if (bytes > reader.limits.maxLineBytes) {
      reader.lineTooLong();
      break;
    }
    if (!reader.text(line, bytes + 1)) break;
    start = end + 1;
  }
  return reader.end();
}

function createLineReader(limits: ListLimits) {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const entities: ListEntity[] = [];
  const firstLineOfId = new Map<string, number>();
  const problems: LineProblem[] = [];
  let fatal: LineProblem | undefined;
  let lineNo = 0;
  let bytesRead = 0;
  let names = 0;
  let skipped = 0;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;

  const stopped = () => fatal !== undefined || problems.length >= limits.maxBadLines;
  const problem = (p: LineProblem) => {
    problems.push(p);
    return !stopped();
  };
  const tooLarge = (message: string) => {
    fatal = { code: 'SCREENING_LIST_TOO_LARGE', message, line: lineNo };
    return false;
  };

  /** One line of text; false once reading must stop. */
  const text = (raw: string, bytes: number): boolean => {
    lineNo += 1;
    bytesRead += bytes;
    if (bytesRead > limits.maxBytes) return tooLarge(`the list is larger than ${limits.maxBytes} bytes`);
    const line = (lineNo === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw).trim();
    if (line === '') return true;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return problem({ code: 'SCREENING_LIST_INVALID_JSON', message: `line ${lineNo}: not a JSON object`, line: lineNo });
    }
    const parsed = entityOfJson(json, lineNo, limits);
    if (!parsed.ok) {
      if (parsed.error.code === 'SCREENING_LIST_TOO_LARGE') {
        fatal = parsed.error;
        return false;
      }
      return problem(parsed.error);
    }
    const entity = parsed.value;
    if (entity === undefined) {
      skipped += 1;
      return true;
    }
    const earlier = firstLineOfId.get(entity.id);
    if (earlier !== undefined) {
      return problem({
        code: 'SCREENING_LIST_ENTITY_INVALID',
        message: `line ${lineNo}: entity ${entity.id} was already given at line ${earlier}`,
        line: lineNo,
      });
    }
    if (entities.length >= limits.maxEntities) return tooLarge(`the list has more than ${limits.maxEntities} screened entities`);
    firstLineOfId.set(entity.id, lineNo);
    entities.push(entity);
    names += entity.names.length + entity.weakAliases.length;
    return true;
  };

  const lineTooLong = () => {
    lineNo += 1;
    return tooLarge(`line ${lineNo}: longer than ${limits.maxLineBytes} bytes`);
  };

  const decodedLine = (bytes: Uint8Array): boolean => {
    let decoded: string;
    try {
      decoded = decoder.decode(bytes);
    } catch {
      lineNo += 1;
      bytesRead += bytes.length + 1;
      return problem({ code: 'SCREENING_LIST_NOT_UTF8', message: `line ${lineNo}: not UTF-8 text`, line: lineNo });
    }
    return text(decoded, bytes.length + 1);
  };

  /** A chunk of the file's bytes; false once reading must stop. */
  const bytes = (chunk: Uint8Array): boolean => {
    let start = 0;
    while (!stopped()) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline < 0) {
        const rest = chunk.subarray(start);
        if (pendingBytes + rest.length > limits.maxLineBytes) return lineTooLong();
        if (rest.length > 0) {
          pending.push(rest);
          pendingBytes += rest.length;
        }
        return true;
      }
      if (pendingBytes + newline - start > limits.maxLineBytes) return lineTooLong();
      const line = pending.length === 0 ? chunk.subarray(start, newline) : Buffer.concat([...pending, chunk.subarray(start, newline)]);
      pending = [];
      pendingBytes = 0;
      if (!decodedLine(line)) return false;
      start = newline + 1;
    }
    return false;
  };

  const end = (): Result<ScreeningList, ListError> => {
    if (!stopped() && pendingBytes > 0) {
      const last = Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      decodedLine(last);
    }
    const first = fatal ?? problems[0];
    if (first !== undefined) {
      const more = fatal === undefined && problems.length >= limits.maxBadLines ? `; reading stopped after ${problems.length} bad lines` : '';
      return err({ code: first.code, message: `${first.message}${more}`, line: first.line, problems: fatal ? [...problems, fatal] : problems });
    }
    if (entities.length === 0) {
      return err({ code: 'SCREENING_LIST_EMPTY', message: `the list holds no screened entity (${skipped} of other schemata)`, problems: [] });
    }
    return ok({ entities, lines: lineNo, names, skipped });
  };

  return { limits, text, bytes, lineTooLong, end };
}
