import { el } from '../dom.js';

/** Coloured labels; the colour always comes with the word, never instead of it. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'];
export const STATUSES = ['open', 'acknowledged', 'assigned', 'resolved'];

const known = (value, list) => (list.includes(value) ? value : 'unknown');

export const severityBadge = (severity) =>
  el('span', { class: `badge severity severity-${known(severity, SEVERITIES)}` }, severity || 'unknown');

export const statusBadge = (status) => el('span', { class: `badge status status-${known(status, STATUSES)}` }, status || 'unknown');

export const decisionBadge = (decision) =>
  el('span', { class: `badge decision decision-${known(decision, ['approve', 'review', 'decline'])}` }, decision || '—');

export const modeBadge = (mode) => el('span', { class: `badge mode mode-${known(mode, ['enforce', 'shadow', 'off'])}` }, mode || '—');

export const CASE_STATES = ['open', 'investigating', 'escalated', 'pending_approval', 'closed'];
export const CASE_PRIORITIES = ['P1', 'P2', 'P3', 'P4'];
export const STR_STATES = ['draft', 'submitted', 'returned', 'approved'];

/** "pending_approval" -> "pending approval": the words, the state's own value kept in the class. */
const words = (value) => String(value ?? '').replaceAll('_', ' ');

export const caseStateBadge = (state) =>
  el('span', { class: `badge case-state case-state-${known(state, CASE_STATES)}` }, words(state) || 'unknown');

export const priorityBadge = (priority) =>
  el('span', { class: `badge priority priority-${known(priority, CASE_PRIORITIES)}` }, priority || '—');

export const outcomeBadge = (outcome) =>
  outcome ? el('span', { class: `badge case-outcome case-outcome-${known(outcome, ['str_filed', 'no_suspicion', 'false_positive'])}` }, words(outcome)) : null;

export const strStateBadge = (state) => el('span', { class: `badge str-state str-state-${known(state, STR_STATES)}` }, state || 'unknown');
