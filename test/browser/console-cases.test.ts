import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startTestPlatform } from '../support/platform.ts';
import { eventually, merchantQrs, muleFanIn } from '../support/traffic.ts';
import { ARTIFACTS_DIR, collectPageErrors, launchChromium, logIn, screenshot, waitForLive, type Chromium } from './support/chromium.ts';
import { devUser, operatorToken } from './support/operator-api.ts';

/**
 * Cases in the operator console, on the real platform in this process: a mule fan-in (34 new
 * payers of siam-wallet paying one merchant) raises an alert about the merchant; with the
 * case policy off, a risk officer opens the case from the alert, sees the merchant's network
 * drawn and starts the case; a compliance officer drafts, writes and submits the STR and is
 * refused its approval (four eyes); a second compliance officer approves it, and it exports.
 */
const FAN_IN_MERCHANT = 'm-cn-0006';
const PAYERS = 34;
const officer = devUser('risk.officer');
const compliance = devUser('compliance');
const secondCompliance = devUser('compliance.second');
const admin = devUser('admin');
const analyst = devUser('siam.analyst');
const NARRATIVE = 'Thirty-four wallets opened the same week each paid CNY 800.00 to one merchant within minutes: a collection account for mules.';
const MEASURES = 'Merchant placed under enhanced monitoring; the acquirer and siam-wallet informed.';

describe('operator console: cases and their STR', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let url: string;
  let chromium: Chromium;
  let configDir: string;
  let alertId: string;
  const run = randomUUID().slice(0, 8);

  beforeAll(async () => {
    // The development config with the case policy off: no case exists until an officer opens one.
    // SLA clocks swept every second, so a clock made due is warned about quickly.
    configDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-console-cases-'));
    const config = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8'));
    config.cases = { ...config.cases, policy: { enabled: false, onDecline: false, minSeverity: '' }, sla: { ...config.cases?.sla, sweepSeconds: 1 } };
    writeFileSync(path.join(configDir, 'config.json'), JSON.stringify(config));
    platform = await startTestPlatform({ CONFIG: path.join(configDir, 'config.json') });
    url = await platform.app.listen({ host: '127.0.0.1', port: 0 });

    const qr = await merchantQrs(platform.app);
    await muleFanIn(platform.app, qr, FAN_IN_MERCHANT, run, PAYERS);
    const token = await operatorToken(url, officer.username);
    const alerts = await eventually(
      async () => (await (await fetch(`${url}/v1/alerts?rule=mule-fan-in&participant=siam-wallet`, { headers: { authorization: `Bearer ${token}` } })).json()) as { alerts: any[] },
      (a) => a.alerts?.length > 0,
      20_000,
    );
    expect(alerts.alerts[0]).toMatchObject({ subjectKind: 'merchant', subjectId: FAN_IN_MERCHANT });
    alertId = alerts.alerts[0].id;
    // The investigation reads ClickHouse: every payment is written before a page asks.
    await eventually(
      async () => {
        const result = await platform.clickhouse.client.query({ query: 'SELECT count() AS n FROM cpg.transactions WHERE merchant_id = {m:String}', query_params: { m: FAN_IN_MERCHANT }, format: 'JSONEachRow' });
        return Number(((await result.json()) as Array<{ n: string }>)[0]?.n ?? 0);
      },
      (n) => n >= PAYERS,
      30_000,
    );
    chromium = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await chromium?.close();
    await platform?.stop();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  const navLinks = (page: Page) => page.locator('#nav .nav-link').allTextContents();
  const caseIdOf = (page: Page) => /#\/cases\/(case_[a-f0-9]{24})$/.exec(page.url())?.[1];

  /** A full-page screenshot from the top: sticky parts (the top bar) where a reader expects them. */
  async function shot(page: Page, name: string): Promise<void> {
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, name);
  }

  /** A case page's STR panel shows this state. */
  const strState = (page: Page, state: string) => page.locator(`[data-testid="str-panel"][data-state="${state}"]`).waitFor();

  it('opens a case from the alert, draws its network, starts it; the STR is drafted, refused to its drafter, approved by a second officer and exported', async () => {
    // --- a risk officer opens the case from the alert ---------------------------------------
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, url, officer);
    await waitForLive(page);
    expect(await navLinks(page)).toEqual(['Alerts', 'Cases', 'Overview', 'Participant', 'Reports', 'Rules', 'Change sets', 'Lists', 'Screening']);
    // An admin watches the cases list: the new case must reach it through the socket.
    const watcher = await chromium.newPage();
    const watcherErrors = collectPageErrors(watcher);
    await logIn(watcher, url, admin);
    await waitForLive(watcher);
    await watcher.getByRole('link', { name: 'Cases', exact: true }).click();
    await watcher.waitForFunction(() => /cases? shown/.test(document.querySelector('.page-cases .page-summary')?.textContent ?? ''));
    expect(await watcher.locator('tr.case-row').count()).toBe(0);

    const alertRow = page.locator(`tr.alert-row[data-alert-id="${alertId}"]`);
    await alertRow.waitFor();
    await alertRow.click();
    await page.locator('.reasons-table').waitFor();
    await page.getByRole('button', { name: 'Open case', exact: true }).click();
    await page.waitForURL(/#\/cases\/case_[a-f0-9]{24}$/);
    const caseId = caseIdOf(page)!;
    await page.locator('[data-testid="case-state"]').getByText('open', { exact: true }).waitFor();
    expect(await page.locator('.page-case h1').textContent()).toContain(FAN_IN_MERCHANT);
    expect(await page.locator('.case-alerts tbody tr').getAttribute('data-alert-id')).toBe(alertId);

    // The network: cytoscape's canvases, holding the merchant and its 34 payers (each with its device and IP).
    const graph = page.locator('[data-testid="network-graph"]');
    await graph.locator('canvas').first().waitFor();
    await expect.poll(() => graph.getAttribute('data-nodes'), { timeout: 15_000 }).not.toBeNull();
    const drawn = await graph.evaluate((node) => ({ ...(node as HTMLElement).dataset }));
    expect(drawn.subject).toBe(`merchant:${FAN_IN_MERCHANT}`);
    expect(Number(drawn.subjectLinks)).toBe(PAYERS);
    expect(Number(drawn.nodes)).toBe(1 + 3 * PAYERS);
    expect(Number(drawn.edges)).toBe(3 * PAYERS);
    expect(Number(drawn.suspicious)).toBeGreaterThanOrEqual(5);
    // Something was painted: cytoscape draws on its canvases, which the page can read back.
    await expect
      .poll(() =>
        graph.evaluate((node) =>
          Array.from(node.querySelectorAll('canvas')).reduce((painted, canvas) => {
            const context = canvas.getContext('2d');
            if (!context || canvas.width === 0) return painted;
            const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
            let n = 0;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) n++;
            return painted + n;
          }, 0),
        ),
      )
      .toBeGreaterThan(1000);
    await page.locator('[data-testid="history-corridor"]').getByText('TH-CN').waitFor();
    expect(await page.locator('[data-testid="counterparties-table"]').getAttribute('data-rows')).toBe(String(PAYERS));
    await shot(page, 'case-page-graph');
    await graph.screenshot({ path: path.join(ARTIFACTS_DIR, 'case-network-graph.png') });

    // The list of another console hears of the case at once; its SLA clock made due within the
    // day, the sweep's warning turns the row's deadline into a warning, through the socket too.
    const listed = watcher.locator(`tr.case-row[data-case-id="${caseId}"]`);
    await listed.waitFor({ timeout: 5000 });
    expect(await listed.getAttribute('data-sla')).toBe('ok');
    await platform.redis.hset(`case:${caseId}`, 'slaWarnAt', String(Date.now() - 1000), 'slaDeadlineAt', String(Date.now() + 3 * 3600_000));
    await platform.redis.zadd('cases:sla', Date.now() - 1000, caseId);
    await watcher.locator(`tr.case-row[data-case-id="${caseId}"][data-sla="due"]`).waitFor({ timeout: 10_000 });
    expect(await listed.locator('[data-col="sla"]').textContent()).toContain('Due within a day');
    await shot(watcher, 'cases-list-sla-warning');

    // Opening a case for the same subject again leads to this one (409 CASE_OPEN_FOR_SUBJECT).
    await page.locator(`.case-alerts a[href="#/alerts/${alertId}"]`).click();
    await page.locator('.reasons-table').waitFor();
    await page.getByRole('button', { name: 'Open case', exact: true }).click();
    await page.waitForURL(new RegExp(`#/cases/${caseId}$`));
    await page.locator('[data-testid="case-state"]').waitFor();

    await page.getByRole('button', { name: 'Start investigating' }).click();
    await page.locator('[data-testid="case-state"]').getByText('investigating', { exact: true }).waitFor();
    expect(await page.locator('[data-testid="case-assignee"]').textContent()).toBe(officer.username);
    await page.locator('#case-note').fill('All 34 payers are wallets opened this week; each used its own device.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('[data-testid="case-timeline"] .timeline-note').getByText('each used its own device').waitFor();
    await page.locator('#attachment-file').setInputFiles({ name: 'acquirer-kyc.txt', mimeType: 'text/plain', buffer: Buffer.from('Merchant onboarded 4 days ago; KYC pending.\n') });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.locator('[data-testid="case-attachments"] .attachment').getByText('acquirer-kyc.txt').waitFor();
    await watcher.locator(`tr.case-row[data-case-id="${caseId}"][data-state="investigating"]`).waitFor({ timeout: 5000 });

    // --- compliance drafts, writes and submits the STR ---------------------------------------
    const drafter = await chromium.newPage();
    const drafterErrors = collectPageErrors(drafter);
    await logIn(drafter, url, compliance);
    await drafter.getByRole('link', { name: 'Cases', exact: true }).click();
    await drafter.locator(`tr.case-row[data-case-id="${caseId}"]`).click();
    await drafter.getByRole('button', { name: 'Draft STR from this case' }).click();
    await strState(drafter, 'draft');
    const problems = drafter.locator('[data-testid="str-problems"] .str-problem');
    await problems.first().waitFor();
    expect(await problems.evaluateAll((items) => items.map((i) => (i as HTMLElement).dataset.field))).toEqual(expect.arrayContaining(['narrative', 'measuresTaken']));
    await drafter.locator('#str-narrative').fill(NARRATIVE);
    await drafter.locator('#str-measures').fill(MEASURES);
    await drafter.getByRole('button', { name: 'Save', exact: true }).click();
    await drafter.locator('[data-testid="str-problems"].problems-none').waitFor();
    await drafter.getByRole('button', { name: 'Submit for approval' }).click();
    await strState(drafter, 'submitted');
    await drafter.locator('[data-testid="case-state"]').getByText('pending approval', { exact: true }).waitFor();
    expect(await drafter.locator('[data-testid="str-narrative"]').textContent()).toBe(NARRATIVE);
    await shot(drafter, 'str-submitted');

    // Its drafter cannot approve it: the server's four-eyes refusal is shown.
    await drafter.getByRole('button', { name: 'Approve', exact: true }).click();
    const fourEyes = drafter.locator('[data-testid="str-four-eyes"]');
    await fourEyes.waitFor();
    expect(await fourEyes.textContent()).toContain('FOUR_EYES_REQUIRED');
    await strState(drafter, 'submitted');
    await shot(drafter, 'str-four-eyes');

    // --- a second compliance officer approves ------------------------------------------------
    const approver = await chromium.newPage();
    const approverErrors = collectPageErrors(approver);
    await logIn(approver, url, secondCompliance);
    await approver.goto(`${url}/console/#/cases/${caseId}`);
    await strState(approver, 'submitted');
    await approver.getByRole('button', { name: 'Approve', exact: true }).click();
    await strState(approver, 'approved');
    const exports = approver.locator('[data-testid="str-exports"] .export-link');
    expect(await exports.evaluateAll((links) => links.map((l) => (l as HTMLElement).dataset.format))).toEqual(['xml', 'json', 'html']);
    const [download] = await Promise.all([approver.waitForEvent('download'), exports.first().click()]);
    expect(download.suggestedFilename()).toMatch(/^str_[a-f0-9]{26}\.xml$/);
    const xml = readFileSync((await download.path())!, 'utf8');
    expect(xml).toContain('<approvedBy>compliance.second</approvedBy>');
    expect(xml).toContain(NARRATIVE.slice(0, 40));
    await shot(approver, 'str-approved');
    // The drafter's page hears of the approval through the socket.
    await strState(drafter, 'approved');

    // A correction: the approved report stays; its next version is a draft to edit.
    await approver.locator('[data-testid="str-correct"]').click();
    await strState(approver, 'draft');
    expect(await approver.locator('.str-card .card-sub').textContent()).toContain('version 2, correcting');
    await shot(approver, 'str-correction-draft');

    expect([...errors, ...watcherErrors, ...drafterErrors, ...approverErrors]).toEqual([]);
    await Promise.all([page.close(), watcher.close(), drafter.close(), approver.close()]);
  }, 180_000);

  it("gives a participant analyst no Cases entry, and the page itself refuses the analyst's role", async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, url, analyst);
    expect(await navLinks(page)).not.toContain('Cases');
    await page.goto(`${url}/console/#/cases`);
    await page.getByText('Your role cannot open this page.').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
