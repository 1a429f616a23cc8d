import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRiskEngine, type RiskEngine, type RiskEngineOptions } from '../risk-engine.ts';
import { testMessage } from '../test-support/messages.ts';
import { startTestRedis, type TestRedis } from '../test-support/redis.ts';
import { observationOf } from './observation.ts';
import { decodeObservation, encodeObservation } from './state-deltas.ts';

const INTERVAL_MS = 50;
/** The documented bound: one interval, one Redis round trip and a busy event loop's delay. */
const BOUND_MS = 4 * INTERVAL_MS;

const base = {
  thresholds: { review: 400, decline: 700 },
  deadlineMs: 100,
  cnyPerUsd: '7.12',
  fallback: { approveBelowUsd: 50, otherwise: 'review' },
} satisfies Partial<RiskEngineOptions>;

let server: TestRedis;
let a: RiskEngine;
let b: RiskEngine;
beforeAll(async () => {
  server = await startTestRedis();
  a = await createRiskEngine({ ...base, redis: server.connect(), deltas: { nodeId: 'node-a', intervalMs: INTERVAL_MS } });
  b = await createRiskEngine({ ...base, redis: server.connect(), deltas: { nodeId: 'node-b', intervalMs: INTERVAL_MS } });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await server?.stop();
});

const waitFor = async (check: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  return check();
};

describe('velocity state shared by two switch nodes', () => {
  it('encodes an observation and reads it back as it was', () => {
    const message = testMessage({ usd: 4.5, deviceId: 'd-1', ip: '203.0.113.9', location: { lat: 13.7, lon: 100.5 } });
    const o = { ...observationOf(message, 7.12), status: 'APPROVED' as const };
    expect(decodeObservation(JSON.parse(JSON.stringify(encodeObservation(o))))).toEqual(o);
    const bare = observationOf(testMessage({ deviceId: null, ip: null, location: null, messageType: 'refund' }), 7.12);
    expect(decodeObservation(JSON.parse(JSON.stringify(encodeObservation(bare))))).toEqual(bare);
  });

  it('catches a device burst spread over both nodes once the bound has passed, each payment counted once', async () => {
    const deviceId = `d-burst-${Date.now()}`;
    const now = Date.now();
    // Five payments at once, three on A and two on B.
    const burst = [a, b, a, b, a].map((engine, i) => ({ engine, message: testMessage({ usd: 20, deviceId, walletId: `w-${deviceId}-${i}`, at: now + i }) }));
    for (const { engine, message } of burst) {
      const risk = await engine.score(message);
      expect(risk.reasons).toEqual([]);
      engine.settle(message, 'APPROVED');
    }
    const settledAt = performance.now();
    expect(await waitFor(() => (b.stats().state.deltas?.applied ?? 0) >= 3 && (a.stats().state.deltas?.applied ?? 0) >= 2, BOUND_MS)).toBe(true);
    const seenAfterMs = performance.now() - settledAt;
    // The sixth, on either node, sees all five.
    for (const engine of [a, b]) {
      const sixth = testMessage({ usd: 20, deviceId, walletId: `w-${deviceId}-6`, at: now + 10 });
      const risk = await engine.score(sixth);
      engine.settle(sixth, 'DECLINED');
      expect(risk.reasons.find((r) => r.ruleId === 'velocity-device-burst')).toMatchObject({ value: 6, threshold: 5 });
    }
    // Each node applied the other's messages only, and says how late they came.
    expect(a.stats().state.deltas).toMatchObject({ publishErrors: 0, unreadable: 0, gaps: 0 });
    expect(b.stats().state.deltas!.maxLagMs).toBeLessThan(BOUND_MS + 1000);
    console.log(`both nodes had the whole burst ${seenAfterMs.toFixed(1)} ms after its last settlement; max delay node A ${a.stats().state.deltas!.maxLagMs} ms, node B ${b.stats().state.deltas!.maxLagMs} ms`);
  });

  it('does not count a message on another node before its batch is published (the bound is real)', async () => {
    // A node that publishes only every ten seconds: well past anything this test waits for.
    const slow = await createRiskEngine({ ...base, redis: server.connect(), deltas: { nodeId: 'node-slow', intervalMs: 10_000 } });
    const deviceId = `d-late-${Date.now()}`;
    const now = Date.now();
    const appliedBefore = b.stats().state.deltas!.applied;
    try {
      for (let i = 0; i < 5; i++) {
        const message = testMessage({ usd: 20, deviceId, walletId: `w-${deviceId}-${i}`, at: now + i });
        await slow.score(message);
        slow.settle(message, 'APPROVED');
      }
      const early = testMessage({ usd: 20, deviceId, walletId: `w-${deviceId}-b`, at: now + 6 });
      expect((await b.score(early)).reasons.find((r) => r.ruleId === 'velocity-device-burst')).toBeUndefined();
      b.settle(early, 'APPROVED');
    } finally {
      // Closing publishes what is queued.
      await slow.close();
    }
    expect(await waitFor(() => b.stats().state.deltas!.applied >= appliedBefore + 5, BOUND_MS)).toBe(true);
    const late = testMessage({ usd: 20, deviceId, walletId: `w-${deviceId}-c`, at: now + 7 });
    expect((await b.score(late)).reasons.find((r) => r.ruleId === 'velocity-device-burst')).toMatchObject({ value: 7 });
  });
});
