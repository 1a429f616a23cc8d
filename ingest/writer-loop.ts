import type { Redis } from 'ioredis';
import { appendDeadLetters, deadLetterNotice, deadLetterStream, UNDECODABLE, type DeadLetterReason } from './dead-letters.ts';
import { refusalOf, type Refusal } from './insert-refusal.ts';
import { bodyOf, isolateRefusedRows, type BatchRow } from './isolate-refused-rows.ts';
import { consumerGroupField } from './stream-lag.ts';
import { prepareBatch, transactionRowOf, type Batch, type Entry } from './writer-batch.ts';
import { NO_WRITER_STATS, withDefaults, type DefaultedWriterLoopOptions, type WriterLoopOptions, type WriterStats } from './writer-options.ts';
import { inflightKeyOf, recoverInterrupted, type InFlight } from './writer-recovery.ts';

/**
 * The ingest writer's loop, run in the writer thread: reads a consumer group in batches,
 * inserts each batch with a token derived from its stream ids, and acknowledges only after
 * ClickHouse confirmed. The batch in flight is recorded in Redis first, so after a crash the
 * same entries are inserted again with the same token, and ClickHouse drops the duplicate
 * (writer-recovery.ts). Rows ClickHouse refuses are isolated (isolate-refused-rows.ts) and
 * moved, with the entries that make no row, to the stream's dead-letter store
 * (dead-letters.ts); the rest land.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Once a batch has entries, the next read waits this long for more: an XREADGROUP per
 * entry (the switch appends one at a time) cost the writer more CPU than the entries did.
 */
const GATHER_MS = 50;

export class WriterLoop {
  private readonly o: DefaultedWriterLoopOptions;
  private readonly blocking: Redis;
  private readonly inflightKey: string;
  private readonly deadStream: string;
  private stopping = false;
  private abandonAt = Number.POSITIVE_INFINITY;
  private loop: Promise<void> | undefined;
  private lastTrim = 0;
  /** The blocking connection came back since the pending list was last read: it may hold entries nobody saw. */
  private pendingUnseen = false;
  private readonly counters: WriterStats = { ...NO_WRITER_STATS };

  constructor(options: WriterLoopOptions) {
    this.o = withDefaults(options);
    // XREADGROUP BLOCK holds its connection: it gets one of its own.
    this.blocking = options.redis.duplicate({ commandTimeout: undefined });
    // Its failures surface through the commands; without a listener ioredis prints each one.
    this.blocking.on('error', () => undefined);
    // A reply lost with the connection (Redis stopped) leaves entries delivered, pending for
    // this consumer, that this loop never saw: ioredis sends the XREADGROUP again, and '>'
    // then reads past them. After every reconnection the pending list is read again.
    let connected = false;
    this.blocking.on('ready', () => {
      if (connected) this.pendingUnseen = true;
      connected = true;
    });
    this.inflightKey = inflightKeyOf(this.o.stream, this.o.consumer);
    this.deadStream = deadLetterStream(this.o.stream);
  }

  /** Runs until closed and drained; rejects when the loop cannot go on (Redis gone, closed while ClickHouse was failing). */
  run(): Promise<void> {
    this.loop ??= this.loopUntilClosed();
    return this.loop;
  }

  /** Stops reading new entries once drained (or after `drainMs`); what is left stays in the stream. */
  async close(drainMs = 5000): Promise<void> {
    this.stopping = true;
    this.abandonAt = Date.now() + drainMs;
    try {
      await this.loop;
    } finally {
      this.blocking.disconnect();
    }
  }

  stats(): WriterStats {
    return { ...this.counters };
  }

  private async loopUntilClosed(): Promise<void> {
    await this.ensureGroup();
    await this.recover();
    let batch = await this.readAhead();
    while (!this.stopping) {
      // While the main thread inserts this batch, the next one is read and built here. It is
      // recorded in flight only after this one is acknowledged: a crash in between leaves it
      // pending for this consumer, never inserted, and recover() reads it again.
      const [, next] = await Promise.all([this.commit(batch), this.readAhead()]);
      batch = await this.refreshIfNeeded(next);
      await this.trimNow();
    }
    // Drain what was read ahead and what the switch appended before it stopped, within the shutdown budget.
    await this.commit(await this.refreshIfNeeded(batch));
    while (Date.now() < this.abandonAt) {
      const entries = await this.readBatch('>', false);
      if (entries.length === 0) break;
      await this.write(entries);
    }
  }

  private async readAhead(): Promise<Batch> {
    const readAt = Date.now();
    return this.prepare(await this.readBatch('>'), { readAt });
  }

  /**
   * A batch read ahead waits, pending and unrecorded, while the one before it is inserted
   * (retried, if ClickHouse fails). Once idle for `claimIdleMs`, another writer's recovery
   * would take its entries over; well before that, they are read again from this consumer's
   * pending list, which makes them fresh again and leaves out any already taken over. The
   * same read, once the batch before is acknowledged, picks up entries whose delivery was
   * lost with a connection (`pendingUnseen`): the pending list then holds the batch read
   * ahead and those, oldest first.
   */
  private async refreshIfNeeded(batch: Batch): Promise<Batch> {
    const unseen = this.pendingUnseen;
    if (!unseen && (batch.ids.length === 0 || Date.now() - batch.readAt < this.o.claimIdleMs / 2)) return batch;
    this.pendingUnseen = false;
    const readAt = Date.now();
    const again = this.prepare(await this.readBatch('0', false), { readAt });
    // A full batch may leave more behind it: read the pending list again next time.
    if (unseen && again.ids.length >= this.o.batchSize) this.pendingUnseen = true;
    if (unseen) this.o.log?.info({ readAhead: batch.ids.length, pending: again.ids.length }, 'ingest: reconnected; read the pending entries again');
    else this.o.log?.info({ entries: batch.ids.length, stillOurs: again.ids.length }, 'ingest: a batch read ahead waited long; read again');
    return again;
  }

  private async ensureGroup(): Promise<void> {
    try {
      await this.o.redis.xgroup('CREATE', this.o.stream, this.o.group, '0', 'MKSTREAM');
    } catch (e) {
      if (!String((e as Error).message).includes('BUSYGROUP')) throw e;
    }
  }

  private recover(): Promise<void> {
    return recoverInterrupted({
      ...this.o,
      write: (entries, token, inflightKey) => this.write(entries, token, inflightKey),
      readPending: () => this.readBatch('0', false),
    });
  }

  private async readBatch(from: '>' | '0', block = true): Promise<Entry[]> {
    const batch: Entry[] = [];
    const deadline = Date.now() + this.o.maxWaitMs;
    while (batch.length < this.o.batchSize) {
      const remaining = deadline - Date.now();
      const args: Array<string | number> = ['GROUP', this.o.group, this.o.consumer, 'COUNT', this.o.batchSize - batch.length];
      if (block && from === '>') {
        if (remaining <= 0 || this.stopping) break;
        if (batch.length > 0) {
          await sleep(Math.min(GATHER_MS, remaining));
          if (this.stopping) break;
        }
        args.push('BLOCK', Math.max(1, deadline - Date.now()));
      }
      const reply = (await this.blocking.call('XREADGROUP', ...args, 'STREAMS', this.o.stream, from)) as
        | Array<[string, Entry[]]>
        | null;
      const entries = reply?.[0]?.[1] ?? [];
      batch.push(...entries);
      if (entries.length === 0 || from === '0' || !block) break;
    }
    return batch;
  }

  private write(entries: Entry[], token?: string, inflightKey = this.inflightKey): Promise<void> {
    return this.commit(this.prepare(entries, { token, inflightKey }));
  }

  private prepare(entries: Entry[], at: { token?: string; inflightKey?: string; readAt?: number }): Batch {
    return prepareBatch(entries, this.o.rowOf ?? transactionRowOf, { ...at, inflightKey: at.inflightKey ?? this.inflightKey });
  }

  /**
   * Records the batch in flight (unless a writer before did), inserts it, and acknowledges it
   * once ClickHouse confirmed. Rows ClickHouse refuses are isolated, the others landed once,
   * and the refused and undecodable entries are dead-lettered in the MULTI that acknowledges.
   */
  private async commit(batch: Batch): Promise<void> {
    const { ids, inflightKey } = batch;
    if (ids.length === 0) {
      // Recovery of a batch whose entries were all acknowledged already: only its record is left.
      if (batch.token) await this.o.redis.del(inflightKey);
      return;
    }
    const started = performance.now();
    const first = ids[0]!;
    const last = ids[ids.length - 1]!;
    const token = batch.token ?? `tx:${first}:${last}:${ids.length}`;
    if (!batch.token) {
      const record: InFlight = { first, last, count: ids.length, token };
      await this.o.redis.set(inflightKey, JSON.stringify(record));
    }
    const refusal = batch.rows.length > 0 ? await this.insertWithRetry(batch.body, batch.rows.length, token) : undefined;
    const reasons = new Map<string, DeadLetterReason>(batch.undecodable.map((u) => [u.id, { code: UNDECODABLE, message: u.message }]));
    let refused = 0;
    if (refusal) {
      this.o.log?.warn({ rows: batch.rows.length, code: refusal.code, token }, 'ingest: ClickHouse refused a batch; landing the rows it accepts');
      for (const { id, refusal: r } of await isolateRefusedRows(batch.rows, token, refusal, (rows, sliceToken) => this.insertSlice(rows, sliceToken))) {
        reasons.set(id, { code: r.code, message: r.message });
        refused += 1;
      }
    } else {
      await this.o.afterInsert?.({ token, ids });
    }
    // One entry no version of the tap wrote, or one row ClickHouse refuses, would block the
    // stream forever: it moves to the dead-letter store, acknowledged in the same MULTI.
    const tx = this.o.redis.multi();
    const dead = appendDeadLetters(tx, this.o.stream, batch.entries, reasons);
    tx.xack(this.o.stream, this.o.group, ...ids).del(inflightKey);
    await tx.exec();
    const landed = batch.rows.length - refused;
    this.counters.rows += landed;
    this.counters.batches += 1;
    this.counters.deadLetters += dead.length;
    this.counters.lastBatchRows = landed;
    this.counters.lastBatchMs = batch.prepareMs + performance.now() - started;
    this.o.onStats?.(this.stats());
    if (dead.length > 0) {
      const notice = deadLetterNotice(this.o.stream, dead);
      // Codes and ids only: a ClickHouse message may quote the row.
      this.o.log?.error({ ...notice, deadLetters: this.deadStream }, 'ingest: entries moved to the dead-letter store');
      this.o.onDeadLetters?.(notice);
    }
  }

  /** One part of a split batch: inserted (retrying a failing ClickHouse) under its own token, parsed row by row, or refused. */
  private async insertSlice(rows: BatchRow[], token: string): Promise<Refusal | undefined> {
    const refusal = await this.insertWithRetry(bodyOf(rows), rows.length, token, true);
    if (!refusal) await this.o.afterInsert?.({ token, ids: rows.map((r) => r.id) });
    return refusal;
  }

  /** Inserts until ClickHouse confirms (undefined) or refuses the rows (the refusal); a failing ClickHouse is retried with backoff. */
  private async insertWithRetry(body: string, rows: number, token: string, rowByRow = false): Promise<Refusal | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.o.insert(body, token, { rowByRow });
        this.counters.retrying = false;
        return undefined;
      } catch (e) {
        const refusal = refusalOf(e);
        if (refusal) {
          this.counters.retrying = false;
          return refusal;
        }
        this.counters.failures += 1;
        this.counters.retrying = true;
        this.o.onStats?.(this.stats());
        if (attempt === 0 || attempt % 20 === 0) {
          this.o.log?.warn({ err: (e as Error).message, attempt, rows }, 'ingest: ClickHouse insert failed; retrying');
        }
        if (Date.now() >= this.abandonAt) {
          // Shutting down: the batch stays pending, recorded as in flight, for the next start.
          throw new Error('ingest writer closed while ClickHouse was failing');
        }
        const backoff = Math.min(this.o.retryMaxMs, this.o.retryMinMs * 2 ** Math.min(attempt, 10));
        await sleep(Math.min(backoff * (0.5 + Math.random() / 2), Math.max(0, this.abandonAt - Date.now())));
      }
    }
  }

  /** Drops acknowledged entries: everything older than the oldest pending or undelivered one. */
  private async trimNow(): Promise<void> {
    if (Date.now() - this.lastTrim < 5000) return;
    this.lastTrim = Date.now();
    const redis = this.o.redis;
    const summary = (await redis.xpending(this.o.stream, this.o.group)) as [number, string | null];
    const groups = (await redis.xinfo('GROUPS', this.o.stream)) as unknown[][];
    const minId = Number(summary[0]) > 0 ? summary[1] : consumerGroupField(groups, this.o.group, 'last-delivered-id');
    if (minId && minId !== '0-0') await redis.xtrim(this.o.stream, 'MINID', minId);
  }
}

