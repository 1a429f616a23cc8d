import { describe, expect, it } from 'vitest';
import { judgeTrend, slope, type MinutePoint } from './trend.ts';

const minutes = (p99s: number[], rss: (minute: number) => number): MinutePoint[] =>
  p99s.map((p99Ms, i) => ({ minute: i + 1, platformRssMiB: rss(i + 1), redisRssMiB: 80, p99Ms }));

describe('soak trend', () => {
  it('fits the RSS slope over the minutes after the first, ignoring the start-up minute', () => {
    const trend = judgeTrend(minutes([10, 10, 10, 10], (m) => (m === 1 ? 200 : 500 + 3 * m)), {});
    expect(trend.rssSlopeMiBPerMinute.platform).toBeCloseTo(3, 9);
    expect(trend.rssSlopeMiBPerMinute.redis).toBeCloseTo(0, 9);
    expect(trend.rssSlopeMiBPerMinute.minutes).toBe('2-4');
  });

  it('compares the peak RSS, VmHWM included, with 1 GiB', () => {
    expect(judgeTrend(minutes([10, 10, 10], () => 600), { platformMiB: 1100 }).maxRss).toMatchObject({ platformMiB: 1100, platformBelowLimit: false });
    expect(judgeTrend(minutes([10, 10, 10], () => 600), {}).maxRss).toMatchObject({ platformMiB: 600, platformBelowLimit: true });
  });

  it('calls p99 flat when the last third median stays within 1.5x of the first third', () => {
    const flat = judgeTrend(minutes([10, 12, 11, 14, 13, 15], () => 500), {}).p99Flat;
    expect(flat).toMatchObject({ firstThirdMedianMs: 11, lastThirdMedianMs: 14, flat: true });
    const rising = judgeTrend(minutes([10, 10, 10, 20, 30, 40], () => 500), {}).p99Flat;
    expect(rising).toMatchObject({ firstThirdMedianMs: 10, lastThirdMedianMs: 35, flat: false });
  });

  it('does not judge a run too short for a trend', () => {
    const trend = judgeTrend(minutes([10, 50], () => 500), {});
    expect(trend.rssSlopeMiBPerMinute.platform).toBeNull();
    expect(trend.p99Flat.flat).toBeNull();
    expect(trend.p99).toMatchObject({ firstMinuteMs: 10, lastMinuteMs: 50, lastOverFirst: 5 });
    expect(judgeTrend(minutes([10], () => 500), {}).p99.lastOverFirst).toBeNull();
  });

  it('does not judge flatness over a minute that answered nothing', () => {
    expect(judgeTrend(minutes([10, 10, Number.NaN], () => 500), {}).p99Flat.flat).toBeNull();
  });

  it('needs two known points for a slope', () => {
    expect(slope([[2, 5], [3, undefined]])).toBeNull();
  });
});
