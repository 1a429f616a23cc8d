import { describe, expect, it } from 'vitest';
import { createLatencyRecorder, percentile } from './stats.ts';

describe('percentile', () => {
  it('takes the nearest rank, so p50 of 1..10 is 5 and p99 is 10', () => {
    const sorted = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 90)).toBe(9);
    expect(percentile(sorted, 99)).toBe(10);
    expect(percentile(sorted, 100)).toBe(10);
  });

  it('answers the only sample for any percentile of one sample', () => {
    expect(percentile([7], 1)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
  });

  it('is NaN without samples', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('latency recorder', () => {
  it('sorts numerically, not as strings, and grows past its initial capacity', () => {
    const recorder = createLatencyRecorder(2);
    for (const ms of [100, 9, 20, 3, 1000]) recorder.record(ms);
    const summary = recorder.summarize();
    expect(summary.count).toBe(5);
    expect(summary.p50).toBe(20);
    expect(summary.max).toBe(1000);
    expect(summary.mean).toBeCloseTo(226.4);
  });

  it('starts a fresh window after reset', () => {
    const recorder = createLatencyRecorder();
    recorder.record(5);
    recorder.reset();
    recorder.record(1);
    expect(recorder.summarize()).toMatchObject({ count: 1, p50: 1, max: 1 });
  });
});

describe('latency recorder beyond its sample budget', () => {
  it('keeps counting, the true maximum and the mean while memory stays bounded', () => {
    const recorder = createLatencyRecorder(4, 100);
    for (let i = 1; i <= 10_000; i++) recorder.record(i % 100);
    recorder.record(5000);
    const summary = recorder.summarize();
    expect(summary.count).toBe(10_001);
    expect(summary.max).toBe(5000);
    expect(summary.p50).toBeGreaterThan(20);
    expect(summary.p50).toBeLessThan(80);
  });
});
