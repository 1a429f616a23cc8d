import { supervise, type RestartBackoff } from './supervisor.ts';
import type { WriterLoop } from './writer-loop.ts';

/**
 * Keeps a writer loop running on the main thread: when its run() gives up (a Redis command
 * timed out, the connection dropped), the failure is logged and a fresh loop is started
 * after a backoff. The new loop recovers what the old one left in flight (its record and
 * pending entries), so nothing is lost or written twice. The transactions writer gets the
 * same, from the same supervisor, for its worker thread; this is for loops without a thread.
 */
export interface SupervisedLoop {
  start(): void;
  /** Stops restarting, then closes the running loop (draining for up to `drainMs`). */
  close(drainMs?: number): Promise<void>;
  /** How many times the loop was started again after a failure. */
  restarts(): number;
}

export interface SuperviseOptions extends RestartBackoff {
  name: string;
  log: { error(fields: object, message: string): void };
}

export function superviseLoop(create: () => WriterLoop, options: SuperviseOptions): SupervisedLoop {
  let current: WriterLoop | undefined;
  let closing = false;
  const supervisor = supervise(
    async () => {
      const loop = create();
      current = loop;
      try {
        await loop.run();
      } catch (e) {
        // Releases the failed loop's blocking connection; its in-flight batch stays recorded.
        if (!closing) loop.close(0).catch(() => undefined);
        throw e;
      } finally {
        if (loop.stats().batches > 0) supervisor.progressed();
      }
    },
    {
      restartMinMs: options.restartMinMs,
      restartMaxMs: options.restartMaxMs,
      onRestart: (ending, restartInMs) =>
        options.log.error({ err: (ending.error as Error | undefined)?.message, restartInMs }, `${options.name} stopped; starting it again`),
    },
  );

  return {
    start: () => supervisor.start(),
    async close(drainMs) {
      closing = true;
      supervisor.stop();
      await current?.close(drainMs);
    },
    restarts: () => supervisor.restarts(),
  };
}
