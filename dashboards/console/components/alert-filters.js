import { SEVERITIES, STATUSES } from './badges.js';
import { el } from '../dom.js';

/**
 * The filter bar of the alerts table: status, severity, rule, participant (operators only)
 * and how far back. Text fields wait for a pause in typing; suggestions come from what
 * has been seen.
 */
export const FILTER_KEYS = ['status', 'severity', 'rule', 'participant', 'since'];
const SINCE = [
  ['', 'Any time'],
  ['15m', 'Last 15 minutes'],
  ['1h', 'Last hour'],
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
];
const SINCE_MS = { '15m': 15 * 60_000, '1h': 3600_000, '24h': 24 * 3600_000, '7d': 7 * 24 * 3600_000 };
const TYPING_PAUSE_MS = 350;

/** The oldest creation time the `since` filter lets through, in ms, or undefined. */
export function sinceCutoff(since, now = Date.now()) {
  return SINCE_MS[since] ? now - SINCE_MS[since] : undefined;
}

export function alertFilters({ filters, withParticipant, onChange, onClear }) {
  const select = (key, label, options) =>
    field(
      label,
      el(
        'select',
        { id: `filter-${key}`, name: key, onchange: (e) => onChange(key, e.target.value) },
        options.map(([value, text]) => el('option', { value, selected: filters[key] === value }, text)),
      ),
    );
  const text = (key, label, placeholder, listId) => {
    const input = el('input', { id: `filter-${key}`, name: key, value: filters[key], placeholder, autocomplete: 'off', spellcheck: false, attrs: { list: listId } });
    let timer;
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => onChange(key, input.value.trim()), TYPING_PAUSE_MS);
    });
    input.addEventListener('change', () => {
      clearTimeout(timer);
      onChange(key, input.value.trim());
    });
    return field(label, input);
  };
  const rules = el('datalist', { id: 'known-rules' });
  const participants = el('datalist', { id: 'known-participants' });
  const seen = { rules: new Set(), participants: new Set() };
  const element = el(
    'form',
    { class: 'filters', attrs: { role: 'search', 'aria-label': 'Filter alerts' }, onsubmit: (e) => e.preventDefault() },
    select('status', 'Status', [['', 'Any status'], ...STATUSES.map((s) => [s, capitalise(s)])]),
    select('severity', 'Severity', [['', 'Any severity'], ...SEVERITIES.map((s) => [s, capitalise(s)])]),
    text('rule', 'Rule', 'e.g. sanctioned-country', 'known-rules'),
    withParticipant ? text('participant', 'Participant', 'e.g. siam-wallet', 'known-participants') : null,
    select('since', 'Raised', SINCE),
    el(
      'button',
      {
        type: 'button',
        class: 'button button-quiet filters-clear',
        onclick: () => {
          for (const key of FILTER_KEYS) {
            const control = element.querySelector(`#filter-${key}`);
            if (control) control.value = '';
          }
          onClear();
        },
      },
      'Clear filters',
    ),
    rules,
    participants,
  );
  return {
    element,
    /** Offers this alert's rule and participant as suggestions. */
    learn({ ruleId, participant }) {
      if (ruleId && !seen.rules.has(ruleId)) {
        seen.rules.add(ruleId);
        rules.append(el('option', { value: ruleId }));
      }
      if (participant && !seen.participants.has(participant)) {
        seen.participants.add(participant);
        participants.append(el('option', { value: participant }));
      }
    },
  };
}

function field(label, control) {
  return el('label', { class: 'field' }, el('span', { class: 'field-label' }, label), control);
}

const capitalise = (s) => s.charAt(0).toUpperCase() + s.slice(1);
