import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logInEveryone, startTestPlatform } from '../support/platform.ts';
import { signed } from '../support/signed-request.ts';
import { eventually, merchantQrs } from '../support/traffic.ts';
import { collectPageErrors, launchChromium, logIn, screenshot, type Chromium } from './support/chromium.ts';
import { devUser } from './support/operator-api.ts';

/**
 * Typed lists through the console, against the real platform in this process: a risk officer
 * imports a CSV into the IP block list (a file with a junk line is refused by its line number
 * and drafts nothing; a good one drafts a change set), submits it, and a second officer
 * approves it; the page then lists the entries (the expired one marked) and payments from a
 * listed address are declined. An emergency block of a merchant is in force at once and
 * waits for review; the officer who made it cannot lift it, an admin does. An admin makes a
 * drafted set live alone in an emergency, and a risk officer ratifies it afterwards.
 */
const officer = devUser('risk.officer');
const second = devUser('risk.second');
const admin = devUser('admin');
const ADDRESSES = ['203.0.113.5', '203.0.113.6', '203.0.113.7'];
/** Expires a few seconds after the import: expired by the time the list is read. */
const EXPIRING = '203.0.113.7';
const MERCHANT = 'm-cn-0004';

describe('operator console: typed lists', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let base: string;
  let chromium: Chromium;
  let qr: Record<string, string>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    platform = await startTestPlatform({ RISK_DEADLINE_MS: '2000' });
    base = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    qr = await merchantQrs(platform.app);
    Object.assign(tokens, await logInEveryone(platform.app));
    chromium = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await platform?.stop();
  });

  const op = async (username: string, method: 'GET' | 'POST', url: string, payload?: object) => {
    const r = await platform.app.inject({ method, url, headers: { authorization: `Bearer ${tokens[username]}` }, ...(payload ? { payload } : {}) });
    return { status: r.statusCode, body: r.json() as any };
  };
  /** One signed payment of a new wallet of siam-wallet; what the platform decided. */
  const decisionOf = async (payer: Record<string, unknown>, merchant = 'm-cn-0001') => {
    const r = await signed(platform.app, {
      participant: 'siam-wallet',
      method: 'POST',
      path: '/v1/payments',
      body: { txnId: randomUUID(), qr: { payload: qr[merchant] }, amount: { value: '45.00', currency: 'CNY' }, payer: { walletId: `w-${randomUUID()}`, deviceId: `d-${randomUUID()}`, country: 'TH', ...payer } },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.risk.decision as string;
  };
  /** A tab of its own (its own sessionStorage, so its own login), its errors collected. */
  const openAs = async (user: { username: string; password: string }) => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, base, user);
    return { page, errors };
  };
  /** The list's page, read afresh: the same URL again changes no hash, so it is reloaded. */
  const openList = async (page: Page, list: string) => {
    const url = `${base}/console/#/lists?list=${list}`;
    if (page.url() === url) await page.reload();
    else await page.goto(url);
    await page.locator(`[data-testid="list-entries"][data-list="${list}"] :is(.list-table, .empty)`).first().waitFor();
  };
  const entryRows = (page: Page) => page.locator('[data-testid="list-entries"] .list-table tbody tr');
  const csvFile = (name: string, text: string) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  /** A full-page screenshot draws the sticky top bar where the page is scrolled to: from the top, then. */
  const shot = async (page: Page, name: string) => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, name);
  };

  it('imports a CSV into the IP block list: a junk line refused by its number, a good file drafted, approved by another officer, then listed and declining payments', async () => {
    const { page, errors } = await openAs(officer);
    await page.getByRole('link', { name: 'Lists', exact: true }).click();
    await page.locator('.list-picker [data-type="ip"]').click();
    await page.locator('[data-testid="list-entries"][data-list="block:ip"] .empty').waitFor();
    expect(page.url()).toContain('#/lists?list=block:ip');
    expect(await page.locator('.list-picker [data-kind="block"]').getAttribute('aria-pressed')).toBe('true');

    // A junk line: the whole file refused, its problem listed by line number, nothing drafted.
    await page.locator('#list-import-file').setInputFiles(csvFile('junk.csv', `value,reason\n${ADDRESSES[0]},botnet\nnot-an-ip,junk\n`));
    await page.getByRole('button', { name: 'Import as a change set' }).click();
    const refused = page.locator('[data-testid="list-import-refused"]');
    await refused.waitFor();
    expect(await refused.getAttribute('data-code')).toBe('LIST_IMPORT_INVALID');
    expect(await refused.locator('.import-problem').count()).toBe(1);
    expect(await refused.locator('.import-problem').getAttribute('data-line')).toBe('3');
    expect(await refused.locator('.import-problem').textContent()).toMatch(/^Line 3.*IPv4 or IPv6/);
    await shot(page, 'lists-import-refused');
    expect((await op(officer.username, 'GET', '/v1/change-sets')).body.changeSets).toEqual([]);

    // A good file: drafted as a change set, linked from the page; nothing live yet.
    const expiresAt = new Date(Date.now() + 4000).toISOString();
    const csv = `value,reason,expiresAt\r\n${ADDRESSES[0]},"botnet, case 12",\r\n${ADDRESSES[1]},botnet,\r\n${EXPIRING},seen once,${expiresAt}\r\n`;
    await page.locator('#list-import-file').setInputFiles(csvFile('botnet.csv', csv));
    await page.locator('#list-import-title').fill('Botnet addresses from case 12');
    await page.getByRole('button', { name: 'Import as a change set' }).click();
    const drafted = page.locator('[data-testid="list-import-drafted"]');
    await drafted.waitFor();
    const id = await drafted.getAttribute('data-change-set-id');
    expect(id).toMatch(/^cs_[a-f0-9]{24}$/);
    expect(await refused.count()).toBe(0);
    await shot(page, 'lists-import-drafted');
    await drafted.getByRole('link', { name: 'Botnet addresses from case 12' }).click();
    await page.locator('.page-change-set[data-state="draft"]').waitFor();
    expect(page.url()).toBe(`${base}/console/#/change-sets/${id}`);
    const change = page.locator('[data-testid="change"][data-kind="list"]');
    expect(await change.locator('.change-title code').textContent()).toBe('block:ip');
    expect(await change.locator('tr[data-field="entries"] [data-side="live"]').textContent()).toBe('0');
    expect(await change.locator('tr[data-field="entries"] [data-side="proposed"]').textContent()).toBe('3');
    expect(await change.locator('[data-testid="list-import-mode"]').getAttribute('data-mode')).toBe('add');
    expect(await change.locator('[data-testid="list-sample"] tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.value).sort())).toEqual(ADDRESSES);
    expect(await decisionOf({ ip: ADDRESSES[1] })).toBe('approve');

    // Submitted: a list-only set has no backtest to run, and the evidence says why.
    expect(await page.locator('[data-testid="change-set-no-backtest"]').count()).toBe(1);
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await page.locator('.page-change-set[data-state="submitted"]').waitFor();
    expect(await page.locator('[data-testid="evidence-skipped"]').textContent()).toContain('no rule or mode changes');
    await shot(page, 'lists-change-set-submitted');

    // A second officer approves it: live on the platform.
    const approver = await openAs(second);
    await approver.page.goto(`${base}/console/#/change-sets/${id}`);
    await approver.page.locator('.page-change-set[data-state="submitted"]').waitFor();
    await approver.page.getByRole('button', { name: 'Approve now' }).click();
    await approver.page.locator('.page-change-set[data-state="applied"]').waitFor();
    expect(await approver.page.locator('[data-testid="change-set-approved-by"]').textContent()).toBe(second.username);
    await eventually(() => decisionOf({ ip: ADDRESSES[1] }), (d) => d === 'decline', 2000);
    expect(await decisionOf({ ip: '203.0.113.99' })).toBe('approve');

    // The list as it is live: every entry with its reason and author, the expired one marked.
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(expiresAt) - Date.now() + 50)));
    await openList(page, 'block:ip');
    expect(await entryRows(page).evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.value).sort())).toEqual(ADDRESSES);
    const row = (value: string) => page.locator(`[data-testid="list-entries"] tr[data-value="${value}"]`);
    expect(await row(ADDRESSES[0]!).locator('.entry-reason').textContent()).toBe('botnet, case 12');
    expect(await row(ADDRESSES[0]!).textContent()).toContain(officer.username);
    expect(await row(ADDRESSES[0]!).getAttribute('data-expired')).toBe('false');
    expect(await row(EXPIRING).getAttribute('data-expired')).toBe('true');
    expect(await row(EXPIRING).locator('.badge-expired').textContent()).toBe('expired');
    expect(await page.locator('[data-testid="list-summary"]').textContent()).toContain('3 entries');
    await shot(page, 'lists-block-ip');

    // Searching by part of the value, then the export: the same columns the import reads.
    await page.locator('#list-search').fill('113.6');
    await expect.poll(() => entryRows(page).count()).toBe(1);
    expect(await entryRows(page).getAttribute('data-value')).toBe(ADDRESSES[1]);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('block-ip.csv');
    const exported = readFileSync(await download.path()).toString('utf8').trim().split('\n');
    expect(exported[0]).toBe('value,reason,expiresAt,rules');
    expect(exported.slice(1).sort()).toEqual([`${ADDRESSES[0]},"botnet, case 12",,`, `${ADDRESSES[1]},botnet,,`, `${EXPIRING},seen once,${new Date(expiresAt).toISOString()},`]);

    expect(errors).toEqual([]);
    expect(approver.errors).toEqual([]);
    await page.close();
    await approver.page.close();
  }, 120_000);

  it('pages a long list with "Load more", each entry once', async () => {
    const ROWS = 2500;
    const rows = Array.from({ length: ROWS }, (_, i) => `siam-wallet:u-bulk-${i},bulk import ${i}`).join('\n');
    const imported = await platform.app.inject({ method: 'POST', url: '/v1/lists/block/user/import', headers: { authorization: `Bearer ${tokens[officer.username]}`, 'content-type': 'text/csv' }, payload: `value,reason\n${rows}\n` });
    expect(imported.statusCode, imported.body).toBe(201);
    const id = (imported.json() as { id: string }).id;
    expect((await op(officer.username, 'POST', `/v1/change-sets/${id}/submit`, {})).status).toBe(200);
    expect((await op(second.username, 'POST', `/v1/change-sets/${id}/approve`)).body.state).toBe('applied');

    const { page, errors } = await openAs(officer);
    await openList(page, 'block:user');
    const more = page.getByRole('button', { name: 'Load more' });
    const first = await entryRows(page).count();
    expect(first).toBeLessThan(ROWS);
    expect(await more.isVisible()).toBe(true);
    let shown = first;
    while (await more.isVisible()) {
      await more.click();
      await expect.poll(() => entryRows(page).count()).toBeGreaterThan(shown);
      shown = await entryRows(page).count();
    }
    const values = await entryRows(page).evaluateAll((trs) => trs.map((r) => (r as HTMLElement).dataset.value));
    expect(new Set(values).size).toBe(ROWS);
    expect(values.length).toBe(ROWS);
    expect(await page.locator('[data-testid="list-shown"]').textContent()).toBe(`2,500 shown`);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('drafts an allow entry with the rules it exempts from, and lists it with them once approved', async () => {
    const { page, errors } = await openAs(officer);
    await openList(page, 'allow:wallet');
    expect(await page.locator('[data-testid="emergency-block"]').count()).toBe(0);
    await page.locator('#list-add-value-0').fill('siam-wallet:w-vip-7');
    await page.locator('#list-add-reason-0').fill('EDD done, case 77');
    await page.locator('#list-add-rules-0').fill('screening-payer-pep, velocity-payer-burst');
    await page.getByRole('button', { name: 'Draft change set' }).click();
    const drafted = page.locator('[data-testid="list-add-drafted"]');
    await drafted.waitFor();
    const id = await drafted.getAttribute('data-change-set-id');
    expect((await op(officer.username, 'POST', `/v1/change-sets/${id}/submit`, {})).status).toBe(200);
    expect((await op(second.username, 'POST', `/v1/change-sets/${id}/approve`)).body.state).toBe('applied');
    await openList(page, 'allow:wallet');
    const row = page.locator('[data-testid="list-entries"] tr[data-value="siam-wallet:w-vip-7"]');
    expect(await row.locator('td:last-child code').allTextContents()).toEqual(['screening-payer-pep', 'velocity-payer-burst']);
    expect(await row.getAttribute('data-expired')).toBe('false');
    await shot(page, 'lists-allow-wallet');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('blocks a merchant at once in an emergency; its author cannot lift it, an admin does', async () => {
    expect(await decisionOf({}, MERCHANT)).toBe('approve');
    const { page, errors } = await openAs(officer);
    await openList(page, 'block:merchant');
    await page.locator('#emergency-value').fill(MERCHANT);
    await page.locator('#emergency-reason').fill('acquirer reports a compromised terminal');
    await page.getByRole('button', { name: 'Block now' }).click();
    const waiting = (p: Page) => p.locator(`[data-testid="emergency-review"] tr[data-list="block:merchant"][data-value="${MERCHANT}"]`);
    await waiting(page).waitFor();
    await page.locator(`[data-testid="list-entries"] tr[data-value="${MERCHANT}"][data-emergency="true"]`).waitFor();
    await eventually(() => decisionOf({}, MERCHANT), (d) => d === 'decline', 2000);

    // Its author: refused, and told why; the block stays.
    await waiting(page).getByRole('button', { name: 'Lift' }).click();
    const fourEyes = page.locator('[data-testid="emergency-four-eyes"]');
    await fourEyes.waitFor();
    expect(await fourEyes.textContent()).toContain('FOUR_EYES_REQUIRED');
    expect(await waiting(page).count()).toBe(1);
    await shot(page, 'lists-emergency-four-eyes');

    // An admin lifts it: nothing waits, and the merchant is paid again.
    const second = await openAs(admin);
    await second.page.getByRole('link', { name: 'Lists', exact: true }).click();
    await waiting(second.page).waitFor();
    expect(await waiting(second.page).textContent()).toContain(officer.username);
    await waiting(second.page).getByRole('button', { name: 'Lift' }).click();
    await second.page.locator('[data-testid="emergency-review"] .empty-inline').waitFor();
    await eventually(() => decisionOf({}, MERCHANT), (d) => d === 'approve', 2000);
    expect((await op(admin.username, 'GET', '/v1/lists/emergency-blocks')).body.blocks).toEqual([]);
    await shot(second.page, 'lists-emergency-lifted');
    expect(errors).toEqual([]);
    expect(second.errors).toEqual([]);
    await page.close();
    await second.page.close();
  }, 60_000);

  it('an admin makes a drafted set live alone in an emergency; a risk officer ratifies it', async () => {
    // Drafted by a risk officer from the lists page: one wallet added to the block list.
    const author = await openAs(second);
    await openList(author.page, 'block:wallet');
    await author.page.locator('#list-add-value-0').fill('siam-wallet:w-stolen-1');
    await author.page.locator('#list-add-reason-0').fill('reported stolen by its owner');
    await author.page.locator('#list-add-title').fill('Stolen wallet');
    await author.page.getByRole('button', { name: 'Draft change set' }).click();
    const drafted = author.page.locator('[data-testid="list-add-drafted"]');
    await drafted.waitFor();
    const id = await drafted.getAttribute('data-change-set-id');
    const set = (await op(second.username, 'GET', `/v1/change-sets/${id}`)).body;
    expect(set.changeSet).toMatchObject({ state: 'draft', author: second.username, changes: [{ kind: 'list', list: 'block:wallet', add: [{ value: 'siam-wallet:w-stolen-1', reason: 'reported stolen by its owner' }] }] });
    expect(await decisionOf({ walletId: 'w-stolen-1' })).toBe('approve');

    // The admin: a reason is required, then it is live at once, marked, and not theirs to ratify.
    const { page, errors } = await openAs(admin);
    await page.goto(`${base}/console/#/change-sets/${id}`);
    await page.locator('.page-change-set[data-state="draft"]').waitFor();
    expect(await page.locator('[data-testid="change"][data-kind="list"] [data-testid="list-added"] tr[data-value="siam-wallet:w-stolen-1"]').count()).toBe(1);
    await page.getByRole('button', { name: 'Activate now (emergency)' }).click();
    expect(await page.locator('.change-set-actions [role="alert"]').textContent()).toContain('Say why');
    await page.locator('#change-set-emergency-reason').fill('the owner reports money leaving it right now');
    await page.getByRole('button', { name: 'Activate now (emergency)' }).click();
    await page.locator('.page-change-set[data-state="applied"]').waitFor();
    expect(await page.locator('[data-testid="change-set-emergency"]').textContent()).toBe('emergency');
    expect(await page.locator('[data-testid="change-set-activated-by"]').textContent()).toBe(admin.username);
    expect(await page.locator('[data-testid="change-set-ratify-by"]').textContent()).toMatch(/\d\d:\d\d:\d\d/);
    expect(await page.locator('[data-testid="change-set-ratify-other"]').textContent()).toContain('You made it live');
    expect(await page.getByRole('button', { name: 'Ratify' }).count()).toBe(0);
    await shot(page, 'change-set-emergency');
    await eventually(() => decisionOf({ walletId: 'w-stolen-1' }), (d) => d === 'decline', 2000);

    // Its author is not offered to ratify it either.
    await author.page.goto(`${base}/console/#/change-sets/${id}`);
    await author.page.locator('.page-change-set[data-state="applied"]').waitFor();
    expect(await author.page.locator('[data-testid="change-set-ratify-other"]').textContent()).toContain('You drafted it');

    // A risk officer finds it waiting for ratification, and ratifies it.
    const ratifier = await openAs(officer);
    await ratifier.page.getByRole('link', { name: 'Change sets', exact: true }).click();
    await ratifier.page.locator('[data-testid="ratify-notice"] .notice').waitFor();
    await ratifier.page.locator('.change-set-tabs [data-group="ratify"]').click();
    const row = ratifier.page.locator(`.change-sets-table tr[data-change-set-id="${id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(`by ${admin.username}`);
    await shot(ratifier.page, 'change-sets-awaiting-ratification');
    await row.getByRole('link').click();
    await ratifier.page.locator('.page-change-set[data-state="applied"]').waitFor();
    await ratifier.page.getByRole('button', { name: 'Ratify' }).click();
    await ratifier.page.locator('[data-testid="change-set-approved-by"]').waitFor();
    expect(await ratifier.page.locator('[data-testid="change-set-approved-by"]').textContent()).toBe(officer.username);
    expect(await ratifier.page.locator('[data-testid="change-set-closed"]').textContent()).toContain(`ratified by ${officer.username}`);
    expect(await ratifier.page.getByRole('button', { name: 'Ratify' }).count()).toBe(0);
    expect((await op(admin.username, 'GET', '/v1/change-sets/awaiting-ratification')).body.changeSets.map((s: { id: string }) => s.id)).not.toContain(id);
    await shot(ratifier.page, 'change-set-ratified');

    expect(errors).toEqual([]);
    expect(author.errors).toEqual([]);
    expect(ratifier.errors).toEqual([]);
    await page.close();
    await author.page.close();
    await ratifier.page.close();
  }, 90_000);
});
