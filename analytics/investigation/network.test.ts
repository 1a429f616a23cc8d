import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subjectNetwork, type NetworkOptions, type SubjectNetwork } from './network.ts';
import type { Subject } from './subject.ts';
import { ALICE_IP, DATABASE, HOSTILE_IDS, openCase, payer, SHARED_DEVICE, WINDOW } from './test-support/case-fixture.ts';

/** Networks worked out by hand from test-support/case-fixture.ts. */
let kase: Awaited<ReturnType<typeof openCase>>;
beforeAll(async () => {
  kase = await openCase('cpg-investigation-network-');
}, 60_000);
afterAll(async () => {
  await kase?.close();
});

const network = (subject: Subject, options?: NetworkOptions) => subjectNetwork(kase.ch.client, DATABASE, subject, WINDOW, options);
const alice: Subject = { kind: 'wallet', id: 'w-alice', participant: 'siam-wallet' };
/** Nodes as `id payments[ suspicious] hop`, in the answer's order: readable in a failing diff. */
const nodesOf = (n: SubjectNetwork) => n.nodes.map((x) => `${x.id} ${x.payments}${x.suspicious ? ' suspicious' : ''} ${x.hop}`);
const edgesOf = (n: SubjectNetwork) => n.edges.map((e) => `${e.source} -${e.kind}-> ${e.target} ${e.payments}`).sort();

describe("a subject's network", () => {
  it("links a wallet to its devices, IP and merchants, then to the wallets sharing them: a shared phone before a shared shop", async () => {
    const n = await network(alice);
    expect(nodesOf(n)).toEqual([
      'wallet:siam-wallet:w-alice 4 suspicious 0',
      `ip:${ALICE_IP} 4 suspicious 1`,
      'device:dev-shared 6 suspicious 1',
      'merchant:m-cn-0001 6 suspicious 1',
      'device:dev-alice 1 suspicious 1',
      'merchant:m-sg-0001 1 suspicious 1',
      // Bob shares the phone and the restaurant, Carol the phone (and was alerted), Dave only the restaurant.
      'wallet:siam-wallet:w-bob 2 2',
      'wallet:merlion-pay:w-carol 1 suspicious 2',
      'wallet:siam-wallet:w-dave 1 2',
    ]);
    expect(n.nodes[0]).toMatchObject({ subject: true, kind: 'wallet', label: 'w-alice', participant: 'siam-wallet', declined: 2, alerted: 0 });
    expect(n.nodes.find((x) => x.id === 'merchant:m-cn-0001')).toMatchObject({ label: 'Jade Garden Restaurant', declined: 1 });
    expect(n.nodes.find((x) => x.id === 'wallet:merlion-pay:w-carol')).toMatchObject({ declined: 0, alerted: 1 });
    expect(edgesOf(n)).toEqual([
      'wallet:merlion-pay:w-carol -device-> device:dev-shared 1',
      'wallet:siam-wallet:w-alice -device-> device:dev-alice 1',
      'wallet:siam-wallet:w-alice -device-> device:dev-shared 3',
      `wallet:siam-wallet:w-alice -ip-> ip:${ALICE_IP} 4`,
      'wallet:siam-wallet:w-alice -merchant-> merchant:m-cn-0001 3',
      'wallet:siam-wallet:w-alice -merchant-> merchant:m-sg-0001 1',
      'wallet:siam-wallet:w-bob -device-> device:dev-shared 2',
      'wallet:siam-wallet:w-bob -merchant-> merchant:m-cn-0001 2',
      'wallet:siam-wallet:w-dave -merchant-> merchant:m-cn-0001 1',
    ]);
    expect(n.truncated).toBe(false);
    // The other participant's w-alice shares nothing with her: nowhere in it.
    expect(n.nodes.some((x) => x.id.startsWith('wallet:merlion-pay:w-alice'))).toBe(false);
  });

  it("does not expand a merchant busier than hubPayments, yet draws its links to the wallets reached otherwise", async () => {
    // Jade Garden has 6 payments in the window: a hub at 5. Dave, whom only it links to Alice, is not reached.
    const n = await network(alice, { hubPayments: 5 });
    expect(n.nodes.filter((x) => x.hub).map((x) => x.id)).toEqual(['merchant:m-cn-0001']);
    // A hub's alerts are not counted; it is suspicious by its decline (Alice's a4).
    expect(n.nodes.find((x) => x.hub)).toMatchObject({ payments: 6, declined: 1, alerted: null, suspicious: true });
    expect(n.nodes.filter((x) => x.hop === 2).map((x) => x.id)).toEqual(['wallet:siam-wallet:w-bob', 'wallet:merlion-pay:w-carol']);
    expect(edgesOf(n)).toContain('wallet:siam-wallet:w-bob -merchant-> merchant:m-cn-0001 2');
    expect(n.edges).toHaveLength(8);
    expect(n.truncated).toBe(true);
  });

  it('stops at one hop when asked', async () => {
    const n = await network(alice, { hops: 1 });
    expect(n.nodes.map((x) => x.id)).toEqual(['wallet:siam-wallet:w-alice', `ip:${ALICE_IP}`, 'device:dev-shared', 'merchant:m-cn-0001', 'device:dev-alice', 'merchant:m-sg-0001']);
    expect(n.edges).toHaveLength(5);
    expect(n.truncated).toBe(false);
  });

  it('links a device to the three wallets that used it, and those to what else they used', async () => {
    const n = await network({ kind: 'device', id: SHARED_DEVICE });
    expect(nodesOf(n)).toEqual([
      'device:dev-shared 6 suspicious 0',
      'wallet:siam-wallet:w-alice 4 suspicious 1',
      'wallet:siam-wallet:w-bob 2 1',
      'wallet:merlion-pay:w-carol 1 suspicious 1',
      // Jade Garden is shared by two of them; then devices and IPs before merchants, most payments first.
      'merchant:m-cn-0001 6 suspicious 2',
      `ip:${ALICE_IP} 4 suspicious 2`,
      'ip:203.0.113.11 2 2',
      'device:dev-alice 1 suspicious 2',
      'ip:203.0.113.12 1 suspicious 2',
      'merchant:m-cn-0003 1 suspicious 2',
      'merchant:m-sg-0001 1 suspicious 2',
    ]);
    expect(n.edges).toHaveLength(11);
  });

  it("bounds a mule merchant's fan-out to maxNodes and says so", async () => {
    const n = await network({ kind: 'merchant', id: 'm-mule' }, { hops: 1, maxNodes: 11 });
    expect(n.nodes).toHaveLength(11);
    expect(n.nodes.slice(1).map((x) => x.label)).toEqual([payer(1), ...[30, 29, 28, 27, 26, 25, 24, 23, 22].map(payer)]);
    expect(n.truncated).toBe(true);
    expect(n.edges).toHaveLength(10);

    const whole = await network({ kind: 'merchant', id: 'm-mule' });
    // 30 payers, then each one's own device and IP: 91 nodes, 90 links, nothing left out.
    expect(whole.nodes).toHaveLength(91);
    expect(whole.nodes.filter((x) => x.hop === 1)).toHaveLength(30);
    expect(whole.edges).toHaveLength(90);
    expect(whole.truncated).toBe(false);
    expect(whole.nodes.filter((x) => x.suspicious).map((x) => x.id).sort()).toEqual(
      ['merchant:m-mule', ...[28, 29, 30].flatMap((i) => [`wallet:siam-wallet:${payer(i)}`, `device:dev-${payer(i)}`, `ip:198.51.100.${i}`])].sort(),
    );

    expect(whole.nodes[0]).toMatchObject({ id: 'merchant:m-mule', label: 'Lucky Star Trading', payments: 32, declined: 3, alerted: 2 });
    // Busier than hubPayments, the subject's alerts are not counted either.
    const asHub = await network({ kind: 'merchant', id: 'm-mule' }, { hops: 1, hubPayments: 31 });
    expect(asHub.nodes[0]).toMatchObject({ hub: true, payments: 32, declined: 3, alerted: null, suspicious: true });

    const small = await network({ kind: 'merchant', id: 'm-mule' }, { maxNodes: 21 });
    expect(small.nodes).toHaveLength(21);
    expect(small.nodes.filter((x) => x.hop === 1)).toHaveLength(10);
    expect(small.truncated).toBe(true);
  });

  it("bounds the second hop through a busy merchant: a payer's co-payers, the most frequent kept, the rest said to be left out", async () => {
    // Budget 7: p-05's device, IP and the mule at the first hop; three of the mule's other 29 payers at the second.
    const n = await network({ kind: 'wallet', id: payer(5), participant: 'siam-wallet' }, { maxNodes: 8 });
    expect(n.nodes.filter((x) => x.hop === 1).map((x) => x.id)).toEqual(['device:dev-p-05', 'ip:198.51.100.5', 'merchant:m-mule']);
    const second = n.nodes.filter((x) => x.hop === 2);
    expect(second).toHaveLength(3);
    expect(second[0]!.id).toBe('wallet:siam-wallet:p-01');
    expect(second.every((x) => x.kind === 'wallet' && x.id !== 'wallet:siam-wallet:p-05')).toBe(true);
    expect(n.truncated).toBe(true);
  });

  it('keeps maxNodes between 2 and 1000', async () => {
    const two = await network(alice, { maxNodes: 0.5 });
    expect(two.nodes.map((x) => x.id)).toEqual(['wallet:siam-wallet:w-alice', `ip:${ALICE_IP}`]);
    expect(two.truncated).toBe(true);
  });

  it('gives only the subject, unlinked, for hostile or empty ids', async () => {
    for (const id of HOSTILE_IDS) {
      for (const subject of [{ kind: 'wallet', id, participant: 'siam-wallet' }, { kind: 'merchant', id }, { kind: 'device', id }, { kind: 'ip', id }] as Subject[]) {
        const n = await network(subject);
        expect(n.nodes.map((x) => [x.payments, x.subject]), JSON.stringify(subject)).toEqual([[0, true]]);
        expect(n.edges).toEqual([]);
      }
    }
  });
});
