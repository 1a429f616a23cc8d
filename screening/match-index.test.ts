import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate, readProbes } from './evaluation/evaluate.ts';
import type { ListEntity } from './list-entity.ts';
import { buildMatchIndex, createMatchIndex } from './match-index.ts';
import { readListText } from './read-list.ts';
import { syntheticNdjson } from './synthetic-list.ts';

const sample = readListText(readFileSync(new URL('./lists/sample.ftm.ndjson', import.meta.url), 'utf8'));
if (!sample.ok) throw new Error(sample.error.message);
const index = createMatchIndex(sample.value.entities);
const hit = (name: string, facts = {}) => index.screen(name, facts).candidates[0]?.entityId;

describe('createMatchIndex over the sample list', () => {
  it('finds a name in every script, reordered, joined, split, with a typo', () => {
    for (const probe of ['Kim Jong Un', '김정은', '金正恩', 'Ким Чен Ын', 'Un Kim Jong', 'Kim Jongun', 'Kim Jong-un', 'KIM JONG UN']) {
      expect(hit(probe), probe).toBe('cpg-sample-kim-jong-un');
    }
    expect(hit('Xi Jin Ping')).toBe('cpg-sample-xi-jinping');
    expect(hit('Jinping Xi')).toBe('cpg-sample-xi-jinping');
    expect(hit('Vladmir Putin')).toBe('cpg-sample-vladimir-putin');
    expect(hit('Vladimir Putin')).toBe('cpg-sample-vladimir-putin');
    expect(hit('Vladimir V. Putin')).toBe('cpg-sample-vladimir-putin');
    expect(hit('ประยุทธ์ จันทร์โอชา')).toBe('cpg-sample-prayut-chan-o-cha');
  });

  it('does not take a common name sharing a token for a listed one', () => {
    for (const probe of ['Kim Min-jun', 'Kim Jong-kook', 'Wang Wei', 'Wang Jun', 'Li Qing', 'Chen Guo', 'Hun Sok', 'Lam Van To', 'Vladimir Ivanov']) {
      expect(index.screen(probe).candidates, probe).toEqual([]);
    }
  });

  it('does not take a company sharing words with a listed one for it', () => {
    for (const probe of ['Korea Mining Corporation', 'National Iranian Gas Company', 'Hangzhou Digital Technology Co Ltd', 'Wagner Construction LLC']) {
      expect(index.screen(probe).candidates, probe).toEqual([]);
    }
  });

  it('says which entity, name, kind and score matched', () => {
    const [candidate] = index.screen('Choe Ryonghae').candidates;
    expect(candidate).toMatchObject({ entityId: 'cpg-sample-choe-ryong-hae', schema: 'Person', kind: 'both', score: 1 });
    expect(candidate?.matchedName).toMatch(/^Choe Ryong[ -][Hh]ae$/);
    expect(index.screen('최룡해').candidates[0]?.matchedName).toBe('최룡해');
    expect(index.screen('Xi Jinping').candidates[0]?.kind).toBe('pep');
  });

  it('raises a match on an agreeing birth year and nationality, lowers it on contradicting ones', () => {
    const plain = index.screen('Vladmir Putin').candidates[0]!;
    const agreeing = index.screen('Vladmir Putin', { birthYear: 1952, country: 'RU' }).candidates[0]!;
    expect(agreeing.score).toBeGreaterThan(plain.score);
    expect(agreeing).toMatchObject({ birthYear: 'agrees', country: 'agrees', nameScore: plain.nameScore });
    expect(index.screen('Vladmir Putin', { birthYear: 1990 }).candidates).toEqual([]);
    expect(index.screen('Vladmir Putin', { birthYear: 1990, threshold: 0 }).candidates[0]).toMatchObject({ birthYear: 'contradicts' });
  });

  it('scores a weak alias only when matched exactly, and below the threshold', () => {
    expect(index.screen('John Lee').candidates).toEqual([]);
    expect(index.screen('John Lee', { threshold: 0.5 }).candidates[0]).toMatchObject({ entityId: 'cpg-sample-john-lee-ka-chiu', score: 0.8 });
    expect(index.screen('John Lee', { birthYear: 1957 }).candidates[0]?.entityId).toBe('cpg-sample-john-lee-ka-chiu');
    expect(index.screen('John Leeds', { threshold: 0.5 }).candidates).toEqual([]);
  });

  it('keeps the evaluation set above its targets: recall >= 95 %, false positives <= 0.5 %', () => {
    const evaluation = evaluate(index, readProbes());
    expect(evaluation.trueProbes + evaluation.lookAlikeProbes).toBeGreaterThanOrEqual(300);
    expect(evaluation.recall).toBeGreaterThanOrEqual(0.95);
    expect(evaluation.falsePositiveRate).toBeLessThanOrEqual(0.005);
  });
});

describe('createMatchIndex over a large list', () => {
  const entities: ListEntity[] = [];
  const text = [...syntheticNdjson(60_000, 3)].join('');
  const list = readListText(text);
  if (list.ok) entities.push(...list.value.entities);
  const large = createMatchIndex(entities);

  it('compares a probe with a few of the names, never with the list', () => {
    expect(large.size.names).toBe(60_000);
    for (const entity of entities.filter((_, i) => i % 1000 === 0)) {
      const name = entity.names[0]!;
      const result = large.screen(name);
      expect(result.candidates.map((c) => c.entityId), name).toContain(entity.id);
      expect(result.compared, name).toBeLessThan(large.size.names / 50);
    }
    expect(large.screen('Qxzv Plomb Nothing').compared).toBe(0);
  });

  it('is the same index built in time slices, which gives the event loop back while it builds', async () => {
    let turns = 0;
    const ticking = setInterval(() => (turns += 1), 0);
    const sliced = await buildMatchIndex(entities, {}, 5);
    clearInterval(ticking);
    // Built in one go, the same list gives no turn at all until it is done.
    expect(turns).toBeGreaterThan(10);
    expect(sliced.size).toEqual(large.size);
    expect(sliced.memoryBytes).toBe(large.memoryBytes);
    for (const entity of entities.filter((_, i) => i % 500 === 0)) {
      for (const probe of [entity.names[0]!, `${entity.names[0]!} Qxvor`, entity.names[0]!.replace(/[aeiou]/, 'y')]) {
        expect(sliced.screen(probe), probe).toEqual(large.screen(probe));
      }
    }
  });
});
