import { setTimeout as sleep } from 'node:timers/promises';
import type { SimulatedParticipant } from '../traffic/participants.ts';
import type { PaymentRequestBody } from '../traffic/payment-generator.ts';
import type { ScheduledInstance } from '../traffic/scenarios/schedule.ts';
import { variantKey, type ScenarioContext, type ScenarioStep } from '../traffic/scenarios/scenario.ts';
import type { SignedClient } from '../traffic/signed-client.ts';
import { failedRecord, isFlaggedRecord, responseRecordOf } from './answers.ts';
import type { JsonlWriter, ResponseRecord, TruthRecord } from './journal.ts';
import { isLegitimateVariant } from './short-history-spike.ts';

/**
 * Plays scenario instances: each starts at its time, generates its steps against the wall
 * clock, and sends them in order, each no earlier than its time and only after the one
 * before was answered (a refund needs the payment's id; a profile needs the payments
 * before it recorded).
 */

export interface PlayerOptions {
  client: SignedClient;
  signerOf: (participantId: string) => SimulatedParticipant | undefined;
  qrOf: (merchantId: string) => string | undefined;
  contextFor: (instance: ScheduledInstance, startsAtMs: number) => ScenarioContext;
  truth: JsonlWriter<TruthRecord>;
  responses: JsonlWriter<ResponseRecord>;
  signal: AbortSignal;
}

export interface PlayerCounts {
  started: number;
  finished: number;
  /** Instances that could not be generated, by reason ("typology/variant: why"). */
  unavailable: Record<string, number>;
  requests: number;
  answered: number;
  failed: number;
  flagged: number;
}

export function createScenarioPlayer(options: PlayerOptions) {
  const counts: PlayerCounts = { started: 0, finished: 0, unavailable: {}, requests: 0, answered: 0, failed: 0, flagged: 0 };
  const { client, truth, responses, signal } = options;

  const exchange = async (txnId: string, signer: SimulatedParticipant | undefined, path: string, body: string): Promise<ResponseRecord> => {
    const at = Date.now();
    counts.requests++;
    let record: ResponseRecord;
    if (!signer) {
      record = failedRecord(txnId, 'NOT_SENT: no credentials for the participant', at);
    } else {
      try {
        record = responseRecordOf(txnId, await client.send(signer, 'POST', path, body), at);
        counts.answered++;
        if (isFlaggedRecord(record)) counts.flagged++;
      } catch (e) {
        record = failedRecord(txnId, e, at);
      }
    }
    if (record.httpStatus !== 200) counts.failed++;
    responses.write(record);
    return record;
  };

  async function sendStep(step: ScenarioStep, paymentIds: Map<string, string>): Promise<void> {
    if (step.kind === 'payment') {
      const payload = options.qrOf(step.merchantId);
      if (!payload) {
        counts.requests++;
        counts.failed++;
        responses.write(failedRecord(step.txnId, `NOT_SENT: no QR for merchant ${step.merchantId}`, Date.now()));
        return;
      }
      const body: PaymentRequestBody = { txnId: step.txnId, qr: { payload }, amount: step.amount, payer: step.payer };
      const record = await exchange(step.txnId, options.signerOf(step.participantId), '/v1/payments', JSON.stringify(body));
      if (record.status === 'APPROVED' && record.paymentId) paymentIds.set(step.txnId, record.paymentId);
      return;
    }
    const original = paymentIds.get(step.refundOf);
    if (!original) {
      counts.requests++;
      counts.failed++;
      responses.write(failedRecord(step.txnId, 'NOT_SENT: the payment to refund was not approved', Date.now()));
      return;
    }
    const body = JSON.stringify(step.amount ? { txnId: step.txnId, amount: step.amount } : { txnId: step.txnId });
    await exchange(step.txnId, options.signerOf(step.participantId), `/v1/payments/${encodeURIComponent(original)}/refund`, body);
  }

  async function play(instance: ScheduledInstance, measureStartMs: number): Promise<void> {
    if (!(await waitUntil(measureStartMs + instance.startOffsetMs, signal))) return;
    const startsAtMs = Date.now();
    const scenario = variantKey(instance.variant);
    // Ordinary people played step by step like a scenario, and scored with ordinary traffic.
    const legitimate = isLegitimateVariant(instance.variant);
    let steps: ScenarioStep[];
    try {
      steps = instance.variant.generate(options.contextFor(instance, startsAtMs));
    } catch (e) {
      const reason = `${scenario}: ${(e as Error).message}`;
      counts.unavailable[reason] = (counts.unavailable[reason] ?? 0) + 1;
      return;
    }
    counts.started++;
    const paymentIds = new Map<string, string>();
    for (const step of steps) {
      if (!(await waitUntil(startsAtMs + step.atMs, signal))) return;
      truth.write(
        legitimate
          ? { txnId: step.txnId, typology: 'legitimate', shouldFlag: false, kind: step.kind, phase: 'measure', scenario: `legitimate/${instance.variant.name}`, instance: instance.id }
          : {
              txnId: step.txnId,
              typology: step.label.typology,
              shouldFlag: step.label.shouldFlag,
              ...(step.label.also ? { also: step.label.also } : {}),
              kind: step.kind,
              phase: 'measure',
              scenario,
              instance: instance.id,
            },
      );
      await sendStep(step, paymentIds);
    }
    counts.finished++;
  }

  return {
    counts,
    /** Plays every instance of the schedule, each from `measureStartMs` + its offset; resolves when all are done. */
    async playAll(instances: readonly ScheduledInstance[], measureStartMs: number): Promise<void> {
      await Promise.all(instances.map((instance) => play(instance, measureStartMs)));
    },
  };
}

/** Sleeps until the wall clock reaches `atMs`; false when aborted. */
async function waitUntil(atMs: number, signal: AbortSignal): Promise<boolean> {
  const wait = atMs - Date.now();
  if (wait > 0) {
    try {
      await sleep(wait, undefined, { signal });
    } catch {
      return false;
    }
  }
  return !signal.aborted;
}
