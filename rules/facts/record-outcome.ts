import type { ChainableCommander, Redis } from 'ioredis';
import type { SwitchedMessage } from '../../domain/transaction.ts';
import { scriptCommand } from '../../domain/redis-scripts.ts';
import type { RiskScripts } from '../lua-scripts.ts';
import { amountInCny, isNearThreshold, usdCents } from './gather.ts';
import { messageKeys, paymentKey } from './keys.ts';

/**
 * Issues recordRiskOutcome right after the ledger's commit, on the same connection (the
 * auto-pipelined client, or a pipeline or MULTI): the script reads the committed status
 * from `payment:{paymentId}` and records approved amounts, the payer profile and location,
 * or a refund. Sent in the same write as the commit; an error in it never undoes the
 * commit. On a client, returns the reply's promise so the caller can count failures.
 */
export function appendRecordOutcome(commands: ChainableCommander | Redis, message: SwitchedMessage, cnyPerUsd: number): unknown {
  const k = messageKeys(message);
  const cents = usdCents(message.amountUsd);
  const usd = cents / 100;
  const location = message.payer.location;
  return scriptCommand<RiskScripts>(commands, 'recordRiskOutcome')(
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
