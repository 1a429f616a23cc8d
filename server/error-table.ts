import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, type ErrorCode } from '../domain/error-codes.ts';
import { NOT_ANSWERED_OVER_HTTP, STATUS_OF_CODE } from './error-statuses.ts';

export const README = fileURLToPath(new URL('../README.md', import.meta.url));
const START = '<!-- error codes: generated from domain/error-codes.ts and server/error-statuses.ts by `npx tsx server/error-table.ts`; edit those, not this table -->';
const END = '<!-- end of error codes -->';

/** The catalogue as a Markdown table, in its own order: code, status (or where it is seen), meaning. */
export function errorTable(): string {
  const rows = (Object.keys(ERROR_CODES) as ErrorCode[]).map(
    (code) => `| \`${code}\` | ${NOT_ANSWERED_OVER_HTTP.get(code) ?? STATUS_OF_CODE[code]} | ${ERROR_CODES[code].replaceAll('|', '\\|')} |`,
  );
  return ['| code | status | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** The README with the table between its markers replaced by the catalogue's. */
export function withErrorTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no error table between "${START}" and "${END}"`);
  return `${readme.slice(0, start + START.length)}\n${errorTable()}\n${readme.slice(end)}`;
}

// `npx tsx server/error-table.ts`: rewrite the README's table after a change to the catalogue.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(README, withErrorTable(readFileSync(README, 'utf8')));
}
