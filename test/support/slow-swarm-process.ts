import { openSlowClient, type SlowClient, type SocketEnd } from './slow-client.ts';
import type { SlowKind, SwarmOrder, SwarmReport } from './slow-swarm.ts';

/**
 * The other end of test/support/slow-swarm.ts: a process of its own (an attacker's, not the
 * platform's event loop) that opens the slow clients it is told to, from the address it is
 * told, then one more past the per-address bound, and reports how each connection ended.
 */
const BEHAVIOUR: Record<SlowKind, (c: SlowClient) => void> = {
  // Connected, and not a byte.
  idle: () => undefined,
  // A header line every 200 ms, never the blank line that ends them.
  'partial headers': (c) => {
    c.send('POST /v1/payments HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    c.trickle('X-Padding: slow\r\n', 200);
  },
  // As reported: unauthenticated, Content-Length 10000, a byte now and then.
  'trickled body': (c) => {
    c.send('POST /v1/payments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{');
    c.trickle(' ', 200);
  },
  // Headers and the start of a body, then nothing.
  'stalled body': (c) => c.send('POST /v1/payments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{"txnId":"slow'),
};

const ended = (client: SlowClient, end: SocketEnd) => ({ afterMs: end.at - client.openedAt, byServer: end.byServer, received: end.received });

process.once('message', async (order: SwarmOrder) => {
  const kinds = Object.entries(order.perKind) as Array<[SlowKind, number]>;
  // All at once: the bound is full before the first of them times out.
  const clients = await Promise.all(
    kinds.flatMap(([kind, n]) =>
      Array.from({ length: n }, async () => {
        const client = await openSlowClient(order.port, { localAddress: order.localAddress });
        BEHAVIOUR[kind](client);
        return { kind, client };
      }),
    ),
  );
  const openedAt = Date.now();
  const over = await openSlowClient(order.port, { localAddress: order.localAddress });
  const overEnd = await over.ended;
  const results: Array<SwarmReport['clients'][number] | undefined> = clients.map(() => undefined);
  clients.forEach(({ kind, client }, i) => void client.ended.then((end) => (results[i] = { kind, ...ended(client, end) })));
  await Promise.race([Promise.all(clients.map(({ client }) => client.ended)), new Promise((r) => setTimeout(r, order.giveUpAfterMs))]);
  const report: SwarmReport = {
    openedAt,
    endedAt: Date.now(),
    overBound: ended(over, overEnd),
    clients: results.map((r, i) => r ?? { kind: clients[i]!.kind, stillOpen: true }),
  };
  for (const { client } of clients) client.close();
  process.send!(report, () => process.exit(0));
});
process.send!('ready');
