import type { FastifyInstance } from 'fastify';

/** Routes a capability serves: registered on the app, each in a context of its own. */
export type RoutePlugin = (app: FastifyInstance) => Promise<void>;

/**
 * The one shape of a capability once started, beside the handles it gives the capabilities
 * started after it: the routes it serves, what it does once the app exists, how it stops.
 */
export interface Capability {
  /** Registered in the order the capabilities started. */
  routes?: RoutePlugin[];
  /** Once the app is built, before it listens: sockets on its server, loops logging through its logger. */
  attach?(app: FastifyInstance): void;
  /** Called once, by whoever started it, in the reverse order of starting. */
  close?(): Promise<void>;
}

/** Things opened one after the other, closed once in the reverse order; a failed close does not stop the others. */
export interface Closers {
  add(close: () => Promise<unknown>): void;
  close(): Promise<void>;
}

export function createClosers(): Closers {
  const opened: Array<() => Promise<unknown>> = [];
  let closing: Promise<void> | undefined;
  return {
    add: (close) => void opened.push(close),
    // A second call waits for the first.
    close: () =>
      (closing ??= (async () => {
        for (const close of opened.reverse()) await close().catch(() => undefined);
      })()),
  };
}

/**
 * Starts a capability that opens several things: each registers its close as it is opened,
 * so a start that fails part-way closes what it had opened, and the capability's close
 * closes them all in reverse.
 */
export async function opening<T extends object>(start: (closers: Closers) => Promise<T>): Promise<T & Capability> {
  const closers = createClosers();
  try {
    return Object.assign(await start(closers), { close: closers.close });
  } catch (e) {
    await closers.close();
    throw e;
  }
}

/** The capabilities of one process, as they start: their routes, their attach steps, and closing them all. */
export function createRunning() {
  const started: Capability[] = [];
  const closers = createClosers();
  return {
    /** Waits for a capability to start and keeps it; returns it with its handles. */
    async add<T extends Capability>(starting: Promise<T>): Promise<T> {
      const capability = await starting;
      started.push(capability);
      if (capability.close) closers.add(() => capability.close!());
      return capability;
    },
    routes: (): RoutePlugin[] => started.flatMap((c) => c.routes ?? []),
    attach(app: FastifyInstance): void {
      for (const c of started) c.attach?.(app);
    },
    close: closers.close,
  };
}
