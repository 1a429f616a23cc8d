/**
 * Where each value of a JSON text is, by JSON pointer ("/when/all/0/fact"), so an error the
 * server reports for a path can be shown on the line the operator wrote. Also reports
 * syntax errors with their offset, which JSON.parse does not always give.
 */
export class JsonSyntaxError extends Error {
  constructor(message, offset) {
    super(message);
    this.name = 'JsonSyntaxError';
    this.offset = offset;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

/** Map of pointer -> { start, end } offsets of the value (for a member, `keyStart` too). */
export function locateJson(text) {
  const spans = new Map();
  let i = 0;

  const fail = (message) => {
    throw new JsonSyntaxError(i >= text.length ? `${message}, but the text ended` : `${message}, found ${describeChar(text[i])}`, i);
  };
  const skipWhitespace = () => {
    WHITESPACE.lastIndex = i;
    WHITESPACE.exec(text);
    i = WHITESPACE.lastIndex;
  };
  const expect = (c, what) => {
    if (text[i] !== c) fail(`expected ${what}`);
    i++;
  };

  const string = () => {
    const start = i;
    expect('"', 'a string');
    while (i < text.length && text[i] !== '"') {
      const code = text.charCodeAt(i);
      if (code < 0x20) fail('control character in a string (use \\n, \\t)');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('expected 4 hex digits after \\u');
          i += 5;
          continue;
        }
        if (!'"\\/bfnrt'.includes(text[i] ?? '')) fail('unknown escape in a string');
      }
      i++;
    }
    expect('"', 'a closing quote');
    return JSON.parse(text.slice(start, i));
  };

  const value = (pointer, keyStart) => {
    skipWhitespace();
    const start = i;
    const c = text[i];
    if (c === '{') object(pointer);
    else if (c === '[') array(pointer);
    else if (c === '"') string();
    else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      if (!NUMBER.exec(text)) fail('expected a number');
      i = NUMBER.lastIndex;
    } else if (text.startsWith('true', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else if (text.startsWith('null', i)) i += 4;
    else fail('expected a value');
    spans.set(pointer, { start, end: i, keyStart: keyStart ?? start });
  };

  const object = (pointer) => {
    i++;
    skipWhitespace();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      skipWhitespace();
      const keyStart = i;
      if (text[i] !== '"') fail('expected a property name in double quotes');
      const key = string();
      skipWhitespace();
      expect(':', "':' after the property name");
      value(`${pointer}/${escapePointer(key)}`, keyStart);
      skipWhitespace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      expect('}', "',' or '}'");
      return;
    }
  };

  const array = (pointer) => {
    i++;
    skipWhitespace();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (let index = 0; ; index++) {
      value(`${pointer}/${index}`);
      skipWhitespace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      expect(']', "',' or ']'");
      return;
    }
  };

  value('');
  skipWhitespace();
  if (i < text.length) fail('unexpected text after the end of the JSON value');
  return spans;
}

const describeChar = (c) => (c === '\n' ? 'a line break' : c === '"' ? 'a double quote' : `'${c}'`);

const escapePointer = (key) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * The span of `pointer`, or of its nearest enclosing value when it does not exist
 * (a missing property is reported on the object that lacks it).
 */
export function spanOf(spans, pointer) {
  let p = pointer ?? '';
  for (;;) {
    const span = spans.get(p);
    if (span) return { ...span, exact: p === pointer };
    if (p === '') return undefined;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

/** 1-based line and column of an offset. */
export function lineColumn(text, offset) {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === '\n') {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
