import type { WriterLoop } from './writer-loop.ts';

/**
 * Keeps a writer loop running on the main thread: when its run() gives up (a Redis command
 * timed out, the connection dropped), the failure is logged and a fresh loop is started
 * after a backoff. The new loop recovers what the old one left in flight (its record and
 * pending entries), so nothing is lost or written twice. The transactions writer gets the
 * same from its worker thread being restarted; this is for loops without a thread.
 */
export interface SupervisedLoop {
  start(): void;
  /** Stops restarting, then closes the running loop (draining for up to `drainMs`). */
  close(drainMs?: number): Promise<void>;
  /** How many times the loop was started again after a failure. */
  restarts(): number;
}

export interface SuperviseOptions {
  name: string;
  log: { error(fields: object, message: string): void };
  restartMinMs?: number;
  restartMaxMs?: number;
}

export function superviseLoop(create: () => WriterLoop, options: SuperviseOptions): SupervisedLoop {
  const minMs = options.restartMinMs ?? 500;
  const maxMs = options.restartMaxMs ?? 30_000;
  let current: WriterLoop | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closing = false;
  let restarts = 0;

  const runFrom = (attempt: number) => {
    if (closing) return;
    const loop = create();
    current = loop;
    const startedAt = Date.now();
    loop.run().catch((e: unknown) => {
      if (closing) return;
      // A loop that ran for a while before failing starts the backoff over.
      const next = Date.now() - startedAt > maxMs ? 0 : attempt + 1;
      const delayMs = Math.min(maxMs, minMs * 2 ** Math.min(next, 10));
      options.log.error({ err: (e as Error).message, restartInMs: delayMs }, `${options.name} stopped; starting it again`);
      // Releases the failed loop's blocking connection; its in-flight batch stays recorded.
      loop.close(0).catch(() => undefined);
      restarts++;
      timer = setTimeout(() => runFrom(next), delayMs);
    });
  };

  return {
    start() {
      if (!current && !closing) runFrom(0);
    },
    async close(drainMs) {
      closing = true;
      clearTimeout(timer);
      await current?.close(drainMs);
    },
    restarts: () => restarts,
  };
}
