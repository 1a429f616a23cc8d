import type { ClickHouseClient } from '@clickhouse/client';
import type { Window } from '../participant/window.ts';
import { merchantFigures, merchantNames } from './merchant-figures.ts';
import { networkFigures } from './network-figures.ts';
import { firstHop, secondHop } from './network-hops.ts';
import { nodeId, subjectNode, type Link, type NodeKind, type NodeRef } from './node.ts';
import { checkWindow, isoTime, type Subject } from './subject.ts';

export const DEFAULT_MAX_NODES = 200;
/** What a browser still draws; a query of this many bound ids still parses in milliseconds. */
export const MAX_NODES = 1000;
/** Links drawn per node, on average: past this the picture says nothing more. */
const LINKS_PER_NODE = 10;
/** A first-hop merchant with more payments than this in the window is not expanded (see network-hops.ts). */
export const DEFAULT_HUB_PAYMENTS = 10_000;

export interface NetworkOptions {
  hops?: 1 | 2;
  /** Nodes in the answer, the subject included: default 200, at most 1000. */
  maxNodes?: number;
  /** Payments in the window from which a wallet's merchant is a hub, not expanded at the second hop: default 10,000. */
  hubPayments?: number;
}

export interface NetworkNode {
  /** `wallet:<participant>:<walletId>`, `device:<id>`, `ip:<address>`, `merchant:<id>` (see node.ts). */
  id: string;
  kind: NodeKind;
  /** The wallet's or device's id, the IP address, the merchant's name. */
  label: string;
  /** For a wallet: the participant holding it. */
  participant?: string;
  /** Its payments in the window, all of them (not only those with the subject's network). */
  payments: number;
  declined: number;
  /** Its payments in the window that raised or joined an alert; null for a hub merchant (not counted: merchant-figures.ts). */
  alerted: number | null;
  /** Declined or alerted payments in the window. */
  suspicious: boolean;
  subject?: true;
  /** A merchant with more than hubPayments payments: not expanded (its payers are its counterparties), its alerts not counted. */
  hub?: true;
  /** 0 for the subject, 1 or 2 for the hop it was reached at. */
  hop: 0 | 1 | 2;
}

/** A wallet used a device or an IP, or paid a merchant: `source` is always the wallet. */
export type NetworkEdge = Link;

export interface SubjectNetwork {
  subject: Subject;
  from: string;
  to: string;
  hops: 1 | 2;
  nodes: NetworkNode[];
  edges: NetworkEdge[];
  /** Neighbours or links were left out to stay within maxNodes (or the links' bound), or a hub was not expanded. */
  truncated: boolean;
}

/**
 * Wallets, devices, IPs and merchants linked to the subject by shared use, up to two hops
 * out, over the window's payments. Bounded at each hop (network-hops.ts): with two hops the
 * first takes at most half the node budget, the second the rest. Every node's figures are
 * exact, from the rows of a hop that read it whole or else read afterwards
 * (network-figures.ts); every link among the kept nodes is drawn, also one neither hop
 * followed (a second-hop wallet paying a first-hop merchant).
 */
export async function subjectNetwork(
  client: ClickHouseClient,
  database: string,
  subject: Subject,
  window: Window,
  options: NetworkOptions = {},
): Promise<SubjectNetwork> {
  checkWindow(window);
  const hops = options.hops === 1 ? 1 : 2;
  const asked = Math.floor(options.maxNodes ?? DEFAULT_MAX_NODES);
  const maxNodes = Number.isFinite(asked) ? Math.max(2, Math.min(asked, MAX_NODES)) : DEFAULT_MAX_NODES;
  const maxLinks = LINKS_PER_NODE * maxNodes;
  const hubPayments = Math.max(0, Math.floor(options.hubPayments ?? DEFAULT_HUB_PAYMENTS) || 0);
  const budget = maxNodes - 1;
  const first = await firstHop(client, database, subject, window, hops === 1 ? budget : Math.max(1, Math.floor(budget / 2)), hubPayments);
  const frontier = first.found.map((f) => f.ref);
  const second = hops === 2 ? await secondHop(client, database, subject, window, frontier, budget - frontier.length, hubPayments) : undefined;

  const layers: Array<{ ref: NodeRef; hop: 0 | 1 | 2 }> = [
    { ref: subjectNode(subject), hop: 0 },
    ...frontier.map((ref) => ({ ref, hop: 1 as const })),
    ...(second?.found ?? []).map((f) => ({ ref: f.ref, hop: 2 as const })),
  ];
  const inGraph = new Set(layers.map((l) => nodeId(l.ref)));
  const figures = new Map([...first.figures, ...(second?.figures ?? [])]);
  // The subject's figures are the first hop's, none when it has no payments: never read again.
  const unread = layers.filter((l) => l.hop > 0 && !figures.has(nodeId(l.ref))).map((l) => l.ref);
  const rest = await networkFigures(client, database, window, unread, layers.map((l) => l.ref).filter((r) => r.kind !== 'wallet'), maxLinks);
  const merchants = await merchantFigures(client, database, window, unread.filter((r) => r.kind === 'merchant').map((r) => r.id), hubPayments);
  for (const [id, f] of [...rest.figures, ...merchants.figures]) figures.set(id, f);
  const labels = new Map([...first.labels, ...(second?.labels ?? [])]);
  const unnamed = layers.filter((l) => l.ref.kind === 'merchant' && !labels.has(nodeId(l.ref))).map((l) => l.ref.id);
  for (const [id, name] of await merchantNames(client, database, window, unnamed)) labels.set(id, name);

  // Every link between two nodes of the graph, once, most payments first.
  const links = new Map<string, Link>();
  for (const link of [...first.links, ...(second?.links ?? []), ...rest.links]) {
    const key = `${link.source} ${link.target}`;
    if (inGraph.has(link.source) && inGraph.has(link.target) && !links.has(key)) links.set(key, link);
  }
  const edges = [...links.values()].sort((a, b) => b.payments - a.payments || a.source.localeCompare(b.source) || a.target.localeCompare(b.target));
  const hubs = new Set([...first.hubs, ...(second?.hubs ?? []), ...merchants.hubs]);

  const nodes = layers.map(({ ref, hop }): NetworkNode => {
    const id = nodeId(ref);
    const f = figures.get(id) ?? { payments: 0, declined: 0, alerted: 0 };
    return {
      id,
      kind: ref.kind,
      label: labels.get(id) || ref.id,
      ...(ref.kind === 'wallet' ? { participant: ref.participant } : {}),
      payments: f.payments,
      declined: f.declined,
      alerted: f.alerted,
      suspicious: f.declined > 0 || (f.alerted ?? 0) > 0,
      ...(hop === 0 ? { subject: true as const } : {}),
      ...(hubs.has(id) ? { hub: true as const } : {}),
      hop,
    };
  });
  return {
    subject,
    from: isoTime(window.fromMs),
    to: isoTime(window.toMs),
    hops,
    nodes,
    edges: edges.slice(0, maxLinks),
    truncated: first.truncated || (second?.truncated ?? false) || rest.truncated || edges.length > maxLinks,
  };
}
