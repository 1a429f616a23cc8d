import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startTestPlatform } from '../support/platform.ts';
import { signed } from '../support/signed-request.ts';
import { eventually, merchantQrs } from '../support/traffic.ts';
import { collectPageErrors, launchChromium, logIn, screenshot, waitForLive, type Chromium } from './support/chromium.ts';
import { devUser, operatorToken } from './support/operator-api.ts';

/**
 * Held settlements in the operator console: siam-wallet holds every review; a payer named as
 * a politically exposed person is reviewed, approved with its settlement held, and its case
 * (opened by the default policy) lists the held payment; a risk officer releases it with a
 * note, the card goes and the timeline says so.
 */
const officer = devUser('risk.officer');

describe('operator console: held settlements of a case', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let url: string;
  let chromium: Chromium;
  let configDir: string;
  let caseId: string;
  let paymentId: string;

  beforeAll(async () => {
    configDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-console-holds-'));
    const config = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8'));
    config.participants.find((p: { id: string }) => p.id === 'siam-wallet').holdSettlement = true;
    writeFileSync(path.join(configDir, 'config.json'), JSON.stringify(config));
    platform = await startTestPlatform({ CONFIG: path.join(configDir, 'config.json') });
    url = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    const qr = await merchantQrs(platform.app);
    const walletId = `w-${randomUUID()}`;
    const paid = await signed(platform.app, {
      participant: 'siam-wallet',
      method: 'POST',
      path: '/v1/payments',
      body: { txnId: randomUUID(), qr: { payload: qr['m-cn-0001'] }, amount: { value: '45.00', currency: 'CNY' }, payer: { walletId, name: '习近平', deviceId: `d-${walletId}`, country: 'TH' } },
    });
    expect(paid.body).toMatchObject({ status: 'APPROVED', settlementHeld: true });
    paymentId = paid.body.paymentId;
    const token = await operatorToken(url, officer.username);
    const found = await eventually(
      async () => (await (await fetch(`${url}/v1/cases?subjectKind=wallet&subjectId=${walletId}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { cases: Array<{ id: string }> },
      (r) => r.cases?.length > 0,
      10_000,
    );
    caseId = found.cases[0]!.id;
    chromium = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await chromium?.close();
    await platform?.stop();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  it('lists the held payment on the case and releases it with a note', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, url, officer);
    await waitForLive(page);
    await page.goto(`${url}/#/cases/${caseId}`);
    const card = page.locator('[data-testid="case-holds"]');
    await card.waitFor();
    expect(await card.locator('[data-testid="case-held"] li').allTextContents()).toEqual([paymentId]);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'case-held-settlement');

    // Without a note the form asks for one and releases nothing.
    await card.getByRole('button', { name: 'Release all' }).click();
    expect(await card.isVisible()).toBe(true);
    await card.getByLabel('Why they may settle').fill('The payer is a namesake: passport checked by siam-wallet.');
    await card.getByRole('button', { name: 'Release all' }).click();
    await card.waitFor({ state: 'hidden' });
    await page.locator('[data-testid="case-timeline"] [data-kind="settlement_released"]').waitFor();
    expect(await page.locator('[data-testid="case-timeline"] [data-kind="settlement_released"]').textContent()).toContain(paymentId);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'case-settlement-released');

    const state = await signed(platform.app, { participant: 'siam-wallet', method: 'GET', path: `/v1/payments/${paymentId}` });
    expect(state.body).toMatchObject({ settlementHeld: false, settlementReleasedAt: expect.any(String) });
    expect(errors).toEqual([]);
    await page.close();
  });
});
