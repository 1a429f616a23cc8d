import type { Redis } from 'ioredis';
import { defineScripts } from '../domain/redis-scripts.ts';
import type { DomainError } from '../domain/result.ts';
import type { PaymentStatus, TapEvent } from '../domain/transaction.ts';

/**
 * The switch's operational store in Redis (AOF): txnId claims for idempotency, the
 * simulated issuer's wallets, and every payment for status queries and follow-ups.
 * Each commit is one Lua script, so a payment is either fully recorded or not at all.
 */

export interface StoredPayment {
  /** The tap's entry of the message, stored as it was streamed: the event but its outcome. */
  record: TapEvent;
  status: PaymentStatus;
  declineCode: string;
  amountMinor: bigint;
  settleMinor: bigint;
  refundedMinor: bigint;
  reversed: boolean;
}

export type Claim =
  | { kind: 'claimed'; token: string }
  | { kind: 'done'; paymentId: string }
  | { kind: 'conflict' }
  | { kind: 'in-progress' };

/**
 * What a commit did: decided the message's status, refused it with nothing written (a
 * follow-up the payment no longer allows), or found its claim gone (taken after expiring).
 */
export type CommitOutcome = { status: PaymentStatus; declineCode: string } | { rejected: DomainError } | { lost: true };

/** What commitFollowUp-5.lua refuses, in words. */
const FOLLOW_UP_REFUSALS = {
  PAYMENT_NOT_FOUND: 'no such payment',
  ORIGINAL_NOT_APPROVED: 'only an approved payment can be refunded or reversed',
  ALREADY_REVERSED: 'the payment was already reversed',
  ALREADY_REFUNDED: 'a refunded payment cannot be reversed',
  REVERSAL_WINDOW_CLOSED: 'the reversal window has closed; send a refund instead',
  REFUND_EXCEEDS_PAYMENT: 'the refunds would exceed the payment',
  SETTLEMENT_ROUNDS_TO_ZERO: "the refund is worth less than one minor unit of the wallet's currency",
} as const;
type FollowUpRefusal = keyof typeof FOLLOW_UP_REFUSALS;

export interface LedgerOptions {
  idempotencyTtlMs: number;
  retentionMs: number;
  /** How long an unfinished claim blocks retries of the same txnId. */
  claimTtlMs?: number;
}

/** The ledger's scripts (lua/): each commit, and the compare-and-delete of a claim. */
interface LedgerScripts {
  commitPayment(...args: string[]): Promise<[string, string]>;
  commitFollowUp(...args: string[]): Promise<[string, string]>;
  releaseClaim(key: string, value: string): Promise<number>;
}

/**
 * Runs a commit script with whatever must follow it. Both are issued in the same tick on
 * the auto-pipelined connection, so ioredis writes them together (with other payments'
 * commands of that tick) in this order: one write for many payments instead of one
 * explicit pipeline, and one syscall, per payment. Only the commit's own reply decides: a
 * failed follower (a velocity counter) never fails the payment.
 */
function commitWith(
  redis: Redis & LedgerScripts,
  commit: (scripted: LedgerScripts) => Promise<[string, string]>,
  after?: (commands: Redis) => void,
): Promise<[string, string]> {
  const reply = commit(redis);
  try {
    after?.(redis);
  } catch {
    // The commit is already on its way: a follower that cannot even be issued must not
    // turn a committed payment into an error (deps.recordOutcome counts its own failures).
  }
  return reply;
}

const txnKey = (participant: string, txnId: string) => `txn:${participant}:${txnId}`;
/** A claim still not given back after this long is left to expire (ioredis gave up on its SET long before). */
const RELEASE_GIVE_UP_MS = 10 * 60_000;
const paymentKey = (paymentId: string) => `payment:${paymentId}`;
export const walletKey = (participant: string, walletId: string) => `wallet:${participant}:${walletId}`;

/** A claim someone else holds, read from its value: `P|hash|token` in progress, `D|hash|paymentId` done. */
type Holder = Exclude<Claim, { kind: 'claimed' }>;
function holderOf(current: string, bodyHash: string): Holder {
  const [state, hash, value] = current.split('|');
  if (hash !== bodyHash) return { kind: 'conflict' };
  if (state === 'D' && value) return { kind: 'done', paymentId: value };
  return { kind: 'in-progress' };
}

export function createLedger(connection: Redis, options: LedgerOptions) {
  const redis = defineScripts<LedgerScripts>(connection, new URL('./lua/', import.meta.url));
  const claimTtlMs = options.claimTtlMs ?? 30_000;
  const release = async (participant: string, txnId: string, token: string): Promise<void> => {
    // Compare and delete in one script: nothing can take the key in between.
    await redis.releaseClaim(txnKey(participant, txnId), token);
  };

  // Claims to give back once Redis answers again (see releaseSoon), tried once a second
  // while the connection is ready. A claim command that was given up may still be sent:
  // ioredis sends it again after a reconnection, before anything issued later, so a
  // release issued later always finds what it did.
  const unreleased = new Map<string, { participant: string; txnId: string; token: string; since: number; trying: boolean }>();
  let retryTimer: NodeJS.Timeout | undefined;
  const retryReleases = () => {
    if (redis.status === 'end') unreleased.clear();
    if (redis.status === 'ready') {
      for (const [id, claim] of unreleased) {
        if (Date.now() - claim.since > RELEASE_GIVE_UP_MS) unreleased.delete(id);
        if (claim.trying || !unreleased.has(id)) continue;
        claim.trying = true;
        release(claim.participant, claim.txnId, claim.token).then(
          () => unreleased.delete(id),
          () => (claim.trying = false),
        );
      }
    }
    if (unreleased.size === 0) {
      clearInterval(retryTimer);
      retryTimer = undefined;
    }
  };
  /**
   * Gives a claim back now or, while Redis does not answer, as soon as it does: an attempt
   * cut off by an outage between its claim and its commit must not hold the txnId against
   * the participant's retries until the claim expires. A commit of that attempt still
   * queued in ioredis goes out first, so the release then finds it done and leaves it.
   */
  const releaseSoon = (participant: string, txnId: string, token: string): void => {
    release(participant, txnId, token).catch(() => {
      unreleased.set(`${txnKey(participant, txnId)}|${token}`, { participant, txnId, token, since: Date.now(), trying: false });
      retryTimer ??= setInterval(retryReleases, 1000).unref();
    });
  };

  return {
    /** Claims (participant, txnId) for this request, or says what already holds it. */
    async claim(participant: string, txnId: string, bodyHash: string, token: string): Promise<Claim> {
      const key = txnKey(participant, txnId);
      const mine = `P|${bodyHash}|${token}`;
      let set: string | null;
      try {
        set = await redis.set(key, mine, 'PX', claimTtlMs, 'NX');
      } catch (e) {
        // No answer, but the SET may still run (or have run): nothing of this attempt follows it.
        releaseSoon(participant, txnId, mine);
        throw e;
      }
      if (set === 'OK') return { kind: 'claimed', token: mine };
      const current = await redis.get(key);
      if (current === null) return this.claim(participant, txnId, bodyHash, token);
      return holderOf(current, bodyHash);
    },

    /** What holds (participant, txnId) now, without claiming it; `free` when nothing does. */
    async lookup(participant: string, txnId: string, bodyHash: string): Promise<Holder | { kind: 'free' }> {
      const current = await redis.get(txnKey(participant, txnId));
      return current === null ? { kind: 'free' } : holderOf(current, bodyHash);
    },

    /** Gives a claim back when the request was rejected before anything was committed. */
    release,

    /** release() now, or once Redis answers again: for an attempt that failed after its claim. */
    releaseSoon,

    async commitPayment(args: {
      claimToken: string;
      bodyHash: string;
      record: TapEvent;
      allowed: boolean;
      amountMinor: bigint;
      settleMinor: bigint;
      issuer: { openingBalance: bigint; perPaymentLimit: bigint; dailyLimit: bigint };
      tap: { stream: string; entry: string };
      after?: (commands: Redis) => void;
    }): Promise<CommitOutcome> {
      const { record } = args;
      const day = new Date(record.receivedAt).toISOString().slice(0, 10).replaceAll('-', '');
      const [status, declineCode] = await commitWith(redis, (scripted) => scripted.commitPayment(
        txnKey(record.initiator, record.txnId),
        paymentKey(record.paymentId),
        walletKey(record.participant, record.payer.walletId),
        `walletday:${record.participant}:${record.payer.walletId}:${day}`,
        args.tap.stream,
        args.claimToken,
        `D|${args.bodyHash}|${record.paymentId}`,
        // The tap's entry is a superset of the record: serialised once, stored and streamed.
        args.tap.entry,
        args.allowed ? '1' : '0',
        args.settleMinor.toString(),
        args.issuer.openingBalance.toString(),
        args.issuer.perPaymentLimit.toString(),
        args.issuer.dailyLimit.toString(),
        String(options.retentionMs),
        String(options.idempotencyTtlMs),
        String(2 * 24 * 3600 * 1000),
        args.amountMinor.toString(),
      ), args.after);
      if (status === 'LOST_CLAIM') return { lost: true };
      return { status: status as PaymentStatus, declineCode };
    },

    async commitFollowUp(args: {
      claimToken: string;
      bodyHash: string;
      record: TapEvent;
      original: StoredPayment;
      allowed: boolean;
      amountMinor: bigint;
      creditMinor: bigint;
      reversalDeadline: number;
      walletMinorUnits: number;
      tap: { stream: string; entry: string };
      after?: (commands: Redis) => void;
    }): Promise<CommitOutcome> {
      const { record } = args;
      const original = args.original.record;
      const [status, code] = await commitWith(redis, (scripted) => scripted.commitFollowUp(
        txnKey(record.initiator, record.txnId),
        paymentKey(original.paymentId),
        paymentKey(record.paymentId),
        walletKey(original.participant, original.payer.walletId),
        args.tap.stream,
        args.claimToken,
        `D|${args.bodyHash}|${record.paymentId}`,
        args.tap.entry,
        record.messageType,
        args.allowed ? '1' : '0',
        args.amountMinor.toString(),
        args.creditMinor.toString(),
        String(record.receivedAt),
        String(args.reversalDeadline),
        String(options.retentionMs),
        String(options.idempotencyTtlMs),
        String(args.walletMinorUnits),
      ), args.after);
      if (status === 'LOST_CLAIM') return { lost: true };
      if (status === 'REJECTED') {
        const refusal = code as FollowUpRefusal;
        return { rejected: { code: refusal, message: FOLLOW_UP_REFUSALS[refusal] ?? code } };
      }
      return { status: status as PaymentStatus, declineCode: code };
    },

    async load(paymentId: string): Promise<StoredPayment | undefined> {
      const fields = await redis.hgetall(paymentKey(paymentId));
      if (!fields.record) return undefined;
      return {
        record: JSON.parse(fields.record) as TapEvent,
        status: fields.status as PaymentStatus,
        declineCode: fields.declineCode ?? '',
        amountMinor: BigInt(fields.amountMinor ?? '0'),
        settleMinor: BigInt(fields.settleMinor ?? '0'),
        refundedMinor: BigInt(fields.refundedMinor ?? '0'),
        reversed: fields.reversed === '1',
      };
    },

    async walletBalance(participant: string, walletId: string): Promise<bigint | undefined> {
      const balance = await redis.hget(walletKey(participant, walletId), 'balance');
      return balance === null ? undefined : BigInt(balance);
    },
  };
}

export type Ledger = ReturnType<typeof createLedger>;
