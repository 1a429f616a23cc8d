import type { ChainableCommander } from 'ioredis';
import type { SwitchedMessage } from '../../domain/transaction.ts';
import { pipelineScript } from '../lua-scripts.ts';
import { amountInCny, isNearThreshold, usdCents } from './gather.ts';
import { messageKeys, paymentKey } from './keys.ts';

/**
 * Appends recordRiskOutcome to the pipeline (or MULTI) that carries the ledger's commit,
 * after it: the script reads the committed status from `payment:{paymentId}` and records
 * approved amounts, the payer profile and location, or a refund. Sent in the same round
 * trip as the commit; an error in it never undoes the commit.
 */
export function appendRecordOutcome(pipeline: ChainableCommander, message: SwitchedMessage, cnyPerUsd: number): void {
  const k = messageKeys(message);
  const cents = usdCents(message.amountUsd);
  const usd = cents / 100;
  const location = message.payer.location;
  pipelineScript(pipeline, 'recordRiskOutcome')(
    paymentKey(message.paymentId),
    k.payerVelocity,
    k.deviceVelocity,
    k.ipVelocity,
    k.merchantVelocity,
    k.pairVelocity,
    k.payerProfile,
    k.merchantProfile,
    String(message.receivedAt),
    message.messageType,
    String(cents),
    message.payer.deviceId ? '1' : '0',
    message.payer.ip ? '1' : '0',
    isNearThreshold(usd, amountInCny(message, usd, cnyPerUsd)) ? '1' : '0',
    location ? String(location.lat) : '',
    location ? String(location.lon) : '',
  );
}
