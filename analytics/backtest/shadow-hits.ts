import type { ClickHouseClient } from '@clickhouse/client';

/**
 * What a change set's shadow period saw: over the period, how many payments each trial rule
 * (a changed rule running in shadow under its trial id) would have hit, next to the hits of
 * the live rule it would replace (enforced or in shadow), from the payments ClickHouse holds.
 */
export interface ShadowHits {
  from: string;
  /** The period's end, or now while it runs. */
  to: string;
  running: boolean;
  payments: number;
  rules: Array<{ trialId: string; ruleId: string; trialHits: number; liveHits: number }>;
}

export async function countShadowHits(
  client: ClickHouseClient,
  database: string,
  /** `endedAt`: when it stopped before `until` (the set sent back, discarded or made live). */
  shadow: { from: string; until: string; endedAt?: string; rules: Record<string, string> },
  now = Date.now(),
): Promise<ShadowHits> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`not a database name: ${database}`);
  const from = Date.parse(shadow.from);
  const until = Math.min(Date.parse(shadow.endedAt ?? shadow.until), now);
  const trialIds = Object.keys(shadow.rules);
  const ids = [...trialIds, ...new Set(Object.values(shadow.rules))];
  const params = { from: from / 1000, to: until / 1000, ids };
  // One read for the total and the hits, so payments arriving meanwhile count in both or neither.
  // A rule's hit is on the payment once, enforced (reasons) or in shadow.
  const result = await client.query({
    query: `SELECT toUInt64(count()) AS payments, sumForEach(arrayMap(id -> toUInt64(has(hit, id)), {ids:Array(String)})) AS hits
      FROM (SELECT arrayConcat(reason_rule_ids, shadow_rule_ids) AS hit FROM ${database}.transactions
            WHERE received_at >= toDateTime64({from:Float64}, 3) AND received_at < toDateTime64({to:Float64}, 3))`,
    query_params: params,
    format: 'JSONEachRow',
  });
  const [row] = (await result.json()) as Array<{ payments: string | number; hits: Array<string | number> }>;
  const payments = Number(row?.payments ?? 0);
  const byRule = new Map(ids.map((id, i) => [id, Number(row?.hits[i] ?? 0)]));
  return {
    from: new Date(from).toISOString(),
    to: new Date(until).toISOString(),
    running: !shadow.endedAt && Date.parse(shadow.until) > now,
    payments,
    rules: trialIds.map((trialId) => ({ trialId, ruleId: shadow.rules[trialId]!, trialHits: byRule.get(trialId) ?? 0, liveHits: byRule.get(shadow.rules[trialId]!) ?? 0 })),
  };
}
