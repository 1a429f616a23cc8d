import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { webhookSignature } from '../analytics/alerts/webhook-delivery.ts';
import type { SlaEvent, SlaSettings } from './case-sla.ts';

/**
 * The SLA clocks' timers on BullMQ: a job scheduler sweeps the due clocks every
 * `sweepSeconds` (one worker at a time takes each run; the sweep itself reports each warning
 * and escalation once whoever runs it), and each escalation is posted to the configured
 * webhook by a job whose id is the case's, so it is delivered once, retried until it is.
 */
export const SLA_QUEUE = 'case-sla';
export const SLA_SCHEDULER = 'sweep-sla-clocks';
export const SLA_WEBHOOK_QUEUE = 'case-sla-webhooks';

interface WebhookJob {
  url: string;
  event: SlaEvent & { deadlineAt: string; subject: unknown };
}

const keep = { removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } };

export function startSlaJobs(
  connection: ConnectionOptions,
  options: {
    settings: SlaSettings;
    /** Sweeps the clocks due now and tells the consoles; returns the escalations for the webhook. */
    sweep: () => Promise<Array<SlaEvent & { deadlineAt: string; subject: unknown }>>;
    worker: boolean;
    log: { warn(o: object, m: string): void; error(o: object, m: string): void };
  },
) {
  const { settings } = options;
  const queue = new Queue(SLA_QUEUE, { connection });
  const webhooks = new Queue<WebhookJob>(SLA_WEBHOOK_QUEUE, { connection });
  const ready = queue.upsertJobScheduler(SLA_SCHEDULER, { every: settings.sweepSeconds * 1000 }, { name: 'sweep', data: {}, opts: keep });
  ready.catch((e: unknown) => options.log.error({ err: (e as Error).message }, 'SLA sweep scheduler not registered'));

  const workers: Worker[] = [];
  if (options.worker) {
    const sweeper = new Worker(
      SLA_QUEUE,
      async () => {
        const events = await options.sweep();
        if (settings.webhookUrl) {
          for (const event of events.filter((e) => e.kind === 'escalated')) {
            await webhooks.add('deliver', { url: settings.webhookUrl, event }, { jobId: `${event.caseId}-escalated`, attempts: 8, backoff: { type: 'exponential', delay: 1000 }, ...keep });
          }
        }
        return { warned: events.filter((e) => e.kind === 'warning').length, escalated: events.filter((e) => e.kind === 'escalated').length };
      },
      { connection, concurrency: 1 },
    );
    sweeper.on('failed', (job, e) => options.log.warn({ jobId: job?.id, err: e.message }, 'SLA sweep failed; the next one takes its clocks'));
    workers.push(sweeper);
    if (settings.webhookUrl) {
      const secret = settings.webhookSecret ?? '';
      const poster = new Worker<WebhookJob>(
        SLA_WEBHOOK_QUEUE,
        async (job) => {
          const body = JSON.stringify({ type: 'case.sla', ...job.data.event });
          const timestamp = String(Date.now());
          const response = await fetch(job.data.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-cpg-case-id': job.data.event.caseId, 'x-cpg-timestamp': timestamp, 'x-cpg-signature': webhookSignature(secret, timestamp, body) },
            body,
            signal: AbortSignal.timeout(5000),
          });
          await response.body?.cancel();
          if (!response.ok) throw new Error(`SLA webhook answered HTTP ${response.status}`);
        },
        { connection, concurrency: 4 },
      );
      poster.on('failed', (job, e) => options.log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: e.message }, 'SLA webhook delivery failed'));
      workers.push(poster);
    }
  }
  return {
    ready,
    async close() {
      for (const w of workers) await w.close();
      await queue.close();
      await webhooks.close();
    },
  };
}
