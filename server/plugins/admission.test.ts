import { describe, expect, it } from 'vitest';
import { createAdmissionLimit, MAX_LATE_SHARE } from './admission.ts';

/** The adaptive bound alone (pure logic); test/admission.test.ts runs it in the platform. */
describe('admission bound', () => {
  const enter = (limit: ReturnType<typeof createAdmissionLimit>, n: number) => Array.from({ length: n }, () => limit.tryEnter());

  it('admits up to the bound and refuses past it until a place is left', () => {
    const limit = createAdmissionLimit({ maxInFlight: 3 });
    expect(enter(limit, 5)).toEqual([true, true, true, false, false]);
    expect(limit.inFlight).toBe(3);
    limit.leave();
    expect(enter(limit, 2)).toEqual([true, false]);
  });

  it('shrinks by a quarter when too many scored payments missed the risk deadline, not below the minimum', () => {
    const limit = createAdmissionLimit({ maxInFlight: 64, minInFlight: 16 });
    limit.adjust({ scored: 0, late: 0 });
    const late = Math.floor(MAX_LATE_SHARE * 1000) + 1;
    limit.adjust({ scored: 1000, late });
    expect(limit.limit).toBe(48);
    limit.adjust({ scored: 2000, late: 2 * late });
    expect(limit.limit).toBe(36);
    for (let i = 3; i < 10; i++) limit.adjust({ scored: i * 1000, late: i * late });
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

  it('grows back by two per period in which the whole bound was used without misses, up to the maximum', () => {
    const limit = createAdmissionLimit({ maxInFlight: 40, minInFlight: 4 });
    limit.adjust({ scored: 0, late: 0 });
    limit.adjust({ scored: 100, late: 100 });
    expect(limit.limit).toBe(30);
    // Used, but never full: no reason to grow.
    enter(limit, 10);
    limit.adjust({ scored: 200, late: 100 });
    expect(limit.limit).toBe(30);
    // Full during the period (even if places were left since): grows.
    enter(limit, 25);
    for (let i = 0; i < 20; i++) limit.leave();
    limit.adjust({ scored: 300, late: 100 });
    expect(limit.limit).toBe(32);
    for (let i = 0; i < 20; i++) {
      enter(limit, 100);
      limit.adjust({ scored: 400 + i * 100, late: 100 });
    }
    expect(limit.limit).toBe(40);
  });

  it('rejects a bound that is not a whole number >= 1', () => {
    expect(() => createAdmissionLimit({ maxInFlight: 0 })).toThrow(/maxInFlight/);
    expect(() => createAdmissionLimit({ maxInFlight: 2.5 })).toThrow(/maxInFlight/);
  });
});
