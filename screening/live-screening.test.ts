import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ListEntity } from './list-entity.ts';
import { createLiveScreening } from './live-screening.ts';
import { createMatchIndex, type MatchIndex } from './match-index.ts';
import { readListText } from './read-list.ts';

/**
 * What a process remembers of the names it screened: a returning payer's name is looked up,
 * not screened again, until a list changes; what it remembers is its candidates, so an
 * allowance made meanwhile counts at once, and year of birth and nationality are part of it.
 */
const list = readListText(readFileSync(new URL('./lists/sample.ftm.ndjson', import.meta.url), 'utf8'));
if (!list.ok) throw new Error(list.error.message);
const entities = list.value.entities;
const KIM = 'cpg-sample-kim-jong-un';

function counting(index: MatchIndex) {
  let screens = 0;
  return {
    index: { ...index, screen: (name: string, probe?: Parameters<MatchIndex['screen']>[1]) => (screens++, index.screen(name, probe)) },
    screens: () => screens,
  };
}

describe('live screening remembers names until a list changes', () => {
  it('screens a name once per year of birth and nationality, and again after a new version', () => {
    const live = createLiveScreening();
    const { index, screens } = counting(createMatchIndex(entities));
    live.install('sample', 1, entities, index);

    for (let i = 0; i < 3; i++) expect(live.screenParty('Kim Jong Un', { subject: `payer:w:${i}` }).sanction?.entityId).toBe(KIM);
    expect(screens()).toBe(1);
    // The strengtheners change the score: another key.
    const born1950 = live.screenParty('Kim Jong Un', { birthYear: 1950 });
    const born1984 = live.screenParty('Kim Jong Un', { birthYear: 1984, country: 'KP' });
    expect(born1984.sanction!.score).toBeGreaterThan(born1950.sanction?.score ?? 0);
    expect(screens()).toBe(3);
    live.screenParty('Kim Jong Un', { birthYear: 1984, country: 'KP' });
    expect(screens()).toBe(3);
    // A name that hits nothing is remembered too.
    live.screenParty('Somchai Jaidee');
    live.screenParty('Somchai Jaidee');
    expect(screens()).toBe(4);

    // A new version: what was remembered was of the old one.
    const { index: next, screens: nextScreens } = counting(createMatchIndex([] as ListEntity[]));
    live.install('sample', 2, [], next);
    expect(live.screenParty('Kim Jong Un').sanction).toBeUndefined();
    expect(nextScreens()).toBe(1);
  });

  it('applies allowances to a remembered name at every call', () => {
    const live = createLiveScreening();
    live.install('sample', 1, entities);
    const allowed = new Set<string>();
    live.setAllowances((subject, entityId) => allowed.has(`${subject} ${entityId}`));
    expect(live.screenParty('Kim Jong Un', { subject: 'payer:siam-wallet:w-1' }).sanction?.entityId).toBe(KIM);
    allowed.add(`payer:siam-wallet:w-1 ${KIM}`);
    expect(live.screenParty('Kim Jong Un', { subject: 'payer:siam-wallet:w-1' }).sanction).toBeUndefined();
    expect(live.screenParty('Kim Jong Un', { subject: 'payer:siam-wallet:w-2' }).sanction?.entityId).toBe(KIM);
  });

  it('keeps at most rememberedNames, the longest kept making room; 0 remembers none', () => {
    const { index, screens } = counting(createMatchIndex(entities));
    const live = createLiveScreening({ rememberedNames: 10 });
    live.install('sample', 1, entities, index);
    for (let i = 0; i < 10; i++) live.screenParty(`Payer Number ${i}`);
    live.screenParty('Payer Number 9');
    expect(screens()).toBe(10);
    live.screenParty('Payer Number 10');
    live.screenParty('Payer Number 1');
    expect(screens()).toBe(11);
    live.screenParty('Payer Number 0');
    expect(screens()).toBe(12);

    const none = counting(createMatchIndex(entities));
    const forgetful = createLiveScreening({ rememberedNames: 0 });
    forgetful.install('sample', 1, entities, none.index);
    forgetful.screenParty('Kim Jong Un');
    forgetful.screenParty('Kim Jong Un');
    expect(none.screens()).toBe(2);
  });
});
