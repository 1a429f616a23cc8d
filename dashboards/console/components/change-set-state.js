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

/**
 * Sets live without a second officer (an admin's emergency activation, or a change through the
 * direct rule routes), waiting for one to approve them after the fact: read from their own
 * route (GET /v1/change-sets/awaiting-ratification), not by state, since they are applied.
 */
export const RATIFY_GROUP = { id: 'ratify', label: 'Awaiting ratification', empty: 'Nothing live waits for a second approval.' };

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

/** Made live without a second officer: an emergency, or recorded from a direct rule change. */
export function emergencyBadges(set) {
  if (!set.emergency) return null;
  return [
    el('span', { class: `badge ${set.direct ? 'badge-direct' : 'badge-emergency'}`, dataset: { testid: 'change-set-emergency' }, title: 'Made live without a second officer' }, set.direct ? 'direct change' : 'emergency'),
    set.approvedBy ? null : el('span', { class: `badge badge-ratify${overdue(set) ? ' badge-overdue' : ''}`, title: 'Waiting for a second officer to approve it after the fact' }, overdue(set) ? 'ratification overdue' : 'not ratified'),
  ];
}

/** Past its ratification time and still not ratified. */
export const overdue = (set) => Boolean(set.emergency && !set.approvedBy && set.ratifyBy && Date.parse(set.ratifyBy) <= Date.now());

/** "rule velocity-payer-burst", "mode of structuring", "thresholds": what each change touches, in a few words. */
export function changeSummary(change) {
  if (change.kind === 'rule') return { kind: 'rule', id: change.rule?.id ?? '?' };
  if (change.kind === 'mode') return { kind: `mode ${change.mode}`, id: change.ruleId };
  if (change.kind === 'thresholds') return { kind: 'thresholds', id: `${change.review} / ${change.decline}` };
  if (change.kind === 'list') return { kind: 'list', id: change.list ?? '?' };
  return { kind: change.kind ?? 'change', id: '' };
}
