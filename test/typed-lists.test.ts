import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRiskEngine, type RiskEngine } from '../rules/index.ts';
import { logInEveryone, startTestPlatform } from './support/platform.ts';
import { signed } from './support/signed-request.ts';
import { eventually, merchantQrs } from './support/traffic.ts';

/**
 * Typed block and allow lists over HTTP on the whole platform: edited through change sets
 * (four eyes, live on this process and on a second engine sharing its Redis), imported as CSV
 * all or nothing, exported, and blocked at once in an emergency by one officer, reviewed by
 * another. An allow entry exempts its subject from the rules it names until it expires.
 */

const PEP = '习近平';

describe('typed lists: block, allow, import, emergency', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let qr: Record<string, string>;
  let redis: Redis;
  let other: RiskEngine;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    platform = await startTestPlatform();
    qr = await merchantQrs(platform.app);
    Object.assign(tokens, await logInEveryone(platform.app));
    redis = new Redis(platform.redisUrl, { maxRetriesPerRequest: 1 });
    other = await createRiskEngine({ redis, thresholds: { review: 400, decline: 700 }, deadlineMs: 1000, fallback: { approveBelowUsd: 50, otherwise: 'review' }, cnyPerUsd: '7.12' });
  }, 120_000);
  afterAll(async () => {
    await other?.close();
    redis?.disconnect();
    await platform?.stop();
  });

  const op = async (username: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const r = await platform.app.inject({ method, url, headers: { authorization: `Bearer ${tokens[username]}` }, ...(payload ? { payload } : {}) });
    return { status: r.statusCode, body: (String(r.headers['content-type']).startsWith('application/json') ? r.json() : r.body) as any };
  };
  const importCsv = async (username: string, list: string, csv: string | Readable, query = '') => {
    const r = await platform.app.inject({ method: 'POST', url: `/v1/lists/${list}/import${query}`, headers: { authorization: `Bearer ${tokens[username]}`, 'content-type': 'text/csv' }, payload: csv });
    return { status: r.statusCode, body: r.json() as any };
  };
  const pay = async (payer: Record<string, unknown>, merchant = 'm-cn-0001') =>
    (
      await signed(platform.app, {
        participant: 'siam-wallet',
        method: 'POST',
        path: '/v1/payments',
        body: { txnId: randomUUID(), qr: { payload: qr[merchant] }, amount: { value: '45.00', currency: 'CNY' }, payer: { walletId: `w-${randomUUID()}`, deviceId: `d-${randomUUID()}`, country: 'TH', ...payer } },
      })
    ).body;
  const ruleIds = (answer: any) => (answer.risk.reasons as Array<{ ruleId: string }>).map((r) => r.ruleId);
  const approve = async (id: string) => {
    expect((await op('risk.officer', 'POST', `/v1/change-sets/${id}/submit`, { note: 'list change' })).status).toBe(200);
    expect((await op('risk.officer', 'POST', `/v1/change-sets/${id}/approve`)).body.error.code).toBe('FOUR_EYES_REQUIRED');
    const approved = await op('admin', 'POST', `/v1/change-sets/${id}/approve`);
    expect(approved, JSON.stringify(approved.body)).toMatchObject({ status: 200, body: { state: 'applied' } });
    return approved.body;
  };
  /** Generations of a list kept in Redis (the live one and any staged). */
  const generations = async (list: string) => (await redis.keys(`risk:typedlist:${list}:g*`)).length;

  it('blocks a device through a change set: nothing before approval, declined on this node and followed by another within a second', async () => {
    const device = `d-${randomUUID()}`;
    const drafted = await op('risk.officer', 'POST', '/v1/change-sets', {
      title: 'Block a device seen in account takeovers',
      changes: [{ kind: 'list', list: 'block:device', add: [{ value: `siam-wallet:${device}`, reason: 'ATO case 1182' }] }],
    });
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
    expect(drafted.body.changes[0]).toMatchObject({ kind: 'list', list: 'block:device', counts: { rows: 1, before: 0, after: 1 } });
    const view = (await op('admin', 'GET', `/v1/change-sets/${drafted.body.id}`)).body;
    expect(view.diff[0]).toMatchObject({ ruleId: '@list:block:device', kind: 'list', live: { entries: 0 }, proposed: { entries: 1, add: [{ value: `siam-wallet:${device}` }] } });
    // A second draft on the same list is refused, and leaves no staged copy behind.
    const kept = await generations('block:device');
    expect((await op('admin', 'POST', '/v1/change-sets', { title: 'another', changes: [{ kind: 'list', list: 'block:device', add: [{ value: 'siam-wallet:d-x', reason: 'x' }] }] })).body.error.code).toBe('CHANGE_SET_CONFLICT');
    expect(await generations('block:device')).toBe(kept);

    expect((await pay({ deviceId: device })).risk.decision).toBe('approve');
    const approvedAt = Date.now();
    await approve(drafted.body.id);
    await eventually(async () => [platform.risk.stats().typedListSizes['block:device'], other.stats().typedListSizes['block:device']], (s) => s.every((n) => n === 1), 1000);
    expect(Date.now() - approvedAt).toBeLessThan(1000);
    const blocked = await pay({ deviceId: device });
    expect(blocked.risk.decision).toBe('decline');
    expect(blocked.risk.reasons.find((r: any) => r.ruleId === 'list-block')?.message).toBe("The payment's device is on its block list");
    expect((await pay({})).risk.decision).toBe('approve');
    expect((await op('compliance', 'GET', '/v1/lists/block/device?limit=1001')).status).toBe(400);
    const page = (await op('compliance', 'GET', '/v1/lists/block/device?limit=5')).body;
    expect(page).toMatchObject({ total: 1, entries: [{ value: `siam-wallet:${device}`, reason: 'ATO case 1182', author: 'risk.officer', expired: false }] });
    expect((await op('siam.analyst', 'GET', '/v1/lists/block/device')).status).toBe(403);
  });

  it('an allow entry exempts its wallet from the rules it names until it expires, then stops', async () => {
    const wallet = `w-${randomUUID()}`;
    expect(ruleIds(await pay({ walletId: wallet, name: PEP }))).toContain('screening-payer-pep');
    const expiresAt = Date.now() + 6000;
    const drafted = await op('risk.officer', 'POST', '/v1/change-sets', {
      title: 'Known PEP customer: cleared by compliance for a week',
      changes: [{ kind: 'list', list: 'allow:wallet', add: [{ value: `siam-wallet:${wallet}`, reason: 'EDD done, case 77', expiresAt, rules: ['screening-payer-pep'] }] }],
    });
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
    await approve(drafted.body.id);
    await eventually(() => platform.risk.stats().typedListSizes['allow:wallet'], (n) => n === 1, 1000);
    const exempt = await pay({ walletId: wallet, name: PEP });
    expect(ruleIds(exempt)).not.toContain('screening-payer-pep');
    expect(exempt.risk.decision).toBe('approve');
    // Another PEP payer is not exempt.
    expect(ruleIds(await pay({ name: PEP }))).toContain('screening-payer-pep');
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now() + 50)));
    const after = await pay({ walletId: wallet, name: PEP });
    expect(ruleIds(after)).toContain('screening-payer-pep');
    expect((await op('risk.officer', 'GET', '/v1/lists/allow/wallet')).body.entries[0]).toMatchObject({ expired: true, rules: ['screening-payer-pep'] });
    // An allow entry must name its rules; a block entry must not.
    expect((await op('risk.officer', 'POST', '/v1/change-sets', { title: 'x', changes: [{ kind: 'list', list: 'allow:ip', add: [{ value: '10.0.0.1', reason: 'office' }] }] })).body.error.code).toBe('LIST_ENTRY_INVALID');
    expect((await op('risk.officer', 'POST', '/v1/change-sets', { title: 'x', changes: [{ kind: 'list', list: 'block:ip', add: [{ value: '10.0.0.1', reason: 'r', rules: ['x'] }] }] })).body.error.code).toBe('LIST_ENTRY_INVALID');
    expect((await op('risk.officer', 'POST', '/v1/change-sets', { title: 'x', changes: [{ kind: 'list', list: 'block:ip', add: [{ value: '10.0.0.1', reason: 'r', expiresAt: Date.now() - 1 }] }] })).body.error.code).toBe('LIST_ENTRY_INVALID');
  });

  it('imports a CSV as a change set (quoted fields, IPv6 in its canonical form), exports it back, and refuses junk lines with their numbers, leaving nothing', async () => {
    const before = await generations('block:ip');
    const junk = ['value,reason,expiresAt,rules', '10.1.1.1,fine', 'not-an-ip,bad value', '10.1.1.2,"unclosed', ''].join('\n');
    const refused = await importCsv('risk.officer', 'block/ip', 'value,reason\n10.1.1.1,fine\nnot-an-ip,bad value\n10.1.1.3,\n10.1.1.4,"a ""quoted"" reason, with a comma"\n10.1.1.5,x,extra\n');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'LIST_IMPORT_INVALID', invalidLines: 3 });
    expect(refused.body.error.problems.map((p: any) => p.line)).toEqual([3, 4, 6]);
    expect(refused.body.error.problems[0].message).toContain('IPv4 or IPv6');
    expect((await importCsv('risk.officer', 'block/ip', junk)).body.error).toMatchObject({ code: 'LIST_IMPORT_INVALID', problems: [{ line: 3 }, { line: 4, message: 'a quoted field is not closed' }] });
    expect((await importCsv('risk.officer', 'block/ip', 'ip,why\n10.0.0.1,x\n')).body.error.message).toContain('header');
    expect((await importCsv('risk.officer', 'block/ip', '')).body.error.code).toBe('LIST_IMPORT_INVALID');
    expect(await generations('block:ip')).toBe(before);

    const csv = 'value,reason,expiresAt\r\n203.0.113.9,"botnet, seen in case 12",2099-01-01T00:00:00Z\r\n2001:DB8:0:0:0:0:0:1,"a ""quoted"" reason",\r\n';
    const drafted = await importCsv('risk.officer', 'block/ip', csv, '?mode=add&title=Botnet%20IPs');
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
    expect(drafted.body).toMatchObject({ title: 'Botnet IPs', state: 'draft', changes: [{ kind: 'list', list: 'block:ip', import: { mode: 'add', rows: 2 }, counts: { rows: 2, after: 2 } }] });
    await approve(drafted.body.id);
    await eventually(() => platform.risk.stats().typedListSizes['block:ip'], (n) => n === 2, 1000);
    expect((await pay({ ip: '2001:db8::1' })).risk.decision).toBe('decline');
    const exported = await op('compliance', 'GET', '/v1/lists/block/ip/export');
    expect(exported.status).toBe(200);
    expect(exported.body.split('\n').sort()).toEqual(['', '2001:db8::1,"a ""quoted"" reason",,', '203.0.113.9,"botnet, seen in case 12",2099-01-01T00:00:00.000Z,', 'value,reason,expiresAt,rules'].sort());
  });

  it('refuses an import past 1,000,000 rows while it streams, and leaves no staged copy', async () => {
    const before = await generations('block:user');
    const ROWS = 1_000_001;
    const rows = async function* () {
      yield 'value,reason\n';
      for (let i = 0; i < ROWS; i += 10_000) {
        let chunk = '';
        for (let j = i; j < Math.min(ROWS, i + 10_000); j++) chunk += `siam-wallet:u-${j},bulk\n`;
        yield chunk;
      }
    };
    const refused = await importCsv('risk.officer', 'block/user', Readable.from(rows()));
    expect(refused.status).toBe(413);
    expect(refused.body.error.code).toBe('LIST_IMPORT_TOO_LARGE');
    expect(await generations('block:user')).toBe(before);
    expect((await op('risk.officer', 'GET', '/v1/change-sets?state=draft')).body.changeSets.some((s: any) => s.changes.some((c: any) => c.list === 'block:user'))).toBe(false);
  }, 120_000);

  it('an emergency block applies at once, waits for a second officer, who lifts it', async () => {
    const merchantDecision = async () => (await pay({}, 'm-cn-0004')).risk.decision;
    expect(await merchantDecision()).toBe('approve');
    const blocked = await op('risk.officer', 'POST', '/v1/lists/block/merchant/emergency', { value: 'm-cn-0004', reason: 'acquirer reports a compromised terminal' });
    expect(blocked).toMatchObject({ status: 201, body: { value: 'm-cn-0004', emergency: true, author: 'risk.officer' } });
    await eventually(merchantDecision, (d) => d === 'decline', 1000);
    expect((await op('admin', 'GET', '/v1/lists/emergency-blocks')).body.blocks).toEqual([expect.objectContaining({ list: 'block:merchant', entry: expect.objectContaining({ value: 'm-cn-0004' }) })]);
    expect((await op('risk.officer', 'POST', '/v1/lists/emergency-blocks/review', { list: 'block:merchant', value: 'm-cn-0004', decision: 'lift' })).body.error.code).toBe('FOUR_EYES_REQUIRED');
    expect((await op('compliance', 'POST', '/v1/lists/block/merchant/emergency', { value: 'm-cn-0006', reason: 'x' })).status).toBe(403);
    expect((await op('admin', 'POST', '/v1/lists/emergency-blocks/review', { list: 'block:merchant', value: 'm-cn-0004', decision: 'lift' })).status).toBe(200);
    await eventually(merchantDecision, (d) => d === 'approve', 1000);
    expect((await op('admin', 'GET', '/v1/lists/emergency-blocks')).body.blocks).toEqual([]);
    expect((await op('admin', 'POST', '/v1/lists/emergency-blocks/review', { list: 'block:merchant', value: 'm-cn-0004', decision: 'lift' })).body.error.code).toBe('LIST_ENTRY_NOT_FOUND');
  });
});
