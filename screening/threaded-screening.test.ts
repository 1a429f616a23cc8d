import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRiskEngine } from '../rules/risk-engine.ts';
import { testMessage } from '../rules/test-support/messages.ts';
import { startTestRedis, type TestRedis } from '../rules/test-support/redis.ts';
import type { ListEntity } from './list-entity.ts';
import { packEntities } from './packed-entities.ts';
import { readListText } from './read-list.ts';
import { ScreeningUnavailableError } from './screening-service.ts';
import { startThreadedScreening, type ThreadedScreening } from './threaded-screening.ts';

/**
 * Names matched on the screening thread: the lists installed from their packed entities, the
 * same answers as on the main thread, and never "no hit" for want of an answer: a stuck
 * thread fails the names waiting, is started again with the live versions, and answers again.
 */

const KIM = 'cpg-sample-kim-jong-un';
let entities: ListEntity[];
let packed: Buffer;
const started: ThreadedScreening[] = [];

function start(options: Partial<Parameters<typeof startThreadedScreening>[0]> = {}): ThreadedScreening {
  const screening = startThreadedScreening({ threshold: 0.85, ...options });
  started.push(screening);
  return screening;
}

beforeAll(async () => {
  const list = readListText(readFileSync(new URL('./lists/sample.ftm.ndjson', import.meta.url), 'utf8'));
  if (!list.ok) throw new Error(list.error.message);
  entities = list.value.entities;
  packed = await packEntities(entities);
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

describe('screening on its own thread', () => {
  it('matches names in every script once a version is installed, and keeps the newest version', async () => {
    const screening = start();
    expect(screening.versionTag()).toBe('');
    const live = await screening.install('sample', 2, packed);
    expect(live).toMatchObject({ name: 'sample', version: 2, entities: entities.length });
    expect(screening.versionTag()).toBe('sample:2');
    for (const name of ['Kim Jong Un', '김정은', '金正恩', 'Jin Zhengen']) {
      const [best] = await screening.check(name);
      expect(best, name).toMatchObject({ entityId: KIM, list: 'sample', version: 2 });
    }
    expect(await screening.check('Somchai Jaidee')).toEqual([]);
    // A year of birth far from the listed one weakens the match below the threshold.
    expect(await screening.check('Kim Jong Un', { birthYear: 1950 })).toEqual([]);

    // An older version is not installed over a newer one; a newer one replaces it.
    expect((await screening.install('sample', 1, await packEntities(entities.slice(0, 3)))).version).toBe(2);
    expect(screening.versionTag()).toBe('sample:2');
    await screening.install('sample', 3, await packEntities(entities.filter((e) => e.id !== KIM)));
    expect(screening.versionTag()).toBe('sample:3');
    expect((await screening.check('Kim Jong Un')).map((h) => h.entityId)).not.toContain(KIM);
    // The allowances apply on this thread, to the hits the thread found.
    await screening.install('other', 1, packed);
    const hits = await screening.check('Kim Jong Un');
    expect(screening.partyOf(hits, { subject: 'payer:p:w' }).sanction).toMatchObject({ entityId: KIM, list: 'other' });
    screening.setAllowances((subject, entityId) => subject === 'payer:p:w' && entityId === KIM);
    expect(screening.partyOf(hits, { subject: 'payer:p:w' }).sanction).toBeUndefined();
  });

  it('refuses a version whose entities do not read, and the live version goes on answering', async () => {
    const screening = start();
    await screening.install('sample', 1, packed);
    await expect(screening.install('sample', 2, Buffer.from('not gzip at all'))).rejects.toThrow(/sample v2 not installed/);
    await expect(screening.install('sample', 3, gzipSync('{"id": "x", "names": [\n'))).rejects.toThrow(/sample v3 not installed/);
    expect(screening.versionTag()).toBe('sample:1');
    expect((await screening.check('김정은'))[0]?.entityId).toBe(KIM);
  });

  it('fails the names waiting on a stuck thread, then starts it again with the live lists', async () => {
    const screening = start({ answerWithinMs: 100, testHooks: true });
    await screening.install('sample', 4, packed);
    screening.stall(5000);
    const asked = performance.now();
    await expect(screening.check('Kim Jong Un')).rejects.toBeInstanceOf(ScreeningUnavailableError);
    const failedAfterMs = performance.now() - asked;
    expect(failedAfterMs).toBeGreaterThanOrEqual(90);
    expect(failedAfterMs).toBeLessThan(1000);
    // Until the new thread holds the live lists again, every name fails at once, never "no hit".
    await expect(screening.check('Kim Jong Un')).rejects.toBeInstanceOf(ScreeningUnavailableError);
    expect(screening.versionTag()).toBe('sample:4');
    const deadline = Date.now() + 20_000;
    for (;;) {
      const hits = await screening.check('Kim Jong Un').catch((e: unknown) => (e instanceof ScreeningUnavailableError ? undefined : Promise.reject(e)));
      if (hits) {
        expect(hits[0]).toMatchObject({ entityId: KIM, version: 4 });
        break;
      }
      if (Date.now() > deadline) throw new Error('the screening thread did not come back within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});

describe('a screening thread that exits', () => {
  it('is started again with the live lists; meanwhile names fail, never answered "no hit"', async () => {
    const screening = start({ testHooks: true });
    await screening.install('sample', 6, packed);
    const asked = screening.check('Kim Jong Un');
    screening.crash();
    // Asked before the exit: answered or failed, never lost.
    await asked.then((hits) => expect(hits[0]?.entityId).toBe(KIM), (e: unknown) => expect(e).toBeInstanceOf(ScreeningUnavailableError));
    let failed = 0;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const hits = await screening.check('김정은').catch((e: unknown) => {
        if (!(e instanceof ScreeningUnavailableError)) throw e;
        failed += 1;
        return undefined;
      });
      if (hits && failed > 0) {
        expect(hits[0]).toMatchObject({ entityId: KIM, version: 6 });
        break;
      }
      if (Date.now() > deadline) throw new Error('the screening thread did not come back within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(screening.versionTag()).toBe('sample:6');
  });
});

describe('the risk step with names matched on the screening thread', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => redis?.stop());

  it('declines a sanctioned payer handed over at arrival, and decides as degraded, never as clean, while the thread is stuck', async () => {
    const screening = start({ answerWithinMs: 100, testHooks: true });
    await screening.install('sample', 5, packed);
    const engine = await createRiskEngine({
      redis: redis.connect(),
      thresholds: { review: 400, decline: 700 },
      deadlineMs: 1000,
      fallback: { approveBelowUsd: 50, otherwise: 'review' },
      cnyPerUsd: '7.12',
      screening,
    });
    try {
      const message = testMessage({ usd: 10, payerName: '김정은' });
      engine.prepare(message.payer);
      const declined = await engine.score(message);
      expect(declined.decision).toBe('decline');
      expect(declined.reasons.find((r) => r.ruleId === 'screening-payer-sanctions')?.message).toMatch(new RegExp(`${KIM} in sample v5`));
      expect(declined.screeningLists).toBe('sample:5');

      screening.stall(3000);
      const stuck = await engine.score(testMessage({ usd: 10, payerName: '김정은' }));
      expect(stuck.reasons.map((r) => r.ruleId)).toContain('RISK_DEGRADED');
      expect(stuck.reasons.find((r) => r.ruleId === 'RISK_DEGRADED')?.message).toMatch(/screening lists not answering/);
      expect(engine.stats().degradedByCause.screening).toBe(1);
    } finally {
      await engine.close();
    }
  });
});
