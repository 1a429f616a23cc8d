import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform } from '../support/platform.ts';
import { signed } from '../support/signed-request.ts';
import { eventually, merchantQrs, scalar } from '../support/traffic.ts';
import { collectPageErrors, launchChromium, logIn, screenshot, type Chromium } from './support/chromium.ts';
import { devUser, operatorCall, operatorToken } from './support/operator-api.ts';

/**
 * Four eyes on a rule change, through the console, against the real platform in this
 * process: a risk officer lowers the payer burst limit in the rule editor and proposes it in
 * a change set, submits it with a backtest over the last 24 hours (run by the platform, its
 * matrix worked out here from the payments' own answers), and cannot approve it; a second
 * risk officer, in a browser of their own, reads the changed field and the matrix and
 * approves it; the rule's next version is live, recording who wrote it and who approved it.
 */
type Decision = 'approve' | 'review' | 'decline';
const DECISIONS: Decision[] = ['approve', 'review', 'decline'];
const author = devUser('risk.officer');
const approver = devUser('risk.second');
const PAYER_BURST = 'velocity-payer-burst';
const OLD_LIMIT = 5;
const NEW_LIMIT = 3;
/** Wallets, each sending this many payments in one burst: under the live limit, over the proposed one. */
const WALLETS = 2;
const BURST = 4;
const MERCHANTS = ['m-cn-0001', 'm-cn-0004', 'm-cn-0006'];

interface Sent {
  n: number;
  paymentId: string;
  decision: Decision;
  reasons: string[];
}

describe('operator console: change sets, drafted by one risk officer and approved by another', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let base: string;
  let authorBrowser: Chromium;
  let approverBrowser: Chromium;
  let token: string;
  const sent: Sent[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform({ RISK_DEADLINE_MS: '2000' });
    base = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    authorBrowser = await launchChromium();
    token = await operatorToken(base, author.username);
  }, 120_000);

  afterAll(async () => {
    await approverBrowser?.close();
    await authorBrowser?.close();
    await platform?.stop();
  });

  /** Bursts the live rule lets through and the proposed limit stops at their fourth payment; all in ClickHouse before the backtest. */
  async function sendBursts() {
    const qr = await merchantQrs(platform.app);
    const run = Date.now().toString(36);
    await Promise.all(
      Array.from({ length: WALLETS }, async (_, w) => {
        const wallet = `cs-ui-${w}-${run}`;
        for (let n = 1; n <= BURST; n++) {
          const r = await signed(platform.app, {
            participant: 'siam-wallet',
            method: 'POST',
            path: '/v1/payments',
            body: { txnId: randomUUID(), qr: { payload: qr[MERCHANTS[n % MERCHANTS.length]!] }, amount: { value: '45.00', currency: 'CNY' }, payer: { walletId: wallet, country: 'TH' } },
          });
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          sent.push({ n, paymentId: r.body.paymentId, decision: r.body.risk.decision, reasons: r.body.risk.reasons.map((x: { ruleId: string }) => x.ruleId) });
        }
      }),
    );
    // The premise: no rule stopped any of them live.
    expect(sent.map((s) => [s.decision, s.reasons.length])).toEqual(sent.map(() => ['approve', 0]));
    await eventually(
      () => scalar(platform.clickhouse.client, 'SELECT toUInt32(count()) FROM cpg.transactions WHERE payment_id IN {ids:Array(String)}', { ids: sent.map((s) => s.paymentId) }),
      (n) => n === sent.length,
    );
  }

  /** Live against candidate: every burst's payments past the new limit become declines (the rule's floor), the rest stay approved. */
  function expectedMatrix() {
    const matrix = Object.fromEntries(DECISIONS.map((l) => [l, Object.fromEntries(DECISIONS.map((c) => [c, 0]))])) as Record<Decision, Record<Decision, number>>;
    for (const s of sent) matrix[s.decision][s.n > NEW_LIMIT ? 'decline' : 'approve']++;
    return matrix;
  }

  const cell = (page: Page, live: Decision, candidate: Decision) =>
    page.locator(`[data-testid="change-set-evidence"] [data-testid="backtest-matrix"] td[data-live="${live}"][data-candidate="${candidate}"]`);
  async function expectMatrix(page: Page) {
    const want = expectedMatrix();
    expect(want.approve.decline).toBe(WALLETS);
    // The page polls the job: its progress reaches 100 %, then the matrix shows.
    await page.locator('[data-testid="change-set-evidence"] [data-testid="backtest-progress"][aria-valuenow="100"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="change-set-evidence"] [data-testid="backtest-matrix"]').waitFor();
    for (const live of DECISIONS) {
      for (const candidate of DECISIONS) expect(Number(await cell(page, live, candidate).textContent()), `${live} -> ${candidate}`).toBe(want[live][candidate]);
    }
    const hits = page.locator(`[data-testid="change-set-evidence"] [data-testid="backtest-rules"] tr[data-rule-id="${PAYER_BURST}"]`);
    expect(Number(await hits.locator('td[data-field="live"]').textContent())).toBe(0);
    expect(Number(await hits.locator('td[data-field="candidate"]').textContent())).toBe(WALLETS);
  }
  const changeRow = (page: Page, field: string) => page.locator(`[data-testid="change"][data-rule-id="${PAYER_BURST}"] tr[data-field="${field}"]`);

  it('a lowered limit is proposed, backtested and submitted by one officer, and made live only by another who read its diff and its matrix', async () => {
    await sendBursts();
    const before = (await operatorCall(base, token, 'GET', `/v1/rules/${PAYER_BURST}`)).body.rule;
    expect(before.when).toEqual({ fact: 'velocity.payer.count.1m', gt: OLD_LIMIT });

    // --- the author: edit the rule, propose it in a change set, submit it with a window ---
    const page = await authorBrowser.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, base, author);
    await page.getByRole('link', { name: 'Rules', exact: true }).click();
    await page.locator(`tr[data-rule-id="${PAYER_BURST}"]`).getByRole('link', { name: PAYER_BURST, exact: true }).click();
    const editor = page.locator('.editor-text');
    await expect.poll(async () => JSON.parse(await editor.inputValue()).id).toBe(PAYER_BURST);
    const rule = JSON.parse(await editor.inputValue());
    // A fact that does not exist: the draft is refused, and the problem listed next to the editor on its path.
    await editor.fill(JSON.stringify({ ...rule, when: { fact: 'velocity.payer.count.1mm', gt: NEW_LIMIT } }, null, 2));
    await page.getByRole('button', { name: 'Propose in a change set' }).click();
    await page.getByRole('button', { name: 'Draft change set' }).click();
    const problem = page.locator('[data-testid="rule-problems"] .problem');
    await problem.first().waitFor();
    expect(await problem.getAttribute('data-pointer')).toBe('/when/fact');
    expect(await problem.locator('.problem-code').textContent()).toBe('RULE_INVALID · from the last proposal');
    expect(await problem.locator('.problem-message').textContent()).not.toContain('/when/fact');
    // A full-page screenshot draws the sticky top bar where the page is scrolled to.
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'change-set-propose-refused');
    expect((await operatorCall(base, token, 'GET', '/v1/change-sets')).body.changeSets).toEqual([]);
    rule.when = { fact: 'velocity.payer.count.1m', gt: NEW_LIMIT };
    rule.then.threshold = NEW_LIMIT;
    rule.then.reason = `{{velocity.payer.count.1m}} payments from this wallet in 1 minute (limit ${NEW_LIMIT})`;
    await editor.fill(JSON.stringify(rule, null, 2));
    await page.locator('#proposal-title').fill('Payer burst: stop the fourth payment in a minute');
    await page.getByRole('button', { name: 'Draft change set' }).click();
    await page.locator('.page-change-set[data-state="draft"]').waitFor();
    const id = /#\/change-sets\/(cs_[a-f0-9]{24})$/.exec(page.url())?.[1];
    expect(id, page.url()).toBeDefined();
    expect(await page.locator('[data-testid="change-set-title"]').textContent()).toBe('Payer burst: stop the fourth payment in a minute');
    // Drafting changed nothing live.
    expect((await operatorCall(base, token, 'GET', `/v1/rules/${PAYER_BURST}`)).body.rule.version).toBe(before.version);

    await screenshot(page, 'change-set-draft');
    const submit = page.locator('[data-testid="change-set-submit"]');
    await submit.locator('[data-window="24h"]').click();
    expect(await submit.locator('[data-window="24h"]').getAttribute('aria-pressed')).toBe('true');
    await page.locator('#change-set-note').fill('Bursts of four went through last week; the backtest shows what the new limit stops.');
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await page.locator('.page-change-set[data-state="submitted"]').waitFor();
    await expectMatrix(page);
    const set = (await operatorCall(base, token, 'GET', `/v1/change-sets/${id}`)).body.changeSet;
    expect(set).toMatchObject({ state: 'submitted', author: author.username, evidence: { backtestJobId: expect.stringMatching(/^backtest-/), window: { from: expect.any(String), to: expect.any(String) } } });
    expect(Date.parse(set.evidence.window.to) - Date.parse(set.evidence.window.from)).toBe(24 * 3600_000);
    expect(await page.locator('[data-testid="evidence-job"]').textContent()).toBe(set.evidence.backtestJobId);

    // Four eyes: no approval offered to its author, and the API refuses one.
    expect(await page.locator('[data-testid="change-set-own"]').textContent()).toContain('another risk officer or an admin approves it');
    expect(await page.getByRole('button', { name: /^Approve/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Send back' }).count()).toBe(0);
    expect(await operatorCall(base, token, 'POST', `/v1/change-sets/${id}/approve`)).toMatchObject({ status: 403, body: { error: { code: 'FOUR_EYES_REQUIRED' } } });
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'change-set-submitted');
    expect(errors).toEqual([]);
    await page.close();

    // --- the approver, in a browser of their own: the list, the diff, the evidence, approval ---
    approverBrowser = await launchChromium();
    const second = await approverBrowser.newPage();
    const secondErrors = collectPageErrors(second);
    await logIn(second, base, approver);
    await second.getByRole('link', { name: 'Change sets', exact: true }).click();
    const row = second.locator(`.change-sets-table tr[data-change-set-id="${id}"]`);
    await row.waitFor();
    expect(await second.locator('.change-set-tabs [data-group="waiting"]').getAttribute('aria-pressed')).toBe('true');
    expect(await row.getAttribute('data-state')).toBe('submitted');
    expect(await row.textContent()).toContain(author.username);
    await screenshot(second, 'change-sets-waiting');
    await row.getByRole('link').click();
    await second.locator('.page-change-set[data-state="submitted"]').waitFor();
    expect(await second.locator('[data-testid="change-set-author"]').textContent()).toBe(author.username);

    // The diff: `when` and `then` changed, nothing else; the limit itself read as 5 -> 3.
    await changeRow(second, 'when').waitFor();
    expect(await changeRow(second, 'when').getAttribute('class')).toContain('diff-changed');
    expect(await changeRow(second, 'then').getAttribute('class')).toContain('diff-changed');
    for (const unchanged of ['id', 'description', 'priority', 'mode']) expect(await changeRow(second, unchanged).getAttribute('class'), unchanged).not.toContain('diff-changed');
    const limit = second.locator(`[data-testid="change"][data-rule-id="${PAYER_BURST}"] [data-path="when.gt"]`);
    expect(await limit.locator('[data-side="live"]').textContent()).toBe(String(OLD_LIMIT));
    expect(await limit.locator('[data-side="proposed"]').textContent()).toBe(String(NEW_LIMIT));
    expect(await changeRow(second, 'when').locator('.diff-line-proposed.diff-line-changed').allTextContents()).toEqual([`  "gt": ${NEW_LIMIT}`]);
    expect(await second.locator(`[data-testid="change"][data-rule-id="${PAYER_BURST}"] .change-title`).textContent()).toContain(`v${before.version} → v${before.version + 1}`);
    // The evidence: the note, and the same matrix the author saw.
    expect(await second.locator('[data-testid="evidence-note"]').textContent()).toContain('Bursts of four');
    await expectMatrix(second);
    await second.evaluate(() => window.scrollTo(0, 0));
    await screenshot(second, 'change-set-approver');

    await second.getByRole('button', { name: 'Approve now' }).click();
    await second.locator('.page-change-set[data-state="applied"]').waitFor();
    expect(await second.locator('[data-testid="change-set-approved-by"]').textContent()).toBe(approver.username);
    const version = await second.locator('[data-testid="change-set-version"]').textContent();
    expect(version).toMatch(/^rs-\d+$/);

    // Live: the rules page shows the next version, and the API says who wrote and who approved it.
    await second.getByRole('link', { name: 'Rules', exact: true }).click();
    const ruleRow = second.locator(`.rules-table tr[data-rule-id="${PAYER_BURST}"]`);
    await ruleRow.waitFor();
    expect(await ruleRow.locator('td:nth-child(4)').textContent()).toBe(`v${before.version + 1}`);
    expect(await second.locator('.page-rules .page-summary code').textContent()).toBe(version);
    await screenshot(second, 'change-set-rules-after');
    const after = (await operatorCall(base, token, 'GET', `/v1/rules/${PAYER_BURST}`)).body.rule;
    expect(after).toMatchObject({ version: before.version + 1, when: { fact: 'velocity.payer.count.1m', gt: NEW_LIMIT }, createdBy: author.username, approvedBy: approver.username, changeSet: id });

    // The set is history now, for both of them.
    await second.getByRole('link', { name: 'Change sets', exact: true }).click();
    await second.locator('.change-set-tabs [data-group="history"]').click();
    expect(await second.locator(`.change-sets-table tr[data-change-set-id="${id}"]`).getAttribute('data-state')).toBe('applied');
    expect(secondErrors).toEqual([]);
    await second.close();
  }, 240_000);
  it('shows a thresholds change as numbers; sent back with a comment, submitted again, scheduled for a time, then discarded by its author', async () => {
    const drafted = await operatorCall(base, token, 'POST', '/v1/change-sets', { title: 'Review from 380', changes: [{ kind: 'thresholds', review: 380, decline: 700 }] });
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
    const id = drafted.body.id as string;
    approverBrowser ??= await launchChromium();
    const second = await approverBrowser.newPage();
    const secondErrors = collectPageErrors(second);
    const page = await authorBrowser.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, base, author);
    await logIn(second, base, approver);
    // The set's page, read afresh: the same URL again changes no hash, so it is reloaded.
    const open = async (p: Page, state: string) => {
      const url = `${base}/console/#/change-sets/${id}`;
      if (p.url() === url) await p.reload();
      else await p.goto(url);
      await p.locator(`.page-change-set[data-state="${state}"]`).waitFor();
    };

    // Submitted from the console with the default window: nothing to replay, and the evidence says so.
    await open(page, 'draft');
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await page.locator('.page-change-set[data-state="submitted"]').waitFor();
    expect(await page.locator('[data-testid="evidence-skipped"]').textContent()).toContain('no rule or mode changes');

    await open(second, 'submitted');
    const row = (field: string) => second.locator(`[data-testid="change"][data-kind="thresholds"] tr[data-field="${field}"]`);
    expect(await row('review').getAttribute('class')).toContain('diff-changed');
    expect(await row('decline').getAttribute('class')).not.toContain('diff-changed');
    expect(await row('review').locator('[data-side="live"]').textContent()).toBe('400');
    expect(await row('review').locator('[data-side="proposed"]').textContent()).toBe('380');
    expect(await row('decline').locator('[data-side="proposed"]').textContent()).toBe('700');
    await second.locator('#change-set-return-comment').fill('Say which alerts this would add.');
    await second.getByRole('button', { name: 'Send back' }).click();
    await second.locator('.page-change-set[data-state="returned"]').waitFor();

    // Its author reads the comment, and submits it again.
    await open(page, 'returned');
    expect(await page.locator('[data-testid="change-set-comment"]').textContent()).toContain('Say which alerts this would add.');
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'change-set-returned');
    await page.locator('#change-set-note').fill('About forty more reviews a day, from last week.');
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await page.locator('.page-change-set[data-state="submitted"]').waitFor();

    // Approved for tomorrow: scheduled, nothing live yet.
    await open(second, 'submitted');
    const tomorrow = new Date(Date.now() + 86_400_000);
    await second.locator('#change-set-activate-at').fill(tomorrow.toISOString().slice(0, 16));
    await second.getByRole('button', { name: 'Approve for this time' }).click();
    await second.locator('.page-change-set[data-state="scheduled"]').waitFor();
    const scheduled = (await operatorCall(base, token, 'GET', `/v1/change-sets/${id}`)).body.changeSet;
    expect(scheduled).toMatchObject({ state: 'scheduled', approvedBy: approver.username, activateAt: `${tomorrow.toISOString().slice(0, 16)}:00.000Z` });
    expect(await platform.redis.hgetall('risk:thresholds')).toMatchObject({ review: '400' });
    await second.goto(`${base}/console/#/change-sets?group=scheduled`);
    await second.locator(`.change-sets-table tr[data-change-set-id="${id}"][data-state="scheduled"]`).waitFor();
    await screenshot(second, 'change-sets-scheduled');

    // Its author discards it before its time: a second click confirms.
    await open(page, 'scheduled');
    await page.getByRole('button', { name: 'Discard' }).click();
    await page.getByRole('button', { name: 'Discard: click again to confirm' }).click();
    await page.locator('.page-change-set[data-state="discarded"]').waitFor();
    expect(await page.locator('[data-testid="change-set-closed"]').textContent()).toContain('Discarded');
    expect(errors).toEqual([]);
    expect(secondErrors).toEqual([]);
    await page.close();
    await second.close();
  }, 120_000);

  it('tries a new rule in shadow for two hours: the approver watches its hits on live payments, and sending it back ends the period', async () => {
    const rule = {
      id: 'shadow-probe',
      description: 'Every payment to one merchant, tried in shadow before it declines anything',
      typology: 'probe',
      priority: 5,
      mode: 'enforce',
      when: { fact: 'merchant.id', eq: 'm-cn-0006' },
      then: { score: 900, reason: 'probe' },
    };
    const drafted = await operatorCall(base, token, 'POST', '/v1/change-sets', { title: 'Probe m-cn-0006, in shadow first', changes: [{ kind: 'rule', rule }] });
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
    const id = drafted.body.id as string;
    const trialId = `trial-${id.slice(3, 15)}-1`;
    const rulesBefore = platform.risk.stats().rules;
    const shadowCard = (p: Page) => p.locator('[data-testid="change-set-evidence"] [data-testid="shadow-period"]');
    const trialCell = (p: Page, field: string) => shadowCard(p).locator(`tr[data-trial-id="${trialId}"] td[data-field="${field}"]`);
    /** Waits past the page's refresh interval (5 s) for a read of the shadow hits that should not come. */
    const nextShadowRead = (p: Page) => p.waitForRequest((r) => r.url().includes('/shadow-hits'), { timeout: 7_000 }).then(() => 'read', () => 'none');

    // --- the author submits it from the console with a two-hour shadow period ---
    const page = await authorBrowser.newPage();
    const errors = collectPageErrors(page);
    await logIn(page, base, author);
    await page.goto(`${base}/console/#/change-sets/${id}`);
    await page.locator('.page-change-set[data-state="draft"]').waitFor();
    const hours = page.locator('#change-set-shadow-hours');
    expect(await hours.inputValue()).toBe('');
    // More than a week is refused in the card, and nothing is submitted.
    await hours.fill('200');
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    expect(await page.locator('[data-testid="change-set-actions"] .notice-error').textContent()).toContain('from 1 to 168');
    await screenshot(page, 'change-set-shadow-refused');
    expect((await operatorCall(base, token, 'GET', `/v1/change-sets/${id}`)).body.changeSet.state).toBe('draft');
    await hours.fill('2');
    await page.locator('#change-set-note').fill('Two hours on live payments before it declines anything.');
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await page.locator('.page-change-set[data-state="submitted"]').waitFor();
    const submitted = (await operatorCall(base, token, 'GET', `/v1/change-sets/${id}`)).body.changeSet;
    expect(submitted.evidence.shadow).toMatchObject({ hours: 2, rules: { [trialId]: 'shadow-probe' } });
    expect(Date.parse(submitted.evidence.shadow.until) - Date.parse(submitted.evidence.shadow.from)).toBe(2 * 3600_000);
    await trialCell(page, 'trial-hits').waitFor();
    expect(await shadowCard(page).getAttribute('data-running')).toBe('true');
    expect(await trialCell(page, 'trial-hits').textContent()).toBe('0');
    // The engine runs the trial beside the live rules before any payment is sent.
    await eventually(() => platform.risk.stats().rules, (n) => n === rulesBefore + 1, 5_000);

    // --- the approver opens it before the payments: the page reads the hits again by itself ---
    approverBrowser ??= await launchChromium();
    const second = await approverBrowser.newPage();
    const secondErrors = collectPageErrors(second);
    await logIn(second, base, approver);
    await second.goto(`${base}/console/#/change-sets/${id}`);
    await second.locator('.page-change-set[data-state="submitted"]').waitFor();
    await trialCell(second, 'trial-hits').waitFor();
    expect(await trialCell(second, 'trial-hits').textContent()).toBe('0');
    expect(await shadowCard(second).locator(`tr[data-trial-id="${trialId}"]`).getAttribute('data-rule-id')).toBe('shadow-probe');

    const qr = await merchantQrs(platform.app);
    const run = Date.now().toString(36);
    const answers = [];
    for (const [n, merchant] of ['m-cn-0006', 'm-cn-0006', 'm-cn-0006', 'm-cn-0001'].entries()) {
      const r = await signed(platform.app, {
        participant: 'siam-wallet',
        method: 'POST',
        path: '/v1/payments',
        body: { txnId: randomUUID(), qr: { payload: qr[merchant] }, amount: { value: '45.00', currency: 'CNY' }, payer: { walletId: `cs-shadow-${n}-${run}`, country: 'TH' } },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      answers.push(r.body.risk);
    }
    // In shadow, it decides nothing.
    expect(answers.map((a) => [a.decision, a.reasons.map((x: { ruleId: string }) => x.ruleId)])).toEqual(answers.map(() => ['approve', []]));

    // Three hits in shadow, none for a live rule (there is none yet), four payments seen: as the page shows them.
    await expect.poll(async () => [await trialCell(second, 'trial-hits').textContent(), await trialCell(second, 'payments').textContent()], { timeout: 30_000 }).toEqual(['3', '4']);
    expect(await trialCell(second, 'live-hits').textContent()).toBe('0 · new rule');
    expect(await shadowCard(second).getAttribute('data-running')).toBe('true');
    expect(await shadowCard(second).locator('[data-testid="shadow-state"]').textContent()).toMatch(/^running · ends .*, in 1 h 5\d min$/);
    await second.evaluate(() => window.scrollTo(0, 0));
    await screenshot(second, 'change-set-shadow-running');

    // The author's "Refresh" reads it at once; leaving the page stops the reading.
    const [refreshed] = await Promise.all([page.waitForResponse((r) => r.url().endsWith(`/v1/change-sets/${id}/shadow-hits`)), shadowCard(page).getByRole('button', { name: 'Refresh' }).click()]);
    expect(refreshed.status()).toBe(200);
    await expect.poll(() => trialCell(page, 'trial-hits').textContent()).toBe('3');
    await page.getByRole('link', { name: 'Change sets', exact: true }).click();
    await page.locator('.page-change-sets').waitFor();
    const authorReadsAfterLeaving = nextShadowRead(page);

    // --- sent back: the period ends at once, and the page says so ---
    await second.locator('#change-set-return-comment').fill('Three hits in minutes: narrow it to large amounts.');
    await second.getByRole('button', { name: 'Send back' }).click();
    await second.locator('.page-change-set[data-state="returned"]').waitFor();
    await second.locator('[data-testid="shadow-period"][data-running="false"]:not([aria-busy])').waitFor();
    expect(await shadowCard(second).locator('[data-testid="shadow-state"]').textContent()).toMatch(/^ended · .*, when it was sent back$/);
    expect(await trialCell(second, 'trial-hits').textContent()).toBe('3');
    expect(await platform.redis.hexists('risk:rules:trials', id)).toBe(0);
    await eventually(() => platform.risk.stats().rules, (n) => n === rulesBefore, 5_000);
    await second.evaluate(() => window.scrollTo(0, 0));
    await screenshot(second, 'change-set-shadow-ended');
    // Nothing is read any more: not by the page left, nor by the page showing the ended period.
    expect(await Promise.all([authorReadsAfterLeaving, nextShadowRead(second)])).toEqual(['none', 'none']);

    expect(errors).toEqual([]);
    expect(secondErrors).toEqual([]);
    await page.close();
    await second.close();
  }, 180_000);
});
