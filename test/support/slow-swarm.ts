import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type SlowKind = 'idle' | 'partial headers' | 'trickled body' | 'stalled body';

export interface SwarmOrder {
  port: number;
  localAddress: string;
  perKind: Partial<Record<SlowKind, number>>;
  /** How long to wait for the server to close them all before reporting the rest as still open. */
  giveUpAfterMs: number;
}

/** How one connection ended, as its client saw it. */
export interface SlowEnd {
  /** From connected to closed. */
  afterMs: number;
  /** The server closed it, not the client. */
  byServer: boolean;
  /** What the server sent before closing. */
  received: string;
}

export interface SwarmReport {
  /** Epoch ms when every slow client was connected and the extra one was opened, and when the last ended. */
  openedAt: number;
  endedAt: number;
  /** The one opened once the address had its bound of connections open. */
  overBound: SlowEnd;
  clients: Array<({ kind: SlowKind } & SlowEnd) | { kind: SlowKind; stillOpen: true }>;
}

/**
 * Slow clients in a process of their own (test/support/slow-swarm-process.ts), as an attacker
 * would be: their sockets and timers do not share the platform's event loop. Resolves once
 * the process has loaded (its start-up is no part of what is measured); `run` sends it out.
 */
export async function startSlowSwarm(): Promise<{ run(order: SwarmOrder): Promise<SwarmReport> }> {
  const child = fork(fileURLToPath(new URL('./slow-swarm-process.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the slow clients' process exited (${code}) without a report`))));
  exited.catch(() => undefined);
  const next = () => Promise.race([new Promise((resolve) => child.once('message', resolve)), exited]);
  await next();
  return {
    async run(order) {
      child.send(order);
      return (await next()) as SwarmReport;
    },
  };
}
