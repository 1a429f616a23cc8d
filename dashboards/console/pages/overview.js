import { liveChart } from '../components/live-chart.js';
import { el, replace } from '../dom.js';
import { formatCount, formatMs, formatRate, formatTime } from '../format.js';
import { HISTORY_SECONDS } from '../live.js';

/**
 * The live overview: the latest second in figures, the last five minutes in uPlot charts,
 * and the corridors and reasons that weighed most over those five minutes. Everything comes
 * from the `aggregates` snapshot the server pushes once a second.
 */
const COLOURS = { tps: '#2563eb', approval: '#15803d', decline: '#dc2626', review: '#d97706', p50: '#7c3aed', p99: '#db2777', lag: '#0891b2' };
const percent = (n) => `${Math.round(n)} %`;
const ms = (n) => formatMs(n);

export function render(view, context) {
  context.setTitle('Overview');
  const { live, session } = context;

  const tile = (key, label, colour) => {
    const value = el('span', { class: 'tile-value', dataset: { testid: `tile-${key}` } }, '—');
    const node = el('div', { class: 'tile', style: { '--tile-accent': colour } }, el('span', { class: 'tile-label' }, label), value);
    return { node, value };
  };
  const tiles = {
    tps: tile('tps', 'Payments / s', COLOURS.tps),
    approval: tile('approval', 'Approval rate', COLOURS.approval),
    decline: tile('decline', 'Decline rate', COLOURS.decline),
    review: tile('review', 'Review rate', COLOURS.review),
    p99: tile('p99', 'p99 latency', COLOURS.p99),
    lag: tile('lag', 'Ingest lag', COLOURS.lag),
  };
  const updated = el('span', { class: 'muted', dataset: { testid: 'overview-updated' } }, 'Waiting for the first second of data…');

  const charts = [
    liveChart({
      title: 'Payments per second',
      windowSeconds: HISTORY_SECONDS,
      series: [{ label: 'payments/s', colour: COLOURS.tps, fill: 'rgba(37, 99, 235, 0.08)', value: (a) => a.tps, format: formatCount }],
    }),
    liveChart({
      title: 'Outcome rates',
      windowSeconds: HISTORY_SECONDS,
      yRange: () => [0, 100],
      series: [
        { label: 'approval', colour: COLOURS.approval, value: (a) => rateOrNull(a, a.approvalRate), format: percent },
        { label: 'decline', colour: COLOURS.decline, value: (a) => rateOrNull(a, a.declineRate), format: percent },
        { label: 'review', colour: COLOURS.review, value: (a) => rateOrNull(a, a.reviewRate), format: percent },
      ],
    }),
    liveChart({
      title: 'Latency',
      windowSeconds: HISTORY_SECONDS,
      y2: { format: ms },
      series: [
        { label: 'p50', colour: COLOURS.p50, value: (a) => latencyOrNull(a, a.p50LatencyMs), format: ms },
        { label: 'p99', colour: COLOURS.p99, value: (a) => latencyOrNull(a, a.p99LatencyMs), format: ms },
        { label: 'ingest lag (right axis)', colour: COLOURS.lag, scale: 'y2', value: (a) => (a.ingestLagMs >= 0 ? a.ingestLagMs : null), format: ms },
      ],
    }),
  ];

  const corridors = el('ol', { class: 'bars', dataset: { testid: 'top-corridors' } });
  const reasons = el('ol', { class: 'bars', dataset: { testid: 'top-reasons' } });

  view.append(
    el(
      'section',
      { class: 'page page-overview' },
      el(
        'div',
        { class: 'page-head' },
        el('div', {}, el('h1', {}, 'Live overview'), el('p', { class: 'muted' }, updated)),
        el('p', { class: 'scope-note' }, session.participant ? `${session.participant} only` : 'All participants'),
      ),
      el('div', { class: 'tiles' }, Object.values(tiles).map((t) => t.node)),
      el('div', { class: 'charts' }, charts.map((c) => el('div', { class: 'card chart-card' }, c.element))),
      el(
        'div',
        { class: 'two-columns' },
        el('section', { class: 'card' }, el('h2', {}, 'Top corridors'), el('p', { class: 'muted card-sub' }, 'Payments over the last 5 minutes'), corridors),
        el('section', { class: 'card' }, el('h2', {}, 'Top reasons'), el('p', { class: 'muted card-sub' }, 'Rule hits over the last 5 minutes'), reasons),
      ),
    ),
  );
  for (const chart of charts) chart.mount();

  const history = live?.history() ?? [];
  for (const chart of charts) chart.load(history);
  renderLatest(history[history.length - 1]);
  renderTop(history);

  function renderLatest(a) {
    if (!a) return;
    tiles.tps.value.textContent = formatCount(a.tps);
    tiles.approval.value.textContent = a.tps > 0 ? formatRate(a.approvalRate) : '—';
    tiles.decline.value.textContent = a.tps > 0 ? formatRate(a.declineRate) : '—';
    tiles.review.value.textContent = a.tps > 0 ? formatRate(a.reviewRate) : '—';
    tiles.p99.value.textContent = a.tps > 0 ? formatMs(a.p99LatencyMs) : '—';
    tiles.lag.value.textContent = a.ingestLagMs >= 0 ? formatMs(a.ingestLagMs) : 'unknown';
    updated.textContent = `Second ending ${formatTime(new Date(Date.parse(a.at) + 1000).toISOString())} · updates every second`;
  }

  function renderTop(window) {
    renderBars(corridors, sumBy(window, 'byCorridor', 'corridor'), 'No payments in the last 5 minutes.');
    renderBars(reasons, sumBy(window, 'topReasons', 'ruleId'), 'No rule fired in the last 5 minutes.');
  }

  let lastTopRender = 0;
  const stop = live?.on('aggregates', (a) => {
    renderLatest(a);
    for (const chart of charts) chart.push(a);
    // The bars sum five minutes; twice a second would be wasted work.
    if (Date.now() - lastTopRender > 2000) {
      lastTopRender = Date.now();
      renderTop(live.history());
    }
  });
  return () => {
    stop?.();
    for (const chart of charts) chart.destroy();
  };
}

/** Rates of a second without payments are not 0 %: leave a gap instead. */
const rateOrNull = (a, share) => (a.tps > 0 ? share * 100 : null);
const latencyOrNull = (a, value) => (a.tps > 0 ? value : null);

function sumBy(window, field, key) {
  const totals = new Map();
  for (const snapshot of window) for (const entry of snapshot[field] ?? []) totals.set(entry[key], (totals.get(entry[key]) ?? 0) + entry.count);
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, 8);
}

function renderBars(list, entries, emptyText) {
  if (entries.length === 0) return replace(list, el('li', { class: 'muted bars-empty' }, emptyText));
  const max = entries[0][1] || 1;
  replace(
    list,
    entries.map(([name, count]) =>
      el(
        'li',
        { class: 'bar' },
        el('span', { class: 'bar-name' }, name),
        el('span', { class: 'bar-track' }, el('span', { class: 'bar-fill', style: { width: `${((count / max) * 100).toFixed(1)}%` } })),
        el('span', { class: 'bar-count' }, formatCount(count)),
      ),
    ),
  );
}
