import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/**
 * Long work on the event loop of a process taking payments, cut in slices: `due()` once
 * `sliceMs` have passed since the last turn, `pause()` gives the event loop one.
 */
export function timeSlices(sliceMs: number): { due(): boolean; pause(): Promise<void> } {
  let sliceStart = performance.now();
  return {
    due: () => performance.now() - sliceStart >= sliceMs,
    async pause() {
      await yieldToEventLoop();
      sliceStart = performance.now();
    },
  };
}
