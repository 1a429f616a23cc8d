import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { supervise } from './supervisor.ts';

/** A run that ends when told to; `starts` counts them. */
function runs() {
  const ends: Array<() => void> = [];
  const starts = () => ends.length;
  const run = () => new Promise<number>((_, reject) => ends.push(() => reject(new Error('gone'))));
  const endLatest = async () => {
    ends[ends.length - 1]!();
    await vi.advanceTimersByTimeAsync(0);
  };
  return { run, starts, endLatest };
}

/** A supervised run started, with the waits its restarts were given. */
function started(restartMinMs: number, restartMaxMs: number) {
  const runner = runs();
  const waits: number[] = [];
  const supervisor = supervise(runner.run, { restartMinMs, restartMaxMs, onRestart: (_, ms) => waits.push(ms) });
  supervisor.start();
  return { ...runner, waits, supervisor };
}

describe('the supervisor of a run', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts a run that ended again after the shortest wait, doubled for every failure in a row up to the longest', async () => {
    const { starts, endLatest, waits, supervisor } = started(100, 350);
    for (let i = 0; i < 4; i++) {
      await endLatest();
      await vi.advanceTimersByTimeAsync(waits.at(-1)!);
    }
    expect(waits).toEqual([100, 200, 350, 350]);
    expect(starts()).toBe(5);
    expect(supervisor.restarts()).toBe(4);
  });

  it('starts the backoff over after a run that did its work', async () => {
    const { endLatest, waits, supervisor } = started(100, 10_000);
    await endLatest();
    await vi.advanceTimersByTimeAsync(100);
    await endLatest();
    await vi.advanceTimersByTimeAsync(200);
    supervisor.progressed();
    await endLatest();
    expect(waits).toEqual([100, 200, 100]);
  });

  it('starts the backoff over after a run that lasted longer than the longest wait', async () => {
    const { endLatest, waits } = started(100, 1000);
    await endLatest();
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(1001);
    await endLatest();
    expect(waits).toEqual([100, 100]);
  });

  it('starts one run however often it is asked, and none once stopped, not even one waiting', async () => {
    const { starts, endLatest, supervisor } = started(100, 30_000);
    supervisor.start();
    expect(starts()).toBe(1);
    await endLatest();
    supervisor.start();
    expect(starts()).toBe(1);
    supervisor.stop();
    await vi.advanceTimersByTimeAsync(1000);
    supervisor.start();
    expect(starts()).toBe(1);
  });
});
