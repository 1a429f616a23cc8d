import { describe, expect, it } from 'vitest';
import { readList, readListText } from './read-list.ts';

const person = (id: string, extra: Record<string, string[]> = {}, topics = ['sanction']) =>
  JSON.stringify({ id, schema: 'Person', properties: { name: [`Name ${id}`], ...extra }, topics });

describe('readList', () => {
  it('reads FtM entities: names and aliases, weak aliases apart, birth years, countries, kind from topics', async () => {
    const text = [
      JSON.stringify({
        id: 'p1',
        schema: 'Person',
        properties: { name: ['Kim Jong Un'], alias: ['김정은', 'Kim Jong Un'], weakAlias: ['Comrade K'], birthDate: ['1984-01-08'], nationality: ['KP'] },
        topics: ['sanction', 'role.pep'],
      }),
      JSON.stringify({ id: 's1', schema: 'Sanction', properties: { entity: ['p1'] } }),
      '',
      person('p2', {}, ['role.pep']),
      person('p3', {}, []),
    ].join('\n');
    const result = await readList(text);
    expect(result.ok && result.value).toMatchObject({ lines: 5, skipped: 1, names: 5 });
    if (!result.ok) return;
    const [p1, p2, p3] = result.value.entities;
    expect(p1).toEqual({
      id: 'p1',
      schema: 'Person',
      kind: 'both',
      topics: ['sanction', 'role.pep'],
      names: ['Kim Jong Un', '김정은'],
      weakAliases: ['Comrade K'],
      birthYears: [1984],
      countries: ['kp'],
    });
    expect(p2?.kind).toBe('pep');
    expect(p3?.kind).toBe('sanction');
  });

  it('refuses a line that is not JSON, naming the line', () => {
    const result = readListText([person('a'), '{"id": "b", "schema": "Person",', person('c')].join('\n'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code: 'SCREENING_LIST_INVALID_JSON', line: 2 });
  });

  it('refuses entities of the wrong shape: no id, no name, a property that is not a list of strings, a repeated id', () => {
    const cases: Array<[string, string]> = [
      [JSON.stringify({ schema: 'Person', properties: { name: ['X'] } }), '"id"'],
      [JSON.stringify({ id: 'x', schema: 'Person', properties: {} }), 'no name'],
      [JSON.stringify({ id: 'x', schema: 'Person', properties: { name: 'X' } }), 'list of strings'],
      [JSON.stringify({ id: 'x', schema: 'person record', properties: { name: ['X'] } }), '"schema"'],
      [JSON.stringify(['x', 'Person']), 'not a JSON object'],
      [`${person('x')}\n${person('x')}`, 'already given at line 1'],
    ];
    for (const [text, message] of cases) {
      const result = readListText(text);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.error.code).toBe('SCREENING_LIST_ENTITY_INVALID');
      expect(result.error.message).toContain(message);
    }
  });

  it('refuses bytes that are not UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from(`${person('a')}\n`), Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a])]);
    const result = await readList(bytes);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code: 'SCREENING_LIST_NOT_UTF8', line: 2 });
  });

  it('stops at the first kilobytes of 100 MB of junk', async () => {
    let served = 0;
    let seed = 7;
    async function* junk() {
      for (let chunk = 0; chunk < 1600; chunk++) {
        const bytes = new Uint8Array(64 * 1024);
        for (let i = 0; i < bytes.length; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
        served += bytes.length;
        yield bytes;
      }
    }
    const result = await readList(junk());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.problems.length).toBeLessThanOrEqual(20);
    expect(result.error.message).toMatch(/^line \d+: /);
    expect(served).toBeLessThanOrEqual(64 * 1024);
  });

  it('stops at a line longer than the limit without reading the rest', async () => {
    let served = 0;
    async function* oneLongLine() {
      for (let chunk = 0; chunk < 1600; chunk++) {
        served += 65536;
        yield Buffer.alloc(65536, 0x61);
      }
    }
    const result = await readList(oneLongLine(), { maxLineBytes: 1024 * 1024 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code: 'SCREENING_LIST_TOO_LARGE', line: 1 });
    expect(served).toBeLessThanOrEqual(1024 * 1024 + 65536);
    expect(readListText('x'.repeat(2000), { maxLineBytes: 1000 }).ok).toBe(false);
  });

  it('refuses more entities or bytes than the limits allow', () => {
    const text = [person('a'), person('b'), person('c')].join('\n');
    const entities = readListText(text, { maxEntities: 2 });
    expect(!entities.ok && entities.error).toMatchObject({ code: 'SCREENING_LIST_TOO_LARGE', line: 3 });
    const bytes = readListText(text, { maxBytes: 100 });
    expect(!bytes.ok && bytes.error.code).toBe('SCREENING_LIST_TOO_LARGE');
    const names = readListText(person('a', { alias: ['1', '2', '3'] }), { maxNamesPerEntity: 3 });
    expect(!names.ok && names.error.code).toBe('SCREENING_LIST_TOO_LARGE');
  });

  it('refuses a list with no screened entity', () => {
    const result = readListText(JSON.stringify({ id: 'a1', schema: 'Address', properties: { full: ['Pyongyang'] } }));
    expect(!result.ok && result.error.code).toBe('SCREENING_LIST_EMPTY');
  });

  it('reads the sample list shipped with the platform', async () => {
    const { readFile } = await import('node:fs/promises');
    const result = readListText(await readFile(new URL('./lists/sample.ftm.ndjson', import.meta.url), 'utf8'));
    expect(result.ok && result.value.entities.length).toBeGreaterThanOrEqual(40);
  });
});
