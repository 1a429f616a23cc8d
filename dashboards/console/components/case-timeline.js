import { el, replace } from '../dom.js';
import { formatTime } from '../format.js';
import { caseStateBadge } from './badges.js';

/**
 * Everything that happened to a case (GET /v1/cases/:id/timeline), newest first: who did
 * what, when, and what it carried (the note's text, the alert attached, the reason...).
 */
const KIND_WORDS = {
  opened: 'opened the case',
  alert_attached: 'attached an alert',
  assigned: 'assigned the case',
  started: 'started investigating',
  escalated: 'escalated the case',
  note: 'added a note',
  attachment_added: 'attached a file',
  merged: 'merged a case',
  sla_warning: 'SLA warning',
  sla_escalated: 'SLA deadline passed',
  str_drafted: 'drafted the STR',
  str_edited: 'edited the STR',
  str_submitted: 'submitted the STR for approval',
  str_returned: 'sent the STR back',
  str_approved: 'approved the STR',
  str_filed: 'recorded the filing reference',
  closed: 'closed the case',
  settlement_released: 'released held settlements',
};
/** Free text of an event, shown as a quote. */
const QUOTED = ['text', 'reason', 'note', 'comment'];
/** Shown by other means, or not worth a line. */
const SHOWN_OTHERWISE = new Set([...QUOTED, 'alertId', 'to', 'name', 'bytes', 'type', 'sha256', 'id', 'outcome']);

export function caseTimeline() {
  const list = el('ol', { class: 'timeline', dataset: { testid: 'case-timeline' } });
  const element = el('section', { class: 'card', attrs: { 'aria-labelledby': 'timeline-title' } }, el('h2', { id: 'timeline-title' }, 'Timeline'), list);
  return {
    element,
    show(events) {
      if (!events?.length) return replace(list, el('li', { class: 'muted' }, 'Nothing yet.'));
      replace(list, [...events].reverse().map(eventView));
    },
    failed(box) {
      replace(list, box);
    },
  };
}

function eventView(e) {
  const d = e.details ?? {};
  const what = [];
  if (d.to) what.push(el('span', {}, ' to ', el('strong', {}, String(d.to))));
  if (d.alertId) what.push(el('span', {}, ' ', el('a', { href: `#/alerts/${encodeURIComponent(String(d.alertId))}` }, String(d.alertId))));
  if (d.outcome) what.push(el('span', {}, ' as ', el('strong', {}, String(d.outcome).replaceAll('_', ' '))));
  if (d.name) what.push(el('span', {}, ' ', el('code', {}, String(d.name))));
  if (Array.isArray(d.paymentIds)) what.push(el('span', {}, ' ', d.paymentIds.map((p) => el('code', { class: 'id-inline' }, String(p), ' '))));
  const extra = Object.entries(d).filter(([k, v]) => !SHOWN_OTHERWISE.has(k) && (typeof v === 'string' || typeof v === 'number') && v !== '');
  return el(
    'li',
    { class: `timeline-event timeline-${e.kind}`, dataset: { kind: e.kind } },
    el('div', { class: 'timeline-head' }, el('span', { class: 'timeline-time num-font', title: new Date(e.at).toISOString() }, formatTime(e.at)), el('strong', {}, e.actor), el('span', {}, ` ${KIND_WORDS[e.kind] ?? e.kind}`), what, ' ', e.state ? caseStateBadge(e.state) : null),
    QUOTED.filter((k) => typeof d[k] === 'string' && d[k] !== '').map((k) => el('blockquote', { class: 'timeline-text' }, d[k])),
    extra.length ? el('p', { class: 'muted timeline-extra' }, extra.map(([k, v]) => `${k}: ${detailText(k, v)}`).join(' · ')) : null,
  );
}

/** A detail named like a time (`slaDeadlineAt`, `addedAt`) reads as one, whether epoch ms or ISO. */
function detailText(key, value) {
  if (!/At$/.test(key)) return String(value);
  const ms = typeof value === 'number' || /^\d+$/.test(String(value)) ? Number(value) : Date.parse(String(value));
  return Number.isFinite(ms) ? formatTime(ms) : String(value);
}
