import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type PlatformProcess } from '../../bench/platform-process.ts';
import { eventually } from '../support/traffic.ts';
import { collectPageErrors, launchChromium, logIn, screenshot, type Chromium } from './support/chromium.ts';
import { devUser, operatorCall, operatorToken, pay, preparePayers, type Payers } from './support/operator-api.ts';

/**
 * The SQL tab of the reports page against the real platform: compliance finds the readable
 * tables and their columns beside the editor, writes a name into the statement by clicking
 * it, runs a statement naming its table without the database and reads the number the API
 * answers, and sees a refusal's code. A risk officer has no such tab.
 */
const compliance = devUser('compliance');
const PAYMENTS = 4;
const COUNT = 'SELECT count() FROM transactions';

describe('operator console: SQL on the reports page', () => {
  let platform: PlatformProcess;
  let chromium: Chromium;
  let payers: Payers;
  let token: string;

  beforeAll(async () => {
    platform = await startPlatform();
    chromium = await launchChromium();
    payers = await preparePayers(platform.url);
    for (let i = 0; i < PAYMENTS; i++) expect((await pay(payers, i % 2 ? 'siam-wallet' : 'panda-wallet', i % 2 ? 'TH' : 'CN')).status).toBe(200);
    token = await operatorToken(platform.url, compliance.username);
    // The payments are in ClickHouse before the page counts them.
    await eventually(() => operatorCall(platform.url, token, 'POST', '/v1/sql', { query: COUNT }), (a) => Number(a.body?.rows?.[0]?.['count()']) >= PAYMENTS, 20_000);
  }, 180_000);

  afterAll(async () => {
    await payers?.close();
    await chromium?.close();
    await platform?.stop();
  });

  it('shows the tables beside the editor, runs a statement with an unqualified table, and shows a refusal with its code', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, platform.url, compliance);
    await page.getByRole('link', { name: 'Reports', exact: true }).click();
    await page.locator('#report-name option').first().waitFor({ state: 'attached' });
    await page.getByRole('tab', { name: 'SQL' }).click();
    expect(page.url()).toContain('#/reports?tab=sql');
    expect(await page.getByRole('tab', { name: 'SQL' }).getAttribute('aria-selected')).toBe('true');
    // The catalog's form is out of sight, with its own Run button.
    expect(await page.locator('#report-name').isHidden()).toBe(true);

    const schema = page.locator('[data-testid="sql-schema"]');
    const transactions = schema.locator('li[data-table="transactions"]');
    await transactions.waitFor();
    expect(await schema.locator(':scope > li').evaluateAll((items) => items.map((i) => (i as HTMLElement).dataset.table))).toEqual([
      'transactions', 'transactions_per_minute', 'alert_events', 'case_events',
    ]);
    const described = await operatorCall(platform.url, token, 'GET', '/v1/sql/schema');
    const columns = (described.body.tables as Array<{ name: string; columns: Array<{ name: string; type: string }> }>).find((t) => t.name === 'transactions')!.columns;
    const amount = transactions.locator('li[data-column="amount"]');
    expect(await amount.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Columns of transactions', exact: true }).click();
    await amount.waitFor();
    expect(await page.getByRole('button', { name: 'Columns of transactions', exact: true }).getAttribute('aria-expanded')).toBe('true');
    expect(await amount.locator('.sql-type').textContent()).toBe('Decimal(18, 4)');
    expect(await transactions.locator('li[data-column]').evaluateAll((items) => items.map((i) => (i as HTMLElement).dataset.column))).toEqual(columns.map((c) => c.name));

    // Clicking a name writes it at the cursor.
    const editor = page.locator('#sql-query');
    await editor.fill('SELECT count() FROM');
    await editor.press('End');
    await transactions.locator('.sql-table-head .sql-name').click();
    expect(await editor.inputValue()).toBe(COUNT);
    await screenshot(page, 'sql-schema');

    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const cell = page.locator('[data-testid="sql-result"] td[data-column="count()"]');
    await cell.waitFor();
    const api = await operatorCall(platform.url, token, 'POST', '/v1/sql', { query: COUNT });
    expect(api.status, JSON.stringify(api.body)).toBe(200);
    const counted = Number(api.body.rows[0]['count()']);
    expect(counted).toBeGreaterThanOrEqual(PAYMENTS);
    expect(Number(await cell.textContent())).toBe(counted);
    expect(await page.locator('[data-testid="sql-row-count"]').textContent()).toBe('1 row');
    expect(await page.locator('[data-testid="sql-meta"]').textContent()).toMatch(/rows read · [\d.,]+ (ms|s)$/);
    await screenshot(page, 'sql-count');

    await editor.fill('SELECT name FROM system.tables');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const code = page.locator('[data-testid="sql-error-code"]');
    await code.waitFor();
    expect(await code.textContent()).toBe('SQL_TABLE_FORBIDDEN');
    expect(await page.locator('[data-testid="sql-error"]').textContent()).toContain('the analytics tables are cpg.transactions');
    expect(await page.locator('[data-testid="sql-result"]').isHidden()).toBe(true);
    await screenshot(page, 'sql-refused');

    // Back to the catalog: its form again, and the report named in the URL.
    await page.getByRole('tab', { name: 'Catalog' }).click();
    await page.locator('#report-name').waitFor();
    expect(page.url()).toMatch(/#\/reports\?report=/);
    expect(await editor.isHidden()).toBe(true);
    await screenshot(page, 'sql-catalog-tab');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('opens on the SQL tab from its URL', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, platform.url, compliance);
    await page.goto(`${platform.url}/console/#/reports?tab=sql`);
    await page.locator('[data-testid="sql-schema"] li[data-table="case_events"]').waitFor();
    expect(await page.locator('#sql-query').isVisible()).toBe(true);
    // Every table starts folded: the list fits beside the editor.
    expect(await page.locator('.sql-toggle[aria-expanded="true"]').count()).toBe(0);
    await screenshot(page, 'sql-tab');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('is not offered to a risk officer, who keeps the catalog', async () => {
    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, platform.url, devUser('risk.officer'));
    await page.goto(`${platform.url}/console/#/reports?tab=sql`);
    await page.locator('#report-name option').first().waitFor({ state: 'attached' });
    expect(await page.getByRole('tab').count()).toBe(0);
    expect(await page.locator('#sql-query').count()).toBe(0);
    expect(await page.locator('#report-name').isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
