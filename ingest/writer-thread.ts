/**
 * The ingest writer's thread: owns its Redis connections and the whole read, record, ack,
 * trim and recovery loop, and builds each batch's JSONEachRow body here, off the main
 * thread. Only the ClickHouse insert itself is asked of the main thread (embedded ClickHouse
 * cannot be shared between threads), and so is the test hook that runs before the ack.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Redis } from 'ioredis';
import type { FromWriterThread, ToWriterThread, WriterThreadSettings } from './writer-messages.ts';
import { WriterLoop } from './writer-loop.ts';
import type { WriterLog } from './writer-options.ts';

type Question = Extract<FromWriterThread, { id: number }>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const port = parentPort!;
const { redisUrl, afterInsert, ...loopSettings } = workerData as WriterThreadSettings;
const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
let lastQuestion = 0;
let closing = false;

const post = (message: FromWriterThread) => port.postMessage(message);
const ask = (question: DistributiveOmit<Question, 'id'>) =>
  new Promise<void>((resolve, reject) => {
    const id = ++lastQuestion;
    waiting.set(id, { resolve, reject });
    post({ ...question, id } as Question);
  });
const logAt = (level: 'info' | 'warn' | 'error') => (fields: object, message: string) =>
  post({ kind: 'log', level, fields: plainFields(fields), message });
const log: WriterLog = { info: logAt('info'), warn: logAt('warn'), error: logAt('error') };

const redis = new Redis(redisUrl);
// ioredis reconnects by itself; one line per outage, not one per attempt.
let redisDown = false;
redis.on('error', (e: Error) => {
  if (!redisDown) log.warn({ err: e.message }, 'ingest writer: Redis connection failed; reconnecting');
  redisDown = true;
});
redis.on('ready', () => (redisDown = false));

const loop = new WriterLoop({
  ...loopSettings,
  redis,
  insert: (body, token, options) => ask({ kind: 'insert', token, body, rowByRow: options?.rowByRow }),
  afterInsert: afterInsert ? ({ token, ids }) => ask({ kind: 'after-insert', token, ids }) : undefined,
  onStats: (stats) => post({ kind: 'stats', stats }),
  onDeadLetters: (notice) => post({ kind: 'dead-letters', notice }),
  log,
});

port.on('message', (message: ToWriterThread) => {
  if (message.kind === 'answer') {
    const question = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error === undefined) question?.resolve();
    else question?.reject(Object.assign(new Error(message.error), { code: message.code, type: message.type }));
  } else if (message.kind === 'close') {
    void close(message.drainMs);
  }
});

loop.run().catch((e: unknown) => {
  if (closing) return; // close() reports it
  log.error({ err: errorFields(e) }, 'ingest writer stopped');
  // Exiting is the thread's crash: the main thread starts a new one, which finishes the batch in flight.
  redis.disconnect();
  process.exit(1);
});

async function close(drainMs: number): Promise<void> {
  if (closing) return;
  closing = true;
  try {
    await loop.close(drainMs);
  } catch (e) {
    log.warn({ err: errorFields(e) }, 'ingest writer closed with a batch left in flight; the next start finishes it');
  } finally {
    await redis.quit().catch(() => redis.disconnect());
    // Messages already posted reach the main thread before it sees this thread exit.
    process.exit(0);
  }
}

function errorFields(e: unknown): { message: string; stack?: string } {
  return e instanceof Error ? { message: e.message, stack: e.stack } : { message: String(e) };
}

/** Log fields cross the thread boundary by structured clone: errors become plain objects. */
function plainFields(fields: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? errorFields(v) : v;
  return out;
}
