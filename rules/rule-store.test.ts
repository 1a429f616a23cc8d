import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRiskEngine, type RiskEngine } from './risk-engine.ts';
import type { AuditEntry } from './risk-lists.ts';
import { createRuleStore, loadDefaultPack, policyOf, type RuleStore } from './rule-store.ts';
import { testMessage, T0 } from './test-support/messages.ts';
import { scoreAndCommit } from './test-support/outcome.ts';
import { startTestRedis, type TestRedis } from './test-support/redis.ts';

let server: TestRedis;
let redis: Redis;
let store: RuleStore;
const audit: AuditEntry[] = [];

beforeAll(async () => {
  server = await startTestRedis();
  redis = server.connect();
  store = createRuleStore(redis, (entry) => audit.push(entry), { now: () => T0 });
});
afterAll(async () => server?.stop());

const burst = () => structuredClone(loadDefaultPack().rules.find((r) => r.id === 'velocity-device-burst')!);

/** Resolves with the next rule-set version the engine swaps to, and how long that took from now. */
function nextSwap(engine: RiskEngine): Promise<{ version: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const off = engine.onRuleSetChange((version) => {
      off();
      resolve({ version, ms: performance.now() - started });
    });
  });
}

describe('the rule store', () => {
  it('seeds the default pack and its lists exactly once, however many processes start together', async () => {
    const other = createRuleStore(server.connect(), (entry) => audit.push(entry));
    const seeded = await Promise.all([store.seedDefaults(), other.seedDefaults(), store.seedDefaults()]);
    expect(seeded.filter(Boolean)).toHaveLength(1);
    const rules = await store.list();
    expect(rules.map((r) => r.id)).toEqual(loadDefaultPack().rules.map((r) => r.id).sort());
    expect(rules.every((r) => r.version === 1)).toBe(true);
    expect(await store.ruleSetVersion()).toBe('rs-1');
    expect(await store.lists.get('sanctioned-countries')).toEqual(['CU', 'IR', 'KP', 'SY']);
    expect(audit.filter((a) => a.action === 'rules.seed')).toHaveLength(1);
  });

  it('stores a change as a new version, keeps every version, bumps the rule-set version and audits it', async () => {
    const rule = burst();
    rule.when = { fact: 'velocity.device.count.1m', gt: 3 };
    rule.then.reason = '{{velocity.device.count.1m}} payments from this device in 1 minute (limit 3)';
    rule.then.threshold = 3;
    const result = await store.put('velocity-device-burst', rule, 'officer-7');
    expect(result).toMatchObject({ ok: true, value: { ruleSetVersion: 'rs-2', rule: { version: 2, createdBy: 'officer-7', createdAt: T0 } } });
    const got = await store.get('velocity-device-burst');
    expect(got!.rule).toMatchObject({ version: 2, when: { gt: 3 } });
    expect(got!.versions.map((v) => [v.version, (v.when as { gt: number }).gt])).toEqual([
      [1, 5],
      [2, 3],
    ]);
    expect(audit.at(-1)).toMatchObject({ actor: 'officer-7', action: 'rule.put', target: 'rule:velocity-device-burst', details: { version: 2, ruleSetVersion: 'rs-2' } });
  });

  it('refuses an invalid rule with the JSON path of the problem, changing nothing', async () => {
    const before = { audited: audit.length, version: await store.ruleSetVersion() };
    const rule = burst();
    rule.when = { all: [{ fact: 'velocity.device.count.1m', gt: 3 }, { fact: 'velocity.device.count.1mn', gt: 3 }] };
    const result = await store.put('velocity-device-burst', rule, 'officer-7');
    expect(result).toMatchObject({ ok: false, error: { code: 'RULE_INVALID', path: '/when/all/1/fact' } });
    expect((await store.get('velocity-device-burst'))!.rule.version).toBe(2);
    expect(await store.ruleSetVersion()).toBe(before.version);
    expect(audit.length).toBe(before.audited);
    expect(await store.put('another-id', burst(), 'officer-7')).toMatchObject({ ok: false, error: { path: '/id' } });
  });

  it('creates a new rule at version 1, taking its id from the path when the body has none', async () => {
    const { id: _id, ...body } = burst();
    const result = await store.put('device-burst-strict', { ...body, mode: 'shadow' }, 'officer-7');
    expect(result).toMatchObject({ ok: true, value: { rule: { id: 'device-burst-strict', version: 1, mode: 'shadow' } } });
  });

  it('switches modes without a new rule version, and only audits real changes', async () => {
    const shadow = await store.setMode('velocity-device-burst', 'shadow', 'officer-2');
    expect(shadow).toMatchObject({ ok: true, value: { rule: { version: 2, mode: 'shadow' } } });
    const audited = audit.length;
    const again = await store.setMode('velocity-device-burst', 'shadow', 'officer-2');
    expect(again.ok && again.value.ruleSetVersion).toBe(shadow.ok && shadow.value.ruleSetVersion);
    expect(audit.length).toBe(audited);
    expect(audit.at(-1)).toMatchObject({ action: 'rule.mode', details: { from: 'enforce', to: 'shadow' } });
    expect(await store.setMode('no-such-rule', 'off', 'officer-2')).toMatchObject({ ok: false, error: { code: 'RULE_NOT_FOUND' } });
    expect(await store.setMode('velocity-device-burst', 'on' as never, 'officer-2')).toMatchObject({ ok: false, error: { code: 'RULE_INVALID', path: '/mode' } });
    await store.setMode('velocity-device-burst', 'enforce', 'officer-2');
  });

  it('keeps lists as normalised sets, refuses malformed values by path, audits changes', async () => {
    expect(await store.lists.add('high-risk-mccs', ['5933 '], 'officer-3')).toEqual({ ok: true, value: { added: 1 } });
    expect(await store.lists.add('sanctioned-countries', ['ru', 'K1'], 'officer-3')).toMatchObject({ ok: false, error: { code: 'LIST_VALUE_INVALID', path: '/values/1' } });
    expect(await store.lists.get('sanctioned-countries')).not.toContain('RU');
    expect(await store.lists.remove('high-risk-mccs', ['5933'], 'officer-3')).toEqual({ ok: true, value: { removed: 1 } });
    expect(await store.lists.add('blocked-wallets', ['just-a-wallet'], 'officer-3')).toMatchObject({ ok: false, error: { path: '/values/0' } });
    expect(audit.at(-1)).toMatchObject({ actor: 'officer-3', action: 'risk-list.remove', target: 'list:high-risk-mccs', details: { values: ['5933'] } });
  });

  it('reads a rule named like a property every object has from its own fields only', async () => {
    const rule = { ...burst(), id: 'constructor', mode: 'off' as const };
    expect((await store.put('constructor', rule, 'officer-4')).ok).toBe(true);
    // Without its mode field the rule falls back to the mode it was written with, never to Object's constructor.
    await redis.hdel('risk:rules:mode', 'constructor');
    const stored = (await store.ruleSet()).rules.find((r) => r.id === 'constructor');
    expect(stored?.mode).toBe('off');
  });
});

describe('engines sharing one Redis', () => {
  let a: RiskEngine;
  let b: RiskEngine;
  let redisOfA: Redis;
  let redisOfB: Redis;
  const options = { thresholds: { review: 400, decline: 700 }, deadlineMs: 500, fallback: { approveBelowUsd: 50, otherwise: 'review' as const }, cnyPerUsd: '7.12' };
  beforeAll(async () => {
    redisOfA = server.connect();
    redisOfB = server.connect();
    a = await createRiskEngine({ ...options, redis: redisOfA });
    b = await createRiskEngine({ ...options, redis: redisOfB, evaluator: 'direct' });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('both switch to a changed rule within a second, and score with it', async () => {
    expect(a.stats().ruleSetVersion).toBe(b.stats().ruleSetVersion);
    const swaps = [nextSwap(a), nextSwap(b)];
    const rule = burst();
    rule.when = { fact: 'velocity.device.count.1m', gt: 2 };
    rule.then.reason = '{{velocity.device.count.1m}} payments from this device in 1 minute (limit 2)';
    rule.then.threshold = 2;
    const put = await a.store.put('velocity-device-burst', rule, 'officer-9');
    if (!put.ok) throw new Error(put.error.message);
    for (const swap of await Promise.all(swaps)) {
      expect(swap.version).toBe(put.value.ruleSetVersion);
      expect(swap.ms).toBeLessThan(1000);
    }
    const deviceId = 'shared-engines-device';
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await scoreAndCommit(b, testMessage({ walletId: `se-w-${i}`, deviceId, merchantId: `se-m-${i}`, at: T0 + i * 1000 })));
    expect(results.map((r) => r.decision)).toEqual(['approve', 'approve', 'decline']);
    expect(results[2]!.reasons[0]).toMatchObject({ ruleId: 'velocity-device-burst', ruleVersion: put.value.rule.version, threshold: 2 });
    expect(results[2]!.ruleSetVersion).toBe(put.value.ruleSetVersion);
  });

  it('moves a rule set to shadow on every engine: reported in shadowHits, no longer deciding', async () => {
    const swaps = [nextSwap(a), nextSwap(b)];
    const changed = await b.store.setMode('velocity-device-burst', 'shadow', 'officer-9');
    if (!changed.ok) throw new Error(changed.error.message);
    for (const swap of await Promise.all(swaps)) expect(swap.ms).toBeLessThan(1000);
    const deviceId = 'shadow-device';
    let last;
    for (let i = 0; i < 3; i++) last = await scoreAndCommit(a, testMessage({ walletId: `sh-w-${i}`, deviceId, merchantId: `sh-m-${i}`, at: T0 + i * 1000 }));
    expect(last).toMatchObject({ decision: 'approve', reasons: [], shadowHits: [{ ruleId: 'velocity-device-burst', value: 3 }] });
  });

  it('stops scoring with a rule that is turned off', async () => {
    const before = a.stats().rules;
    const swaps = [nextSwap(a), nextSwap(b)];
    await a.store.setMode('velocity-device-burst', 'off', 'officer-9');
    await Promise.all(swaps);
    expect(a.stats().rules).toBe(before - 1);
    expect(b.stats().rules).toBe(before - 1);
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const risk = await a.score(testMessage({ walletId: `off-w-${i}`, deviceId: 'off-device', merchantId: `off-m-${i}`, at: T0 + i * 1000 }));
      for (const r of [...risk.reasons, ...risk.shadowHits]) ids.add(r.ruleId);
    }
    expect(ids.has('velocity-device-burst')).toBe(false);
  });
});

describe('the decision policy in the thresholds hash', () => {
  it('is read only when whole and valid: otherwise the configuration applies', () => {
    expect(policyOf({ review: '400', decline: '700' })).toBeUndefined();
    expect(policyOf({ deadlineMs: '150', fallbackApproveBelowUsd: '20', fallbackOtherwise: 'decline' })).toEqual({ deadlineMs: 150, fallback: { approveBelowUsd: 20, otherwise: 'decline' } });
    expect(policyOf({ deadlineMs: '0', fallbackApproveBelowUsd: '20' })).toBeUndefined();
    expect(policyOf({ deadlineMs: '1.5', fallbackApproveBelowUsd: '0', fallbackOtherwise: 'review' })).toEqual({ fallback: { approveBelowUsd: 0, otherwise: 'review' } });
    expect(policyOf({ fallbackApproveBelowUsd: '-1', fallbackOtherwise: 'review' })).toBeUndefined();
  });
});
