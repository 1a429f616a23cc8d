import { el } from '../dom.js';

/**
 * A change set's states (docs/rules.md, "Governance"), grouped as the change-sets page shows
 * them: what its author still works on, what waits for a second officer, what waits for its
 * time, and what is over.
 */
export const CHANGE_SET_STATES = ['draft', 'returned', 'submitted', 'scheduled', 'applied', 'stale', 'discarded'];

export const CHANGE_SET_GROUPS = [
  { id: 'drafts', label: 'Drafts', states: ['draft', 'returned'], empty: 'No drafts, and nothing sent back.' },
  { id: 'waiting', label: 'Waiting approval', states: ['submitted'], empty: 'Nothing waits for approval.' },
  { id: 'scheduled', label: 'Scheduled', states: ['scheduled'], empty: 'Nothing is scheduled to go live.' },
  { id: 'history', label: 'History', states: ['applied', 'stale', 'discarded'], empty: 'No change set was applied, found stale or discarded yet.' },
];

const LABELS = {
  draft: 'draft',
  returned: 'sent back',
  submitted: 'waiting approval',
  scheduled: 'scheduled',
  applied: 'applied',
  stale: 'stale',
  discarded: 'discarded',
};

export const changeSetStateBadge = (state) =>
  el(
    'span',
    { class: `badge change-set-state change-set-state-${CHANGE_SET_STATES.includes(state) ? state : 'unknown'}`, dataset: { state: state ?? '' } },
    LABELS[state] ?? state ?? 'unknown',
  );

/** "rule velocity-payer-burst", "mode of structuring", "thresholds": what each change touches, in a few words. */
export function changeSummary(change) {
  if (change.kind === 'rule') return { kind: 'rule', id: change.rule?.id ?? '?' };
  if (change.kind === 'mode') return { kind: `mode ${change.mode}`, id: change.ruleId };
  if (change.kind === 'thresholds') return { kind: 'thresholds', id: `${change.review} / ${change.decline}` };
  if (change.kind === 'list') return { kind: 'list', id: change.list ?? '?' };
  return { kind: change.kind ?? 'change', id: '' };
}
