import type { Subject } from './subject.ts';

/**
 * A node of a subject's network: a payer wallet (named with its participant), or something
 * wallets share: a device, an IP address, a merchant. Links run between a wallet and one of
 * the others (it used the device or the IP, it paid the merchant), so the network is
 * bipartite: wallets on one side, what they share on the other.
 */
export type NodeKind = Subject['kind'];
export type LinkKind = Exclude<NodeKind, 'wallet'>;

export interface NodeRef {
  kind: NodeKind;
  id: string;
  /** The wallet's participant; '' for the other kinds. */
  participant: string;
}

/**
 * A node's id in the answer: the kind, then the value, a wallet's with its participant
 * first, as cases key their subjects (domain/subject.ts, subjectKey). A participant id never
 * holds ':' (config pattern ^[a-z0-9][a-z0-9.-]{1,62}$), so `wallet:siam-wallet:w-1:x`
 * reads back unambiguously whatever the wallet id holds.
 */
export function nodeId(ref: NodeRef): string {
  return ref.kind === 'wallet' ? `wallet:${ref.participant}:${ref.id}` : `${ref.kind}:${ref.id}`;
}

export function subjectNode(subject: Subject): NodeRef {
  return { kind: subject.kind, id: subject.id, participant: subject.kind === 'wallet' ? subject.participant : '' };
}

/** What the network shows of a node: its own payments in the window, all of them, not only those on its links. */
export interface NodeFigures {
  payments: number;
  declined: number;
  /** Its payments that raised or joined an alert; null for a hub merchant, whose alerts are not counted (merchant-figures.ts). */
  alerted: number | null;
}

/** A wallet used a device or an IP, or paid a merchant: `source` is always the wallet's node id. */
export interface Link {
  source: string;
  target: string;
  kind: LinkKind;
  payments: number;
}

/** A node's payments in the window, declined and alerted: constant SQL over its rows. */
export function figureColumns(alerted: string): string {
  return `toUInt32(count()) AS payments, toUInt32(countIf(status = 'DECLINED')) AS declined, toUInt32(countIf(${alerted})) AS alerted`;
}
