import { api, withQuery } from '../api.js';
import { CASE_STATES, caseStateBadge, priorityBadge } from '../components/badges.js';
import { QUEUE_NAMES, slaState, slaView, subjectText, subjectView } from '../components/case-view.js';
import { toast } from '../components/toast.js';
import { el, errorBox, replace } from '../dom.js';
import { formatCount, formatDecimal, formatTime } from '../format.js';

/**
 * The cases list: GET /v1/cases with the filters in the URL (`#/cases?state=open&assignee=mine`),
 * newest first, kept current by the socket (`case` adds, `case:update` rewrites the row,
 * `case:sla` rewrites it and says so). Risk officers, compliance and admins only.
 */
const LIMIT = 200;
const FILTER_KEYS = ['state', 'queue', 'assignee'];
const ASSIGNEE_CHOICES = [
  ['', 'Anyone'],
  ['mine', 'Mine'],
  ['unassigned', 'Unassigned'],
];
/** The SLA column is re-drawn this often, so "due within a day" turns on without a reload. */
const SLA_REDRAW_MS = 60_000;

export function render(view, context) {
  context.setTitle('Cases');
  const { live, session } = context;
  const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, context.query.get(k) ?? '']));
  if (!ASSIGNEE_CHOICES.some(([v]) => v === filters.assignee)) filters.assignee = '';
  const cases = new Map();
  let loadSeq = 0;
  let loaded = false;
  let pending = [];

  const select = (key, label, options) =>
    el(
      'label',
      { class: 'field' },
      el('span', { class: 'field-label' }, label),
      el(
        'select',
        { id: `case-filter-${key}`, name: key, onchange: (e) => setFilter(key, e.target.value) },
        options.map(([value, text]) => el('option', { value, selected: filters[key] === value }, text)),
      ),
    );
  const filterBar = el(
    'form',
    { class: 'filters', attrs: { role: 'search', 'aria-label': 'Filter cases' }, onsubmit: (e) => e.preventDefault() },
    select('state', 'State', [['', 'Any state'], ...CASE_STATES.map((s) => [s, s.replaceAll('_', ' ')])]),
    select('queue', 'Queue', [['', 'Any queue'], ...Object.entries(QUEUE_NAMES)]),
    select('assignee', 'Assignee', ASSIGNEE_CHOICES),
    el('button', { type: 'button', class: 'button button-quiet filters-clear', onclick: clearFilters }, 'Clear filters'),
  );

  const summary = el('p', { class: 'muted page-summary', attrs: { 'aria-live': 'polite' } });
  const message = el('div');
  const body = el('tbody');
  const columns = ['Priority', 'Subject', 'State', 'Queue', 'Assignee', 'Alerts', 'Amount USD', 'SLA deadline', 'Opened'];
  const table = el(
    'table',
    { class: 'table cases-table', attrs: { 'aria-label': 'Cases' } },
    el('thead', {}, el('tr', {}, columns.map((h) => el('th', { scope: 'col', class: h === 'Alerts' || h === 'Amount USD' ? 'num' : '' }, h)))),
    body,
  );
  const empty = el('div', { class: 'empty', hidden: true });
  view.append(
    el(
      'section',
      { class: 'page page-cases' },
      el('div', { class: 'page-head' }, el('div', {}, el('h1', {}, 'Cases'), summary)),
      filterBar,
      message,
      el('div', { class: 'card table-card' }, table, empty),
    ),
  );

  function setFilter(key, value) {
    if (filters[key] === value) return;
    filters[key] = value;
    const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ''));
    history.replaceState(null, '', query.toString() ? `#/cases?${query}` : '#/cases');
    void load();
  }

  function clearFilters() {
    for (const key of FILTER_KEYS) filters[key] = '';
    for (const node of filterBar.querySelectorAll('select')) node.value = '';
    history.replaceState(null, '', '#/cases');
    void load();
  }

  /** `assignee=` (empty) asks for unassigned cases; withQuery leaves empty values out, so it is added here. */
  function listUrl() {
    const url = withQuery('/v1/cases', {
      state: filters.state,
      queue: filters.queue,
      assignee: filters.assignee === 'mine' ? session.username : undefined,
      limit: LIMIT,
    });
    return filters.assignee === 'unassigned' ? `${url}${url.includes('?') ? '&' : '?'}assignee=` : url;
  }

  async function load() {
    const seq = ++loadSeq;
    loaded = false;
    summary.textContent = 'Loading cases…';
    replace(message);
    try {
      const answer = await api(listUrl());
      if (seq !== loadSeq) return;
      cases.clear();
      for (const c of answer.cases ?? []) cases.set(c.id, c);
      loaded = true;
      renderAll();
      const missed = pending;
      pending = [];
      for (const [c, fresh] of missed) upsert(c, fresh);
    } catch (e) {
      if (seq !== loadSeq) return;
      summary.textContent = '';
      replace(message, errorBox('The cases could not be loaded.', e));
    }
  }

  const ordered = () => [...cases.values()].sort((a, b) => Date.parse(b.openedAt) - Date.parse(a.openedAt) || (a.id < b.id ? 1 : -1));

  function renderAll() {
    body.replaceChildren(...ordered().map((c) => rowOf(c)));
    renderSummary();
  }

  function renderSummary() {
    const all = [...cases.values()];
    const overdue = all.filter((c) => slaState(c) === 'overdue').length;
    const due = all.filter((c) => slaState(c) === 'due').length;
    summary.textContent = `${formatCount(all.length)} case${all.length === 1 ? '' : 's'} shown · ${formatCount(due)} due within a day · ${formatCount(overdue)} overdue${
      all.length >= LIMIT ? ` · newest ${LIMIT} loaded, narrow the filters to see older ones` : ''
    }`;
    empty.hidden = all.length > 0;
    replace(empty, FILTER_KEYS.some((k) => filters[k]) ? 'No case matches these filters.' : 'No cases yet.', el('span', { class: 'muted' }, ' A case opened from an alert, or by the policy, appears here at once.'));
  }

  function rowOf(c, fresh = false) {
    const href = `#/cases/${encodeURIComponent(c.id)}`;
    const row = el(
      'tr',
      {
        class: `case-row priority-row-${c.priority}${fresh ? ' row-fresh' : ''}`,
        dataset: { caseId: c.id, state: c.state, sla: slaState(c) },
        tabIndex: 0,
        onclick: () => context.navigate(href),
        onkeydown: (e) => {
          if (e.key === 'Enter' && e.target === row) context.navigate(href);
        },
      },
      el('td', {}, priorityBadge(c.priority)),
      el('td', { class: 'rule-cell' }, el('a', { href, class: 'case-link', onclick: (e) => e.stopPropagation() }, subjectView(c.subject)), el('span', { class: 'reason-line id-inline' }, c.id)),
      el('td', { dataset: { col: 'state' } }, caseStateBadge(c.state)),
      el('td', { class: 'nowrap' }, QUEUE_NAMES[c.queue] ?? c.queue),
      el('td', { class: 'nowrap', dataset: { col: 'assignee' } }, c.assignee || el('span', { class: 'muted' }, '—')),
      el('td', { class: 'num' }, formatCount(c.alertCount)),
      el('td', { class: 'num' }, formatDecimal(c.amountUsd, 2)),
      el('td', { class: 'nowrap', dataset: { col: 'sla' } }, slaView(c)),
      el('td', { class: 'nowrap num-font', title: c.openedAt }, formatTime(c.openedAt)),
    );
    return row;
  }

  function matches(c) {
    if (filters.state && c.state !== filters.state) return false;
    if (filters.queue && c.queue !== filters.queue) return false;
    if (filters.assignee === 'mine' && c.assignee !== session.username) return false;
    if (filters.assignee === 'unassigned' && c.assignee !== '') return false;
    return true;
  }

  /** A pushed case: added, rewritten in place, or taken out when it no longer matches the filters. */
  function upsert(c, fresh = false) {
    if (!c?.id) return;
    if (!loaded) {
      if (pending.length < LIMIT) pending.push([c, fresh]);
      return;
    }
    const current = body.querySelector(`tr[data-case-id="${CSS.escape(c.id)}"]`);
    if (!matches(c)) {
      if (cases.delete(c.id)) current?.remove();
      renderSummary();
      return;
    }
    const known = cases.has(c.id);
    cases.set(c.id, c);
    const row = rowOf(c, fresh || !known);
    if (current) current.replaceWith(row);
    else body.insertBefore(row, body.children[ordered().findIndex((x) => x.id === c.id)] ?? null);
    renderSummary();
  }

  const redraw = setInterval(() => loaded && renderAll(), SLA_REDRAW_MS);
  const stops = [
    live?.on('case', (c) => upsert(c, true)),
    live?.on('case:update', (c) => upsert(c)),
    live?.on('case:sla', (event) => {
      upsert(event?.case);
      if (event?.case) toast(`${event.kind === 'escalated' ? 'Escalated: deadline passed' : 'SLA warning'} · ${subjectText(event.case.subject)}`, event.kind === 'escalated' ? 'error' : 'info');
    }),
    live?.on('state', ({ state, detail }) => {
      if (state === 'live' && loaded && !detail?.recovered) void load();
    }),
  ];
  void load();
  return () => {
    clearInterval(redraw);
    stops.forEach((stop) => stop?.());
  };
}
