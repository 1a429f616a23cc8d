import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Merchant QRs from the wild (wild.tsv): published payloads that stray from EMVCo where no
 * money is at stake, each with the warnings a decoder must give and where it was published.
 */
export const WILD_VECTOR_FILE = fileURLToPath(new URL('./wild.tsv', import.meta.url));

export interface WildVector {
  /** Line in the file, so a failing vector can be found. */
  line: number;
  /** `CODE@field`, in payload order; [] for none. */
  warnings: string[];
  payload: string;
  /** Where the payload was published: a repository file at a commit. */
  source: string;
}

/** Every vector of the file; a line that is neither a comment nor `warnings<TAB>payload<TAB>source` is an error. */
export function readWildVectors(): WildVector[] {
  return readFileSync(WILD_VECTOR_FILE, 'utf8')
    .split(/\r?\n/)
    .map((text, index) => ({ text, line: index + 1 }))
    .filter(({ text }) => text.trim() !== '' && !text.startsWith('#'))
    .map(({ text, line }) => {
      const [warnings, payload, source, ...rest] = text.split('\t');
      if (warnings === undefined || payload === undefined || source === undefined || rest.length > 0) {
        throw new Error(`${WILD_VECTOR_FILE}:${line} is not "warnings<TAB>payload<TAB>source"`);
      }
      return { line, warnings: warnings === '-' ? [] : warnings.split(','), payload, source };
    });
}
