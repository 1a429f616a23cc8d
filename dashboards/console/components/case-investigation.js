import { api, withQuery } from '../api.js';
import { el, errorBox, facts, replace } from '../dom.js';
import { formatCount, formatDecimal, formatTime } from '../format.js';
import { amountColumn, codeColumn, countColumn, figureTable, textColumn } from './figure-table.js';
import { networkGraph } from './network-graph.js';

/**
 * The investigation of a case (GET /v1/cases/:id/investigation/...): over a window, by default
 * the last 30 days (the server takes at most 93), its subject's history (payments, by
 * currency, corridor and day, declines, refunds and reversals), its counterparties, and its
 * network drawn as a graph. A merged case's other subjects can be looked at too.
 */
const DAY_MS = 86_400_000;
const MAX_DAYS = 93;
const PRESETS = [
  { id: '7d', label: '7 days', days: 7 },
  { id: '30d', label: '30 days', days: 30 },
  { id: '90d', label: '90 days', days: 90 },
];
const DEFAULT_PRESET = PRESETS[1];

/** A subject as the investigation routes name it: `kind:id`, a wallet `wallet:participant:id`. */
const subjectKey = (s) => (s.kind === 'wallet' ? `wallet:${s.participant}:${s.id}` : `${s.kind}:${s.id}`);
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const pad = (n) => String(n).padStart(2, '0');
/** "2025-03-12 14:05", local time: both ends of a window read the same way, date included. */
function when(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function caseInvestigation(caseId) {
  const state = { preset: DEFAULT_PRESET, from: 0, to: 0, subject: '', subjects: [] };
  let seq = 0;

  // --- window picker -----------------------------------------------------------------------
  const presetButtons = PRESETS.map((p) =>
    el('button', { type: 'button', class: 'segment', dataset: { window: p.id }, attrs: { 'aria-pressed': String(p === state.preset) }, onclick: () => usePreset(p) }, p.label),
  );
  const fromInput = el('input', { type: 'date', id: 'investigation-from', name: 'from' });
  const toInput = el('input', { type: 'date', id: 'investigation-to', name: 'to' });
  const subjectSelect = el('select', {
    id: 'investigation-subject',
    name: 'subject',
    onchange: (e) => {
      state.subject = e.target.value;
      void load();
    },
  });
  const subjectField = el('label', { class: 'field', hidden: true }, el('span', { class: 'field-label' }, 'Subject'), subjectSelect);
  const windowProblem = el('p', { class: 'field-problem', attrs: { role: 'alert' } });
  const controls = el(
    'form',
    { class: 'investigation-controls', attrs: { 'aria-label': 'Investigation window' } },
    el('div', { class: 'field' }, el('span', { class: 'field-label', id: 'investigation-window-label' }, 'Last'), el('div', { class: 'segmented', attrs: { role: 'group', 'aria-labelledby': 'investigation-window-label' } }, presetButtons)),
    el('label', { class: 'field' }, el('span', { class: 'field-label' }, 'From (UTC)'), fromInput),
    el('label', { class: 'field' }, el('span', { class: 'field-label' }, 'To (UTC)'), toInput),
    el('button', { type: 'submit', class: 'button' }, 'Show'),
    subjectField,
    windowProblem,
  );
  controls.addEventListener('submit', (event) => {
    event.preventDefault();
    useDates();
  });

  // --- results -------------------------------------------------------------------------------
  const windowLine = el('p', { class: 'muted investigation-window', dataset: { testid: 'investigation-window' } });
  const historyBody = el('div', { class: 'investigation-history', dataset: { testid: 'investigation-history' } });
  const counterpartiesBody = el('div', { dataset: { testid: 'investigation-counterparties' } });
  const graph = networkGraph();
  const element = el(
    'section',
    { class: 'card investigation-card', attrs: { 'aria-labelledby': 'investigation-title' } },
    el('div', { class: 'card-head' }, el('h2', { id: 'investigation-title' }, 'Investigation')),
    controls,
    windowLine,
    el('h3', {}, 'Network'),
    graph.element,
    el('h3', {}, 'History'),
    historyBody,
    el('h3', {}, 'Counterparties'),
    counterpartiesBody,
  );

  function usePreset(preset) {
    state.preset = preset;
    state.to = Date.now();
    state.from = state.to - preset.days * DAY_MS;
    for (const b of presetButtons) b.setAttribute('aria-pressed', String(b.dataset.window === preset.id));
    void load();
  }

  /** Whole UTC days, the last one up to now. */
  function useDates() {
    const from = Date.parse(`${fromInput.value}T00:00:00Z`);
    const end = Date.parse(`${toInput.value}T00:00:00Z`);
    if (!Number.isFinite(from) || !Number.isFinite(end)) return (windowProblem.textContent = 'Choose both days.');
    const to = Math.min(end + DAY_MS, Date.now());
    if (to <= from) return (windowProblem.textContent = 'The window ends before it starts.');
    if (to - from > MAX_DAYS * DAY_MS) return (windowProblem.textContent = `A window is at most ${MAX_DAYS} days.`);
    state.preset = undefined;
    state.from = from;
    state.to = to;
    for (const b of presetButtons) b.setAttribute('aria-pressed', 'false');
    void load();
  }

  async function load() {
    const mine = ++seq;
    const current = () => mine === seq;
    windowProblem.textContent = '';
    fromInput.value = isoDay(state.from);
    toInput.value = isoDay(Math.max(state.from, state.to - 1));
    const query = { from: new Date(state.from).toISOString(), to: new Date(state.to).toISOString(), subject: state.subject || undefined };
    windowLine.textContent = `${when(query.from)} to ${when(query.to)} · loading…`;
    element.dataset.state = 'loading';
    replace(historyBody, el('p', { class: 'muted' }, 'Loading the history…'));
    replace(counterpartiesBody, el('p', { class: 'muted' }, 'Loading the counterparties…'));
    graph.loading();
    const base = `/v1/cases/${encodeURIComponent(caseId)}/investigation`;
    await Promise.all([
      api(withQuery(`${base}/network`, { ...query, hops: 2 }))
        .then((n) => current() && graph.show(n))
        .catch((e) => current() && graph.failed(errorBox('The network could not be loaded.', e))),
      api(withQuery(`${base}/history`, query))
        .then((h) => current() && replace(historyBody, historyView(h)))
        .catch((e) => current() && replace(historyBody, errorBox('The history could not be loaded.', e))),
      api(withQuery(`${base}/counterparties`, query))
        .then((c) => current() && replace(counterpartiesBody, counterpartiesView(c)))
        .catch((e) => current() && replace(counterpartiesBody, errorBox('The counterparties could not be loaded.', e))),
    ]);
    if (!current()) return;
    windowLine.textContent = `${when(query.from)} to ${when(query.to)}`;
    element.dataset.state = 'ready';
  }

  return {
    element,
    /** The case's subjects (its own first, then merged ones); loads the default window the first time. */
    show(c) {
      const subjects = [c.subject, ...(c.mergedSubjects ?? [])];
      const keys = subjects.map(subjectKey);
      const changed = keys.join('|') !== state.subjects.map(subjectKey).join('|');
      state.subjects = subjects;
      subjectField.hidden = subjects.length < 2;
      if (changed) {
        replace(subjectSelect, subjects.map((s, i) => el('option', { value: i === 0 ? '' : subjectKey(s), selected: (i === 0 ? '' : subjectKey(s)) === state.subject }, `${i === 0 ? 'Case subject' : 'Merged'}: ${subjectKey(s)}`)));
      }
      if (state.to === 0) usePreset(DEFAULT_PRESET);
    },
    destroy: () => graph.destroy(),
  };
}

function historyView(h) {
  const p = h.payments ?? {};
  const followUps = (name, f) =>
    el(
      'div',
      {},
      el('h4', {}, name),
      f?.count
        ? [
            el('p', { class: 'muted' }, `${formatCount(f.count)} (${formatCount(f.approved)} approved) · USD ${formatDecimal(f.amountUsd, 2)}`),
            figureTable({ label: name, rows: f.byCurrency, columns: [codeColumn('Currency', 'currency'), countColumn('Count', 'count'), amountColumn('Amount', 'amount'), amountColumn('Approved', 'approvedAmount')] }),
          ]
        : el('p', { class: 'muted figure-empty' }, `No ${name.toLowerCase()} in this window.`),
    );
  return el(
    'div',
    {},
    facts(
      [
        ['Payments', `${formatCount(p.count)} · ${formatCount(p.approved)} approved · ${formatCount(p.declined)} declined · ${formatCount(p.review)} to review`],
        ['Amount USD', `${formatDecimal(p.amountUsd, 2)} (approved ${formatDecimal(p.approvedAmountUsd, 2)})`],
        ['First seen', h.firstSeen ? formatTime(h.firstSeen) : ''],
        ['Last seen', h.lastSeen ? formatTime(h.lastSeen) : ''],
      ],
      'facts history-facts',
    ),
    h.truncated ? el('p', { class: 'muted' }, 'Only the largest rows of each breakdown are shown.') : null,
    el(
      'div',
      { class: 'figure-grid' },
      el('div', {}, el('h4', {}, 'Payments'), figureTable({ label: 'Payments by currency', testid: 'history-currency', rows: h.byCurrency, columns: [codeColumn('Currency', 'currency'), countColumn('Payments', 'payments'), countColumn('Approved', 'approved'), amountColumn('Amount', 'amount'), amountColumn('USD', 'amountUsd')] })),
      el('div', {}, el('h4', {}, 'By corridor'), figureTable({ label: 'Payments by corridor', testid: 'history-corridor', rows: h.byCorridor, columns: [codeColumn('Corridor', 'corridor'), countColumn('Payments', 'payments'), countColumn('Declined', 'declined'), amountColumn('USD', 'amountUsd'), amountColumn('Approved USD', 'approvedAmountUsd')] })),
      el('div', {}, el('h4', {}, 'By day (UTC)'), figureTable({ label: 'Payments by day', testid: 'history-day', rows: h.byDay, columns: [textColumn('Day', 'day'), countColumn('Payments', 'payments'), countColumn('Declined', 'declined'), amountColumn('USD', 'amountUsd'), amountColumn('Approved USD', 'approvedAmountUsd')] })),
      el(
        'div',
        {},
        el('h4', {}, 'Declines'),
        figureTable({
          label: 'Declines by reason',
          testid: 'history-declines',
          empty: 'No declined payments in this window.',
          rows: h.declines?.byReason,
          columns: [codeColumn('Reason', 'reason'), { label: 'Source', value: (r) => (r.source === 'risk' ? 'risk rule' : 'issuer') }, countColumn('Payments', 'payments')],
        }),
      ),
      followUps('Refunds', h.refunds),
      followUps('Reversals', h.reversals),
    ),
  );
}

function counterpartiesView(c) {
  return el(
    'div',
    {},
    el(
      'div',
      { class: 'table-scroll' },
      figureTable({
      label: 'Counterparties',
      testid: 'counterparties-table',
      empty: 'No counterparties in this window.',
      rows: c.rows,
      columns: [
        { label: 'Kind', value: (r) => r.kind },
        { label: 'Counterparty', value: (r) => el('span', {}, r.kind === 'merchant' ? el('span', { class: 'merchant-name' }, r.label) : null, ' ', el('code', {}, r.id), r.participant ? el('span', { class: 'muted' }, ` at ${r.participant}`) : null) },
        countColumn('Payments', 'payments'),
        countColumn('Approved', 'approved'),
        countColumn('Declined', 'declined'),
        amountColumn('USD', 'amountUsd'),
        { label: 'First', value: (r) => formatTime(r.firstSeen) },
        { label: 'Last', value: (r) => formatTime(r.lastSeen) },
      ],
      }),
    ),
    c.truncated ? el('p', { class: 'muted' }, `Only the ${formatCount(c.rows.length)} with the most payments are shown.`) : null,
  );
}
