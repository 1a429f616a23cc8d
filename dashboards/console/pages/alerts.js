import { api, withQuery } from '../api.js';
import { alertFilters, FILTER_KEYS, sinceCutoff } from '../components/alert-filters.js';
import { decisionBadge, severityBadge, statusBadge } from '../components/badges.js';
import { toast } from '../components/toast.js';
import { describeError, el, errorBox, replace } from '../dom.js';
import { formatCount, formatTime } from '../format.js';

/**
 * The live alerts table: loaded from GET /v1/alerts with the filters in the URL, then kept
 * current by the socket (`alert` prepends, `alert:update` rewrites the row in place).
 */
const LIMIT = 200;
/** Rows kept in the table; older ones drop off the bottom so the page stays fast. */
const MAX_ROWS = 500;

export function render(view, context) {
  context.setTitle('Alerts');
  const { permissions, live } = context;
  const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, context.query.get(k) ?? '']));
  if (!permissions.filterByParticipant) filters.participant = '';
  /** id -> alert, and the ids newest first. */
  const alerts = new Map();
  let order = [];
  let loadSeq = 0;
  let loaded = false;
  /** Pushes that arrive while the list is loading, applied on top of it. */
  let pending = [];

  const filterBar = alertFilters({
    filters,
    withParticipant: permissions.filterByParticipant,
    onChange: setFilter,
    onClear: clearFilters,
  });

  // --- table -------------------------------------------------------------------------------
  const summary = el('p', { class: 'muted page-summary', attrs: { 'aria-live': 'polite' } });
  const message = el('div');
  const body = el('tbody');
  const table = el(
    'table',
    { class: 'table alerts-table', attrs: { 'aria-label': 'Alerts' } },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ['Severity', 'Raised', 'Rule and top reason', 'Participant', 'Decision', 'Score', 'Payments', 'Status', 'Assignee'].map((h) =>
          el('th', { scope: 'col', class: numericColumn(h) ? 'num' : '' }, h),
        ),
        permissions.actOnAlerts ? el('th', { scope: 'col', class: 'actions-col' }, el('span', { class: 'visually-hidden' }, 'Actions')) : null,
      ),
    ),
    body,
  );
  const empty = el('div', { class: 'empty', hidden: true });

  view.append(
    el(
      'section',
      { class: 'page page-alerts' },
      el(
        'div',
        { class: 'page-head' },
        el('div', {}, el('h1', {}, 'Alerts'), summary),
        context.session.participant ? el('p', { class: 'scope-note' }, `Showing ${context.session.participant} only`) : null,
      ),
      filterBar.element,
      message,
      el('div', { class: 'card table-card' }, table, empty),
    ),
  );

  function setFilter(key, value) {
    if (filters[key] === value) return;
    filters[key] = value;
    // The URL keeps the filters (bookmarks, back button) without re-opening the page.
    const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ''));
    const hash = query.toString() ? `#/alerts?${query}` : '#/alerts';
    history.replaceState(null, '', hash);
    void load();
  }

  function clearFilters() {
    for (const key of FILTER_KEYS) filters[key] = '';
    history.replaceState(null, '', '#/alerts');
    void load();
  }

  async function load() {
    const seq = ++loadSeq;
    loaded = false;
    summary.textContent = 'Loading alerts…';
    replace(message);
    const cutoff = sinceCutoff(filters.since);
    const from = cutoff === undefined ? undefined : new Date(cutoff).toISOString();
    try {
      const answer = await api(
        withQuery('/v1/alerts', {
          status: filters.status,
          severity: filters.severity,
          rule: filters.rule,
          participant: permissions.filterByParticipant ? filters.participant : '',
          from,
          limit: LIMIT,
        }),
      );
      if (seq !== loadSeq) return;
      alerts.clear();
      for (const alert of answer.alerts ?? []) alerts.set(alert.id, alert);
      order = [...alerts.values()].sort(newestFirst).map((a) => a.id);
      loaded = true;
      renderAll();
      const missed = pending;
      pending = [];
      for (const [alert, options] of missed) upsert(alert, options);
    } catch (e) {
      if (seq !== loadSeq) return;
      summary.textContent = '';
      replace(message, errorBox('The alerts could not be loaded.', e));
    }
  }

  function renderAll() {
    body.replaceChildren(...order.map((id) => rowOf(alerts.get(id))));
    for (const alert of alerts.values()) filterBar.learn(alert);
    renderSummary();
  }

  function renderSummary() {
    const open = [...alerts.values()].filter((a) => a.status === 'open').length;
    summary.textContent = `${formatCount(alerts.size)} alert${alerts.size === 1 ? '' : 's'} shown · ${formatCount(open)} open${
      alerts.size >= LIMIT ? ` · newest ${LIMIT} loaded, narrow the filters to see older ones` : ''
    }`;
    empty.hidden = alerts.size > 0;
    replace(
      empty,
      anyFilter() ? 'No alert matches these filters.' : 'No alerts yet.',
      el('span', { class: 'muted' }, ' New alerts appear here the moment they are raised.'),
    );
  }

  function rowOf(alert, fresh = false) {
    const top = alert.reasons?.[0];
    const open = () => context.navigate(`#/alerts/${encodeURIComponent(alert.id)}`);
    const row = el(
      'tr',
      {
        class: `alert-row sev-row-${alert.severity}${fresh ? ' row-fresh' : ''}`,
        dataset: { alertId: alert.id, paymentId: alert.paymentId, status: alert.status, participant: alert.participant },
        tabIndex: 0,
        onclick: open,
        onkeydown: (e) => {
          if (e.key === 'Enter' && e.target === row) open();
        },
      },
      el('td', {}, severityBadge(alert.severity)),
      el('td', { class: 'nowrap num-font', title: alert.createdAt }, formatTime(alert.createdAt)),
      el(
        'td',
        { class: 'rule-cell' },
        el('a', { href: `#/alerts/${encodeURIComponent(alert.id)}`, class: 'rule-link', onclick: (e) => e.stopPropagation() }, alert.ruleId || 'score'),
        top?.message ? el('span', { class: 'reason-line', title: top.message }, top.message) : null,
      ),
      el('td', { class: 'nowrap', dataset: { col: 'participant' } }, alert.participant),
      el('td', {}, decisionBadge(alert.decision)),
      el('td', { class: 'num' }, formatCount(alert.score)),
      el('td', { class: 'num', dataset: { col: 'count' } }, formatCount(alert.count ?? 1)),
      el('td', { dataset: { col: 'status' } }, statusBadge(alert.status)),
      el('td', { class: 'nowrap' }, alert.assignee || el('span', { class: 'muted' }, '—')),
      permissions.actOnAlerts ? el('td', { class: 'actions-col' }, alert.status === 'open' ? ackButton(alert) : null) : null,
    );
    return row;
  }

  function ackButton(alert) {
    const button = el('button', { type: 'button', class: 'button button-small' }, 'Acknowledge');
    button.addEventListener('click', async (event) => {
      event.stopPropagation();
      button.disabled = true;
      try {
        upsert(await api(`/v1/alerts/${encodeURIComponent(alert.id)}/ack`, { method: 'POST' }));
        toast(`Alert ${alert.id} acknowledged`);
      } catch (e) {
        button.disabled = false;
        toast(`Could not acknowledge: ${describeError(e)}`, 'error');
      }
    });
    return button;
  }

  function matches(alert) {
    if (filters.status && alert.status !== filters.status) return false;
    if (filters.severity && alert.severity !== filters.severity) return false;
    if (filters.rule && alert.ruleId !== filters.rule) return false;
    if (filters.participant && permissions.filterByParticipant && alert.participant !== filters.participant) return false;
    const cutoff = sinceCutoff(filters.since);
    if (cutoff !== undefined && Date.parse(alert.createdAt) < cutoff) return false;
    return true;
  }

  /** A pushed or changed alert: added at its place, rewritten in place, or removed when it no longer matches. */
  function upsert(pushed, { fresh = false } = {}) {
    if (!pushed?.id) return;
    if (!loaded) {
      if (pending.length < MAX_ROWS) pending.push([pushed, { fresh }]);
      return;
    }
    const known = alerts.get(pushed.id);
    // Pushed alerts carry fewer fields than listed ones: keep what the list said.
    const alert = known ? { ...known, ...pushed } : pushed;
    const current = body.querySelector(`tr[data-alert-id="${CSS.escape(alert.id)}"]`);
    if (!matches(alert)) {
      if (known) {
        alerts.delete(alert.id);
        order = order.filter((id) => id !== alert.id);
        current?.remove();
        renderSummary();
      }
      return;
    }
    alerts.set(alert.id, alert);
    filterBar.learn(alert);
    const row = rowOf(alert, fresh || !known);
    if (current) {
      current.replaceWith(row);
    } else {
      order.push(alert.id);
      order.sort((a, b) => newestFirst(alerts.get(a), alerts.get(b)));
      const index = order.indexOf(alert.id);
      const before = body.children[index] ?? null;
      body.insertBefore(row, before);
      while (order.length > MAX_ROWS) {
        const dropped = order.pop();
        alerts.delete(dropped);
        body.lastElementChild?.remove();
      }
    }
    renderSummary();
  }

  function anyFilter() {
    return FILTER_KEYS.some((k) => filters[k] !== '');
  }

  const stops = [
    live?.on('alert', (alert) => upsert(alert, { fresh: true })),
    live?.on('alert:update', (alert) => upsert(alert)),
    // After a gap in the feed that socket.io could not replay, the list is reloaded.
    live?.on('state', ({ state, detail }) => {
      if (state === 'live' && loaded && !detail?.recovered) void load();
    }),
  ];
  // Rule ids for the filter's suggestions; the rules API may be unavailable to this role.
  if (permissions.seeRules) {
    api('/v1/rules')
      .then((answer) => (answer?.rules ?? []).forEach((rule) => filterBar.learn({ ruleId: rule.id })))
      .catch(() => undefined);
  }
  void load();
  return () => stops.forEach((stop) => stop?.());
}

function newestFirst(a, b) {
  return Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : -1);
}

const numericColumn = (h) => h === 'Score' || h === 'Payments';
