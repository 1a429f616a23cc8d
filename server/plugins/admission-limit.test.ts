import { describe, expect, it } from 'vitest';
import { createAdmissionLimit, MAX_LATE_SHARE, PROBE_EVERY_MS, QUEUE_ALLOWANCE, TOLERANCE } from './admission-limit.ts';

/**
 * A node offered more than it can do, as a model: `places` requests run side by side in
 * `serviceMs`; past that they share the node, so one admitted with n in flight takes
 * serviceMs * n / places. Every place the limit frees is taken at once (clients that ignore
 * Retry-After). Returns the limit it ends with and the answers per second of the last second.
 */
function overload(node: { places: number; serviceMs: number }, seconds: number, { limit, clock } = limitOnClock()) {
  const end = clock.t + seconds * 1000;
  const running: Array<{ admittedAt: number; doneAt: number }> = [];
  const fill = () => {
    while (limit.tryEnter()) {
      running.push({ admittedAt: clock.t, doneAt: clock.t + node.serviceMs * Math.max(1, limit.inFlight / node.places) });
    }
  };
  let lastSecond = 0;
  fill();
  while (clock.t < end) {
    running.sort((a, b) => a.doneAt - b.doneAt);
    const next = running.shift()!;
    clock.t = next.doneAt;
    limit.leave(next.admittedAt);
    if (clock.t >= end - 1000) lastSecond++;
    fill();
  }
  // The answers still running are dropped: the next run starts from an empty node.
  for (const r of running) limit.leave(r.admittedAt);
  return { limit, perSecond: lastSecond };
}

function limitOnClock() {
  const clock = { t: 0 };
  return { clock, limit: createAdmissionLimit({ maxInFlight: 64, minInFlight: 4, now: () => clock.t }) };
}

describe('admission limit', () => {
  const enter = (limit: ReturnType<typeof createAdmissionLimit>, n: number) => Array.from({ length: n }, () => limit.tryEnter());

  it('admits up to the limit and refuses past it until a place is left', () => {
    const limit = createAdmissionLimit({ maxInFlight: 3 });
    expect(enter(limit, 5)).toEqual([true, true, true, false, false]);
    expect(limit.inFlight).toBe(3);
    limit.leave();
    expect(enter(limit, 2)).toEqual([true, false]);
  });

  it('settles at the capacity of a node past which requests only queue, not at its floor nor its maximum', () => {
    for (const places of [6, 12, 24]) {
      const node = { places, serviceMs: 2 };
      const { limit, perSecond } = overload(node, 30);
      const capacity = (1000 * places) / node.serviceMs;
      // Enough in flight for the whole capacity, and a queue of at most TOLERANCE times the no-load time.
      expect(perSecond, `${places} places`).toBeGreaterThanOrEqual(0.95 * capacity);
      expect(limit.limit, `${places} places`).toBeGreaterThanOrEqual(places);
      expect(limit.limit, `${places} places`).toBeLessThanOrEqual(TOLERANCE * places + QUEUE_ALLOWANCE + 2);
      expect(limit.state().gradient).toBeLessThan(1);
    }
  });

  it('measures the no-load time again while kept full, so it follows a node that got slower', () => {
    const onClock = limitOnClock();
    const { limit } = onClock;
    overload({ places: 8, serviceMs: 2 }, 20, onClock);
    expect(limit.state().rttNoloadMs).toBeCloseTo(2, 5);
    // Each payment now takes twice as long (a slower Redis): the next probe sees it.
    overload({ places: 8, serviceMs: 4 }, (2 * PROBE_EVERY_MS) / 1000 + 1, onClock);
    expect(limit.state().rttNoloadMs).toBeCloseTo(4, 5);
    expect(limit.limit).toBeGreaterThanOrEqual(8);
    expect(limit.limit).toBeLessThanOrEqual(TOLERANCE * 8 + QUEUE_ALLOWANCE + 2);
  });

  it('does not grow while the node uses less than half of it', () => {
    const onClock = limitOnClock();
    const { limit, clock } = onClock;
    const before = overload({ places: 4, serviceMs: 2 }, 10, onClock).limit.limit;
    // Few requests, each answered at once: no queue, but no demand for more places either.
    for (let i = 0; i < 1000; i++) {
      enter(limit, 2);
      clock.t += 1;
      limit.leave(clock.t - 1);
      limit.leave(clock.t - 1);
    }
    expect(limit.limit).toBe(before);
  });

  it('shrinks by a tenth per period in which too many scored payments missed the risk deadline, not below the minimum', () => {
    const limit = createAdmissionLimit({ maxInFlight: 64, minInFlight: 16 });
    limit.adjust({ scored: 0, late: 0 });
    const late = Math.floor(MAX_LATE_SHARE * 1000) + 1;
    limit.adjust({ scored: 1000, late });
    expect(limit.limit).toBe(57);
    for (let i = 2; i < 20; i++) limit.adjust({ scored: i * 1000, late: i * late });
    expect(limit.limit).toBe(16);
  });

  it('does not shrink for misses at or under the share, nor on too few payments to tell', () => {
    const limit = createAdmissionLimit({ maxInFlight: 64 });
    limit.adjust({ scored: 0, late: 0 });
    limit.adjust({ scored: 1000, late: MAX_LATE_SHARE * 1000 });
    expect(limit.limit).toBe(64);
    limit.adjust({ scored: 1010, late: MAX_LATE_SHARE * 1000 + 10 });
    expect(limit.limit).toBe(64);
  });

  it('rejects a bound that is not a whole number >= 1', () => {
    expect(() => createAdmissionLimit({ maxInFlight: 0 })).toThrow(/maxInFlight/);
    expect(() => createAdmissionLimit({ maxInFlight: 2.5 })).toThrow(/maxInFlight/);
  });
});
