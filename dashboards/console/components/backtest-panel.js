import { api } from '../api.js';
import { el, errorBox, replace } from '../dom.js';
import { formatCount, formatRate, formatTime } from '../format.js';
import { decisionBadge } from './badges.js';
import { watchJob } from './job-watch.js';

/**
 * "What would this rule have done?": the edited rule goes to POST /v1/rules/backtest as a
 * candidate over a window of recorded transactions; the job is polled (GET /v1/jobs/{id})
 * until it is done, with its progress, then its result: live against candidate decisions,
 * each rule's hits, and what the change would have caught or wrongly stopped.
 */
export const WINDOWS = [
  { id: '24h', label: 'Last 24 h', ms: 24 * 3600_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 24 * 3600_000 },
];
const DECISIONS = ['approve', 'review', 'decline'];

/**
 * `candidate()` gives the rule to test, or undefined when the editor holds something that
 * cannot be sent (it says why itself). `onRefused(error)` gets a refusal about the rule
 * (RULE_INVALID, VALIDATION_FAILED) so the page lists it next to the editor; it answers
 * whether it did.
 */
export function backtestPanel({ ruleId, candidate, onRefused, onSent }) {
  let window = WINDOWS[0];
  let watching;
  let stopped = false;

  const windowButtons = WINDOWS.map((w) =>
    el('button', { type: 'button', class: 'segment', dataset: { window: w.id }, attrs: { 'aria-pressed': String(w === window) }, onclick: () => setWindow(w) }, w.label),
  );
  const runButton = el('button', { type: 'button', class: 'button button-primary' }, 'Run backtest');
  const status = el('div', { class: 'backtest-status', attrs: { 'aria-live': 'polite' } });
  const output = el('div', { class: 'backtest-output', dataset: { testid: 'backtest-result' } });
  const element = el(
    'section',
    { class: 'card backtest-card', dataset: { testid: 'backtest' }, attrs: { 'aria-labelledby': 'backtest-title' } },
    el('div', { class: 'card-head' }, el('h2', { id: 'backtest-title' }, 'Backtest')),
    el(
      'p',
      { class: 'card-sub muted' },
      'Replays the recorded transactions of a window through the rule set with the edited rule in place of ',
      el('code', {}, ruleId),
      ', and compares with what was decided live. Nothing is saved.',
    ),
    el(
      'div',
      { class: 'backtest-controls' },
      el('div', { class: 'field' }, el('span', { class: 'field-label', id: 'backtest-window-label' }, 'Window'), el('div', { class: 'segmented', attrs: { role: 'group', 'aria-labelledby': 'backtest-window-label' } }, windowButtons)),
      runButton,
    ),
    status,
    output,
  );

  function setWindow(w) {
    window = w;
    for (const b of windowButtons) b.setAttribute('aria-pressed', String(b.dataset.window === w.id));
  }

  runButton.addEventListener('click', async () => {
    const rule = candidate();
    if (rule === undefined) return;
    cancelPolling();
    const to = new Date();
    const from = new Date(to.getTime() - window.ms);
    runButton.disabled = true;
    replace(output);
    replace(status, el('p', { class: 'muted' }, 'Sending the rule…'));
    onSent?.();
    let jobId;
    try {
      ({ jobId } = await api('/v1/rules/backtest', { method: 'POST', body: { rules: [rule], from: from.toISOString(), to: to.toISOString() } }));
    } catch (e) {
      runButton.disabled = false;
      if (stopped) return;
      const listed = onRefused?.(e);
      replace(status, listed ? el('div', { class: 'notice notice-error', attrs: { role: 'alert' } }, el('strong', {}, 'The server refused the rule: see Problems.')) : errorBox('The backtest could not start.', e));
      return;
    }
    if (stopped) return;
    replace(status, progressBar({ state: 'waiting', progress: { processed: 0, total: 0 } }, window, from, to));
    poll(jobId, from, to);
  });

  function poll(jobId, from, to) {
    watching = watchJob(jobId, {
      onUpdate: (job) => replace(status, progressBar(job, window, from, to)),
      onDone(job) {
        watching = undefined;
        runButton.disabled = false;
        if (job.state === 'failed') replace(output, errorBox('The backtest failed.', job.error ? new Error(job.error) : undefined));
        else replace(output, resultView(job.result, ruleId));
      },
      onError(e) {
        watching = undefined;
        runButton.disabled = false;
        replace(status, errorBox('The backtest job could not be read.', e));
      },
    });
  }

  function cancelPolling() {
    watching?.stop();
    watching = undefined;
  }

  return {
    element,
    /** Stops polling: the page is being left. */
    stop() {
      stopped = true;
      cancelPolling();
    },
  };
}

/** A job's progress against its window (`window.label` names it); the change sets' evidence shows it too. */
export function progressBar(job, window, from, to) {
  const { processed = 0, total = 0 } = job.progress ?? {};
  const done = job.state === 'completed';
  const share = done ? 1 : total > 0 ? Math.min(1, processed / total) : 0;
  const percent = Math.round(share * 100);
  const label =
    job.state === 'failed'
      ? 'Failed'
      : done
        ? 'Done'
        : total === 0
          ? job.state === 'active' ? 'Reading the window…' : 'Waiting for a worker…'
          : 'Replaying…';
  return el(
    'div',
    { class: `backtest-progress backtest-${job.state}`, dataset: { state: job.state } },
    el(
      'div',
      { class: 'progress-head' },
      el('strong', {}, label),
      el('span', { class: 'muted num-font', dataset: { testid: 'backtest-progress-text' } }, `${formatCount(processed)} / ${formatCount(total)} rows · ${percent} %`),
      el('span', { class: 'muted' }, `${window.label.toLowerCase()}: ${formatTime(from)} – ${formatTime(to)}`),
    ),
    el(
      'div',
      {
        class: 'progress-track',
        dataset: { testid: 'backtest-progress' },
        attrs: { role: 'progressbar', 'aria-label': 'Backtest progress', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': percent },
      },
      el('span', { class: 'progress-fill', style: { width: `${percent}%` } }),
    ),
  );
}

/** A backtest's result: `ruleId` is the edited rule, or a list of them (a change set's), marked in the hits. */
export function resultView(r, ruleId) {
  if (!r) return el('p', { class: 'muted' }, 'The job finished without a result.');
  return el(
    'div',
    { class: 'backtest-result' },
    el(
      'p',
      { class: 'muted backtest-meta' },
      `${formatCount(r.messages.total)} messages replayed (${formatCount(r.messages.payment)} payments, ${formatCount(r.messages.refund)} refunds, ${formatCount(r.messages.reversal)} reversals)`,
      ` after ${formatCount(r.warmup.rows)} rows of warm-up; against rule set `,
      el('code', {}, r.baseRuleSetVersion),
      '; ',
      r.candidateRules.map((c, k) => [k ? ', ' : '', el('code', {}, c.id), ` ${c.change} (${c.mode})`]),
      r.liveDegraded > 0 ? `; ${formatCount(r.liveDegraded)} live decisions were taken by the fallback` : '',
      '.',
    ),
    el(
      'div',
      { class: 'backtest-grid' },
      el('div', {}, el('h3', {}, 'Decisions: live against candidate'), matrixTable(r)),
      el('div', {}, el('h3', {}, 'Findings'), findings(r)),
    ),
    el(
      'div',
      { class: 'backtest-grid' },
      el('div', {}, el('h3', {}, 'Hits per rule'), rulesTable(r.rules, ruleId)),
      el('div', {}, el('h3', {}, 'Alert dispositions'), dispositionsTable(r.dispositions)),
    ),
  );
}

function matrixTable(r) {
  const total = r.messages.total;
  return el(
    'table',
    { class: 'table matrix-table', dataset: { testid: 'backtest-matrix' } },
    el('caption', { class: 'visually-hidden' }, 'Rows: what was decided live; columns: what the candidate decides'),
    el(
      'thead',
      {},
      el('tr', {}, el('th', { scope: 'col' }, 'Live ↓ / candidate →'), DECISIONS.map((d) => el('th', { scope: 'col', class: 'num' }, decisionBadge(d))), el('th', { scope: 'col', class: 'num' }, 'Live total')),
    ),
    el(
      'tbody',
      {},
      DECISIONS.map((live) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, decisionBadge(live)),
          DECISIONS.map((cand) =>
            el(
              'td',
              {
                class: `num matrix-cell${live === cand ? ' matrix-same' : r.matrix[live][cand] > 0 ? ' matrix-changed' : ' matrix-zero'}`,
                dataset: { live, candidate: cand },
                title: `${r.matrix[live][cand]} decided ${live} live, ${cand} by the candidate`,
              },
              formatCount(r.matrix[live][cand]),
            ),
          ),
          el('td', { class: 'num muted' }, formatCount(r.totals.live[live])),
        ),
      ),
      el(
        'tr',
        { class: 'matrix-totals' },
        el('th', { scope: 'row' }, 'Candidate total'),
        DECISIONS.map((d) => el('td', { class: 'num muted' }, formatCount(r.totals.candidate[d]))),
        el('td', { class: 'num muted' }, formatCount(total)),
      ),
    ),
  );
}

function findings(r) {
  const item = (key, title, hint, list, extra) =>
    el(
      'div',
      { class: `finding finding-${key}`, dataset: { testid: `backtest-${key}` } },
      el('div', { class: 'finding-head' }, el('span', { class: 'finding-count num-font', dataset: { count: String(list.count) } }, formatCount(list.count)), el('span', {}, el('strong', {}, title), el('span', { class: 'muted' }, ` ${hint}`))),
      extra ? el('p', { class: 'muted finding-extra' }, extra) : null,
      examples(list),
    );
  const w = r.wouldHaveWronglyStopped;
  return el(
    'div',
    { class: 'findings' },
    item('caught', 'would have caught', 'confirmed fraud the candidate flags and live let through', r.wouldHaveCaught),
    item(
      'wrongly-stopped',
      'would have wrongly stopped',
      'the candidate flags, live approved',
      w,
      `${formatCount(w.confirmedLegitimate)} confirmed legitimate, ${formatCount(w.neverAlerted)} approved without an alert`,
    ),
    item('missed', 'would have missed', 'confirmed fraud live flagged and the candidate lets through', r.wouldHaveMissed),
    el('p', { class: 'muted finding-extra' }, `${formatCount(r.changed.count)} decision${r.changed.count === 1 ? '' : 's'} changed in all.`),
  );
}

/** Example payment ids: the console has no payment page, so they are shown, not linked. */
function examples(list) {
  if (list.paymentIds.length === 0) return null;
  const more = list.count - list.paymentIds.length;
  return el(
    'details',
    { class: 'examples' },
    el('summary', {}, `${list.paymentIds.length === list.count ? 'Payments' : `First ${list.paymentIds.length} payments`}`),
    el('ul', { class: 'example-ids' }, list.paymentIds.map((id) => el('li', {}, el('code', { dataset: { paymentId: id } }, id)))),
    more > 0 ? el('p', { class: 'muted' }, `and ${formatCount(more)} more`) : null,
  );
}

function rulesTable(rules, ruleId) {
  const edited = new Set([ruleId].flat());
  const hit = rules.filter((h) => h.live + h.liveShadow + h.candidate + h.candidateShadow > 0);
  if (hit.length === 0) return el('p', { class: 'muted' }, 'No rule fired in this window, live or candidate.');
  return el(
    'table',
    { class: 'table rule-hits', dataset: { testid: 'backtest-rules' } },
    el(
      'thead',
      {},
      el('tr', {}, ['Rule', 'Live', 'Candidate', 'Live shadow', 'Candidate shadow'].map((h, k) => el('th', { scope: 'col', class: k ? 'num' : '' }, h))),
    ),
    el(
      'tbody',
      {},
      hit.map((h) =>
        el(
          'tr',
          { class: edited.has(h.ruleId) ? 'rule-hits-edited' : '', dataset: { ruleId: h.ruleId } },
          el('td', {}, el('code', {}, h.ruleId), edited.has(h.ruleId) ? el('span', { class: 'muted' }, ' · edited') : null),
          el('td', { class: 'num', dataset: { field: 'live' } }, formatCount(h.live)),
          el('td', { class: `num${h.candidate !== h.live ? ' hits-changed' : ''}`, dataset: { field: 'candidate' } }, formatCount(h.candidate)),
          el('td', { class: 'num muted' }, formatCount(h.liveShadow)),
          el('td', { class: 'num muted' }, formatCount(h.candidateShadow)),
        ),
      ),
    ),
  );
}

function dispositionsTable(d) {
  const rows = [
    ['fraud', 'Confirmed fraud'],
    ['legitimate', 'Confirmed legitimate'],
    ['open', 'Alert still open'],
  ];
  const share = (n, of) => (of > 0 ? ` (${formatRate(n / of)})` : '');
  return el(
    'table',
    { class: 'table dispositions-table', dataset: { testid: 'backtest-dispositions' } },
    el('thead', {}, el('tr', {}, ['Payments whose alert is', 'Payments', 'Flagged live', 'Flagged by candidate'].map((h, k) => el('th', { scope: 'col', class: k ? 'num' : '' }, h)))),
    el(
      'tbody',
      {},
      rows.map(([key, label]) =>
        el(
          'tr',
          { dataset: { disposition: key } },
          el('td', {}, label),
          el('td', { class: 'num' }, formatCount(d[key].payments)),
          el('td', { class: 'num' }, formatCount(d[key].liveFlagged), el('span', { class: 'muted' }, share(d[key].liveFlagged, d[key].payments))),
          el('td', { class: 'num' }, formatCount(d[key].candidateFlagged), el('span', { class: 'muted' }, share(d[key].candidateFlagged, d[key].payments))),
        ),
      ),
    ),
  );
}
