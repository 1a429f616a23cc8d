import { createHmac } from 'node:crypto';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Alert } from './alert.ts';

/**
 * Each new alert is delivered to its participant's webhook by a BullMQ job: retried with
 * exponential backoff, deduplicated by alert id (the job id), signed with the
 * participant's secret so the receiver can tell it came from the gateway.
 */
export const WEBHOOK_QUEUE = 'alert-webhooks';

export interface WebhookJob {
  url: string;
  participant: string;
  alert: Pick<Alert, 'id' | 'paymentId' | 'participant' | 'score' | 'decision' | 'reasons' | 'severity' | 'createdAt' | 'ruleId'>;
}

export function createWebhookQueue(connection: ConnectionOptions) {
  const queue = new Queue<WebhookJob>(WEBHOOK_QUEUE, { connection });
  return {
    queue,
    async enqueue(alert: Alert, url: string): Promise<void> {
      const job: WebhookJob = {
        url,
        participant: alert.participant,
        alert: {
          id: alert.id, paymentId: alert.paymentId, participant: alert.participant, score: alert.score,
          decision: alert.decision, reasons: alert.reasons, severity: alert.severity, createdAt: alert.createdAt, ruleId: alert.ruleId,
        },
      };
      await queue.add('deliver', job, {
        jobId: alert.id,
        attempts: 8,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: { count: 10_000 },
        removeOnFail: { count: 10_000 },
      });
    },
    close: () => queue.close(),
  };
}

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${body}`).digest('hex');
}

export function startWebhookWorker(
  connection: ConnectionOptions,
  options: { secretOf(participant: string): string | undefined; timeoutMs?: number; concurrency?: number },
) {
  return new Worker<WebhookJob>(
    WEBHOOK_QUEUE,
    async (job) => {
      const secret = options.secretOf(job.data.participant);
      if (!secret) throw new Error(`no secret for participant ${job.data.participant}`);
      const body = JSON.stringify({ type: 'alert', alert: job.data.alert });
      const timestamp = String(Date.now());
      const response = await fetch(job.data.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-cpg-alert-id': job.data.alert.id,
          'x-cpg-timestamp': timestamp,
          'x-cpg-signature': webhookSignature(secret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`webhook answered HTTP ${response.status}`);
    },
    { connection, concurrency: options.concurrency ?? 8 },
  );
}
