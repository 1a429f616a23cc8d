import type { FastifyInstance } from 'fastify';
import { alertEventRow } from '../../ingest/alert-event-row.ts';
import { clickhouseTransactionBodySink, type TransactionBodySink } from '../../ingest/clickhouse-sink.ts';
import { createDeadLetterTally, type DeadLetterNotice } from '../../ingest/dead-letters.ts';
import { streamLag } from '../../ingest/stream-lag.ts';
import { superviseLoop } from '../../ingest/supervised-loop.ts';
import { DEFAULT_WRITER_GROUP } from '../../ingest/writer-options.ts';
import { WriterLoop } from '../../ingest/writer-loop.ts';
import { IngestWriter, type WriterOptions } from '../../ingest/writer.ts';
import { AUDIT_STREAM, auditRow } from '../audit-stream.ts';
import type { ClickHouse } from '../clickhouse.ts';
import { registerDeadLetterMetrics, registerWriterMetrics } from '../plugins/metrics.ts';
import { logConnectionErrors } from '../redis-errors.ts';
import { ALERT_EVENTS_STREAM } from './alerting.ts';
import { CASE_EVENTS_STREAM } from '../../cases/case-store.ts';
import { caseEventRow } from '../../ingest/case-event-row.ts';
import { opening, type Capability, type Closers } from './capability.ts';
import type { PlatformContext } from './context.ts';

/** Seams for fault tests: wrap the ClickHouse insert, act between insert and ack. */
export interface IngestHooks {
  wrapInsert?: (insert: TransactionBodySink) => TransactionBodySink;
  afterInsert?: WriterOptions['afterInsert'];
}

export interface Ingest {
  /** The transactions writer, in the process that writes (role ingest, INGEST_WRITER on). */
  writer?: IngestWriter;
  /** How far the transactions are from ClickHouse: the writer's own figure where it runs, the stream's elsewhere. */
  lagMs(): Promise<number>;
  /** /health's ingest details. */
  health(): Promise<Record<string, unknown>>;
  /** Tells `listener` of every batch this process's writers moved to a dead-letter store. */
  onDeadLetters(listener: (notice: DeadLetterNotice) => void): void;
}

/**
 * The writers that move the tap's streams into ClickHouse: the transactions (a thread of
 * their own) and, at a far lower rate, alert history and the audit of nodes without
 * ClickHouse. They are built here and started once the app exists, so recovery after a
 * crash logs; they close after the HTTP server, draining what the last payments appended.
 */
export function startIngest(ctx: PlatformContext, hooks: IngestHooks = {}): Promise<Ingest & Capability> {
  return opening(async (closers) => {
    const { config, redis, tap, metrics } = ctx;
    const writes = ctx.plan.ingest && config.ingestWriter ? ctx.clickhouse : undefined;
    // Entries the writers move to a dead-letter store: counted (/metrics, /health), and told on (an operator alert per burst).
    const streams = [tap.stream, ALERT_EVENTS_STREAM, CASE_EVENTS_STREAM, AUDIT_STREAM];
    const deadLetters = createDeadLetterTally(redis, streams);
    const countDeadLetters = writes ? registerDeadLetterMetrics(metrics, streams) : () => undefined;
    const listeners: Array<(notice: DeadLetterNotice) => void> = [];
    const onDeadLetters = (notice: DeadLetterNotice) => {
      countDeadLetters(notice.stream, notice.count);
      deadLetters.record(notice);
      for (const listener of listeners) listener(notice);
    };

    let writer: IngestWriter | undefined;
    let startLoops: Array<() => void> = [];
    if (writes) {
      const sink = clickhouseTransactionBodySink(writes.client, config.clickhouseDatabase);
      writer = new IngestWriter({
        redis,
        redisUrl: ctx.redisUrl,
        stream: tap.stream,
        consumer: config.ingestConsumer,
        insert: hooks.wrapInsert ? hooks.wrapInsert(sink) : sink,
        batchSize: config.file.ingest.batchSize,
        maxWaitMs: config.file.ingest.maxWaitMs,
        afterInsert: hooks.afterInsert,
        onDeadLetters,
      });
      registerWriterMetrics(metrics, writer);
      const started = writer;
      closers.add(() => started.close());
      startLoops = startEventWriters(ctx, writes, onDeadLetters, closers);
    }
    const lagMs = async () => (writer ? (await writer.lag()).lagMs : (await streamLag(redis, tap.stream, DEFAULT_WRITER_GROUP)).lagMs);
    return {
      writer,
      lagMs,
      health: async () =>
        writer
          ? { ...(await writer.lag()), ...writer.stats(), deadLettersByStream: await deadLetters.figures() }
          : { writer: 'not in this process', lagMs: await lagMs().catch(() => -1) },
      onDeadLetters: (listener) => void listeners.push(listener),
      attach(app: FastifyInstance) {
        writer?.start(app.log);
        for (const start of startLoops) start();
      },
    };
  });
}

/**
 * Alert and case history and the audit of nodes without ClickHouse take the transactions' road at a
 * far lower rate: on this thread. Returns their starts.
 */
function startEventWriters(ctx: PlatformContext, clickhouse: ClickHouse, onDeadLetters: (notice: DeadLetterNotice) => void, closers: Closers): Array<() => void> {
  const { config, log } = ctx;
  // Their own connection: the shared one auto-pipelines, and scripts defined on it later
  // would be missing from a pipeline these writers' commands had already opened.
  const loopRedis = ctx.redis.duplicate({ enableAutoPipelining: false });
  logConnectionErrors(loopRedis, 'event writers', log);
  closers.add(() => loopRedis.quit());
  const starts: Array<() => void> = [];
  for (const [stream, table, rowOf] of [
    [ALERT_EVENTS_STREAM, 'alert_events', alertEventRow],
    [CASE_EVENTS_STREAM, 'case_events', caseEventRow],
    [AUDIT_STREAM, 'audit_log', auditRow],
  ] as const) {
    // Supervised: a loop that gives up (a Redis command timing out while the process is
    // busy starting) is started again, and the new one recovers what was in flight.
    const loop = superviseLoop(
      () =>
        new WriterLoop({
          redis: loopRedis,
          stream,
          consumer: config.ingestConsumer,
          insert: clickhouseTransactionBodySink(clickhouse.client, config.clickhouseDatabase, table),
          rowOf,
          batchSize: 1000,
          maxWaitMs: 500,
          log,
          onDeadLetters,
        }),
      // Back within 5 s of a long Redis outage, not the default 30 s.
      { name: `${table} writer`, log, restartMaxMs: 5000 },
    );
    closers.add(() => loop.close());
    starts.push(() => loop.start());
  }
  return starts;
}
