import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type PlatformProcess } from '../../bench/platform-process.ts';
import { collectPageErrors, launchChromium, logIn, screenshot, type Chromium } from './support/chromium.ts';
import { devUser, operatorCall, operatorToken } from './support/operator-api.ts';

/**
 * The console's screening page against the real platform (the sample list from the
 * development config): the live list with its counts, a sanctioned name typed in Cyrillic
 * found with its score, and a false-positive allowance added and removed.
 */
const compliance = devUser('compliance');
const PUTIN = 'cpg-sample-vladimir-putin';
const SUBJECT = 'payer:siam-wallet:w-browser-screening';

describe('operator console: screening', () => {
  let platform: PlatformProcess;
  let chromium: Chromium;

  beforeAll(async () => {
    platform = await startPlatform();
    chromium = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await chromium?.close();
    await platform?.stop();
  });

  it('shows the live list, screens a typed name with its candidate and score, and adds and removes an allowance', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, platform.url, compliance);
    await page.getByRole('link', { name: 'Screening', exact: true }).click();
    const listRow = page.locator('[data-testid="screening-lists"] tr[data-list="sample"]');
    await listRow.waitFor();
    expect(await listRow.textContent()).toMatch(/v\d+/);

    await page.locator('#screening-name').fill('Владимир Путин');
    await page.getByRole('button', { name: 'Screen', exact: true }).click();
    const candidate = page.locator(`[data-testid="screening-candidates"] tr[data-entity-id="${PUTIN}"]`);
    await candidate.waitFor();
    expect(await candidate.textContent()).toContain('Sanction + PEP');
    expect(Number(await candidate.locator('[data-testid="candidate-score"]').textContent())).toBeGreaterThanOrEqual(0.85);
    await screenshot(page, 'screening-check');

    await candidate.getByRole('button', { name: 'Allow…' }).click();
    expect(await page.locator('#allowance-entity').inputValue()).toBe(PUTIN);
    await page.locator('#allowance-subject').fill(SUBJECT);
    await page.getByRole('button', { name: 'Add allowance' }).click();
    // A reason is required: nothing is sent without one.
    await page.getByText('Required: Reason.').waitFor();
    await page.locator('#allowance-reason').fill('namesake; passport seen, born 1991');
    await page.getByRole('button', { name: 'Add allowance' }).click();
    const allowanceRow = page.locator('[data-testid="screening-allowances"] tr[data-active="true"]', { hasText: SUBJECT });
    await allowanceRow.waitFor();
    expect(await allowanceRow.textContent()).toContain('compliance');
    await screenshot(page, 'screening-allowance');

    const token = await operatorToken(platform.url, 'risk.officer');
    const listed = await operatorCall(platform.url, token, 'GET', '/v1/screening/allowances');
    const stored = (listed.body.allowances as Array<{ id: string; subject: string; entityId: string; reason: string }>).find((a) => a.subject === SUBJECT);
    expect(stored).toMatchObject({ entityId: PUTIN, reason: 'namesake; passport seen, born 1991' });

    await allowanceRow.getByRole('button', { name: /^Remove/ }).click();
    await allowanceRow.waitFor({ state: 'detached' });
    const after = await operatorCall(platform.url, token, 'GET', '/v1/screening/allowances');
    expect((after.body.allowances as Array<{ subject: string }>).some((a) => a.subject === SUBJECT)).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('is not offered to a participant analyst', async () => {
    const page = await chromium.newPage();
    await logIn(page, platform.url, devUser('siam.analyst'));
    expect(await page.getByRole('link', { name: 'Screening', exact: true }).count()).toBe(0);
    await page.goto(`${platform.url}/console/#/screening`);
    await page.getByText('Your role cannot open this page.').waitFor();
    await page.close();
  }, 60_000);
});
