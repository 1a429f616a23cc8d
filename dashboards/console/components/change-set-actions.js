import { api } from '../api.js';
import { describeError, el, errorBox, replace } from '../dom.js';
import { formatTime } from '../format.js';
import { WINDOWS } from './backtest-panel.js';
import { jsonEditor } from './json-editor.js';
import { toast } from './toast.js';

/**
 * What can be done to a change set, by its state and by who is looking (docs/rules.md,
 * "Governance"): its author edits, submits (with a window the platform backtests the set
 * over) or discards it; another risk officer or an admin approves it, at once or for a time,
 * or sends it back with a comment. The server enforces the same (FOUR_EYES_REQUIRED,
 * CHANGE_SET_NOT_AUTHOR); this only offers what can succeed, and says why the rest is absent.
 */
const OPEN = new Set(['draft', 'returned']);

export function changeSetActions({ session, permissions, onChanged }) {
  const element = el('section', { class: 'card actions-card change-set-actions', dataset: { testid: 'change-set-actions' }, attrs: { 'aria-labelledby': 'change-set-actions-title' } });
  const message = el('div', { class: 'form-message', attrs: { 'aria-live': 'polite' } });
  let current;
  let editing = false;

  const url = (path = '') => `/v1/change-sets/${encodeURIComponent(current.id)}${path}`;

  async function run(button, work, done) {
    button.disabled = true;
    replace(message);
    try {
      const set = await work();
      if (done) toast(done, 'success');
      editing = false;
      onChanged(set);
    } catch (e) {
      replace(message, refusal(e));
      button.disabled = false;
    }
  }

  function refusal(e) {
    if (e?.code === 'FOUR_EYES_REQUIRED') {
      return el(
        'div',
        { class: 'notice notice-error', attrs: { role: 'alert' }, dataset: { testid: 'change-set-four-eyes' } },
        el('strong', {}, 'Four eyes: another risk officer or an admin must decide on this change set.'),
        el('span', { class: 'notice-detail' }, describeError(e)),
      );
    }
    return errorBox('The change set was not changed.', e);
  }

  function show(set) {
    current = set;
    replace(message);
    const mine = set.author === session.username;
    let body;
    if (!permissions.editRules) body = el('p', { class: 'muted' }, 'Your role can read change sets but not act on them.');
    else if (OPEN.has(set.state)) body = mine ? (editing ? editForm() : authorActions()) : el('p', { class: 'muted' }, `Drafted by ${set.author}: only its author edits, submits or discards it.`);
    else if (set.state === 'submitted') body = mine ? ownSubmitted() : decision();
    else if (set.state === 'scheduled') body = [el('p', {}, `Approved by ${set.approvedBy}; goes live at ${formatTime(set.activateAt)}.`), mine ? discardControl() : null];
    else body = el('p', { class: 'muted', dataset: { testid: 'change-set-closed' } }, closedText(set));
    replace(element, el('h2', { id: 'change-set-actions-title' }, 'Actions'), message, body);
  }

  function authorActions() {
    let window = WINDOWS[0];
    const windowButtons = WINDOWS.map((w) =>
      el('button', { type: 'button', class: 'segment', dataset: { window: w.id }, attrs: { 'aria-pressed': String(w === window) } }, w.label),
    );
    for (const b of windowButtons) {
      b.addEventListener('click', () => {
        window = WINDOWS.find((w) => w.id === b.dataset.window) ?? window;
        for (const other of windowButtons) other.setAttribute('aria-pressed', String(other === b));
      });
    }
    const note = el('textarea', { id: 'change-set-note', rows: 3, maxLength: 5000, placeholder: 'Why, and what the approver should look at' });
    const submit = el('button', { type: 'submit', class: 'button button-primary' }, 'Submit for approval');
    const form = el(
      'form',
      { class: 'action-form', dataset: { testid: 'change-set-submit' } },
      el('div', { class: 'field' }, el('span', { class: 'field-label', id: 'change-set-window-label' }, 'Backtest window'), el('div', { class: 'segmented', attrs: { role: 'group', 'aria-labelledby': 'change-set-window-label' } }, windowButtons)),
      el('span', { class: 'field-hint' }, 'The platform replays this window of recorded transactions through the changed rules, for the approver to read.'),
      el('label', { htmlFor: 'change-set-note' }, 'Note for the approver'),
      note,
      submit,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const to = new Date();
      const from = new Date(to.getTime() - window.ms);
      const body = { window: { from: from.toISOString(), to: to.toISOString() }, ...(note.value.trim() ? { note: note.value.trim() } : {}) };
      void run(submit, () => api(url('/submit'), { method: 'POST', body }), 'Submitted for approval, with its backtest');
    });
    const edit = el('button', { type: 'button', class: 'button' }, 'Edit');
    edit.addEventListener('click', () => {
      editing = true;
      show(current);
    });
    return [
      current.state === 'returned' && current.comment
        ? el('div', { class: 'notice notice-info', dataset: { testid: 'change-set-comment' } }, el('strong', {}, 'Sent back with this comment:'), el('span', { class: 'note-text' }, current.comment))
        : null,
      form,
      el('div', { class: 'toolbar' }, edit, discardControl()),
    ];
  }

  function editForm() {
    const title = el('input', { id: 'change-set-title', value: current.title, maxLength: 200, autocomplete: 'off' });
    const editor = jsonEditor({ value: JSON.stringify(current.changes, null, 2), label: 'Changes as JSON' });
    const save = el('button', { type: 'submit', class: 'button button-primary' }, 'Save');
    const cancel = el('button', { type: 'button', class: 'button button-quiet' }, 'Cancel');
    cancel.addEventListener('click', () => {
      editing = false;
      show(current);
    });
    const form = el(
      'form',
      { class: 'action-form change-set-edit' },
      el('label', { htmlFor: 'change-set-title' }, 'Title'),
      title,
      el('span', { class: 'field-label' }, 'Changes'),
      el('span', { class: 'field-hint' }, 'Each { "kind": "rule", "rule": {…} }, { "kind": "mode", "ruleId", "mode" } or { "kind": "thresholds", "review", "decline" }.'),
      editor.element,
      el('div', { class: 'toolbar' }, save, cancel),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      let changes;
      try {
        changes = JSON.parse(editor.value);
      } catch (e) {
        replace(message, errorBox('The changes are not valid JSON.', e));
        return;
      }
      void run(save, () => api(url(), { method: 'PUT', body: { title: title.value.trim(), changes } }), 'Change set saved');
    });
    return form;
  }

  function ownSubmitted() {
    return [
      el('p', { class: 'notice notice-info', dataset: { testid: 'change-set-own' } }, 'You drafted this change set: another risk officer or an admin approves it or sends it back.'),
      el('div', { class: 'toolbar' }, discardControl()),
    ];
  }

  function decision() {
    const approve = el('button', { type: 'button', class: 'button button-primary' }, 'Approve now');
    approve.addEventListener('click', () => run(approve, () => api(url('/approve'), { method: 'POST' }), 'Approved: live on every node'));

    const at = el('input', { id: 'change-set-activate-at', type: 'datetime-local', attrs: { step: 60 } });
    const schedule = el('button', { type: 'submit', class: 'button' }, 'Approve for this time');
    const later = el('form', { class: 'action-form' }, el('label', { htmlFor: 'change-set-activate-at' }, 'Or go live at (your time)'), el('div', { class: 'schedule-controls' }, at, schedule));
    later.addEventListener('submit', (event) => {
      event.preventDefault();
      const when = new Date(at.value);
      if (!at.value || Number.isNaN(when.getTime())) return replace(message, errorBox('Choose when it goes live.'));
      void run(schedule, () => api(url('/approve'), { method: 'POST', body: { activateAt: when.toISOString() } }), `Approved: goes live at ${formatTime(when)}`);
    });

    const comment = el('textarea', { id: 'change-set-return-comment', rows: 2, maxLength: 5000, placeholder: 'What to change' });
    const back = el('button', { type: 'submit', class: 'button' }, 'Send back');
    const returning = el('form', { class: 'action-form' }, el('label', { htmlFor: 'change-set-return-comment' }, 'Send back with a comment'), comment, back);
    returning.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = comment.value.trim();
      if (!text) return replace(message, errorBox('Write what should change before sending it back.'));
      void run(back, () => api(url('/return'), { method: 'POST', body: { comment: text } }), 'Sent back to its author');
    });
    return [el('p', { class: 'muted' }, `Drafted by ${current.author}. Approving makes every change live at once, as one rule-set version.`), el('div', { class: 'toolbar' }, approve), later, returning];
  }

  /** Discarding is final: a second click confirms it. */
  function discardControl() {
    const discard = el('button', { type: 'button', class: 'button button-quiet' }, 'Discard');
    discard.addEventListener('click', () => {
      if (discard.dataset.confirm !== 'yes') {
        discard.dataset.confirm = 'yes';
        discard.textContent = 'Discard: click again to confirm';
        return;
      }
      void run(discard, () => api(url('/discard'), { method: 'POST' }), 'Change set discarded');
    });
    return discard;
  }

  return { element, show };
}

function closedText(set) {
  if (set.state === 'applied') return `Applied ${formatTime(set.appliedAt)} as rule-set version ${set.ruleSetVersion}, approved by ${set.approvedBy}.`;
  if (set.state === 'stale') return 'Stale: a rule it changes moved before its time, and nothing of it went live. Draft it again against the live rules.';
  if (set.state === 'discarded') return 'Discarded by its author: nothing of it went live.';
  return `State: ${set.state}.`;
}
