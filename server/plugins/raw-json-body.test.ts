import { describe, expect, it } from 'vitest';
import { parseJsonBody } from './raw-json-body.ts';

const codeOf = (text: string | Buffer) => {
  const r = parseJsonBody(typeof text === 'string' ? Buffer.from(text) : text);
  return r.ok ? 'ok' : r.error.code;
};

describe('the JSON body parser', () => {
  it('takes well-formed text, surrogate pairs written raw or as escapes included', () => {
    expect(parseJsonBody(Buffer.from('{"a":"外滩名表","b":[1,{"c":null}]}'))).toEqual({ ok: true, value: { a: '外滩名表', b: [1, { c: null }] } });
    for (const text of ['{"a":"😀"}', '{"a":"\\ud83d\\ude00"}', '{"a":"\\\\ud800"}', '{"\\uD83D\\uDE00":1}']) expect(codeOf(text), text).toBe('ok');
  });

  it('refuses a lone surrogate anywhere: a value, a key, deep in arrays', () => {
    for (const text of ['"\\ud800"', '{"a":"x\\uDBFF"}', '{"a":"\\udc00y"}', '{"\\ud800":1}', '{"a":"\\ude00\\ud83d"}']) {
      expect(codeOf(text), text).toBe('MALFORMED_UNICODE');
    }
    // Nesting deeper than any call stack: the walk does not recurse.
    const deep = `${'['.repeat(100_000)}"\\udfff"${']'.repeat(100_000)}`;
    expect(codeOf(deep)).toBe('MALFORMED_UNICODE');
  });

  it('refuses bytes that are not UTF-8, a surrogate encoded in UTF-8 included, and reports bad syntax as INVALID_JSON', () => {
    expect(codeOf(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]))).toBe('MALFORMED_UNICODE');
    expect(codeOf(Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]))).toBe('MALFORMED_UNICODE');
    expect(codeOf('{"a":')).toBe('INVALID_JSON');
  });
});
