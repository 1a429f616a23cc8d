import { api } from '../api.js';
import { caseStateBadge, priorityBadge, severityBadge, statusBadge } from '../components/badges.js';
import { caseActions } from '../components/case-actions.js';
import { caseAttachments } from '../components/case-attachments.js';
import { caseHolds } from '../components/case-holds.js';
import { caseInvestigation } from '../components/case-investigation.js';
import { caseTimeline } from '../components/case-timeline.js';
import { QUEUE_NAMES, slaView, subjectText, subjectView } from '../components/case-view.js';
import { strPanel } from '../components/str-panel.js';
import { toast } from '../components/toast.js';
import { el, errorBox, facts, replace } from '../dom.js';
import { formatCount, formatDecimal, formatTime } from '../format.js';

/**
 * One case: whom it is about, its alerts, what can be done to it in its state, the
 * settlements it holds, its files,
 * its timeline, the investigation of its subject (history, counterparties, the network as a
 * graph) and its STR. Changes made elsewhere arrive through `case:update` and `case:sla`, and
 * the page reads the case again.
 */
const ALERTS_SHOWN = 50;

export function render(view, context) {
  const id = context.params[0];
  context.setTitle(`Case ${id}`);
  const { live, session, permissions } = context;
  let current;
  let seq = 0;

  const head = el('div', { class: 'page-head page-head-stacked' });
  const factsCard = el('section', { class: 'card', attrs: { 'aria-labelledby': 'case-facts-title' }, dataset: { testid: 'case-facts' } });
  const alertsCard = el('section', { class: 'card', attrs: { 'aria-labelledby': 'case-alerts-title' } });
  const refresh = () => load();
  const actions = caseActions(id, { session, onChanged: refresh });
  const attachments = caseAttachments(id, { onAdded: refresh });
  const holds = caseHolds(id, { onChanged: refresh });
  const timeline = caseTimeline();
  const investigation = caseInvestigation(id);
  const str = strPanel(id, { session, permissions, onChanged: refresh });
  const body = el(
    'div',
    { class: 'detail-grid case-grid', hidden: true },
    el('div', { class: 'detail-main' }, alertsCard, str.element, investigation.element, timeline.element),
    el('aside', { class: 'detail-side' }, actions.element, holds.element, factsCard, attachments.element),
  );
  view.append(el('section', { class: 'page page-case' }, el('a', { href: '#/cases', class: 'back-link' }, '← All cases'), head, body));
  replace(head, el('h1', {}, 'Case ', el('code', {}, id)), el('p', { class: 'muted' }, 'Loading…'));

  async function load() {
    const mine = ++seq;
    let c;
    try {
      c = await api(`/v1/cases/${encodeURIComponent(id)}`);
    } catch (e) {
      if (mine !== seq) return;
      if (current) return toast(`The case could not be read again: ${e.message}`, 'error');
      replace(head, el('h1', {}, 'Case ', el('code', {}, id)), errorBox(e.code === 'CASE_NOT_FOUND' ? 'There is no such case.' : 'The case could not be loaded.', e));
      return;
    }
    if (mine !== seq) return;
    const alertsChanged = !current || current.alertIds.join() !== c.alertIds.join();
    current = c;
    body.hidden = false;
    renderCase(c);
    actions.show(c);
    holds.show(c.heldSettlements ?? []);
    investigation.show(c);
    if (alertsChanged) void showAlerts(c.alertIds);
    const [events, files, strs] = await Promise.allSettled([
      api(`/v1/cases/${encodeURIComponent(id)}/timeline`),
      api(`/v1/cases/${encodeURIComponent(id)}/attachments`),
      api(`/v1/cases/${encodeURIComponent(id)}/strs`),
    ]);
    if (mine !== seq) return;
    if (events.status === 'fulfilled') timeline.show(events.value.events);
    else timeline.failed(errorBox('The timeline could not be loaded.', events.reason));
    if (files.status === 'fulfilled') attachments.show(files.value.attachments, { canAdd: c.state !== 'closed' });
    else attachments.failed(errorBox('The attachments could not be loaded.', files.reason));
    if (strs.status === 'fulfilled') str.show(strs.value.strs, c);
    else replace(str.element, errorBox('The STR could not be loaded.', strs.reason));
    view.querySelector('.page-case').dataset.state = c.state;
  }

  function renderCase(c) {
    context.setTitle(`Case · ${subjectText(c.subject)}`);
    replace(
      head,
      el('div', { class: 'title-row' }, priorityBadge(c.priority), el('h1', {}, subjectView(c.subject)), el('span', { dataset: { testid: 'case-state' } }, caseStateBadge(c.state))),
      el(
        'p',
        { class: 'muted' },
        el('code', { class: 'id-inline', dataset: { testid: 'case-id' } }, c.id),
        ` · opened ${formatTime(c.openedAt)} by ${c.openedBy}${c.openedBecause && c.openedBecause !== 'officer' ? ` (policy: ${c.openedBecause.replaceAll('_', ' ')})` : ''} · ${formatCount(c.alertCount)} alert${c.alertCount === 1 ? '' : 's'} · ${formatCount(c.paymentCount)} payment${c.paymentCount === 1 ? '' : 's'} · USD ${formatDecimal(c.amountUsd, 2)}`,
      ),
    );
    replace(
      factsCard,
      el('h2', { id: 'case-facts-title' }, 'Case'),
      facts([
        ['State', caseStateBadge(c.state)],
        ['Queue', QUEUE_NAMES[c.queue] ?? c.queue],
        ['Priority', priorityBadge(c.priority)],
        ['Severity', severityBadge(c.severity)],
        ['Assignee', c.assignee ? el('span', { dataset: { testid: 'case-assignee' } }, c.assignee) : ''],
        ['Subject', subjectView(c.subject)],
        ['Merged subjects', c.mergedSubjects?.length ? el('span', {}, c.mergedSubjects.map((s) => el('span', { class: 'merged-subject' }, subjectView(s)))) : ''],
        ['Alerts', formatCount(c.alertCount)],
        ['Payments', formatCount(c.paymentCount)],
        ['Amount USD', formatDecimal(c.amountUsd, 2)],
        ['Opened', `${formatTime(c.openedAt)} by ${c.openedBy}`],
        ['Last change', formatTime(c.updatedAt)],
        ['SLA deadline', slaView(c)],
        ['SLA warns', c.slaWarnAt ? formatTime(c.slaWarnAt) : ''],
        ['Warned', c.slaWarnedAt ? formatTime(c.slaWarnedAt) : ''],
        ['Escalated', c.slaEscalatedAt ? formatTime(c.slaEscalatedAt) : ''],
        ['Closed', c.closedAt ? `${formatTime(c.closedAt)} by ${c.closedBy}` : ''],
      ]),
    );
  }

  /** The case's alerts, each read for its rule and status, linking to the alert's page. */
  async function showAlerts(alertIds) {
    replace(alertsCard, el('h2', { id: 'case-alerts-title' }, 'Alerts'), el('p', { class: 'muted' }, 'Loading the alerts…'));
    const read = await Promise.all(alertIds.slice(0, ALERTS_SHOWN).map((alertId) => api(`/v1/alerts/${encodeURIComponent(alertId)}`).catch(() => ({ id: alertId }))));
    const rows = read.map((a) =>
      el(
        'tr',
        { dataset: { alertId: a.id } },
        el('td', {}, el('a', { href: `#/alerts/${encodeURIComponent(a.id)}`, class: 'rule-link' }, a.ruleId || a.id)),
        el('td', {}, a.severity ? severityBadge(a.severity) : '—'),
        el('td', {}, a.status ? statusBadge(a.status) : el('span', { class: 'muted' }, 'not readable')),
        el('td', { class: 'nowrap num-font' }, a.createdAt ? formatTime(a.createdAt) : '—'),
        el('td', { class: 'nowrap' }, a.participant ?? '—'),
        el('td', { class: 'num' }, formatCount(a.count ?? 1)),
        el('td', { class: 'id-inline muted' }, a.id),
      ),
    );
    replace(
      alertsCard,
      el('h2', { id: 'case-alerts-title' }, 'Alerts'),
      el(
        'table',
        { class: 'table figure-table case-alerts', attrs: { 'aria-label': 'Alerts of the case' } },
        el('thead', {}, el('tr', {}, ['Rule', 'Severity', 'Status', 'Raised', 'Participant', 'Payments', 'Alert'].map((h) => el('th', { scope: 'col', class: h === 'Payments' ? 'num' : '' }, h)))),
        el('tbody', {}, rows),
      ),
      alertIds.length > ALERTS_SHOWN
        ? el('p', { class: 'muted' }, `And ${formatCount(alertIds.length - ALERTS_SHOWN)} more: `, alertIds.slice(ALERTS_SHOWN).map((a) => el('a', { href: `#/alerts/${encodeURIComponent(a)}`, class: 'id-inline' }, a, ' ')))
        : null,
    );
  }

  const ours = (c) => c?.id === id;
  const stops = [
    live?.on('case:update', (c) => ours(c) && void load()),
    live?.on('case:sla', (event) => {
      if (!ours(event?.case)) return;
      toast(event.kind === 'escalated' ? 'Its SLA deadline passed: the case is escalated.' : 'Its SLA deadline is within a day.', event.kind === 'escalated' ? 'error' : 'info');
      void load();
    }),
  ];
  void load();
  return () => {
    stops.forEach((stop) => stop?.());
    investigation.destroy();
  };
}
