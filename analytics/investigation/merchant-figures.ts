import type { ClickHouseClient } from '@clickhouse/client';
import type { Window } from '../participant/window.ts';
import { nodeId, type NodeFigures } from './node.ts';
import { readRows } from './read-rows.ts';
import { alertedPayments, IN_WINDOW } from './subject.ts';

/**
 * Merchants' figures in the network. Their payments and declines come from merchant_id
 * alone (LowCardinality: a busy merchant's million rows cost little). Their alerted
 * payments need every payment id of the merchant tested against the alerts: for a hub
 * (more than `hubPayments` payments in the window) that is most of the table, half a
 * second over ten million rows, so a hub's alerts are not counted (null) and it is
 * suspicious by its declines alone; its alerts are in its own history and alert views.
 */
export async function merchantFigures(
  client: ClickHouseClient,
  database: string,
  window: Window,
  merchantIds: readonly string[],
  hubPayments: number,
): Promise<{ figures: Map<string, NodeFigures>; hubs: string[] }> {
  const figures = new Map<string, NodeFigures>();
  const hubs: string[] = [];
  const merchants = [...new Set(merchantIds.filter((id) => id !== ''))];
  if (merchants.length === 0) return { figures, hubs };
  const payments = `${IN_WINDOW} AND message_type = 'payment'`;
  const params = { fromMs: window.fromMs, toMs: window.toMs, merchants, limit: merchants.length };
  const counted = await readRows<{ id: string; payments: number; declined: number }>(
    client,
    `SELECT toString(merchant_id) AS id, toUInt32(count()) AS payments, toUInt32(countIf(status = 'DECLINED')) AS declined
    FROM ${database}.transactions
    WHERE merchant_id IN {merchants:Array(String)} AND ${payments}
    GROUP BY id
    LIMIT {limit:UInt32}`,
    params,
  );
  const small: string[] = [];
  for (const r of counted) {
    const id = nodeId({ kind: 'merchant', id: r.id, participant: '' });
    const hub = r.payments > hubPayments;
    figures.set(id, { payments: r.payments, declined: r.declined, alerted: hub ? null : 0 });
    if (hub) hubs.push(id);
    else small.push(r.id);
  }
  if (small.length > 0) {
    const alerted = await readRows<{ id: string; alerted: number }>(
      client,
      `SELECT toString(merchant_id) AS id, toUInt32(count()) AS alerted
      FROM ${database}.transactions
      WHERE merchant_id IN {merchants:Array(String)} AND ${payments} AND payment_id IN (${alertedPayments(database)})
      GROUP BY id
      LIMIT {limit:UInt32}`,
      { ...params, merchants: small, limit: small.length },
    );
    for (const r of alerted) {
      const f = figures.get(nodeId({ kind: 'merchant', id: r.id, participant: '' }));
      if (f) f.alerted = r.alerted;
    }
  }
  return { figures, hubs };
}

/**
 * A name for each merchant, from any of its payments in the window: the first found for
 * each ends the read (LIMIT BY, then LIMIT), so a busy merchant's name costs a granule or
 * two, not a read of every merchant_name in the table.
 */
export async function merchantNames(client: ClickHouseClient, database: string, window: Window, merchantIds: readonly string[]): Promise<Map<string, string>> {
  const merchants = [...new Set(merchantIds.filter((id) => id !== ''))];
  if (merchants.length === 0) return new Map();
  const rows = await readRows<{ id: string; name: string }>(
    client,
    `SELECT toString(merchant_id) AS id, merchant_name AS name
    FROM ${database}.transactions
    WHERE merchant_id IN {merchants:Array(String)} AND ${IN_WINDOW} AND message_type = 'payment' AND merchant_name != ''
    LIMIT 1 BY id
    LIMIT {limit:UInt32}`,
    { fromMs: window.fromMs, toMs: window.toMs, merchants, limit: merchants.length },
  );
  return new Map(rows.map((r) => [nodeId({ kind: 'merchant', id: r.id, participant: '' }), r.name]));
}
