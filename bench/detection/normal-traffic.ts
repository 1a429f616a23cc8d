import type { SimulatedParticipant } from '../traffic/participants.ts';
import type { GeneratedPayment, PaymentGenerator } from '../traffic/payment-generator.ts';
import type { Random } from '../traffic/random.ts';
import type { SignedClient } from '../traffic/signed-client.ts';
import { failedRecord, isFlaggedRecord, responseRecordOf } from './answers.ts';
import type { JsonlWriter, Phase, ResponseRecord, TruthRecord } from './journal.ts';

/**
 * Ordinary traffic from the simulator's payment generator, every request labelled
 * legitimate. A small share of approved payments is refunded a little later by the
 * merchant's acquirer, as shops do, so refund rules meet ordinary refunds too.
 */

export interface NormalTrafficOptions {
  client: SignedClient;
  generator: PaymentGenerator;
  acquirerOf: (merchantId: string) => SimulatedParticipant | undefined;
  /** Share of approved ordinary payments refunded, 0 to 1. */
  refundRate: number;
  random: Random;
  /** Ordinary payments in flight at most; one more is counted as skipped. */
  concurrency: number;
  truth: JsonlWriter<TruthRecord>;
  responses: JsonlWriter<ResponseRecord>;
  phase: () => Phase;
  txnPrefix: string;
}

const REFUND_DELAY_MS = { min: 5_000, max: 30_000 } as const;

export function createNormalTraffic(options: NormalTrafficOptions) {
  const { client, truth, responses } = options;
  const inFlight = new Set<Promise<void>>();
  const refundTimers = new Set<NodeJS.Timeout>();
  const approvedSales = new Map<string, number>();
  const counts = { sent: 0, skipped: 0, answered: 0, failed: 0, flagged: 0, refunds: 0 };
  let refundsOpen = true;
  let refundSequence = 0;

  const track = (request: Promise<void>) => {
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  };

  const exchange = async (txnId: string, signer: SimulatedParticipant, path: string, body: string): Promise<ResponseRecord> => {
    const at = Date.now();
    try {
      const record = responseRecordOf(txnId, await client.send(signer, 'POST', path, body), at);
      counts.answered++;
      if (isFlaggedRecord(record)) counts.flagged++;
      responses.write(record);
      return record;
    } catch (e) {
      counts.failed++;
      const record = failedRecord(txnId, e, at);
      responses.write(record);
      return record;
    }
  };

  const refundLater = (payment: GeneratedPayment, paymentId: string) => {
    const acquirer = options.acquirerOf(payment.merchant.id);
    if (!acquirer || !refundsOpen) return;
    const delay = REFUND_DELAY_MS.min + options.random.next() * (REFUND_DELAY_MS.max - REFUND_DELAY_MS.min);
    const timer = setTimeout(() => {
      refundTimers.delete(timer);
      if (!refundsOpen) return;
      const txnId = `${options.txnPrefix}-r${++refundSequence}`;
      truth.write({ txnId, typology: 'legitimate', shouldFlag: false, kind: 'refund', phase: options.phase() });
      counts.refunds++;
      track(exchange(txnId, acquirer, `/v1/payments/${encodeURIComponent(paymentId)}/refund`, JSON.stringify({ txnId })).then(() => undefined));
    }, delay);
    refundTimers.add(timer);
  };

  return {
    counts,
    inFlight: () => inFlight.size,
    /** Approved ordinary payments at a merchant so far. */
    salesOf: (merchantId: string) => approvedSales.get(merchantId) ?? 0,

    /** Sends the next ordinary payment, unless `concurrency` are already in flight. */
    send(utcHour: number): void {
      if (inFlight.size >= options.concurrency) {
        counts.skipped++;
        return;
      }
      const payment = options.generator.next(utcHour);
      const txnId = payment.body.txnId;
      truth.write({ txnId, typology: 'legitimate', shouldFlag: false, kind: 'payment', phase: options.phase() });
      counts.sent++;
      track(
        exchange(txnId, payment.participant, '/v1/payments', JSON.stringify(payment.body)).then((record) => {
          if (record.status !== 'APPROVED') return;
          approvedSales.set(payment.merchant.id, (approvedSales.get(payment.merchant.id) ?? 0) + 1);
          if (record.paymentId && options.random.next() < options.refundRate) refundLater(payment, record.paymentId);
        }),
      );
    },

    /** No more refunds: the ones not yet sent are dropped (and were never written as truth). */
    closeRefunds(): void {
      refundsOpen = false;
      for (const timer of refundTimers) clearTimeout(timer);
      refundTimers.clear();
    },

    /** Waits for what is in flight, at most `timeoutMs`. */
    async drain(timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (inFlight.size > 0 && Date.now() < deadline) {
        await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, Math.max(1, deadline - Date.now())).unref())]);
      }
    },
  };
}

export type NormalTraffic = ReturnType<typeof createNormalTraffic>;
