import { TupleParam, type ClickHouseClient } from '@clickhouse/client';
import type { Window } from '../participant/window.ts';
import { merchantFigures } from './merchant-figures.ts';
import { figureColumns, nodeId, subjectNode, type Link, type LinkKind, type NodeFigures, type NodeRef } from './node.ts';
import { readRows } from './read-rows.ts';
import { alertedPayments, IN_WINDOW, subjectParams, subjectRows, type Subject } from './subject.ts';

/**
 * How a network grows from its subject, one hop at a time, each hop bounded so a merchant
 * with a million payers yields a bounded answer: the first hop keeps the subject's top
 * neighbours by payments; the second keeps at most `perNode` neighbours of each first-hop
 * node, then the best of them all up to the budget. Reading ten million rows' string
 * columns costs a few hundred milliseconds a pass, so each hop also keeps what its rows
 * tell of the nodes it read whole (their figures, their links, merchants' names): the
 * figures left to read afterwards are only those of nodes no hop read. Rows found by a set
 * of wallets or devices lie in every granule, so a set's query reads every column it names
 * in full: each names only what it needs.
 */

/** A node found at a hop, with what ranks it. */
export interface Found {
  ref: NodeRef;
  /** Payments on its links to the nodes it was reached from. */
  payments: number;
  /** How many nodes of the previous hop it was reached from. */
  links: number;
  /** Reached through a shared device or IP (not only through a merchant). */
  sharedDevice: boolean;
}

/** What a hop read besides the nodes it found, by node id. */
export interface Learnt {
  figures: Map<string, NodeFigures>;
  links: Link[];
  /** Merchants' names, from the rows of payments to them. */
  labels: Map<string, string>;
}

export interface Hop extends Learnt {
  found: Found[];
  /** Neighbours were left out at this hop. */
  truncated: boolean;
  /** First-hop merchants too busy to expand (see secondHop), by node id. */
  hubs: string[];
}

const PAYMENTS = `${IN_WINDOW} AND message_type = 'payment'`;
/** Per payment row: the row itself (''), then what its wallet used or paid, '' where it named none. */
const ITEMS_OF_ROW = `[('', ''), ('device', device_id), ('ip', ip), ('merchant', toString(merchant_id))]`;
const ref = (kind: LinkKind, id: string): NodeRef => ({ kind, id, participant: '' });

interface FigureRow extends NodeFigures {
  kind: LinkKind | '';
  id: string;
  label: string;
}

/** The subject's own neighbours, most payments first (then most value, as counterparties.ts), and the subject's figures. */
export async function firstHop(client: ClickHouseClient, database: string, subject: Subject, window: Window, limit: number, hubPayments: number): Promise<Hop> {
  const params = { ...subjectParams(subject, window), limit: limit + 2 };
  const hubs: string[] = [];
  const alerted = `payment_id IN (${alertedPayments(database)})`;
  const self = nodeId(subjectNode(subject));
  const learnt: Learnt = { figures: new Map(), links: [], labels: new Map() };
  let found: Found[];
  let more: boolean;
  if (subject.kind === 'wallet') {
    // The subject's rows are few: each is read once per item, the row itself and its links.
    const rows = await readRows<FigureRow>(
      client,
      `SELECT item.1 AS kind, item.2 AS id, ${figureColumns(alerted)}, any(merchant_name) AS label
      FROM ${database}.transactions ARRAY JOIN ${ITEMS_OF_ROW} AS item
      WHERE ${subjectRows(subject)} AND ${PAYMENTS} AND (item.1 = '' OR item.2 != '')
      GROUP BY kind, id
      ORDER BY kind = '' DESC, payments DESC, sum(amount_usd) DESC, kind, id
      LIMIT {limit:UInt32}`,
      params,
    );
    const own = rows.find((r) => r.kind === '');
    if (own) learnt.figures.set(self, own);
    const neighbours = rows.filter((r): r is FigureRow & { kind: LinkKind } => r.kind !== '');
    found = neighbours.slice(0, limit).map((r) => ({ ref: ref(r.kind, r.id), payments: r.payments, links: 1, sharedDevice: r.kind !== 'merchant' }));
    more = neighbours.length > limit;
    for (const f of found) {
      const target = nodeId(f.ref);
      learnt.links.push({ source: self, target, kind: f.ref.kind as LinkKind, payments: f.payments });
    }
    for (const r of neighbours) if (r.kind === 'merchant' && r.label) learnt.labels.set(nodeId(ref('merchant', r.id)), r.label);
  } else {
    // The () grouping set is the subject's own figures, from the same pass. A merchant's
    // alerts are counted apart, and not for a hub (see merchant-figures.ts): testing each of
    // a busy merchant's payment ids against the alerts doubles the cost of this pass.
    const counted = figureColumns(subject.kind === 'merchant' ? '0' : alerted);
    const rows = await readRows<NodeFigures & { total: number; holder: string; id: string }>(
      client,
      `SELECT grouping(holder) AS total, toString(participant) AS holder, wallet_id AS id, ${counted}
      FROM ${database}.transactions
      WHERE ${subjectRows(subject)} AND ${PAYMENTS} AND wallet_id != ''
      GROUP BY GROUPING SETS ((holder, id), ())
      ORDER BY total DESC, payments DESC, sum(amount_usd) DESC, holder, id
      LIMIT {limit:UInt32}`,
      params,
    );
    const own = rows.find((r) => r.total === 1);
    if (own && own.payments > 0) {
      if (subject.kind === 'merchant' && own.payments > hubPayments) {
        own.alerted = null;
        hubs.push(self);
      } else if (subject.kind === 'merchant') {
        const [counted] = await readRows<{ alerted: number }>(
          client,
          `SELECT toUInt32(countIf(${alerted})) AS alerted FROM ${database}.transactions WHERE ${subjectRows(subject)} AND ${PAYMENTS}`,
          params,
        );
        own.alerted = counted?.alerted ?? 0;
      }
      learnt.figures.set(self, { payments: own.payments, declined: own.declined, alerted: own.alerted });
    }
    const payers = rows.filter((r) => r.total !== 1);
    found = payers.slice(0, limit).map((r) => ({ ref: { kind: 'wallet', id: r.id, participant: r.holder }, payments: r.payments, links: 1, sharedDevice: false }));
    more = payers.length > limit;
    for (const f of found) learnt.links.push({ source: nodeId(f.ref), target: self, kind: subject.kind as LinkKind, payments: f.payments });
  }
  return { found, truncated: more, hubs, ...learnt };
}

/**
 * The neighbours of the first hop, the subject left out, at most `perNode` per first-hop
 * node, ranked and cut to `budget`. Ranked by how many first-hop nodes each is linked to,
 * then by a shared device or IP before a shared merchant only (two people paying one shop
 * is common; sharing a phone or a connection is not), then by payments.
 *
 * A first-hop merchant with more than `hubPayments` payments in the window is a hub and is
 * not expanded: its payers have no more to do with one another than a supermarket's, and
 * finding its heaviest ones means reading all its rows (3 s for a wallet's ten busy
 * merchants over ten million rows). Its payers are its counterparties; its links to the
 * wallets the network reaches otherwise are still drawn.
 */
export async function secondHop(
  client: ClickHouseClient,
  database: string,
  subject: Subject,
  window: Window,
  frontier: readonly NodeRef[],
  budget: number,
  hubPayments: number,
): Promise<Hop> {
  const empty: Hop = { found: [], truncated: false, hubs: [], figures: new Map(), links: [], labels: new Map() };
  if (frontier.length === 0) return empty;
  if (budget <= 0) return { ...empty, truncated: true };
  const reached = subject.kind === 'wallet' ? await walletsSharing(client, database, subject, window, frontier, budget, hubPayments) : await sharedByWallets(client, database, subject, window, frontier, budget);
  const ranked = [...reached.found.values()].sort(
    (a, b) => b.links - a.links || Number(b.sharedDevice) - Number(a.sharedDevice) || b.payments - a.payments || nodeId(a.ref).localeCompare(nodeId(b.ref)),
  );
  return { ...reached, found: ranked.slice(0, budget), truncated: reached.truncated || ranked.length > budget };
}

/** Twice an even share of the budget per node: most first-hop nodes have fewer neighbours than their share. */
const shareOf = (budget: number, nodes: number) => Math.max(1, Math.min(budget, Math.ceil((2 * budget) / Math.max(1, nodes))));

function add(found: Map<string, Found>, node: NodeRef, payments: number, via: LinkKind): void {
  const key = nodeId(node);
  const known = found.get(key) ?? { ref: node, payments: 0, links: 0, sharedDevice: false };
  known.payments += payments;
  known.links += 1;
  known.sharedDevice ||= via === 'device' || via === 'ip';
  found.set(key, known);
}

/**
 * Other wallets that used the subject wallet's devices or IPs or paid its merchants (not
 * the hubs). A device's or a merchant's wallets can be many: each keeps its `perNode` most
 * frequent by topK (Space-Saving: memory bounded by perNode whatever the fan-out; counts
 * exact when a node has at most 3 x perNode wallets, an estimate beyond), and uniq says
 * whether more were left out. Each first-hop node's own figures come from the same rows.
 */
async function walletsSharing(
  client: ClickHouseClient,
  database: string,
  subject: Subject,
  window: Window,
  frontier: readonly NodeRef[],
  budget: number,
  hubPayments: number,
): Promise<Omit<Hop, 'found'> & { found: Map<string, Found> }> {
  const ids = (kind: LinkKind) => frontier.filter((n) => n.kind === kind).map((n) => n.id);
  const alerted = `payment_id IN (${alertedPayments(database)})`;
  const merchants = await merchantFigures(client, database, window, ids('merchant'), hubPayments);
  const figures = merchants.figures;
  const hubs = merchants.hubs;
  const expand = ids('merchant').filter((id) => !hubs.includes(nodeId(ref('merchant', id))));
  const expanded = frontier.length - hubs.length;
  const found = new Map<string, Found>();
  if (expanded === 0) return { found, truncated: hubs.length > 0, hubs, figures, links: [], labels: new Map() };
  const perNode = shareOf(budget, expanded);
  const others = `NOT (participant = {participant:String} AND wallet_id = {subject:String})`;
  // Each kind filters on its own column first; the branches run side by side.
  const branch = (kind: LinkKind, column: string, set: string) => `
    SELECT '${kind}' AS via_kind, ${column} AS via_id, ${figureColumns(alerted)},
      topKIf({perNode:UInt32}, 3, 'counts')(tuple(toString(participant), wallet_id), ${others}) AS top,
      toUInt32(uniqIf(participant, wallet_id, ${others})) AS wallets
    FROM ${database}.transactions
    WHERE ${column} IN {${set}:Array(String)} AND ${PAYMENTS} AND wallet_id != ''
    GROUP BY via_id`;
  const sets = { devices: ids('device'), ips: ids('ip'), expand };
  const branches = [
    sets.devices.length > 0 ? branch('device', 'device_id', 'devices') : '',
    sets.ips.length > 0 ? branch('ip', 'ip', 'ips') : '',
    sets.expand.length > 0 ? branch('merchant', 'toString(merchant_id)', 'expand') : '',
  ].filter((b) => b !== '');
  const rows = await readRows<NodeFigures & { via_kind: LinkKind; via_id: string; top: Array<{ item: [string, string]; count: number | string }>; wallets: number }>(
    client,
    `SELECT * FROM (${branches.join(' UNION ALL ')}) LIMIT {frontier:UInt32}`,
    { ...subjectParams(subject, window), perNode, ...sets, frontier: frontier.length },
  );
  for (const row of rows) {
    // A merchant's figures are merchantFigures' (the same, its alerts counted once).
    if (row.via_kind !== 'merchant') figures.set(nodeId(ref(row.via_kind, row.via_id)), row);
    for (const { item, count } of row.top) add(found, { kind: 'wallet', participant: item[0], id: item[1] }, Number(count), row.via_kind);
  }
  return { found, truncated: hubs.length > 0 || rows.some((r) => r.wallets > r.top.length), hubs, figures, links: [], labels: new Map() };
}

/**
 * The devices, IPs and merchants of the first-hop wallets, the subject left out: exactly,
 * each wallet's `perNode` most used. The same rows give each wallet's own figures and all
 * its links (to draw those that reach kept nodes). The wallets' rows lie in every granule,
 * so every column named here is read whole: merchants' names are read apart (merchantNames).
 */
async function sharedByWallets(
  client: ClickHouseClient,
  database: string,
  subject: Subject,
  window: Window,
  frontier: readonly NodeRef[],
  budget: number,
): Promise<Omit<Hop, 'found'> & { found: Map<string, Found> }> {
  const perNode = shareOf(budget, frontier.length);
  // A wallet's links beyond its busiest ones are left out (and said to be).
  const perWallet = Math.max(perNode, 50) + 2;
  const rows = await readRows<NodeFigures & { holder: string; wallet_id: string; kind: LinkKind | ''; id: string }>(
    client,
    `SELECT holder, wallet_id, item.1 AS kind, item.2 AS id, ${figureColumns('was_alerted')}
    FROM (
      SELECT status, payment_id IN (${alertedPayments(database)}) AS was_alerted,
        toString(participant) AS holder, wallet_id, device_id, ip, merchant_id
      FROM ${database}.transactions
      WHERE wallet_id IN {walletIds:Array(String)} AND (participant, wallet_id) IN {wallets:Array(Tuple(String, String))} AND ${PAYMENTS})
    ARRAY JOIN ${ITEMS_OF_ROW} AS item
    WHERE item.1 = '' OR item.2 != ''
    GROUP BY holder, wallet_id, kind, id
    ORDER BY kind = '' DESC, payments DESC, kind, id
    LIMIT {perWallet:UInt32} BY holder, wallet_id`,
    { ...subjectParams(subject, window), ...walletSet(frontier), perWallet },
  );
  const self = nodeId({ kind: subject.kind, id: subject.id, participant: '' });
  const learnt: Learnt = { figures: new Map(), links: [], labels: new Map() };
  const found = new Map<string, Found>();
  const perWalletSeen = new Map<string, { rows: number; candidates: number }>();
  let truncated = false;
  for (const row of rows) {
    const wallet = nodeId({ kind: 'wallet', participant: row.holder, id: row.wallet_id });
    const seen = perWalletSeen.get(wallet) ?? { rows: 0, candidates: 0 };
    seen.rows += 1;
    perWalletSeen.set(wallet, seen);
    if (seen.rows === perWallet) truncated = true;
    if (row.kind === '') {
      learnt.figures.set(wallet, row);
      continue;
    }
    const target = ref(row.kind, row.id);
    learnt.links.push({ source: wallet, target: nodeId(target), kind: row.kind, payments: row.payments });
    if (nodeId(target) === self) continue;
    seen.candidates += 1;
    if (seen.candidates > perNode) truncated = true;
    else add(found, target, row.payments, row.kind);
  }
  return { found, truncated, hubs: [], ...learnt };
}

/** Wallets as bound parameters: their (participant, walletId) pairs, and their walletIds alone to filter on first. */
export function walletSet(refs: readonly NodeRef[]): { walletIds: string[]; wallets: TupleParam[] } {
  const wallets = refs.filter((r) => r.kind === 'wallet' && r.id !== '');
  return { walletIds: [...new Set(wallets.map((w) => w.id))], wallets: wallets.map((w) => new TupleParam([w.participant, w.id])) };
}
