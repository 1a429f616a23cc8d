import anyAscii from 'any-ascii';
import { pinyin } from 'pinyin-pro';
import { DROPPED_PHRASES, DROPPED_TOKENS } from './name-affixes.ts';

/**
 * A name in any script as the Latin tokens it is matched by. NFKC, case fold, marks stripped,
 * then every script transliterated: Hanzi through pinyin-pro (toneless, one syllable a token,
 * the way Chinese names are written abroad), Hangul one syllable a token (any-ascii's Revised
 * Romanization), everything else through any-ascii. Hyphens split ("Jong-un" -> jong un),
 * apostrophes join ("O'Brien" -> obrien); the matcher meets "Jongun" by joining tokens.
 */
export interface NormaliseOptions {
  /** Drop honorifics, legal forms and particles (name-affixes.ts). Default true. */
  dropAffixes?: boolean;
}

const HAN = /\p{Script=Han}/u;
const HANGUL = /\p{Script=Hangul}/u;
const MARKED_SCRIPTS = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}][\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{M}]*/gu;
const APOSTROPHES = /['’‘`ʼʻ]/g;
const SEPARATORS = /[^a-z0-9]+/;
const CYRILLIC_PHRASE = /\p{Script=Cyrillic}/u;

/** Regular expressions for the phrases: whole words for Cyrillic, anywhere for the scripts without spaces. */
const PHRASE_PATTERNS = DROPPED_PHRASES.map((written) => written.normalize('NFKC')).map((phrase) =>
  CYRILLIC_PHRASE.test(phrase)
    ? new RegExp(`(?<!\\p{L})${phrase}(?!\\p{L})`, 'giu')
    : new RegExp(phrase.replace(/[()]/g, '\\$&'), 'gu'),
);

export function normaliseName(name: string, options: NormaliseOptions = {}): string[] {
  const folded = name.normalize('NFKC');
  if (options.dropAffixes === false) return tokensOf(folded, false);
  let trimmed = folded;
  for (const pattern of PHRASE_PATTERNS) trimmed = trimmed.replace(pattern, ' ');
  const tokens = tokensOf(trimmed, true);
  return tokens.length > 0 ? tokens : tokensOf(folded, false);
}

const ASCII = /^[\x20-\x7e]*$/;

function tokensOf(text: string, dropAffixes: boolean): string[] {
  if (ASCII.test(text)) {
    const tokens = latinTokens(text);
    return dropAffixes ? tokens.filter((token) => !DROPPED_TOKENS.has(token)) : tokens;
  }
  // Marks are stripped only where they are accents; in Thai or Devanagari they are the vowels.
  const lowered = text.toLowerCase().replace(MARKED_SCRIPTS, (run) => run.normalize('NFD').replace(/\p{M}+/gu, ''));
  const tokens: string[] = [];
  let other = '';
  let han = '';
  const flushOther = () => {
    if (other === '') return;
    for (const token of latinTokens(anyAscii(other))) {
      if (!dropAffixes || !DROPPED_TOKENS.has(token)) tokens.push(token);
    }
    other = '';
  };
  const flushHan = () => {
    if (han === '') return;
    const syllables = pinyin(han, { toneType: 'none', type: 'array', surname: 'head' });
    for (const syllable of syllables) tokens.push(...latinTokens(anyAscii(syllable)));
    han = '';
  };
  for (const char of lowered) {
    if (HAN.test(char)) {
      flushOther();
      han += char;
    } else if (HANGUL.test(char)) {
      flushOther();
      flushHan();
      tokens.push(...latinTokens(anyAscii(char)));
    } else {
      flushHan();
      other += char;
    }
  }
  flushHan();
  flushOther();
  return tokens;
}

// "S.A.", "U.S.A.": letters written with dots are one word.
const DOTTED_LETTERS = /\b(?:[a-z]\.){2,}/g;

function latinTokens(ascii: string): string[] {
  return ascii
    .toLowerCase()
    .replace(APOSTROPHES, '')
    .replace(DOTTED_LETTERS, (letters) => letters.replaceAll('.', ''))
    .split(SEPARATORS)
    .filter((token) => token !== '');
}
