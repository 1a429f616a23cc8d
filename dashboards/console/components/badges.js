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
