import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Public EMVCo merchant-presented QR examples (PromptPay, Pix, PayNow) and what a decoder
 * must say of each. They live in the repository, with their sources, so the tests that
 * use them run on any checkout.
 */
export const VECTOR_FILE = fileURLToPath(new URL('./emvco-mpm-vectors.tsv', import.meta.url));

export interface PublicVector {
  /** Line in the file, so a failing vector can be found. */
  line: number;
  expected: 'valid' | 'invalid';
  payload: string;
}

/** Every vector of the file; a line that is neither a comment nor `valid|invalid<TAB>payload` is an error. */
export function readPublicVectors(): PublicVector[] {
  return readFileSync(VECTOR_FILE, 'utf8')
    .split(/\r?\n/)
    .map((text, index) => ({ text, line: index + 1 }))
    .filter(({ text }) => text.trim() !== '' && !text.startsWith('#'))
    .map(({ text, line }) => {
      const [expected, payload, ...rest] = text.split('\t');
      if ((expected !== 'valid' && expected !== 'invalid') || payload === undefined || rest.length > 0) {
        throw new Error(`${VECTOR_FILE}:${line} is not "valid|invalid<TAB>payload"`);
      }
      return { line, expected, payload };
    });
}
