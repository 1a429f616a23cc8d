/**
 * Text as it goes into the STR's XML and HTML: the five markup characters escaped, and every
 * character XML 1.0 cannot carry at all (C0 controls but tab, newline and carriage return;
 * half a surrogate pair; U+FFFE, U+FFFF) replaced by U+FFFD. strProblems refuses those
 * characters in a draft; the replacement is what keeps a file well-formed whatever it is given.
 */

const MARKUP: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

// A lone surrogate is matched on its own; a pair is not matched at all (the `u` flag reads it as one character).
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Surrogate}/gu;
const MARKUP_CHAR = /[&<>"']/g;

// Most values (ids, amounts, instants) need nothing: one test spares them three replacements.
const NEEDS_WORK = /[\u0000-\u001F&<>"'\uFFFE\uFFFF]|\p{Surrogate}/u;

/** For XML element content and attribute values; a carriage return is kept as a reference so it survives parsing. */
export function xmlText(value: string): string {
  if (!NEEDS_WORK.test(value)) return value;
  return value
    .replace(NOT_XML_CHAR, '\uFFFD')
    .replace(MARKUP_CHAR, (c) => MARKUP[c] ?? c)
    .replace(/\r/g, '&#13;');
}

/** For HTML text and attribute values. `&apos;` is HTML5's; `&#39;` reads the same in every browser. */
export function htmlText(value: string): string {
  if (!NEEDS_WORK.test(value)) return value;
  return value.replace(NOT_XML_CHAR, '\uFFFD').replace(MARKUP_CHAR, (c) => (c === "'" ? '&#39;' : (MARKUP[c] ?? c)));
}
