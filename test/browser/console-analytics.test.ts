import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT, startPlatform, type PlatformProcess } from '../../bench/platform-process.ts';
import { bootstrapMerchants } from '../../bench/traffic/bootstrap.ts';
import { DEFAULT_CONFIG_PATH, DEFAULT_CREDENTIALS_PATH, loadParticipants } from '../../bench/traffic/participants.ts';
import type { PayableMerchant } from '../../bench/traffic/payment-generator.ts';
import { createSignedClient, type SignedClient } from '../../bench/traffic/signed-client.ts';
import { eventually } from '../support/traffic.ts';
import { collectPageErrors, launchChromium, logIn, screenshot, type Chromium } from './support/chromium.ts';
import { configWithRelaxedRiskDeadline, devUser, operatorCall, operatorToken } from './support/operator-api.ts';

/**
 * The Reports and Participant pages against the real platform. Two wallets pay through the
 * signed API (siam-wallet: Thai payers at Chinese merchants, some from a sanctioned
 * country; panda-wallet: Chinese payers abroad); every expected figure is worked out here
 * from the payment answers. Compliance runs a report, reads its table and downloads its
 * CSV and Parquet; siam-wallet's analyst sees siam-wallet's figures and nothing of
 * panda-wallet's, on the page and in its CSV exports.
 */
const compliance = devUser('compliance');
const analyst = devUser('siam.analyst');
const SIAM = 'siam-wallet';
const PANDA = 'panda-wallet';
const SANCTIONED = 'KP';

/** Who pays whom: merchant ids and how many payments each, and how many from a sanctioned payer. */
const PLAN = {
  [SIAM]: { country: 'TH', merchants: { 'm-cn-0001': 4, 'm-cn-0002': 3, 'm-cn-0005': 2 }, sanctioned: { 'm-cn-0001': 2 } },
  [PANDA]: { country: 'CN', merchants: { 'm-sg-0001': 3, 'm-kr-0001': 2, 'm-th-0001': 2 }, sanctioned: {} },
} as const;

interface Paid {
  wallet: string;
  merchant: PayableMerchant;
  corridor: string;
  status: 'APPROVED' | 'DECLINED';
  settlement: { amount: string; currency: string };
}

/** Exact decimals added as integers of 1/10,000. */
const units = (s: string) => {
  const [whole, fraction = ''] = s.split('.');
  return BigInt(whole!) * 10_000n + BigInt((fraction + '0000').slice(0, 4));
};
const twoPlaces = (u: bigint) => `${u / 10_000n}.${String((u % 10_000n) / 100n).padStart(2, '0')}`;

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks; records end with CRLF. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      records.push([...record, field]);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  return records;
}

const objectsOf = (records: string[][]) => records.slice(1).map((r) => Object.fromEntries(records[0]!.map((h, i) => [h, r[i]])));

function countBy<T>(items: readonly T[], key: (t: T) => string, weight: (t: T) => number = () => 1): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + weight(item);
  return out;
}

describe('operator console: reports and participant analytics', () => {
  let platform: PlatformProcess;
  let chromium: Chromium;
  let client: SignedClient;
  let config: ReturnType<typeof configWithRelaxedRiskDeadline>;
  const paid: Paid[] = [];
  const of = (wallet: string) => paid.filter((p) => p.wallet === wallet);

  beforeAll(async () => {
    config = configWithRelaxedRiskDeadline();
    platform = await startPlatform({ env: { CONFIG: config.path } });
    chromium = await launchChromium();
    const { participants } = loadParticipants(path.join(REPOSITORY_ROOT, DEFAULT_CREDENTIALS_PATH), path.join(REPOSITORY_ROOT, DEFAULT_CONFIG_PATH));
    client = createSignedClient(platform.url, { connections: 4, timeoutMs: 10_000 });
    const merchants = await bootstrapMerchants(client, participants.filter((p) => p.kind === 'acquirer'));
    const officerToken = await operatorToken(platform.url, 'risk.officer');
    const listed = await operatorCall(platform.url, officerToken, 'POST', '/v1/lists/sanctioned-countries', { values: [SANCTIONED] });
    expect(listed.status, JSON.stringify(listed.body)).toBeLessThan(300);

    let n = 0;
    for (const [wallet, plan] of Object.entries(PLAN)) {
      const signer = participants.find((p) => p.id === wallet)!;
      const sends: Array<[string, string]> = [
        ...Object.entries(plan.merchants).flatMap(([m, k]) => Array.from({ length: k }, () => [m, plan.country] as [string, string])),
        ...Object.entries(plan.sanctioned as Record<string, number>).flatMap(([m, k]) => Array.from({ length: k }, () => [m, SANCTIONED] as [string, string])),
      ];
      for (const [merchantId, payerCountry] of sends) {
        const merchant = merchants.find((m) => m.id === merchantId);
        if (!merchant) throw new Error(`no merchant ${merchantId} listed by the acquirers`);
        const unique = randomUUID().slice(0, 12);
        n++;
        const body = {
          txnId: `analytics-${randomUUID()}`,
          qr: { payload: merchant.qrPayload },
          amount: { value: merchant.currency === 'KRW' ? String(20_000 + n * 1000) : `${20 + n}.${String(n % 100).padStart(2, '0')}`, currency: merchant.currency },
          payer: { walletId: `w-an-${unique}`, userId: `u-an-${unique}`, deviceId: `d-an-${unique}`, ip: '198.51.100.40', country: payerCountry },
        };
        const answer = await client.send(signer, 'POST', '/v1/payments', JSON.stringify(body));
        const a = answer.body as { status: Paid['status']; settlement: Paid['settlement'] };
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        paid.push({ wallet, merchant, corridor: `${signer.country}-${merchant.country}`, status: a.status, settlement: a.settlement });
      }
    }
    // Sanctioned payers are declined by the risk engine: the pages have declines to show.
    expect(of(SIAM).filter((p) => p.status === 'DECLINED').length).toBeGreaterThanOrEqual(2);

    // Every payment is in ClickHouse before any page opens.
    const token = await operatorToken(platform.url, compliance.username);
    const window = `from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`;
    for (const wallet of [SIAM, PANDA]) {
      const summary = () => operatorCall(platform.url, token, 'GET', `/v1/analytics/summary?participant=${wallet}&${window}`);
      await eventually(summary, (a) => a.body?.payments?.payments === of(wallet).length, 15_000);
    }
  }, 180_000);

  afterAll(async () => {
    await client?.close();
    await chromium?.close();
    await platform?.stop();
    config?.remove();
  });

  /** Every URL the page requests, to show the bearer token never travels in one. */
  function requestedUrls(page: Page): string[] {
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    return urls;
  }

  /** Every answer of the participant page's last load is in (figures, series, breakdowns). */
  const analyticsReady = (page: Page) => page.locator('[data-testid="analytics-body"][data-state="ready"]').waitFor({ state: 'attached', timeout: 15_000 });

  async function downloadOf(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
    const [download] = await Promise.all([page.waitForEvent('download'), click()]);
    const file = await download.path();
    return { name: download.suggestedFilename(), bytes: readFileSync(file) };
  }

  it('runs corridor flows as compliance: the table, then the same rows as a CSV download and a Parquet file', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    const urls = requestedUrls(page);
    await logIn(page, platform.url, compliance);
    expect(await page.locator('#nav .nav-link').allTextContents()).toEqual(['Alerts', 'Cases', 'Overview', 'Participant', 'Reports', 'Rules', 'Change sets', 'Lists', 'Screening']);
    await page.getByRole('link', { name: 'Reports', exact: true }).click();
    await page.locator('#report-name option').first().waitFor({ state: 'attached' });
    await page.locator('#report-name').selectOption('corridor-flows');
    await expect.poll(() => page.locator('[data-testid="report-description"]').textContent()).toContain('Payments per calendar day, corridor');
    expect(page.url()).toContain('#/reports?report=corridor-flows');
    // The window defaults to the last seven days, today included; optional fields say so.
    const from = await page.locator('#param-from').inputValue();
    const to = await page.locator('#param-to').inputValue();
    const midnight = new Date();
    midnight.setUTCHours(0, 0, 0, 0);
    expect(Date.parse(`${to}:00Z`) - midnight.getTime()).toBe(86_400_000);
    expect(midnight.getTime() - Date.parse(`${from}:00Z`)).toBe(6 * 86_400_000);
    expect(await page.locator('[data-param="corridor"] .field-optional').count()).toBe(1);
    expect(await page.locator('[data-param="from"] .field-required').count()).toBe(1);
    expect(await page.locator('#param-timezone option:checked').textContent()).toBe('Asia/Shanghai (default)');

    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const table = page.locator('[data-testid="report-result"] table');
    await table.waitFor();
    const header = await table.locator('thead th').allTextContents();
    expect(header).toEqual(['day', 'corridor', 'direction', 'currency', 'settlement_currency', 'payments', 'approved', 'declined', 'amount', 'settlement_amount', 'amount_usd']);
    expect(await table.locator('thead th.num').allTextContents()).toEqual(['payments', 'approved', 'declined', 'amount', 'settlement_amount', 'amount_usd']);
    const shown = await table.locator('tbody tr').evaluateAll((rows) =>
      rows.map((r) => Object.fromEntries(Array.from(r.querySelectorAll('td'), (td) => [(td as HTMLElement).dataset.column, td.textContent ?? '']))),
    );
    expect(await table.locator('tbody td[data-column="payments"]').first().getAttribute('class')).toContain('num');
    const expected = { payments: countBy(paid, (p) => p.corridor), approved: countBy(paid.filter((p) => p.status === 'APPROVED'), (p) => p.corridor) };
    expect(countBy(shown, (r) => r.corridor!, (r) => Number(r.payments))).toEqual(expected.payments);
    expect(countBy(shown, (r) => r.corridor!, (r) => Number(r.approved))).toEqual(expected.approved);
    expect(await page.locator('[data-testid="report-row-count"]').textContent()).toBe(`${shown.length} row${shown.length === 1 ? '' : 's'}`);
    expect(await page.locator('[data-testid="report-meta"]').textContent()).toMatch(/rows read · [\d.,]+ (ms|s)$/);
    await screenshot(page, 'reports');

    // The CSV download: the same header and rows, RFC 4180, through fetch and a Blob.
    const csv = await downloadOf(page, () => page.getByRole('button', { name: 'Download CSV' }).click());
    expect(csv.name).toMatch(/^corridor-flows_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv$/);
    const records = parseCsv(csv.bytes.toString('utf8'));
    expect(records[0]).toEqual(header);
    const downloaded = objectsOf(records);
    expect(downloaded).toHaveLength(shown.length);
    expect(countBy(downloaded, (r) => r.corridor!, (r) => Number(r.payments))).toEqual(expected.payments);
    expect(countBy(downloaded, (r) => r.corridor!, (r) => Number(r.declined))).toEqual(
      countBy(paid, (p) => p.corridor, (p) => Number(p.status === 'DECLINED')),
    );
    expect(downloaded.map((r) => r.amount)).toEqual(shown.map((r) => r.amount));

    const parquet = await downloadOf(page, () => page.getByRole('button', { name: 'Download Parquet' }).click());
    expect(parquet.name).toMatch(/^corridor-flows_.*\.parquet$/);
    expect(parquet.bytes.subarray(0, 4).toString('latin1')).toBe('PAR1');
    expect(parquet.bytes.subarray(-4).toString('latin1')).toBe('PAR1');

    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('cpg.console.session') ?? '{}').token as string);
    expect(token.length).toBeGreaterThan(20);
    expect(urls.filter((u) => u.includes(token))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('shows a parameter the server refuses next to its field, and runs again once it is fixed', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, platform.url, compliance);
    await page.goto(`${platform.url}/console/#/reports?report=corridor-flows`);
    await page.locator('#param-corridor').fill('thailand');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const problem = page.locator('[data-param="corridor"] .field-problem');
    await expect.poll(() => problem.textContent(), { timeout: 10_000 }).toMatch(/pattern/);
    expect(await page.locator('#param-corridor').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.report-form .notice-error').textContent()).toContain('REPORT_PARAMS_INVALID: params.corridor:');
    expect(await page.locator('[data-testid="report-result"]').isHidden()).toBe(true);
    await screenshot(page, 'reports-invalid');

    await page.locator('#param-corridor').fill('TH-CN');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('[data-testid="report-result"] table').waitFor();
    expect(await problem.textContent()).toBe('');
    const corridors = await page.locator('[data-testid="report-result"] td[data-column="corridor"]').allTextContents();
    expect(new Set(corridors)).toEqual(new Set(['TH-CN']));
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("lands siam-wallet's analyst on its own analytics, with nothing of panda-wallet's, on the page or in its CSV", async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${platform.url}/console/`);
    await page.locator('#username').fill(analyst.username);
    await page.locator('#password').fill(analyst.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.page-participant').waitFor();
    expect(new URL(page.url()).hash).toBe('#/participant');
    expect(await page.locator('#nav .nav-link').allTextContents()).toEqual(['Participant', 'Alerts', 'Overview']);
    expect(await page.locator('#participant-id').count()).toBe(0);

    const own = of(SIAM);
    const approved = own.filter((p) => p.status === 'APPROVED');
    const declined = own.length - approved.length;
    await analyticsReady(page);
    expect(await page.locator('[data-testid="tile-payments"]').textContent()).toBe(String(own.length));
    expect(await page.locator('[data-testid="tile-payments-sub"]').textContent()).toBe(`${approved.length} approved · ${declined} declined`);
    const settled = approved.reduce((a, p) => a + units(p.settlement.amount), 0n);
    expect(await page.locator('[data-testid="tile-latency"]').textContent()).toMatch(/^[\d.]+ m?s \/ [\d.]+ m?s$/);
    expect((await page.locator('[data-testid="tile-settled"]').textContent())?.replaceAll(',', '')).toBe(`THB ${twoPlaces(settled)}`);
    const rate = (await page.locator('[data-testid="tile-approval"]').textContent()) ?? '';
    expect(Number.parseFloat(rate)).toBeCloseTo((approved.length / own.length) * 100, 0);

    const keysOf = async (dimension: string): Promise<Record<string, number>> => {
      const card = page.locator(`[data-testid="breakdown-${dimension}"]`);
      await card.locator('tbody tr').first().waitFor();
      return card.locator('tbody tr').evaluateAll((rows) =>
        Object.fromEntries(rows.map((r) => [(r as HTMLElement).dataset.key, Number(r.querySelector('td[data-col="payments"]')?.textContent)])),
      );
    };
    expect(await keysOf('corridor')).toEqual({ 'TH-CN': own.length });
    expect(await keysOf('merchant')).toEqual(countBy(own, (p) => p.merchant.id));
    expect(await keysOf('mcc')).toEqual(countBy(own, (p) => p.merchant.mcc));
    const reasons = await keysOf('reason');
    expect(Object.values(reasons).reduce((a, b) => a + b, 0)).toBe(declined);
    expect(Object.values(await keysOf('hour')).reduce((a, b) => a + b, 0)).toBe(own.length);
    expect(await page.locator('[data-testid="participant-chart"]').getAttribute('data-totals')).toBe(`${own.length},${declined}`);
    expect(await page.locator('[data-testid="participant-chart"] canvas').count()).toBe(1);

    // Nothing of the other wallet: its id, merchants, corridors.
    const text = await page.locator('#view').innerText();
    const theirs = of(PANDA);
    for (const foreign of [PANDA, ...theirs.flatMap((p) => [p.merchant.id, p.merchant.name, p.corridor])]) expect(text).not.toContain(foreign);
    await screenshot(page, 'participant-analyst');

    // The merchant export holds exactly the rows shown: siam-wallet's merchants and counts.
    const csv = await downloadOf(page, () => page.locator('[data-testid="export-merchant"]').click());
    expect(csv.name).toMatch(/^siam-wallet_merchant_24h_/);
    const content = csv.bytes.toString('utf8');
    expect(content.endsWith('\r\n')).toBe(true);
    const records = parseCsv(content);
    expect(records[0]!.slice(0, 3)).toEqual(['merchant_id', 'merchant_name', 'payments']);
    const rows = objectsOf(records);
    expect(Object.fromEntries(rows.map((r) => [r.merchant_id, Number(r.payments)]))).toEqual(countBy(own, (p) => p.merchant.id));
    expect(new Set(rows.map((r) => r.merchant_name))).toEqual(new Set(own.map((p) => p.merchant.name)));
    for (const foreign of theirs.map((p) => p.merchant.id)) expect(content).not.toContain(foreign);

    // Asking for the other wallet in the URL changes nothing; the Reports page is not the analyst's.
    await page.goto(`${platform.url}/console/#/participant?participant=${PANDA}`);
    await page.reload();
    await analyticsReady(page);
    expect(await page.locator('[data-testid="participant-window"]').textContent()).toMatch(/^siam-wallet · /);
    expect(await page.locator('[data-testid="tile-payments"]').textContent()).toBe(String(own.length));
    await page.goto(`${platform.url}/console/#/reports`);
    await page.getByText('Your role cannot open this page.').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('lets compliance pick a participant, refusing an id that is malformed or unknown', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, platform.url, compliance);
    await page.getByRole('link', { name: 'Participant', exact: true }).click();
    await page.getByText('Name a participant to see its payments').waitFor();
    const problem = page.locator('#participant-problem');

    await page.locator('#participant-id').fill('Panda Wallet!');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => problem.textContent()).toContain('lower-case letters, digits, dots and dashes');
    await page.locator('#participant-id').fill('nobody-wallet');
    await page.getByRole('button', { name: 'Show' }).click();
    await analyticsReady(page);
    expect(await problem.textContent()).toBe('No participant has this id.');
    expect(await page.locator('#participant-id').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('[data-testid="analytics-body"]').isHidden()).toBe(true);
    await screenshot(page, 'participant-unknown');

    await page.locator('#participant-id').fill(PANDA);
    await page.getByRole('button', { name: 'Show' }).click();
    const theirs = of(PANDA);
    await analyticsReady(page);
    expect(await page.locator('[data-testid="tile-payments"]').textContent()).toBe(String(theirs.length));
    expect(await problem.textContent()).toBe('');
    await page.getByRole('button', { name: 'Last 7 days' }).click();
    await analyticsReady(page);
    expect(await page.locator('[data-testid="participant-window"]').textContent()).toMatch(/^panda-wallet · its payers' payments · \d{4}-\d{2}-\d{2} \d{2}:\d{2} to \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(page.url()).toContain(`participant=${PANDA}&window=7d`);
    expect(await page.locator('[data-testid="participant-chart"]').getAttribute('data-totals')).toBe(
      `${theirs.length},${theirs.filter((p) => p.status === 'DECLINED').length}`,
    );
    const corridors = await page
      .locator('[data-testid="breakdown-corridor"] tbody tr')
      .evaluateAll((rows) => rows.map((r) => [(r as HTMLElement).dataset.key, Number(r.querySelector('td[data-col="payments"]')?.textContent)]));
    expect(Object.fromEntries(corridors)).toEqual(countBy(theirs, (p) => p.corridor));
    expect(await page.locator('[data-testid="tile-payments"]').textContent()).toBe(String(theirs.length));
    await screenshot(page, 'participant-operator');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
