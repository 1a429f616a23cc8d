/**
 * Keeps a run going: the writer thread (writer.ts) and the writer loops of the main thread
 * (supervised-loop.ts). A run that ends while the supervisor is not stopped, by failing or
 * otherwise, is started again after a backoff that doubles with every failure in a row.
 */
export interface RestartBackoff {
  /** The first restart waits this long; each failure in a row doubles it, up to `restartMaxMs`. */
  restartMinMs?: number;
  restartMaxMs?: number;
}

/** How a run ended: its value, or what it failed with. */
export type RunEnding<T> = { value: T; error?: undefined } | { error: unknown };

export interface SupervisorOptions<T> extends RestartBackoff {
  /** Told of every restart before its wait starts, to log it. */
  onRestart(ending: RunEnding<T>, restartInMs: number): void;
}

export interface Supervisor {
  /** Starts the run unless one is running, waiting to restart, or the supervisor is stopped. */
  start(): void;
  /** No restart from now on; one waiting is cancelled. The run itself is its owner's to stop. */
  stop(): void;
  /** The running run did its work: when it ends, the backoff starts over. */
  progressed(): void;
  /** How many times a run was started again. */
  restarts(): number;
}

export function supervise<T>(run: () => Promise<T>, options: SupervisorOptions<T>): Supervisor {
  const minMs = options.restartMinMs ?? 500;
  const maxMs = options.restartMaxMs ?? 30_000;
  let running = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let failuresInARow = 0;
  let restarts = 0;
  let progressed = false;

  const runOnce = () => {
    timer = undefined;
    progressed = false;
    const startedAt = Date.now();
    const ended = (ending: RunEnding<T>) => {
      running = false;
      if (stopped) return;
      // A run that worked, or lasted, before it ended is not part of a crash loop.
      if (progressed || Date.now() - startedAt > maxMs) failuresInARow = 0;
      const delayMs = Math.min(maxMs, minMs * 2 ** Math.min(failuresInARow, 16));
      failuresInARow += 1;
      restarts += 1;
      options.onRestart(ending, delayMs);
      timer = setTimeout(runOnce, delayMs);
    };
    // A run that cannot even start throws to start()'s caller, and can be started again.
    const current = run();
    running = true;
    current.then(
      (value) => ended({ value }),
      (error: unknown) => ended({ error }),
    );
  };

  return {
    start() {
      if (!running && !stopped && !timer) runOnce();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
    },
    progressed() {
      progressed = true;
    },
    restarts: () => restarts,
  };
}
