import type { ClickHouseClient } from '@clickhouse/client';
import type { Window } from '../participant/window.ts';
import { walletSet } from './network-hops.ts';
import { figureColumns, nodeId, type Link, type LinkKind, type NodeFigures, type NodeKind, type NodeRef } from './node.ts';
import { readRows } from './read-rows.ts';
import { alertedPayments, IN_WINDOW } from './subject.ts';

interface Row extends NodeFigures {
  kind: NodeKind;
  holder: string;
  id: string;
  /** '' for a node's figures; the kind of the wallet's counterpart for a link. */
  target_kind: LinkKind | '';
  target: string;
  label: string;
}

const PAYMENTS = `${IN_WINDOW} AND message_type = 'payment'`;

/**
 * The figures of the wallets, devices and IPs no hop read whole (merchants': see
 * merchant-figures.ts), and the links from those wallets to the graph's devices, IPs and
 * merchants (`targets`), in one statement of a
 * branch per kind, which ClickHouse runs side by side. Each branch filters on one plain
 * column first (wallet_id, device_id, ip, merchant_id: a set of strings is cheaper to test
 * than the wallets' (participant, walletId) pairs, checked on the few rows left) and reads
 * the rest only for the rows left. An empty id is no node ('' in device_id is "no device").
 */
export async function networkFigures(
  client: ClickHouseClient,
  database: string,
  window: Window,
  nodes: readonly NodeRef[],
  targets: readonly NodeRef[],
  maxLinks: number,
): Promise<{ figures: Map<string, NodeFigures>; links: Link[]; truncated: boolean }> {
  const named = nodes.filter((n) => n.id !== '');
  const ids = (refs: readonly NodeRef[], kind: NodeKind) => refs.filter((r) => r.kind === kind && r.id !== '').map((r) => r.id);
  const params = {
    fromMs: window.fromMs,
    toMs: window.toMs,
    ...walletSet(named),
    devices: ids(named, 'device'),
    ips: ids(named, 'ip'),
    targetDevices: ids(targets, 'device'),
    targetIps: ids(targets, 'ip'),
    targetMerchants: ids(targets, 'merchant'),
    limit: named.length + maxLinks + 1,
  };
  const figures = figureColumns(`payment_id IN (${alertedPayments(database)})`);
  const single = (kind: 'device' | 'ip', column: string, set: string) => `
    SELECT '${kind}' AS kind, '' AS holder, ${column} AS id, '' AS target_kind, '' AS target, ${figures}, '' AS label
    FROM ${database}.transactions
    WHERE ${column} IN {${set}:Array(String)} AND ${PAYMENTS}
    GROUP BY id`;
  const branches = [
    params.wallets.length > 0
      ? `
    SELECT 'wallet' AS kind, holder, wallet_id AS id, item.1 AS target_kind, item.2 AS target,
      ${figureColumns('was_alerted')}, '' AS label
    FROM (
      SELECT status, payment_id IN (${alertedPayments(database)}) AS was_alerted,
        toString(participant) AS holder, wallet_id, device_id, ip, toString(merchant_id) AS merchant_key
      FROM ${database}.transactions
      WHERE wallet_id IN {walletIds:Array(String)} AND (participant, wallet_id) IN {wallets:Array(Tuple(String, String))} AND ${PAYMENTS})
    ARRAY JOIN arrayConcat([('', '')],
      if(device_id IN {targetDevices:Array(String)}, [('device', device_id)], []),
      if(ip IN {targetIps:Array(String)}, [('ip', ip)], []),
      if(merchant_key IN {targetMerchants:Array(String)}, [('merchant', merchant_key)], [])) AS item
    GROUP BY holder, id, target_kind, target`
      : '',
    params.devices.length > 0 ? single('device', 'device_id', 'devices') : '',
    params.ips.length > 0 ? single('ip', 'ip', 'ips') : '',
  ].filter((b) => b !== '');
  const result = { figures: new Map<string, NodeFigures>(), links: [] as Link[], truncated: false };
  if (branches.length === 0) return result;
  const rows = await readRows<Row>(
    client,
    `SELECT * FROM (${branches.join('\nUNION ALL\n')})
    ORDER BY target_kind = '' DESC, payments DESC, kind, holder, id, target_kind, target
    LIMIT {limit:UInt32}`,
    params,
  );
  for (const r of rows) {
    const node = nodeId({ kind: r.kind, id: r.id, participant: r.holder });
    if (r.target_kind === '') {
      result.figures.set(node, { payments: r.payments, declined: r.declined, alerted: r.alerted });
      continue;
    }
    result.links.push({ source: node, target: nodeId({ kind: r.target_kind, id: r.target, participant: '' }), kind: r.target_kind, payments: r.payments });
  }
  result.truncated = result.links.length > maxLinks;
  result.links = result.links.slice(0, maxLinks);
  return result;
}
