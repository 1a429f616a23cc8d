import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { startTypeScriptWorker } from '../domain/typescript-worker.ts';
import { bestOfParty, type IsAllowed, type ListVersion, type ScreeningHit } from './live-screening.ts';
import type { ProbeFacts } from './match-index.ts';
import { ScreeningUnavailableError, type ScreeningService } from './screening-service.ts';
import type { FromScreeningThread, ScreeningThreadSettings, ToScreeningThread } from './screening-thread-messages.ts';

export interface ThreadedScreeningOptions {
  /** Score at or above which a candidate is a hit, 0..1. */
  threshold: number;
  /** A name not answered within this many ms fails (its payment is decided as degraded) and the thread is started again. Default 250. */
  answerWithinMs?: number;
  /** The longest an index build holds the thread before the names waiting are answered (ms). Default 5. */
  buildSliceMs?: number;
  log?: { info(fields: object, message: string): void; error(fields: object, message: string): void };
  now?: () => number;
  /** Tests only: `stall` makes the thread busy, as a stuck one would be. */
  testHooks?: boolean;
}

export interface ThreadedScreening extends ScreeningService {
  /** Tests only (`testHooks`): keeps the thread busy for `ms`. */
  stall(ms: number): void;
  /** Tests only (`testHooks`): the thread exits. */
  crash(): void;
}

interface PendingCheck {
  sentAt: number;
  resolve(hits: ScreeningHit[]): void;
  reject(e: Error): void;
}

interface PendingInstall {
  name: string;
  version: number;
  /** A version live before the thread was started again: the thread's answers count once all of these are back. */
  restore?: boolean;
  resolve(version: ListVersion): void;
  reject(e: Error): void;
}

/**
 * Name screening on a thread of its own (screening-thread.ts): the lists' indexes and
 * entities (hundreds of MiB for a million names) live off the main thread's heap, and a
 * name is matched on the other core while the main thread goes on with the payment (its
 * signature, its first Redis call), so the risk step only collects the answer.
 *
 * Nothing is ever answered "no hit" for want of the lists: a name the thread does not answer
 * within `answerWithinMs` fails with ScreeningUnavailableError, the thread is ended and
 * started again with the live versions (kept here, packed, a few MiB), and until it holds
 * them all again every name fails at once. A thread that exits is started again the same way,
 * after a backoff that doubles while it keeps failing.
 */
export function startThreadedScreening(options: ThreadedScreeningOptions): ThreadedScreening {
  const answerWithinMs = options.answerWithinMs ?? 250;
  const now = options.now ?? (() => performance.now());
  const settings: ScreeningThreadSettings = { threshold: options.threshold, buildSliceMs: options.buildSliceMs ?? 5, stallable: options.testHooks === true };

  /** The live version of each list, as the running thread confirmed it, with its entities to give a new thread. */
  const live = new Map<string, { version: ListVersion; packed: Uint8Array }>();
  /** Versions asked for and not yet confirmed, by question id. */
  const installs = new Map<number, PendingInstall & { packed: Uint8Array }>();
  /** In the order asked, which is the order answered: the first is the oldest. */
  const checks = new Map<number, PendingCheck>();
  let isAllowed: IsAllowed = () => false;
  let tag = '';
  let lastId = 0;
  let closed = false;

  let thread: { worker: Worker; port: MessagePort } | undefined;
  /** Versions a new thread must install before its answers count (its predecessor's live ones). */
  let restoring = 0;
  let failuresInARow = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let watchdog: NodeJS.Timeout | undefined;

  const retag = () => {
    tag = [...live.values()]
      .map((l) => `${l.version.name}:${l.version.version}`)
      .sort()
      .join(',');
  };

  const failChecks = (why: string) => {
    if (checks.size === 0) return;
    const error = new ScreeningUnavailableError(why);
    const failed = [...checks.values()];
    checks.clear();
    for (const check of failed) check.reject(error);
  };

  const onMessage = (message: FromScreeningThread) => {
    if (message.kind === 'checked' || (message.kind === 'failed' && checks.has(message.id))) {
      const check = checks.get(message.id);
      if (!check) return;
      checks.delete(message.id);
      if (checks.size === 0) holdOpen();
      if (message.kind === 'checked') check.resolve(message.hits);
      else check.reject(new ScreeningUnavailableError(`screening failed: ${message.message}`));
      return;
    }
    const install = installs.get(message.id);
    if (!install) return;
    installs.delete(message.id);
    holdOpen();
    if (message.kind === 'failed') {
      install.reject(new Error(`screening list ${install.name} v${install.version} not installed: ${message.message}`));
      // A live version the thread held before and cannot hold again: names go on failing, and a new thread tries again.
      if (install.restore) void restart();
      return;
    }
    if (install.restore && restoring > 0 && --restoring === 0) {
      failuresInARow = 0;
      options.log?.info({ lists: tag }, 'screening thread holds the live lists again');
    }
    const { version } = message;
    const known = live.get(version.name);
    // The thread answers with the version it holds: the one asked for, or a newer one this side already knows.
    if (version.version === install.version && (!known || known.version.version < version.version)) {
      live.set(version.name, { version, packed: install.packed });
      retag();
    }
    install.resolve(live.get(version.name)?.version ?? version);
  };

  /** Answers already posted by the thread, read now: the main thread may have been busy while they arrived. */
  const drain = () => {
    if (!thread) return;
    for (let m = receiveMessageOnPort(thread.port); m; m = receiveMessageOnPort(thread.port)) onMessage(m.message as FromScreeningThread);
  };

  const post = (message: ToScreeningThread) => thread!.port.postMessage(message);

  /** The channel keeps the process alive while an answer is awaited, and only then. */
  const holdOpen = () => {
    if (!thread) return;
    if (checks.size + installs.size > 0) thread.port.ref();
    else thread.port.unref();
  };

  const postInstall = (install: PendingInstall & { packed: Uint8Array }) => {
    const id = ++lastId;
    installs.set(id, install);
    post({ kind: 'install', id, name: install.name, version: install.version, packed: install.packed });
    holdOpen();
  };

  const armWatchdog = () => {
    if (watchdog || checks.size === 0) return;
    const oldest = checks.values().next().value!;
    watchdog = setTimeout(onWatchdog, Math.max(1, oldest.sentAt + answerWithinMs - now()));
    watchdog.unref();
  };

  function onWatchdog() {
    watchdog = undefined;
    drain();
    const oldest = checks.values().next().value;
    if (oldest && now() - oldest.sentAt >= answerWithinMs) {
      options.log?.error({ waiting: checks.size, answerWithinMs }, 'screening thread did not answer in time; starting it again');
      failChecks(`the screening thread did not answer within ${answerWithinMs} ms`);
      void restart();
      return;
    }
    armWatchdog();
  }

  const start = () => {
    const { port1, port2 } = new MessageChannel();
    const worker = startTypeScriptWorker(new URL('./screening-thread.ts', import.meta.url), settings);
    worker.postMessage({ port: port2 }, [port2]);
    port1.on('message', onMessage);
    port1.unref();
    worker.unref();
    const current = { worker, port: port1 };
    thread = current;
    worker.on('error', (e) => options.log?.error({ err: e.message }, 'screening thread failed'));
    worker.once('exit', (code) => {
      if (thread !== current || closed) return;
      options.log?.error({ code }, 'screening thread exited; starting it again');
      drain();
      thread = undefined;
      current.port.close();
      failChecks('the screening thread exited');
      scheduleStart();
    });
    // Everything live before, then every version still waiting, in the order asked.
    const waiting = [...installs.values()];
    installs.clear();
    restoring = live.size;
    const previous = [...live.values()];
    for (const { version, packed } of previous) {
      postInstall({
        name: version.name,
        version: version.version,
        packed,
        restore: true,
        resolve: () => {},
        // Every name fails until it is back: screened without one of the live lists is not screened.
        reject: (e) => options.log?.error({ list: version.name, version: version.version, err: e.message }, 'screening thread could not install a live list again'),
      });
    }
    for (const install of waiting) postInstall(install);
  };

  const scheduleStart = () => {
    const delayMs = Math.min(30_000, 100 * 2 ** Math.min(failuresInARow++, 16));
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (!closed) start();
    }, delayMs);
    restartTimer.unref();
  };

  const restart = async () => {
    const old = thread;
    thread = undefined;
    if (old) {
      old.port.close();
      await old.worker.terminate().catch(() => undefined);
    }
    if (!closed && !restartTimer) scheduleStart();
  };

  start();

  return {
    matchedOn: 'thread',
    install(name, version, packed) {
      if (closed) return Promise.reject(new Error('screening closed'));
      const known = live.get(name);
      if (known && known.version.version >= version) return Promise.resolve(known.version);
      return new Promise<ListVersion>((resolve, reject) => {
        const install = { name, version, packed, resolve, reject };
        if (thread) postInstall(install);
        // No thread right now: the next one installs it after the live ones.
        else installs.set(++lastId, install);
      });
    },
    versions: () => [...live.values()].map((l) => l.version),
    versionTag: () => tag,
    check(name: string, probe: ProbeFacts = {}) {
      if (closed) return Promise.reject(new ScreeningUnavailableError('screening closed'));
      if (!thread || restoring > 0) return Promise.reject(new ScreeningUnavailableError('the screening thread is starting again and does not hold the live lists yet'));
      return new Promise<ScreeningHit[]>((resolve, reject) => {
        const id = ++lastId;
        checks.set(id, { sentAt: now(), resolve, reject });
        post({ kind: 'check', id, name, probe });
        if (checks.size === 1) holdOpen();
        armWatchdog();
      });
    },
    partyOf: (candidates, probe = {}) => bestOfParty(candidates, isAllowed, probe.subject, probe.at ?? Date.now()),
    setAllowances(fn) {
      isAllowed = fn;
    },
    stall(ms) {
      if (!options.testHooks) throw new Error('stall is a test hook: start with testHooks');
      thread?.port.postMessage({ kind: 'stall', ms } satisfies ToScreeningThread);
    },
    crash() {
      if (!options.testHooks) throw new Error('crash is a test hook: start with testHooks');
      thread?.port.postMessage({ kind: 'exit' } satisfies ToScreeningThread);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(restartTimer);
      clearTimeout(watchdog);
      failChecks('screening closed');
      for (const install of installs.values()) install.reject(new Error('screening closed'));
      installs.clear();
      const old = thread;
      thread = undefined;
      if (old) {
        old.port.close();
        await old.worker.terminate().catch(() => undefined);
      }
    },
  };
}
