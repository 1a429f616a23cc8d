/**
 * scrypt runs on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise),
 * which the embedded ClickHouse (chDB) and file I/O share. With every thread hashing, a
 * ClickHouse query waits behind all the queued hashes: 100 logins in flight made `SELECT 1`
 * take 1.6 s instead of 2 ms. So the process runs at most `concurrent` scrypt jobs at once,
 * lets `waiting` more wait their turn, and refuses the rest at once: the pool keeps room.
 */
export interface ScryptSlots {
  /** Runs `work` in a slot; `{ ran: false }` when every slot is taken and the queue is full. */
  run<T>(work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  readonly running: number;
  readonly waiting: number;
}

export function createScryptSlots(options: { concurrent: number; waiting: number }): ScryptSlots {
  if (!(Number.isInteger(options.concurrent) && options.concurrent >= 1)) throw new Error(`concurrent must be a whole number >= 1, got ${options.concurrent}`);
  let running = 0;
  const queue: Array<() => void> = [];
  // A finished job hands its slot straight to the next in line: `running` never dips, so nobody jumps the queue.
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else running--;
  };
  return {
    async run(work) {
      if (running < options.concurrent) running++;
      else if (queue.length < options.waiting) await new Promise<void>((resolve) => queue.push(resolve));
      else return { ran: false };
      try {
        return { ran: true, value: await work() };
      } finally {
        release();
      }
    },
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
  };
}

/** Half the default pool for password hashing; a login waits behind at most 16 others (~50 ms each, two at a time). */
export const SCRYPT_CONCURRENT = 2;
export const SCRYPT_WAITING = 16;

/** The process's own: the thread pool is per process, so is the bound. */
export const scryptSlots = createScryptSlots({ concurrent: SCRYPT_CONCURRENT, waiting: SCRYPT_WAITING });
