import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type PlatformProcess } from '../../bench/platform-process.ts';
import { collectPageErrors, launchChromium, logIn, screenshot, waitForLive, type Chromium } from './support/chromium.ts';
import { devUser, operatorCall, operatorToken, pay, preparePayers, type Payers } from './support/operator-api.ts';

/**
 * The console's other pages against the real platform: login and the end of a session,
 * the live overview moving every second, the rules page, and values shown as text only.
 */
const officer = devUser('risk.officer');

describe('operator console: login, overview, rules', () => {
  let platform: PlatformProcess;
  let chromium: Chromium;
  let payers: Payers;

  beforeAll(async () => {
    platform = await startPlatform();
    chromium = await launchChromium();
    payers = await preparePayers(platform.url);
  }, 180_000);

  afterAll(async () => {
    await payers?.close();
    await chromium?.close();
    await platform?.stop();
  });

  it('refuses a wrong password readably, then logs in and shows who is logged in', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${platform.url}/console/`);
    await page.locator('#username').fill(officer.username);
    await page.locator('#password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Unknown username or wrong password.').waitFor();
    await screenshot(page, 'login-refused');
    await logIn(page, platform.url, officer);
    expect(await page.locator('[data-testid="whoami-user"]').textContent()).toBe(officer.username);
    expect(await page.locator('[data-testid="whoami-role"]').textContent()).toBe('Risk officer');
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual(['cpg.console.session']);
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('ends the session on the server when the operator logs out, so its token is refused everywhere', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, platform.url, officer);
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('cpg.console.session') ?? '{}').token as string);
    expect((await operatorCall(platform.url, token, 'GET', '/v1/auth/me')).status).toBe(200);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('#username').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('cpg.console.session'))).toBeNull();
    const after = await operatorCall(platform.url, token, 'GET', '/v1/auth/me');
    expect([after.status, (after.body as { error?: { code?: string } } | undefined)?.error?.code]).toEqual([401, 'AUTH_TOKEN_INVALID']);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('logs out on a 401: a token the server no longer knows sends the operator back to the login page', async () => {
    const page = await chromium.newPage();
    await logIn(page, platform.url, officer);
    await page.evaluate(() => {
      const session = JSON.parse(sessionStorage.getItem('cpg.console.session') ?? '{}');
      sessionStorage.setItem('cpg.console.session', JSON.stringify({ ...session, token: 'x'.repeat(43) }));
    });
    await page.reload();
    await page.getByText('Your session has ended. Please log in again.').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('cpg.console.session'))).toBeNull();
    expect(await page.locator('#topbar').isHidden()).toBe(true);
    await screenshot(page, 'login-session-ended');
    await page.close();
  }, 60_000);

  it('moves the overview every second from the live aggregates, with the payments just sent', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, platform.url, officer);
    await waitForLive(page);
    await page.getByRole('link', { name: 'Overview' }).click();
    const points = () => page.locator('.chart').first().getAttribute('data-points').then(Number);
    await expect.poll(points, { timeout: 5000 }).toBeGreaterThan(0);

    // A trickle of payments for a few seconds, so the figures are not all zero.
    const sending = (async () => {
      for (let i = 0; i < 12; i++) {
        const answer = await pay(payers, i % 2 ? 'siam-wallet' : 'panda-wallet', i % 2 ? 'TH' : 'CN');
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const tps = () => page.locator('[data-testid="tile-tps"]').textContent().then(Number);
    await expect.poll(tps, { timeout: 6000 }).toBeGreaterThan(0);
    // Rates show while payments flow; a second without any shows a dash.
    await expect.poll(() => page.locator('[data-testid="tile-approval"]').textContent(), { timeout: 6000 }).toMatch(/%$/);
    await sending;
    const before = await points();
    const label = await page.locator('[data-testid="overview-updated"]').textContent();
    await expect.poll(points, { timeout: 3000 }).toBeGreaterThan(before);
    expect(await page.locator('[data-testid="overview-updated"]').textContent()).not.toBe(label);
    for (const chart of await page.locator('.chart').all()) expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(0);
    expect(await page.locator('.chart canvas').count()).toBe(3);
    await expect.poll(() => page.locator('[data-testid="top-corridors"] .bar').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('[data-testid="top-corridors"]').textContent(), { timeout: 3000 }).toMatch(/TH-CN|CN-SG/);
    await screenshot(page, 'overview');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('says so, readably, when the rules cannot be loaded', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, platform.url, officer);
    await page.route('**/v1/rules', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'DEPENDENCY_DOWN', message: 'redis is not answering' } }) }),
    );
    await page.getByRole('link', { name: 'Rules', exact: true }).click();
    await page.getByText('The rules could not be loaded.').waitFor();
    await page.getByText('DEPENDENCY_DOWN: redis is not answering').waitFor();
    await screenshot(page, 'rules-unavailable');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('lists the rules and switches one between shadow and enforce', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, platform.url, officer);
    await page.getByRole('link', { name: 'Rules', exact: true }).click();
    const row = page.locator('tr[data-rule-id="sanctioned-country"]');
    await row.waitFor();
    expect(await row.getAttribute('data-mode')).toBe('enforce');
    await row.getByRole('button', { name: 'Shadow' }).click();
    await expect.poll(() => page.locator('tr[data-rule-id="sanctioned-country"]').getAttribute('data-mode')).toBe('shadow');
    await screenshot(page, 'rules');
    await page.locator('tr[data-rule-id="sanctioned-country"]').getByRole('button', { name: 'Enforce' }).click();
    await expect.poll(() => page.locator('tr[data-rule-id="sanctioned-country"]').getAttribute('data-mode')).toBe('enforce');
    const token = await operatorToken(platform.url, officer.username);
    const stored = await operatorCall(platform.url, token, 'GET', '/v1/rules/sanctioned-country');
    expect(stored.body.rule.mode).toBe('enforce');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("shows the server's objection to a rule next to its JSON, on the line of the path", async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, platform.url, officer);
    await page.goto(`${platform.url}/console/#/rules/sanctioned-country`);
    const editor = page.locator('.editor-text');
    await editor.waitFor();
    const original = await editor.inputValue();
    expect(JSON.parse(original).id).toBe('sanctioned-country');
    await editor.fill(original.replace('"payer.country.sanctioned"', '"payer.country.no-such-fact"'));
    await page.getByRole('button', { name: 'Save as new version' }).click();
    const problem = page.locator('[data-testid="rule-problems"] .problem').first();
    await problem.waitFor();
    expect(await problem.locator('.problem-path').textContent()).toMatch(/^\/when\//);
    const line = original.split('\n').findIndex((l) => l.includes('payer.country.sanctioned')) + 1;
    expect(await problem.locator('.problem-where').textContent()).toContain(`Line ${line}:`);
    expect(await page.locator('.editor-line-error').textContent()).toBe(String(line));
    await screenshot(page, 'rule-edit-invalid');

    // A syntax error is caught before anything is sent.
    await editor.fill(original.replace('"priority": 100,', '"priority": 100'));
    await page.locator('[data-testid="rule-problems"]').getByText(/expected ',' or '}'/).waitFor();
    const token = await operatorToken(platform.url, officer.username);
    const versions = (await operatorCall(platform.url, token, 'GET', '/v1/rules/sanctioned-country')).body.versions.length;
    await page.getByRole('button', { name: 'Save as new version' }).click();
    expect((await operatorCall(platform.url, token, 'GET', '/v1/rules/sanctioned-country')).body.versions.length).toBe(versions);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('renders what alerts contain as text, never as markup', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, platform.url, officer);
    const hostile = '<img src=x onerror="window.__pwned=1">';
    const alert = {
      id: 'alt_markup000000',
      kind: 'decision',
      paymentId: 'pay_markup000000',
      lastPaymentId: 'pay_markup000000',
      participant: 'siam-wallet',
      walletId: hostile,
      merchantId: 'm-cn-0001',
      ruleId: 'sanctioned-country',
      score: 1000,
      decision: 'decline',
      reasons: [{ ruleId: 'sanctioned-country', ruleVersion: 1, message: hostile, value: hostile, threshold: 5 }],
      severity: 'critical',
      status: 'open',
      count: 1,
      assignee: '',
      disposition: '',
      note: '',
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    await page.route(/\/v1\/alerts(\?|$)/, (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify({ alerts: [alert] }) }));
    await page.route('**/v1/alerts/alt_markup000000', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify(alert) }));
    await page.reload();
    await page.locator('tr[data-alert-id="alt_markup000000"]').getByText(hostile).waitFor();
    await page.locator('tr[data-alert-id="alt_markup000000"]').click();
    await page.locator('.reasons-table').getByText(hostile).first().waitFor();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
