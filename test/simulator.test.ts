import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type PlatformProcess } from '../bench/platform-process.ts';
import { runSimulation, type SimulationSummary } from '../bench/traffic/simulation.ts';

/**
 * The traffic simulator against the whole platform, started as operators start it: a
 * child process on a free port with a fresh data directory.
 */
describe('traffic simulator against the running platform', () => {
  let platform: PlatformProcess | undefined;
  let summary: SimulationSummary;
  const progress: string[] = [];

  beforeAll(async () => {
    platform = await startPlatform();
    summary = await runSimulation({
      url: platform.url,
      tps: 50,
      durationS: 3,
      seed: 7,
      log: (line) => progress.push(line),
    });
  }, 90_000);

  afterAll(async () => {
    // Only when the shutdown test did not run (or failed before stopping it).
    await platform?.stop(5000);
  });

  it('sends about 150 signed payments in 3 s at 50/s and nearly all are answered 2xx', () => {
    expect(summary.sent, progress.join('\n')).toBeGreaterThanOrEqual(120);
    expect(summary.successShare, JSON.stringify(summary.errorCodes)).toBeGreaterThanOrEqual(0.99);
    expect(summary.server5xx).toBe(0);
    expect(summary.networkErrors).toBe(0);
  });

  it('has payments in all four directions, each called by the gateway what the simulator meant', () => {
    expect(Object.keys(summary.byDirection).sort()).toEqual(['cross-market', 'inbound', 'local', 'outbound']);
    expect(summary.directionMismatches).toBe(0);
  });

  it('exits with code 0 within 10 s of SIGTERM', async () => {
    const running = platform as PlatformProcess;
    platform = undefined;
    const exit = await running.stop(10_000);
    expect(exit.timedOut, running.outputTail()).toBe(false);
    expect(exit.code, running.outputTail()).toBe(0);
    expect(exit.elapsedMs).toBeLessThan(10_000);
  }, 15_000);
});
