import { el } from '../dom.js';
import { formatTime } from '../format.js';

/**
 * How a case reads wherever it is shown (the list, its page): whom it is about, and how
 * close its SLA deadline is. A deadline within a day is due, a passed one overdue.
 */
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export const QUEUE_NAMES = { risk: 'Risk', compliance: 'Compliance', escalations: 'Escalations' };

/** "merchant m-cn-0006", "wallet w-1 at siam-wallet": a wallet is only ever named with its participant. */
export function subjectText(subject) {
  if (!subject) return '—';
  return subject.kind === 'wallet' && subject.participant ? `wallet ${subject.id} at ${subject.participant}` : `${subject.kind} ${subject.id}`;
}

export function subjectView(subject) {
  if (!subject) return el('span', { class: 'muted' }, '—');
  return el(
    'span',
    { class: 'subject' },
    el('span', { class: `subject-kind subject-kind-${subject.kind}` }, subject.kind),
    ' ',
    el('code', { class: 'subject-id' }, subject.id),
    subject.kind === 'wallet' && subject.participant ? el('span', { class: 'muted subject-participant' }, ` at ${subject.participant}`) : null,
  );
}

/** 'overdue', 'due' (within a day), 'ok', or 'none' (closed, or no clock). */
export function slaState(c, now = Date.now()) {
  const deadline = Date.parse(c?.slaDeadlineAt ?? '');
  if (!c || c.state === 'closed' || !Number.isFinite(deadline)) return 'none';
  if (deadline <= now) return 'overdue';
  return deadline - now <= DAY_MS ? 'due' : 'ok';
}

/** "in 3 d 4 h", "5 h overdue": how far the deadline is, in the largest units that say it. */
export function slaDistance(c, now = Date.now()) {
  const deadline = Date.parse(c?.slaDeadlineAt ?? '');
  if (!Number.isFinite(deadline)) return '';
  const left = Math.abs(deadline - now);
  const days = Math.floor(left / DAY_MS);
  const hours = Math.floor((left % DAY_MS) / HOUR_MS);
  const minutes = Math.max(1, Math.floor((left % HOUR_MS) / 60_000));
  const span = days > 0 ? `${days} d ${hours} h` : hours > 0 ? `${hours} h` : `${minutes} min`;
  return deadline <= now ? `${span} overdue` : `in ${span}`;
}

const SLA_WORDS = { overdue: 'Overdue', due: 'Due within a day' };

/** The deadline with how far it is; due and overdue ones styled (and said) as a warning. */
export function slaView(c, now = Date.now()) {
  const state = slaState(c, now);
  if (!c?.slaDeadlineAt) return el('span', { class: 'muted' }, '—');
  return el(
    'span',
    { class: `sla sla-${state}`, dataset: { sla: state }, title: SLA_WORDS[state] ?? '' },
    el('span', { class: 'sla-time num-font' }, formatTime(c.slaDeadlineAt)),
    state === 'none' ? null : el('span', { class: 'sla-distance' }, SLA_WORDS[state] ? `${SLA_WORDS[state]} · ${slaDistance(c, now)}` : slaDistance(c, now)),
  );
}
