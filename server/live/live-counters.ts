import type { Redis } from 'ioredis';

/**
 * Per-second counters of switched messages, shared by every node through Redis: each node
 * adds up its own second in memory and flushes it a few times a second (one pipeline),
 * so the console reads one hash per second instead of one event per payment.
 */
export interface LiveSample {
  participant: string;
  status: string;
  decision: string;
  corridor: string;
  reasons: string[];
  latencyMs: number;
}

/** Upper bounds (ms) of the latency histogram buckets; the last one is open. */
export const LATENCY_BUCKETS_MS = [0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 250, 500, 1000, Infinity];
const KEY_TTL_S = 180;

export const liveKey = (second: number) => `live:${second}`;

export function createLiveCounters(redis: Redis, flushEveryMs = 250) {
  let pending = new Map<number, Map<string, number>>();
  const add = (second: number, field: string, by = 1) => {
    let fields = pending.get(second);
    if (!fields) pending.set(second, (fields = new Map()));
    fields.set(field, (fields.get(field) ?? 0) + by);
  };
  const flush = async () => {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    const pipeline = redis.pipeline();
    for (const [second, fields] of batch) {
      for (const [field, n] of fields) pipeline.hincrby(liveKey(second), field, n);
      pipeline.expire(liveKey(second), KEY_TTL_S);
    }
    await pipeline.exec();
  };
  const timer = setInterval(() => void flush().catch(() => undefined), flushEveryMs);
  timer.unref();
  return {
    record(s: LiveSample, at = Date.now()) {
      const second = Math.floor(at / 1000);
      const bucket = LATENCY_BUCKETS_MS.findIndex((b) => s.latencyMs <= b);
      for (const scope of ['all', `p:${s.participant}`]) {
        add(second, `${scope}|n`);
        add(second, `${scope}|status:${s.status}`);
        add(second, `${scope}|decision:${s.decision}`);
        add(second, `${scope}|corridor:${s.corridor}`);
        add(second, `${scope}|lat:${bucket}`);
        for (const r of s.reasons) add(second, `${scope}|reason:${r}`);
      }
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush().catch(() => undefined);
    },
  };
}

export type LiveCounters = ReturnType<typeof createLiveCounters>;

export interface Aggregates {
  at: string;
  tps: number;
  approvalRate: number;
  declineRate: number;
  reviewRate: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  ingestLagMs: number;
  byCorridor: Array<{ corridor: string; count: number }>;
  topReasons: Array<{ ruleId: string; count: number }>;
}

/** The aggregates of one second for one scope ('all' or 'p:<participant>'). */
export function aggregatesOf(fields: Record<string, string>, scope: string, second: number, ingestLagMs: number): Aggregates {
  const n = Number(fields[`${scope}|n`] ?? 0);
  const share = (field: string) => (n === 0 ? 0 : Number(fields[`${scope}|${field}`] ?? 0) / n);
  const prefixed = (prefix: string) =>
    Object.entries(fields)
      .filter(([k]) => k.startsWith(`${scope}|${prefix}`))
      .map(([k, v]) => [k.slice(scope.length + 1 + prefix.length), Number(v)] as const)
      .sort((a, b) => b[1] - a[1]);
  const buckets = LATENCY_BUCKETS_MS.map((_, i) => Number(fields[`${scope}|lat:${i}`] ?? 0));
  const quantile = (q: number) => {
    if (n === 0) return 0;
    let seen = 0;
    for (let i = 0; i < buckets.length; i++) {
      seen += buckets[i]!;
      if (seen >= q * n) return Number.isFinite(LATENCY_BUCKETS_MS[i]!) ? LATENCY_BUCKETS_MS[i]! : 1000;
    }
    return 0;
  };
  return {
    at: new Date(second * 1000).toISOString(),
    tps: n,
    approvalRate: share('status:APPROVED'),
    declineRate: share('status:DECLINED'),
    reviewRate: share('decision:review'),
    p50LatencyMs: quantile(0.5),
    p99LatencyMs: quantile(0.99),
    ingestLagMs,
    byCorridor: prefixed('corridor:').slice(0, 10).map(([corridor, count]) => ({ corridor, count })),
    topReasons: prefixed('reason:').slice(0, 10).map(([ruleId, count]) => ({ ruleId, count })),
  };
}
