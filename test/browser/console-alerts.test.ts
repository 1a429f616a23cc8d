import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type PlatformProcess } from '../../bench/platform-process.ts';
import { collectPageErrors, launchChromium, logIn, screenshot, waitForLive, type Chromium } from './support/chromium.ts';
import {
  configWithRelaxedRiskDeadline,
  devUser,
  isMissingRoute,
  operatorCall,
  operatorToken,
  pay,
  preparePayers,
  type Payers,
} from './support/operator-api.ts';

/**
 * The operator console against the real platform: a payment from a sanctioned country is
 * declined by the risk engine, its alert reaches the table within the second, and a risk
 * officer resolves it; a participant analyst never sees another participant's alerts.
 */
const SANCTIONED = 'KP';
const officer = devUser('risk.officer');
const analyst = devUser('siam.analyst');

describe('operator console: live alerts', () => {
  let platform: PlatformProcess;
  let chromium: Chromium;
  let payers: Payers;
  let config: ReturnType<typeof configWithRelaxedRiskDeadline>;
  /** Why the alert tests cannot run on this platform yet, if they cannot. */
  let notYet: string | undefined;

  beforeAll(async () => {
    config = configWithRelaxedRiskDeadline();
    platform = await startPlatform({ env: { CONFIG: config.path } });
    chromium = await launchChromium();
    payers = await preparePayers(platform.url);
    const token = await operatorToken(platform.url, officer.username);
    const listed = await operatorCall(platform.url, token, 'POST', '/v1/lists/sanctioned-countries', { values: [SANCTIONED] });
    if (isMissingRoute(listed)) notYet = 'POST /v1/lists/:list is not a route yet: no payment can be made risky';
    else expect(listed.status, JSON.stringify(listed.body)).toBeLessThan(300);
  }, 180_000);

  afterAll(async () => {
    await payers?.close();
    await chromium?.close();
    await platform?.stop();
    config?.remove();
  });

  /** A payment from a sanctioned payer country, which the risk engine must decline. */
  async function sanctionedPayment(walletId: string): Promise<{ paymentId: string }> {
    const answer = await pay(payers, walletId, SANCTIONED);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.status, `a payer in ${SANCTIONED} was ${answer.body.status} (risk ${JSON.stringify(answer.body.risk)})`).toBe('DECLINED');
    return { paymentId: answer.body.paymentId as string };
  }

  const rowOf = (page: Page, paymentId: string) => page.locator(`tr.alert-row[data-payment-id="${paymentId}"]`);

  it('shows a declined payment in the table within 2 s, with its reasons and payment, and resolves it', async (context) => {
    context.skip(notYet !== undefined, notYet);
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, platform.url, officer);
    await expect.poll(() => page.locator('[data-testid="whoami-user"]').textContent()).toBe(officer.username);
    await expect.poll(() => page.locator('[data-testid="whoami-role"]').textContent()).toBe('Risk officer');
    await waitForLive(page);
    // A second console watches the same table: the resolution must reach it through the socket.
    const watcher = await chromium.newPage();
    await logIn(watcher, platform.url, officer);
    await waitForLive(watcher);

    const { paymentId } = await sanctionedPayment('siam-wallet');
    const row = rowOf(page, paymentId);
    await row.waitFor({ timeout: 2000 });
    await rowOf(watcher, paymentId).waitFor({ timeout: 2000 });
    expect(await row.getAttribute('data-status')).toBe('open');
    expect(await row.locator('.severity').textContent()).toMatch(/critical|high/);
    await screenshot(page, 'alerts-risk-officer');

    await row.click();
    const reasons = page.locator('.reasons-table tbody tr');
    await reasons.first().waitFor();
    expect(await reasons.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('sanctioned-country')]));
    await page.locator('.payment').getByText(paymentId).waitFor();
    await expect.poll(() => page.locator('.payment').textContent()).toContain('DECLINED');
    await screenshot(page, 'alert-detail');

    await page.getByLabel(/Fraud/).check();
    await page.locator('#resolve-note').fill('Payer in a sanctioned country; declined and reported.');
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await expect.poll(() => page.locator('[data-testid="alert-status"]').textContent()).toBe('resolved');
    await page.locator('.resolution-note').getByText('declined and reported').waitFor();
    await screenshot(page, 'alert-detail-resolved');

    await expect.poll(() => rowOf(watcher, paymentId).getAttribute('data-status'), { timeout: 2000 }).toBe('resolved');
    await page.getByRole('link', { name: '← All alerts' }).click();
    await expect.poll(() => rowOf(page, paymentId).getAttribute('data-status')).toBe('resolved');
    expect(await rowOf(page, paymentId).locator('button', { hasText: 'Acknowledge' }).count()).toBe(0);
    await screenshot(page, 'alerts-after-resolve');

    // The status filter: a resolved alert leaves the open ones and is among the resolved ones.
    await page.locator('#filter-status').selectOption('open');
    await expect.poll(() => rowOf(page, paymentId).count()).toBe(0);
    await page.locator('#filter-status').selectOption('resolved');
    await rowOf(page, paymentId).waitFor();
    expect(new Set(await page.locator('tr.alert-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.status)))).toEqual(new Set(['resolved']));
    expect(page.url()).toContain('status=resolved');
    expect(errors).toEqual([]);
    await Promise.all([page.close(), watcher.close()]);
  }, 60_000);

  it("shows a participant analyst its own participant's alerts only, listed and live, without actions", async (context) => {
    context.skip(notYet !== undefined, notYet);
    // One alert of each participant exists before the analyst logs in.
    const ownBefore = await sanctionedPayment('siam-wallet');
    const otherBefore = await sanctionedPayment('panda-wallet');
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, platform.url, analyst);
    await waitForLive(page);
    await expect.poll(() => page.locator('[data-testid="whoami-role"]').textContent()).toBe('Participant analyst');
    await rowOf(page, ownBefore.paymentId).waitFor();
    expect(await rowOf(page, otherBefore.paymentId).count()).toBe(0);

    const otherLive = await sanctionedPayment('panda-wallet');
    const ownLive = await sanctionedPayment('siam-wallet');
    await rowOf(page, ownLive.paymentId).waitFor({ timeout: 2000 });
    // Pushed in that order to the same socket: had the other one been sent, it would be here by now.
    expect(await rowOf(page, otherLive.paymentId).count()).toBe(0);
    const participants = await page.locator('tr.alert-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.participant));
    expect(participants.length).toBeGreaterThanOrEqual(2);
    expect(new Set(participants)).toEqual(new Set([analyst.participant]));

    expect(await page.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    expect(await page.locator('#filter-participant').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Rules', exact: true }).count()).toBe(0);
    await screenshot(page, 'alerts-participant-analyst');

    await rowOf(page, ownLive.paymentId).click();
    await page.locator('.reasons-table').waitFor();
    await page.getByText('Your role can view alerts but not acknowledge, assign or resolve them.').waitFor();
    expect(await page.getByRole('button', { name: 'Resolve', exact: true }).count()).toBe(0);
    await screenshot(page, 'alert-detail-participant-analyst');

    // Typed by hand, another participant's alert is not there for the analyst either.
    const otherAlertId = await operatorCall(platform.url, await operatorToken(platform.url, officer.username), 'GET', '/v1/alerts?participant=panda-wallet&limit=1');
    const foreignId = otherAlertId.body.alerts[0].id as string;
    await page.goto(`${platform.url}/console/#/alerts/${foreignId}`);
    await page.getByText('There is no such alert, or it is not yours to see.').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
