import type { Redis } from 'ioredis';

/**
 * When a commit of the ledger counts as durable, and so may be answered:
 * - `everysec`: once Redis has applied it; its AOF is fsynced within about a second, so a
 *   host crash (power, kernel) can lose the last second or two of answered payments;
 * - `always`: once Redis has fsynced it (`appendfsync always`: Redis writes and fsyncs its
 *   AOF once per event-loop iteration before it replies, so concurrent commits share one
 *   fsync);
 * - `replica`: once `replicas` replicas have it too (`WAIT`), within `replicaTimeoutMs`.
 * Redis itself does the first two; the ledger does the third (durableCommits below).
 */
export const DURABILITY_MODES = ['everysec', 'always', 'replica'] as const;
export type DurabilityMode = (typeof DURABILITY_MODES)[number];

export interface LedgerDurability {
  mode: DurabilityMode;
  /** `replica` only: how many replicas must acknowledge a commit before it is answered. */
  replicas: number;
  /** `replica` only: how long a commit waits for them; below the connection's command timeout. */
  replicaTimeoutMs: number;
}

/**
 * The replicas did not acknowledge a commit in time. The commit ran on the primary, but a
 * failover now could lose it: it is not answered as done. It counts as the store not
 * answering (store-unavailable.ts): 503 DEPENDENCY_DOWN, the retry of the same txnId gets
 * the committed answer, and the late observer observes it.
 */
export class UnreplicatedCommitError extends Error {
  override name = 'UnreplicatedCommitError';
  constructor(acknowledged: number, wanted: number, timeoutMs: number) {
    super(`${acknowledged} of ${wanted} replicas acknowledged the commit within ${timeoutMs} ms`);
  }
}

/** What a commit waits for besides its own reply; undefined when Redis's reply is enough. */
export type CommitDurability = (connection: Redis) => Promise<void>;

/**
 * `replica` mode: one `WAIT` after the commits issued in the same tick, on their connection,
 * shared by all of them. It is issued on the next tick, after them, so the auto-pipelined
 * connection writes it with them (no round trip of its own), and it covers them all: WAIT
 * waits for this connection's last write. A WAIT blocks its connection while it waits (a
 * replica round trip), so commits of the next tick share the next WAIT: group commit.
 */
export function durableCommits(durability: LedgerDurability): CommitDurability | undefined {
  if (durability.mode !== 'replica') return undefined;
  const { replicas, replicaTimeoutMs } = durability;
  let next: Promise<void> | undefined;
  return (connection) => {
    next ??= new Promise<void>((resolve, reject) => {
      process.nextTick(() => {
        next = undefined;
        connection.wait(replicas, replicaTimeoutMs).then(
          (acknowledged) => (acknowledged >= replicas ? resolve() : reject(new UnreplicatedCommitError(acknowledged, replicas, replicaTimeoutMs))),
          reject,
        );
      });
    });
    return next;
  };
}
