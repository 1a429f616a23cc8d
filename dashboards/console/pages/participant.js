import { api, withQuery } from '../api.js';
import { BREAKDOWNS, breakdownCard } from '../components/breakdown-table.js';
import { seriesChart } from '../components/series-chart.js';
import { el, errorBox, replace } from '../dom.js';
import { formatCount, formatDecimal, formatMs, formatRate } from '../format.js';

/**
 * A participant's own analytics (GET /v1/analytics/...): figures of the window, payments
 * and declines over time, and the breakdowns, each exportable as CSV. A participant
 * analyst sees its own participant only (the server decides that from its token; the page
 * never asks for another); other operators name one. Window and participant stay in the
 * URL: `#/participant?participant=siam-wallet&window=7d`.
 */
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WINDOWS = [
  { id: '24h', label: 'Last 24 h', ms: DAY_MS, bucket: 'hour' },
  { id: '7d', label: 'Last 7 days', ms: 7 * DAY_MS, bucket: 'hour' },
  { id: '30d', label: 'Last 30 days', ms: 30 * DAY_MS, bucket: 'day' },
];
const BUCKET_SECONDS = { minute: 60, hour: 3600, day: 86_400 };
const PARTICIPANT_ID = /^[a-z0-9][a-z0-9.-]{1,62}$/;
const PARTICIPANT_PROBLEMS = {
  ANALYTICS_PARTICIPANT_UNKNOWN: 'No participant has this id.',
  ANALYTICS_PARTICIPANT_REQUIRED: 'Name a participant.',
  ANALYTICS_FORBIDDEN: 'Your role may not see this participant.',
};
const COLOURS = { payments: '#2563eb', declines: '#dc2626', approval: '#15803d', review: '#d97706', fraud: '#9f1239', value: '#0f766e', latency: '#db2777' };

export function render(view, context) {
  context.setTitle('Participant analytics');
  const { session, permissions } = context;
  const bound = session.participant;
  const pick = permissions.filterByParticipant;
  const state = {
    participant: pick ? (context.query.get('participant') ?? '').trim() : bound ?? '',
    window: WINDOWS.find((w) => w.id === context.query.get('window')) ?? WINDOWS[0],
  };
  let seq = 0;
  let cancelled = false;

  // --- head and controls ---------------------------------------------------------------
  const summaryLine = el('p', { class: 'muted page-summary', dataset: { testid: 'participant-window' } });
  const participantInput = el('input', {
    id: 'participant-id',
    name: 'participant',
    value: state.participant,
    placeholder: 'e.g. siam-wallet',
    autocomplete: 'off',
    spellcheck: false,
    maxLength: 63,
    attrs: { 'aria-describedby': 'participant-problem' },
  });
  const participantProblem = el('span', { class: 'field-problem', id: 'participant-problem', attrs: { role: 'alert' } });
  const participantField = el(
    'div',
    { class: 'field participant-field' },
    el('label', { class: 'field-label', htmlFor: 'participant-id' }, 'Participant'),
    el('div', { class: 'inline-controls' }, participantInput, el('button', { type: 'submit', class: 'button' }, 'Show')),
    participantProblem,
  );
  const windowButtons = WINDOWS.map((w) =>
    el('button', { type: 'button', class: 'segment', dataset: { window: w.id }, attrs: { 'aria-pressed': String(w === state.window) }, onclick: () => setWindow(w) }, w.label),
  );
  const controls = el(
    'form',
    {
      class: 'filters analytics-controls',
      attrs: { role: 'search', 'aria-label': 'Participant and window', novalidate: '' },
      onsubmit: (e) => {
        e.preventDefault();
        setParticipant(participantInput.value.trim());
      },
    },
    pick ? participantField : null,
    el('div', { class: 'field' }, el('span', { class: 'field-label', id: 'window-label' }, 'Window'), el('div', { class: 'segmented', attrs: { role: 'group', 'aria-labelledby': 'window-label' } }, windowButtons)),
  );

  // --- figures, chart, breakdowns ------------------------------------------------------------
  const tile = (key, label, colour) => {
    const value = el('span', { class: 'tile-value', dataset: { testid: `tile-${key}` } }, '—');
    const sub = el('span', { class: 'tile-sub', dataset: { testid: `tile-${key}-sub` } });
    const node = el('div', { class: 'tile', style: { '--tile-accent': colour } }, el('span', { class: 'tile-label' }, label), value, sub);
    return { node, value, sub };
  };
  // Two rows of four: volume and value, then rates and latency.
  const tiles = {
    payments: tile('payments', 'Payments', COLOURS.payments),
    value: tile('value', 'Value (USD)', COLOURS.value),
    settled: tile('settled', 'Settled value', COLOURS.value),
    fraud: tile('fraud', 'Fraud confirmed', COLOURS.fraud),
    approval: tile('approval', 'Approval rate', COLOURS.approval),
    decline: tile('decline', 'Decline rate', COLOURS.declines),
    review: tile('review', 'Review rate', COLOURS.review),
    latency: tile('latency', 'Latency p50 / p99', COLOURS.latency),
  };
  const followUps = el('p', { class: 'muted follow-ups', dataset: { testid: 'follow-ups' } });
  const chart = seriesChart({
    title: 'Payments and declines',
    series: [
      { label: 'payments', colour: COLOURS.payments, fill: 'rgba(37, 99, 235, 0.35)', format: formatCount },
      { label: 'declined', colour: COLOURS.declines, fill: 'rgba(220, 38, 38, 0.75)', format: formatCount },
    ],
  });
  chart.element.dataset.testid = 'participant-chart';
  const chartMessage = el('div');
  const cards = BREAKDOWNS.map((b) => ({ ...b, card: breakdownCard(b) }));
  const message = el('div');
  const body = el(
    'div',
    { class: 'analytics-body', dataset: { testid: 'analytics-body' } },
    el('div', { class: 'tiles tiles-analytics' }, Object.values(tiles).map((t) => t.node)),
    followUps,
    el('div', { class: 'card chart-card' }, chart.element, chartMessage),
    el('div', { class: 'breakdowns' }, cards.map((c) => c.card.element)),
  );
  const empty = el('div', { class: 'card empty' }, 'Name a participant to see its payments, rates and breakdowns.');

  view.append(
    el(
      'section',
      { class: 'page page-participant' },
      el(
        'div',
        { class: 'page-head' },
        el('div', {}, el('h1', {}, 'Participant analytics'), summaryLine),
        bound ? el('p', { class: 'scope-note' }, `${bound} only`) : null,
      ),
      controls,
      message,
      body,
      empty,
    ),
  );

  function setWindow(w) {
    if (w === state.window) return;
    state.window = w;
    for (const b of windowButtons) b.setAttribute('aria-pressed', String(b.dataset.window === w.id));
    remember();
    void load();
  }

  function setParticipant(id) {
    replace(participantProblem);
    participantField.classList.remove('field-invalid');
    if (!PARTICIPANT_ID.test(id)) {
      return participantInvalid(
        id === '' ? 'Name a participant.' : 'A participant id is 2 to 63 lower-case letters, digits, dots and dashes, e.g. siam-wallet.',
      );
    }
    state.participant = id;
    remember();
    void load();
  }

  function participantInvalid(text) {
    replace(participantProblem, text);
    participantField.classList.add('field-invalid');
    participantInput.setAttribute('aria-invalid', 'true');
    participantInput.focus();
  }

  /** The URL keeps the choice (bookmarks, reload) without re-opening the page. */
  function remember() {
    const query = new URLSearchParams();
    if (pick && state.participant) query.set('participant', state.participant);
    if (state.window !== WINDOWS[0]) query.set('window', state.window.id);
    history.replaceState(null, '', query.toString() ? `#/participant?${query}` : '#/participant');
  }

  /** Everything of one participant and window, in parallel; a newer load makes older answers moot. */
  async function load() {
    const mine = ++seq;
    const current = () => mine === seq && !cancelled;
    replace(message);
    participantInput.removeAttribute('aria-invalid');
    if (!state.participant) {
      body.hidden = true;
      empty.hidden = false;
      summaryLine.textContent = pick ? 'No participant chosen' : '';
      return;
    }
    body.hidden = false;
    empty.hidden = true;
    body.dataset.state = 'loading';
    // Whole minutes, so a wallet's series comes from the per-minute aggregate.
    const to = Math.ceil(Date.now() / 60_000) * 60_000;
    const from = to - state.window.ms;
    const window = { from: new Date(from).toISOString(), to: new Date(to).toISOString(), participant: pick ? state.participant : undefined };
    summaryLine.textContent = `${state.participant} · ${when(from)} to ${when(to)} · loading…`;
    for (const t of Object.values(tiles)) {
      t.value.textContent = '…';
      t.sub.textContent = '';
    }
    followUps.textContent = '';
    for (const c of cards) c.card.loading();
    replace(chartMessage);

    const exportName = (dimension) => `${state.participant}_${dimension}_${state.window.id}_${window.from.slice(0, 16)}`;
    const summary = api(withQuery('/v1/analytics/summary', window))
      .then((s) => current() && renderSummary(s, from, to))
      .catch((e) => current() && failed(e));
    const series = api(withQuery('/v1/analytics/timeseries', { ...window, bucket: state.window.bucket }))
      .then((t) => current() && renderSeries(t))
      .catch((e) => current() && replace(chartMessage, errorBox('The time series could not be loaded.', e)));
    const breakdowns = cards.map((c) =>
      api(withQuery(`/v1/analytics/breakdown/${c.dimension}`, window))
        .then((b) => current() && c.card.show(b, exportName(c.dimension)))
        .catch((e) => current() && c.card.failed(errorBox(`The breakdown ${c.title.toLowerCase()} could not be loaded.`, e))),
    );
    await Promise.all([summary, series, ...breakdowns]);
    if (current()) body.dataset.state = 'ready';
  }

  function failed(e) {
    if (pick && PARTICIPANT_PROBLEMS[e.code]) {
      body.hidden = true;
      summaryLine.textContent = '';
      return participantInvalid(PARTICIPANT_PROBLEMS[e.code]);
    }
    summaryLine.textContent = `${state.participant}`;
    replace(message, errorBox('The analytics could not be loaded.', e));
  }

  function renderSummary(s, from, to) {
    const p = s.payments;
    const any = p.payments > 0;
    summaryLine.textContent = `${s.participant} · ${s.side === 'acquirer' ? "its merchants' payments" : "its payers' payments"} · ${when(from)} to ${when(to)}`;
    tiles.payments.value.textContent = formatCount(p.payments);
    tiles.payments.sub.textContent = `${formatCount(p.approved)} approved · ${formatCount(p.declined)} declined`;
    tiles.value.value.textContent = formatDecimal(p.valueUsd, 2);
    tiles.value.sub.textContent = `approved ${formatDecimal(p.approvedValueUsd, 2)}`;
    const settled = s.settlement ?? [];
    tiles.settled.value.textContent = settled.length > 0 ? `${settled[0].currency} ${formatDecimal(settled[0].approvedValue, 2)}` : '—';
    tiles.settled.sub.textContent =
      settled.length > 1 ? `and ${settled.slice(1).map((x) => `${x.currency} ${formatDecimal(x.approvedValue, 2)}`).join(', ')}` : 'approved, in settlement currency';
    tiles.approval.value.textContent = any ? formatRate(p.approvalRate) : '—';
    tiles.decline.value.textContent = any ? formatRate(p.declineRate) : '—';
    tiles.review.value.textContent = any ? formatRate(p.reviewRate) : '—';
    tiles.review.sub.textContent = `${formatCount(p.review)} sent to review`;
    tiles.fraud.value.textContent = any ? formatRate(s.fraudConfirmed.rate) : '—';
    tiles.fraud.sub.textContent = `${formatCount(s.fraudConfirmed.payments)} payments, USD ${formatDecimal(s.fraudConfirmed.valueUsd, 2)}`;
    tiles.latency.value.textContent = any ? `${formatMs(s.latency.p50Ms ?? NaN)} / ${formatMs(s.latency.p99Ms ?? NaN)}` : '—';
    tiles.latency.sub.textContent = 'switch: receipt to decision';
    followUps.textContent = `Refunds: ${formatCount(s.refunds.count)} (${formatCount(s.refunds.approved)} approved, USD ${formatDecimal(s.refunds.approvedValueUsd, 2)}) · Reversals: ${formatCount(s.reversals.count)} (${formatCount(s.reversals.approved)} approved, USD ${formatDecimal(s.reversals.approvedValueUsd, 2)})`;
  }

  function renderSeries(t) {
    const points = t.points ?? [];
    chart.load(
      points.map((x) => Date.parse(x.t) / 1000),
      [points.map((x) => x.payments), points.map((x) => x.declined)],
      BUCKET_SECONDS[t.bucket] ?? 3600,
    );
  }

  void load();
  return () => {
    cancelled = true;
    chart.destroy();
  };
}

const pad = (n) => String(n).padStart(2, '0');

/** "2025-03-12 14:05", local time: both ends of a window read the same way. */
function when(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
