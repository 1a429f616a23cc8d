import type { Redis } from 'ioredis';
import { defineScripts } from '../domain/redis-scripts.ts';
import type { DomainError } from '../domain/result.ts';
import type { PaymentStatus, TapEvent } from '../domain/transaction.ts';
import type { ArchivedPayment, PaymentRecords } from '../domain/payment-records.ts';
import { SETTLEMENT_RELEASED_KEY, type SettlementRelease } from '../domain/settlement-hold.ts';
import { decodeTapEntry, DEFAULT_TAP_STREAM } from '../ingest/tap-stream.ts';
import { currencyByCode } from './currency.ts';
import { parseDecimal } from './money.ts';
import { unpackState } from './payment-state.ts';
import type { RequestSpend, SpendRefusal } from './request-spend.ts';
import { durableCommits, type CommitDurability, type LedgerDurability } from './durability.ts';

/**
 * The switch's operational store in Redis (AOF): txnId claims for idempotency, the
 * simulated issuer's wallets, and every payment's compact state for its follow-up window.
 * Each commit is one Lua script, so a payment is either fully recorded or not at all. A
 * payment's full record is written once, as its tap entry; once the ingest writer has
 * moved that, it is read back from the analytics store (`records`).
 */

export interface StoredPayment {
  /** The message as the tap streamed it: the event but its outcome. */
  record: TapEvent;
  status: PaymentStatus;
  declineCode: string;
  amountMinor: bigint;
  settleMinor: bigint;
  refundedMinor: bigint;
  reversed: boolean;
  /** Read from the analytics store alone: Redis no longer holds it, its follow-up window has passed. */
  archived?: true;
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
  /** How long a payment's compact state stays in Redis for follow-ups; retentionMs when left out. */
  followUpWindowMs?: number;
  /** Where records are read once they left Redis; without it a payment is known only while Redis holds its record. */
  records?: PaymentRecords;
  /** The tap's stream the commits append to (DEFAULT_TAP_STREAM when left out), read back by load(). */
  tapStream?: string;
  /** When a commit may be answered (durability.ts); Redis's reply alone when left out. */
  durability?: LedgerDurability;
}

/** The ledger's scripts (lua/): each commit, and the compare-and-delete of a claim. */
interface LedgerScripts {
  commitPayment(...args: string[]): Promise<[string, string]>;
  commitFollowUp(...args: string[]): Promise<[string, string]>;
  releaseClaim(key: string, value: string): Promise<number>;
  loadPayment(stateKey: string, stream: string, legacyKey: string): Promise<[] | ['S', string, string[]?] | ['H', string[]]>;
  spendAndClaim(nonceKey: string, budgetKey: string, claimKey: string, ...args: string[]): Promise<[string, string?]>;
}

/**
 * Runs a commit script and, with `redis.durability: replica`, the WAIT its tick shares:
 * both issued in the same tick on the auto-pipelined connection, so ioredis writes them
 * together (with other payments' commands of that tick): one write for many payments.
 * The commit is answered once both replied.
 */
function commitWith(
  redis: Redis & LedgerScripts,
  commit: (scripted: LedgerScripts) => Promise<[string, string]>,
  durable?: CommitDurability,
): Promise<[string, string]> {
  const reply = commit(redis);
  const replicated = durable?.(redis);
  return replicated ? Promise.all([reply, replicated]).then(([committed]) => committed) : reply;
}

const txnKey = (participant: string, txnId: string) => `txn:${participant}:${txnId}`;
/** A claim still not given back after this long is left to expire (ioredis gave up on its SET long before). */
const RELEASE_GIVE_UP_MS = 10 * 60_000;
const stateKey = (paymentId: string) => `paystate:${paymentId}`;
/** Where a payment was kept, whole, before compact states: still read until those expire. */
const legacyKey = (paymentId: string) => `payment:${paymentId}`;
export const walletKey = (participant: string, walletId: string) => `wallet:${participant}:${walletId}`;

/** A claim someone else holds, read from its value: `P|hash|token` in progress, `D|hash|paymentId` done. */
export type Holder = Exclude<Claim, { kind: 'claimed' }>;
function holderOf(current: string, bodyHash: string): Holder {
  const [state, hash, value] = current.split('|');
  if (hash !== bodyHash) return { kind: 'conflict' };
  if (state === 'D' && value) return { kind: 'done', paymentId: value };
  return { kind: 'in-progress' };
}

/** spendAndClaim-3.lua's answer but a claim taken. */
function spentHolder([outcome, current]: [string, string?], bodyHash: string): SpendRefusal | Holder | { kind: 'free' } {
  if (outcome === 'NONCE_REUSED') return { kind: 'nonce-reused' };
  if (outcome === 'OVER_BUDGET') return { kind: 'over-budget' };
  return current === undefined ? { kind: 'free' } : holderOf(current, bodyHash);
}

export function createLedger(connection: Redis, options: LedgerOptions) {
  const redis = defineScripts<LedgerScripts>(connection, new URL('./lua/', import.meta.url));
  const claimTtlMs = options.claimTtlMs ?? 30_000;
  const durable = options.durability && durableCommits(options.durability);
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

  const spendThen = (spend: RequestSpend, participant: string, txnId: string, claim: string) =>
    redis.spendAndClaim(
      spend.nonceKey,
      spend.budgetKey,
      txnKey(participant, txnId),
      String(spend.nonceTtlMs),
      String(spend.budgetWindowMs),
      String(spend.budgetMax),
      claim,
      String(claimTtlMs),
    );

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

    /**
     * claim() with the request's nonce and its participant's budget spent in the same call
     * (spendAndClaim-3.lua): a replay spends and claims nothing, a request over the budget
     * claims nothing.
     */
    async spendAndClaim(spend: RequestSpend, participant: string, txnId: string, bodyHash: string, token: string): Promise<SpendRefusal | Claim> {
      const mine = `P|${bodyHash}|${token}`;
      let reply: [string, string?];
      try {
        reply = await spendThen(spend, participant, txnId, mine);
      } catch (e) {
        // As in claim(): the script may still run, and nothing of this attempt follows it.
        releaseSoon(participant, txnId, mine);
        throw e;
      }
      if (reply[0] === 'CLAIMED') return { kind: 'claimed', token: mine };
      const held = spentHolder(reply, bodyHash);
      // The script takes a free claim, atomically: a free one here would be a bug in it.
      if (held.kind === 'free') throw new Error('spendAndClaim-3.lua neither claimed the txnId nor found it held');
      return held;
    },

    /** lookup() with the request's nonce and its participant's budget spent in the same call. */
    async spendAndLookup(spend: RequestSpend, participant: string, txnId: string, bodyHash: string): Promise<SpendRefusal | Holder | { kind: 'free' }> {
      return spentHolder(await spendThen(spend, participant, txnId, ''), bodyHash);
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
    }): Promise<CommitOutcome> {
      const { record } = args;
      const day = new Date(record.receivedAt).toISOString().slice(0, 10).replaceAll('-', '');
      const [status, declineCode] = await commitWith(redis, (scripted) => scripted.commitPayment(
        txnKey(record.initiator, record.txnId),
        stateKey(record.paymentId),
        walletKey(record.participant, record.payer.walletId),
        `walletday:${record.participant}:${record.payer.walletId}:${day}`,
        args.tap.stream,
        args.claimToken,
        `D|${args.bodyHash}|${record.paymentId}`,
        // The record, written once: the tap's entry. Redis keeps it only until the writer moved it.
        args.tap.entry,
        args.allowed ? '1' : '0',
        args.settleMinor.toString(),
        args.issuer.openingBalance.toString(),
        args.issuer.perPaymentLimit.toString(),
        args.issuer.dailyLimit.toString(),
        String(options.followUpWindowMs ?? options.retentionMs),
        String(options.idempotencyTtlMs),
        String(2 * 24 * 3600 * 1000),
        args.amountMinor.toString(),
      ), durable);
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
    }): Promise<CommitOutcome> {
      const { record } = args;
      const original = args.original.record;
      const [status, code] = await commitWith(redis, (scripted) => scripted.commitFollowUp(
        txnKey(record.initiator, record.txnId),
        stateKey(original.paymentId),
        stateKey(record.paymentId),
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
        String(options.followUpWindowMs ?? options.retentionMs),
        String(options.idempotencyTtlMs),
        String(args.walletMinorUnits),
      ), durable);
      if (status === 'LOST_CLAIM') return { lost: true };
      if (status === 'REJECTED') {
        const refusal = code as FollowUpRefusal;
        return { rejected: { code: refusal, message: FOLLOW_UP_REFUSALS[refusal] ?? code } };
      }
      return { status: status as PaymentStatus, declineCode: code };
    },

    /**
     * A payment, refund or reversal as it is now: its compact state while Redis holds it,
     * with its record from the tap's stream until the ingest writer has moved it and from
     * `records` after; once the state has expired, all of it from `records` (refunds and
     * reversal from the follow-ups' rows). `party` limits what `records` is asked for to
     * the messages that participant is party to.
     */
    async load(paymentId: string, { party }: { party?: string } = {}): Promise<StoredPayment | undefined> {
      const found = await redis.loadPayment(stateKey(paymentId), options.tapStream ?? DEFAULT_TAP_STREAM, legacyKey(paymentId));
      if (found[0] === 'H') return legacyPayment(found[1]);
      const state = found[0] === 'S' ? unpackState(found[1]) : undefined;
      if (!state) return archivedPayment(await options.records?.find(paymentId, party === undefined ? {} : { party }));
      const entry = found[2] && decodeTapEntry(state.entryId, found[2]);
      const event = entry?.kind === 'transaction' ? entry.event : (await options.records?.find(paymentId, party === undefined ? {} : { party }))?.event;
      if (!event) return undefined;
      const { status: _status, declineCode = '', ...record } = event;
      return {
        record,
        status: state.status,
        declineCode,
        amountMinor: state.amountMinor,
        settleMinor: state.settleMinor,
        refundedMinor: state.refundedMinor,
        reversed: state.reversed,
      };
    },

    /** The release of a payment's settlement hold, once an officer or its case's closing released it. */
    async settlementRelease(paymentId: string): Promise<SettlementRelease | undefined> {
      const raw = await redis.hget(SETTLEMENT_RELEASED_KEY, paymentId);
      return raw === null ? undefined : (JSON.parse(raw) as SettlementRelease);
    },

    async walletBalance(participant: string, walletId: string): Promise<bigint | undefined> {
      const balance = await redis.hget(walletKey(participant, walletId), 'balance');
      return balance === null ? undefined : BigInt(balance);
    },
  };
}

export type Ledger = ReturnType<typeof createLedger>;

/** A payment whose Redis state has expired, from its landed row and its follow-ups' rows. */
function archivedPayment(archived: ArchivedPayment | undefined): StoredPayment | undefined {
  if (!archived) return undefined;
  const { status, declineCode = '', ...record } = archived.event;
  const minor = (value: string, code: string) => minorUnits(value, currencyByCode(code)?.minorUnits ?? 0);
  return {
    record,
    status,
    declineCode,
    amountMinor: minor(record.amount.value, record.amount.currency),
    settleMinor: minor(record.settlement.value, record.settlement.currency),
    refundedMinor: minor(archived.refunded, record.amount.currency),
    reversed: archived.reversed,
    archived: true,
  };
}

/** A stored decimal in minor units; the store never holds more places than the currency has. */
function minorUnits(value: string, digits: number): bigint {
  const d = parseDecimal(value);
  if (!d) return 0n;
  return d.scale <= digits ? d.units * 10n ** BigInt(digits - d.scale) : d.units / 10n ** BigInt(d.scale - digits);
}

/** A payment kept whole in a hash, as commits did before compact states. */
function legacyPayment(pairs: string[]): StoredPayment | undefined {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < pairs.length; i += 2) fields.set(pairs[i]!, pairs[i + 1]!);
  const record = fields.get('record');
  if (!record) return undefined;
  return {
    record: JSON.parse(record) as TapEvent,
    status: fields.get('status') as PaymentStatus,
    declineCode: fields.get('declineCode') ?? '',
    amountMinor: BigInt(fields.get('amountMinor') ?? '0'),
    settleMinor: BigInt(fields.get('settleMinor') ?? '0'),
    refundedMinor: BigInt(fields.get('refundedMinor') ?? '0'),
    reversed: fields.get('reversed') === '1',
  };
}
