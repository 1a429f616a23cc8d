import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { PaymentStatus, RiskAssessment, SwitchedMessage } from '../domain/transaction.ts';

/**
 * The switch's operational store in Redis (AOF): txnId claims for idempotency, the
 * simulated issuer's wallets, and every payment for status queries and follow-ups.
 * Each commit is one Lua script, so a payment is either fully recorded or not at all.
 */

export interface PaymentRecord extends SwitchedMessage {
  risk: RiskAssessment;
  /** Microseconds the risk step took. */
  riskLatencyUs: number;
}

export interface StoredPayment {
  record: PaymentRecord;
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

export interface LedgerOptions {
  idempotencyTtlMs: number;
  retentionMs: number;
  /** How long an unfinished claim blocks retries of the same txnId. */
  claimTtlMs?: number;
}

const SCRIPTS = {
  commitPayment: { file: 'commitPayment-5.lua', keys: 5 },
  commitFollowUp: { file: 'commitFollowUp-5.lua', keys: 5 },
  releaseClaim: { file: 'releaseClaim-1.lua', keys: 1 },
} as const;

type ScriptedRedis = Redis & {
  commitPayment(...args: string[]): Promise<[string, string]>;
  commitFollowUp(...args: string[]): Promise<[string, string]>;
  releaseClaim(key: string, value: string): Promise<number>;
};

/**
 * Runs a commit script with whatever must follow it. Both are issued in the same tick on
 * the auto-pipelined connection, so ioredis writes them together (with other payments'
 * commands of that tick) in this order: one write for many payments instead of one
 * explicit pipeline, and one syscall, per payment. Only the commit's own reply decides: a
 * failed follower (a velocity counter) never fails the payment.
 */
function commitWith(
  redis: Redis,
  commit: (r: ScriptedRedis) => Promise<[string, string]>,
  after?: (commands: Redis) => void,
): Promise<[string, string]> {
  const reply = commit(redis as ScriptedRedis);
  try {
    after?.(redis);
  } catch {
    // The commit is already on its way: a follower that cannot even be issued must not
    // turn a committed payment into an error (deps.recordOutcome counts its own failures).
  }
  return reply;
}

export function defineLedgerScripts(redis: Redis): void {
  for (const [name, script] of Object.entries(SCRIPTS)) {
    if ((redis as unknown as Record<string, unknown>)[name]) continue;
    const lua = readFileSync(new URL(`./lua/${script.file}`, import.meta.url), 'utf8');
    redis.defineCommand(name, { numberOfKeys: script.keys, lua });
  }
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

export function createLedger(redis: Redis, options: LedgerOptions) {
  defineLedgerScripts(redis);
  const claimTtlMs = options.claimTtlMs ?? 30_000;
  const release = async (participant: string, txnId: string, token: string): Promise<void> => {
    // Compare and delete in one script: nothing can take the key in between.
    await (redis as ScriptedRedis).releaseClaim(txnKey(participant, txnId), token);
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
      for (const [id, r] of unreleased) {
        if (Date.now() - r.since > RELEASE_GIVE_UP_MS) unreleased.delete(id);
        if (r.trying || !unreleased.has(id)) continue;
        r.trying = true;
        release(r.participant, r.txnId, r.token).then(
          () => unreleased.delete(id),
          () => (r.trying = false),
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
      record: PaymentRecord;
      allowed: boolean;
      amountMinor: bigint;
      settleMinor: bigint;
      issuer: { openingBalance: bigint; perPaymentLimit: bigint; dailyLimit: bigint };
      tap: { stream: string; entry: string };
      after?: (commands: Redis) => void;
    }): Promise<{ status: PaymentStatus; declineCode: string } | { lost: true }> {
      const r = args.record;
      const day = new Date(r.receivedAt).toISOString().slice(0, 10).replaceAll('-', '');
      const [status, declineCode] = await commitWith(redis, (p) => p.commitPayment(
        txnKey(r.initiator, r.txnId),
        paymentKey(r.paymentId),
        walletKey(r.participant, r.payer.walletId),
        `walletday:${r.participant}:${r.payer.walletId}:${day}`,
        args.tap.stream,
        args.claimToken,
        `D|${args.bodyHash}|${r.paymentId}`,
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
      record: PaymentRecord;
      original: StoredPayment;
      allowed: boolean;
      amountMinor: bigint;
      creditMinor: bigint;
      reversalDeadline: number;
      walletMinorUnits: number;
      tap: { stream: string; entry: string };
      after?: (commands: Redis) => void;
    }): Promise<{ status: PaymentStatus | 'REJECTED'; code: string } | { lost: true }> {
      const r = args.record;
      const o = args.original.record;
      const [status, code] = await commitWith(redis, (p) => p.commitFollowUp(
        txnKey(r.initiator, r.txnId),
        paymentKey(o.paymentId),
        paymentKey(r.paymentId),
        walletKey(o.participant, o.payer.walletId),
        args.tap.stream,
        args.claimToken,
        `D|${args.bodyHash}|${r.paymentId}`,
        args.tap.entry,
        r.messageType,
        args.allowed ? '1' : '0',
        args.amountMinor.toString(),
        args.creditMinor.toString(),
        String(r.receivedAt),
        String(args.reversalDeadline),
        String(options.retentionMs),
        String(options.idempotencyTtlMs),
        String(args.walletMinorUnits),
      ), args.after);
      if (status === 'LOST_CLAIM') return { lost: true };
      return { status: status as PaymentStatus | 'REJECTED', code };
    },

    async load(paymentId: string): Promise<StoredPayment | undefined> {
      const h = await redis.hgetall(paymentKey(paymentId));
      if (!h.record) return undefined;
      return {
        record: JSON.parse(h.record) as PaymentRecord,
        status: h.status as PaymentStatus,
        declineCode: h.declineCode ?? '',
        amountMinor: BigInt(h.amountMinor ?? '0'),
        settleMinor: BigInt(h.settleMinor ?? '0'),
        refundedMinor: BigInt(h.refundedMinor ?? '0'),
        reversed: h.reversed === '1',
      };
    },

    async walletBalance(participant: string, walletId: string): Promise<bigint | undefined> {
      const v = await redis.hget(walletKey(participant, walletId), 'balance');
      return v === null ? undefined : BigInt(v);
    },
  };
}

export type Ledger = ReturnType<typeof createLedger>;
