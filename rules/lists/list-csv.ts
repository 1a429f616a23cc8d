/**
 * Lists as CSV (RFC 4180: comma-separated, fields quoted with `"` when they hold a comma, a
 * quote or a line break, quotes doubled), read as the bytes stream in: a record is handed on
 * as soon as it ends, so a million lines are never held at once, and a record longer than
 * MAX_RECORD_CHARS is refused without buffering the rest of it.
 *
 * Columns, header first: `value,reason,expiresAt,rules` (`expiresAt` ISO 8601 or empty;
 * `rules`: allow lists only, rule ids separated by `;`).
 */

export const CSV_COLUMNS = ['value', 'reason', 'expiresAt', 'rules'] as const;
export const MAX_RECORD_CHARS = 4096;

export type CsvRecord = { line: number; fields: string[] } | { line: number; error: string };

/** Records of a CSV byte stream, each with the line it starts on (1-based); a malformed record is an error and reading goes on at the next line. */
export async function* readCsvRecords(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<CsvRecord> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  /** Inside quotes. */
  let inQuotes = false;
  /** Just read a quote inside quotes: a second one is a literal quote, anything else closes. */
  let quoteSeen = false;
  let recordChars = 0;
  let line = 1;
  let startLine = 1;
  let error: string | undefined;
  let first = true;
  let sawAny = false;
  /** The last character was a CR: a LF right after it belongs to the same line end. */
  let pendingCr = false;

  const endRecord = function* (): Generator<CsvRecord> {
    fields.push(field);
    if (error) yield { line: startLine, error };
    else if (!(fields.length === 1 && fields[0] === '' && !quoted)) yield { line: startLine, fields };
    fields = [];
    field = '';
    quoted = false;
    recordChars = 0;
    error = undefined;
    startLine = line;
  };

  const consume = function* (text: string): Generator<CsvRecord> {
    for (let i = 0; i < text.length; i++) {
      let c = text[i]!;
      if (first) {
        first = false;
        if (c === '\uFEFF') continue;
      }
      if (pendingCr) {
        pendingCr = false;
        if (c === '\n') continue;
      }
      if (c === '\r') {
        pendingCr = true;
        c = '\n';
      }
      sawAny = true;
      if (quoteSeen) {
        quoteSeen = false;
        if (c === '"') {
          if (!error) field += '"';
          recordChars++;
          continue;
        }
        inQuotes = false;
      }
      if (inQuotes) {
        if (c === '"') quoteSeen = true;
        else {
          if (c === '\n') line++;
          if (!error) field += c;
          recordChars++;
          if (recordChars > MAX_RECORD_CHARS && !error) error = `a record longer than ${MAX_RECORD_CHARS} characters`;
        }
        continue;
      }
      if (c === '\n') {
        line++;
        yield* endRecord();
        continue;
      }
      recordChars++;
      if (recordChars > MAX_RECORD_CHARS && !error) error = `a record longer than ${MAX_RECORD_CHARS} characters`;
      if (error) continue;
      if (c === ',') {
        fields.push(field);
        field = '';
        quoted = false;
      } else if (c === '"') {
        if (field.length > 0) error = 'a quote inside an unquoted field (quote the whole field and double the quote)';
        else {
          inQuotes = true;
          quoted = true;
        }
      } else if (quoted) {
        error = 'text after a closing quote';
      } else {
        field += c;
      }
    }
  };

  for await (const chunk of chunks) yield* consume(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  yield* consume(decoder.decode());
  if (inQuotes && !quoteSeen) {
    error ??= 'a quoted field is not closed';
    inQuotes = false;
  }
  if (sawAny && (fields.length > 0 || field !== '' || quoted || error)) yield* endRecord();
}

/** One CSV field, quoted when it must be. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Free text (a reason) as a CSV field: a leading =, +, - or @ gets a ' before it, so a spreadsheet opening the export never runs it as a formula. */
export function csvText(value: string): string {
  return csvField(/^[=+\-@\t]/.test(value) ? `'${value}` : value);
}
