import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startTestPlatform } from '../support/platform.ts';
import { signed } from '../support/signed-request.ts';
import { eventually, merchantQrs, scalar } from '../support/traffic.ts';
import { collectPageErrors, launchChromium, logIn, screenshot, type Chromium } from './support/chromium.ts';
import { devUser, operatorCall, operatorToken } from './support/operator-api.ts';

/**
 * The rule page's backtest and the alert page of a monitor alert, against the real platform
 * in this process (its embedded ClickHouse is where the monitor's history is seeded). Real
 * signed payments make bursts that the payer burst rule stops; a risk officer lowers its
 * limit in the editor and backtests the change over the last 24 hours: the matrix must be
 * the one worked out here from the payments' own answers. Then a corridor at five times its
 * usual volume raises a monitor alert, whose page shows the corridor and its z-score.
 */
type Decision = 'approve' | 'review' | 'decline';
const DECISIONS: Decision[] = ['approve', 'review', 'decline'];
const officer = devUser('risk.officer');
const PAYER_BURST = 'velocity-payer-burst';
const THRESHOLDS = { review: 400, decline: 700 };
const ALERT_SCORE = 300;
const NEW_LIMIT = 3;
/** Wallets and how many payments each sends in one burst; no device, so only the burst rule can stop them. */
const PLANS = [
  { prefix: 'four', wallets: 2, payments: 4 },
  { prefix: 'seven', wallets: 2, payments: 7 },
] as const;
const MERCHANTS = ['m-cn-0001', 'm-cn-0004', 'm-cn-0006'];

interface Sent {
  n: number;
  paymentId: string;
  status: string;
  decision: Decision;
  score: number;
  reasons: string[];
}

// --- the monitor's history, as test/monitors.test.ts seeds it -------------------------------
const MINUTE = 60_000;
const DAY = 86_400_000;
/** Three hours back: the live scheduler, judging the real last minute meanwhile, never looks here. */
const M = Math.floor(Date.now() / MINUTE) * MINUTE - 3 * 3600_000;
const mod = (a: number, n: number) => ((a % n) + n) % n;
const usual = (d: number, k: number) => ({ payments: 20 + mod(d * 7 + k * 3, 21) - 10, declined: (d + k) % 3 === 0 ? 1 : 0 });
const SURGE = { corridor: 'TH-CN', participant: 'siam-wallet', historyDays: 14, payments: 100, declined: 1 };
const clickhouseMinute = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(avg(xs.map((x) => (x - avg(xs)) ** 2)));
const mid = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

describe('operator console: backtests and monitor alerts', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let base: string;
  let chromium: Chromium;
  let token: string;
  const sent: Sent[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform({ RISK_DEADLINE_MS: '2000' });
    // The alert-events writer must be reading before alerts are raised (see test/monitors.test.ts):
    // the backtest reads the alerts' payments back from alert_events.
    await eventually(
      async () => ((await platform.redis.xinfo('GROUPS', 'tap:alert-events').catch(() => [])) as unknown[][]).some((g) => Number(g[3]) > 0),
      (reading) => reading,
      15_000,
    );
    base = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    chromium = await launchChromium();
    token = await operatorToken(base, officer.username);
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await platform?.stop();
  });

  /** What the candidate with the burst at "more than `limit`" decides, from what live answered (as test/backtest.test.ts). */
  function expected(limit: number) {
    const candidateOf = (s: Sent): Decision => {
      const fires = s.n > limit;
      const score = Math.min(1000, s.score - (s.reasons.includes(PAYER_BURST) ? 500 : 0) + (fires ? 500 : 0));
      if (fires) return 'decline'; // the rule's floor
      return score >= THRESHOLDS.decline ? 'decline' : score >= THRESHOLDS.review ? 'review' : 'approve';
    };
    const matrix = Object.fromEntries(DECISIONS.map((l) => [l, Object.fromEntries(DECISIONS.map((c) => [c, 0]))])) as Record<Decision, Record<Decision, number>>;
    let wronglyStopped = 0;
    let open = 0;
    for (const s of sent) {
      const c = candidateOf(s);
      matrix[s.decision][c]++;
      const alerted = s.decision !== 'approve' || s.score >= ALERT_SCORE;
      if (alerted) open++;
      // Nothing here was resolved: a change flags wrongly what live approved without an alert.
      if (c !== 'approve' && s.decision === 'approve' && !alerted && s.status === 'APPROVED') wronglyStopped++;
    }
    return {
      matrix,
      hits: { live: sent.filter((s) => s.reasons.includes(PAYER_BURST)).length, candidate: sent.filter((s) => s.n > limit).length },
      wronglyStopped,
      open,
    };
  }

  async function sendBursts() {
    const qr = await merchantQrs(platform.app);
    const run = Date.now().toString(36);
    await Promise.all(
      PLANS.flatMap((plan) =>
        Array.from({ length: plan.wallets }, async (_, w) => {
          const wallet = `bt-ui-${plan.prefix}-${w}-${run}`;
          for (let n = 1; n <= plan.payments; n++) {
            const r = await signed(platform.app, {
              participant: 'siam-wallet',
              method: 'POST',
              path: '/v1/payments',
              body: { txnId: randomUUID(), qr: { payload: qr[MERCHANTS[n % MERCHANTS.length]!] }, amount: { value: '45.00', currency: 'CNY' }, payer: { walletId: wallet, country: 'TH' } },
            });
            expect(r.status, JSON.stringify(r.body)).toBe(200);
            sent.push({ n, paymentId: r.body.paymentId, status: r.body.status, decision: r.body.risk.decision, score: r.body.risk.score, reasons: r.body.risk.reasons.map((x: { ruleId: string }) => x.ruleId) });
          }
        }),
      ),
    );
    // The premise: the burst rule, and nothing else, decided these payments.
    for (const s of sent) for (const id of s.reasons) expect(id).toBe(PAYER_BURST);
    expect(sent.filter((s) => s.reasons.includes(PAYER_BURST)).length).toBe(4);
    await eventually(
      () => scalar(platform.clickhouse.client, 'SELECT toUInt32(count()) FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}', { ids: sent.map((s) => s.paymentId) }),
      (n) => n === sent.length,
    );
    const alerted = sent.filter((s) => s.decision !== 'approve' || s.score >= ALERT_SCORE);
    await eventually(
      () => scalar(platform.clickhouse.client, "SELECT toUInt32(count()) FROM cpg.alert_events WHERE kind IN ('created', 'grouped') AND JSONExtractString(details, 'paymentId') IN {ids:Array(String)}", { ids: alerted.map((s) => s.paymentId) }),
      (n) => n === alerted.length,
    );
  }

  const editorOf = (page: Page) => page.locator('.editor-text');
  async function setRule(page: Page, change: (rule: any) => void) {
    const rule = JSON.parse(await editorOf(page).inputValue());
    change(rule);
    await editorOf(page).fill(JSON.stringify(rule, null, 2));
  }
  const cell = (page: Page, live: Decision, candidate: Decision) => page.locator(`[data-testid="backtest-matrix"] td[data-live="${live}"][data-candidate="${candidate}"]`);
  const number = async (page: Page, selector: string) => Number((await page.locator(selector).textContent())!.replace(/[^0-9.-]/g, ''));

  it('backtests an edited limit of the payer burst rule from its page: progress to 100 %, then the matrix', async () => {
    await sendBursts();
    const want = expected(NEW_LIMIT);
    // The change matters: some live approvals become declines.
    expect(want.matrix.approve.decline).toBeGreaterThan(0);

    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, base, officer);
    await page.getByRole('link', { name: 'Rules', exact: true }).click();
    // Scoped to the rules table: until the page changes, the alerts list shows links with rule ids too.
    await page.locator(`tr[data-rule-id="${PAYER_BURST}"]`).getByRole('link', { name: PAYER_BURST, exact: true }).click();
    await page.locator('[data-testid="backtest"]').waitFor();
    await expect.poll(async () => JSON.parse(await editorOf(page).inputValue()).id).toBe(PAYER_BURST);

    // A fact that does not exist: refused with its path, listed next to the editor.
    await setRule(page, (rule) => (rule.when = { fact: 'velocity.payer.count.1mm', gt: NEW_LIMIT }));
    await page.getByRole('button', { name: 'Run backtest' }).click();
    const problem = page.locator('[data-testid="rule-problems"] .problem');
    await problem.first().waitFor();
    expect(await problem.getAttribute('data-pointer')).toBe('/when/fact');
    expect(await problem.textContent()).toContain('RULE_INVALID · from the last backtest');
    expect(await page.locator('.editor-line-error').count()).toBe(1);

    await setRule(page, (rule) => {
      rule.when = { fact: 'velocity.payer.count.1m', gt: NEW_LIMIT };
      rule.then.threshold = NEW_LIMIT;
      rule.then.reason = `{{velocity.payer.count.1m}} payments from this wallet in 1 minute (limit ${NEW_LIMIT})`;
    });
    await page.locator('[data-testid="backtest"] [data-window="24h"]').click();
    await page.getByRole('button', { name: 'Run backtest' }).click();
    await page.locator('[data-testid="backtest-progress"][aria-valuenow="100"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid="backtest-progress-text"]').textContent()).toBe(`${sent.length} / ${sent.length} rows · 100 %`);
    expect(await page.locator('[data-testid="rule-problems"] .problem').count()).toBe(0);
    await page.locator('[data-testid="backtest-matrix"]').waitFor();
    for (const live of DECISIONS) {
      for (const candidate of DECISIONS) {
        expect(Number(await cell(page, live, candidate).textContent()), `${live} -> ${candidate}`).toBe(want.matrix[live][candidate]);
      }
    }
    const hits = `[data-testid="backtest-rules"] tr[data-rule-id="${PAYER_BURST}"]`;
    expect(await number(page, `${hits} td[data-field="live"]`)).toBe(want.hits.live);
    expect(await number(page, `${hits} td[data-field="candidate"]`)).toBe(want.hits.candidate);
    expect(await page.locator('[data-testid="backtest-wrongly-stopped"] .finding-count').getAttribute('data-count')).toBe(String(want.wronglyStopped));
    expect(await page.locator('[data-testid="backtest-caught"] .finding-count').getAttribute('data-count')).toBe('0');
    expect(await number(page, '[data-testid="backtest-dispositions"] tr[data-disposition="open"] td:nth-child(2)')).toBe(want.open);
    // The example ids of the wrongly stopped are payments sent here.
    await page.locator('[data-testid="backtest-wrongly-stopped"] summary').click();
    const ids = await page.locator('[data-testid="backtest-wrongly-stopped"] code[data-payment-id]').allTextContents();
    expect(ids.length).toBe(want.wronglyStopped);
    for (const id of ids) expect(sent.map((s) => s.paymentId)).toContain(id);
    // A full-page screenshot draws the sticky top bar where the page is scrolled to.
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'backtest');

    // Nothing was saved: the rule is still at its old limit.
    const rule = await operatorCall(base, token, 'GET', `/v1/rules/${PAYER_BURST}`);
    expect(rule.body.rule.when).toEqual({ fact: 'velocity.payer.count.1m', gt: 5 });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it("shows a monitor alert's corridor, z-score and MAD score instead of a payment, and acknowledges it", async () => {
    const cfg = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'development.json'), 'utf8')).monitors as { historyWindowMinutes: number };
    const rows: object[] = [];
    const aggregate = (minute: number, c: { payments: number; declined: number }) => {
      const row = (decision: string, status: string, messages: number) => ({
        minute: clickhouseMinute(minute), participant: SURGE.participant, corridor: SURGE.corridor, decision, status,
        message_type: 'payment', messages, amount_usd: (messages * 12.5).toFixed(4), max_risk_score: 100,
      });
      return [row('approve', 'APPROVED', c.payments - c.declined), ...(c.declined > 0 ? [row('decline', 'DECLINED', c.declined)] : [])];
    };
    for (let d = 1; d <= SURGE.historyDays; d++) for (let k = -30; k <= 30; k++) rows.push(...aggregate(M - d * DAY + k * MINUTE, usual(d, k)));
    rows.push(...aggregate(M, SURGE));
    await platform.clickhouse.client.insert({
      table: 'cpg.transactions_per_minute',
      values: rows,
      format: 'JSONEachRow',
      clickhouse_settings: { async_insert: 0, insert_deduplication_token: `console-monitor-seed-${randomUUID()}` },
    });
    // The z-score the page must show, from the seeded counts: the volume's history is the same
    // time of day ± historyWindowMinutes on each earlier day, its scale at least sqrt(median).
    const volumes: number[] = [];
    for (let d = 1; d <= SURGE.historyDays; d++) for (let k = -cfg.historyWindowMinutes; k <= cfg.historyWindowMinutes; k++) volumes.push(usual(d, k).payments);
    const zScore = (SURGE.payments - avg(volumes)) / Math.max(sd(volumes), Math.sqrt(Math.max(mid(volumes), 1)));
    expect(zScore).toBeGreaterThan(5);

    await platform.alerting.monitors!.trigger(M);
    const alerts = (await operatorCall(base, token, 'GET', '/v1/alerts?limit=500')).body.alerts as any[];
    const alert = alerts.find((a) => a.kind === 'monitor' && a.ruleId === 'monitor.volume' && a.reasons[0]?.scope === 'corridor' && a.reasons[0]?.subject === SURGE.corridor);
    expect(alert, JSON.stringify(alerts.filter((a) => a.kind === 'monitor'))).toBeDefined();
    expect(alert.paymentId).toBe('');

    const page = await chromium.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, base, officer);
    await page.goto(`${base}/console/#/alerts/${alert.id}`);
    const measured = page.locator('[data-testid="monitor-measured"]');
    await measured.locator('[data-testid="monitor-subject"]').waitFor();
    expect(await measured.locator('[data-testid="monitor-subject"]').textContent()).toBe(`Corridor ${SURGE.corridor}`);
    expect(await measured.locator('[data-testid="monitor-z-score"] .monitor-figure-value').textContent()).toBe(zScore.toFixed(2));
    expect(await measured.locator('[data-testid="monitor-value"] .monitor-figure-value').textContent()).toBe(String(SURGE.payments));
    expect(await measured.locator('[data-testid="monitor-usual"] .monitor-figure-value').textContent()).toBe(mid(volumes).toFixed(1));
    expect(await measured.textContent()).toContain(`${new Date(M).toISOString().slice(0, 10)} ${new Date(M).toISOString().slice(11, 16)} UTC`);
    expect(await page.locator('.page-alert h1').textContent()).toContain('monitor.volume');
    expect(await page.locator('.page-alert').textContent()).not.toContain('could not be loaded');
    expect(await page.locator('.page-alert .notice-error').count()).toBe(0);

    await page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await expect.poll(() => page.locator('[data-testid="alert-status"]').textContent()).toBe('acknowledged');
    await screenshot(page, 'alert-monitor');
    const after = await operatorCall(base, token, 'GET', `/v1/alerts/${alert.id}`);
    expect(after.body.status).toBe('acknowledged');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
