import type { ClickHouseClient } from '@clickhouse/client';
import type { Window } from '../participant/window.ts';
import { counterparties } from './counterparties.ts';
import { subjectHistory } from './history.ts';
import { subjectNetwork, type NetworkOptions } from './network.ts';
import type { Subject } from './subject.ts';

export { counterparties, DEFAULT_COUNTERPARTY_LIMIT, MAX_COUNTERPARTY_LIMIT, type Counterparties, type Counterparty } from './counterparties.ts';
export { PER_BREAKDOWN, subjectHistory, type FollowUps, type SubjectHistory } from './history.ts';
export { DEFAULT_HUB_PAYMENTS, DEFAULT_MAX_NODES, MAX_NODES, subjectNetwork, type NetworkEdge, type NetworkNode, type NetworkOptions, type SubjectNetwork } from './network.ts';
export { nodeId, type LinkKind, type NodeKind } from './node.ts';
export { MAX_EXECUTION_SECONDS } from './read-rows.ts';
export { SUBJECT_KINDS, type Subject, type SubjectKind } from './subject.ts';

/**
 * The investigation view of a compliance case, over ClickHouse: one subject (a wallet with
 * its participant, a merchant, a device, an IP) over one window. Every query is read-only,
 * time- and size-bounded, its ids bound parameters. Who may investigate whom is the
 * caller's business.
 */
export function createInvestigation(client: ClickHouseClient, database: string) {
  return {
    history: (subject: Subject, window: Window) => subjectHistory(client, database, subject, window),
    counterparties: (subject: Subject, window: Window, limit?: number) => counterparties(client, database, subject, window, limit),
    network: (subject: Subject, window: Window, options?: NetworkOptions) => subjectNetwork(client, database, subject, window, options),
  };
}

export type Investigation = ReturnType<typeof createInvestigation>;
