import { api } from '../api.js';
import { describeError, el, errorBox, replace } from '../dom.js';
import { formatTime } from '../format.js';
import { listPath, localTimeToIso, parseList, valueHint } from './list-kinds.js';
import { toast } from './toast.js';

/**
 * The emergency path of the block lists (docs/rules.md, "Typed lists"): one officer blocks
 * one entry at once, outside any change set (POST /v1/lists/block/{type}/emergency), and it
 * waits until a second officer keeps or lifts it (GET /v1/lists/emergency-blocks,
 * POST /v1/lists/emergency-blocks/review); the one who blocked it cannot.
 */
export function emergencyBlockForm(list, { onBlocked }) {
  const { type } = parseList(list);
  const value = el('input', { id: 'emergency-value', maxLength: 256, required: true, autocomplete: 'off' });
  const reason = el('textarea', { id: 'emergency-reason', rows: 2, maxLength: 500, required: true, placeholder: 'Why it cannot wait for a change set' });
  const expires = el('input', { id: 'emergency-expires', type: 'datetime-local', attrs: { step: 60 } });
  const submit = el('button', { type: 'submit', class: 'button button-danger' }, 'Block now');
  const message = el('div', { class: 'form-message', attrs: { 'aria-live': 'polite' } });
  const form = el(
    'form',
    { class: 'action-form' },
    el('label', { htmlFor: 'emergency-value' }, 'Value'),
    value,
    el('span', { class: 'field-hint' }, valueHint(type)),
    el('label', { htmlFor: 'emergency-reason' }, 'Reason'),
    reason,
    el('label', { htmlFor: 'emergency-expires' }, 'Expires (optional, your time)'),
    expires,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(message);
    const expiresAt = localTimeToIso(expires.value);
    if (expiresAt === undefined) return replace(message, errorBox('The expiry is not a time.'));
    submit.disabled = true;
    try {
      const entry = await api(listPath(list, '/emergency'), { method: 'POST', body: { value: value.value.trim(), reason: reason.value.trim(), ...(expiresAt ? { expiresAt } : {}) } });
      value.value = '';
      reason.value = '';
      expires.value = '';
      toast(`${entry.value} blocked on ${list}: waiting for a second officer's review`, 'success', 6000);
      onBlocked(entry);
    } catch (e) {
      replace(message, errorBox('Nothing was blocked.', e));
    } finally {
      submit.disabled = false;
    }
  });
  const element = el(
    'section',
    { class: 'card emergency-card', dataset: { testid: 'emergency-block' }, attrs: { 'aria-labelledby': 'emergency-block-heading' } },
    el('h2', { id: 'emergency-block-heading' }, 'Emergency block'),
    el('p', { class: 'card-sub muted' }, 'In force on every node within a second, without a change set; another officer then keeps or lifts it.'),
    message,
    form,
  );
  return { element };
}

export function emergencyReview({ session, permissions, onReviewed }) {
  const message = el('div', { class: 'form-message', dataset: { testid: 'emergency-review-message' }, attrs: { 'aria-live': 'polite' } });
  const body = el('div', {}, el('p', { class: 'muted' }, 'Loading…'));
  const element = el(
    'section',
    { class: 'card emergency-review', dataset: { testid: 'emergency-review' }, attrs: { 'aria-labelledby': 'emergency-review-heading' } },
    el('div', { class: 'card-head' }, el('h2', { id: 'emergency-review-heading' }, 'Emergency blocks waiting for review')),
    message,
    body,
  );
  let seq = 0;

  async function load() {
    const mine = ++seq;
    let answer;
    try {
      answer = await api('/v1/lists/emergency-blocks');
    } catch (e) {
      if (mine === seq) replace(body, errorBox('The emergency blocks could not be read.', e));
      return;
    }
    if (mine !== seq) return;
    const blocks = answer?.blocks ?? [];
    if (blocks.length === 0) return replace(body, el('p', { class: 'muted empty-inline' }, 'None: every emergency block has been reviewed.'));
    replace(
      body,
      el(
        'div',
        { class: 'table-scroll' },
        el(
          'table',
          { class: 'table emergency-table', attrs: { 'aria-label': 'Emergency blocks waiting for review' } },
          el('thead', {}, el('tr', {}, ['List', 'Value', 'Reason', 'Blocked by', 'Since', 'Expires', ''].map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, blocks.map(rowOf)),
        ),
      ),
    );
  }

  function rowOf({ list, entry }) {
    const mine = entry.author === session.username;
    return el(
      'tr',
      { dataset: { list, value: entry.value } },
      el('td', { class: 'nowrap' }, el('a', { href: `#/lists?list=${list}` }, el('code', {}, list))),
      el('td', {}, el('code', {}, entry.value)),
      el('td', { class: 'entry-reason' }, entry.reason),
      el('td', { class: 'nowrap' }, entry.author, mine ? el('span', { class: 'muted' }, ' (you)') : null),
      el('td', { class: 'nowrap num-font' }, formatTime(entry.createdAt)),
      el('td', { class: 'nowrap num-font' }, entry.expiresAt ? formatTime(entry.expiresAt) : el('span', { class: 'muted' }, 'never'), entry.expired ? el('span', { class: 'badge badge-expired' }, 'expired') : null),
      el('td', { class: 'actions-col' }, permissions.editRules ? [decisionButton(list, entry, 'keep', 'Keep'), ' ', decisionButton(list, entry, 'lift', 'Lift')] : null),
    );
  }

  function decisionButton(list, entry, decision, label) {
    const button = el('button', { type: 'button', class: `button button-small${decision === 'lift' ? ' button-danger-quiet' : ''}`, dataset: { decision } }, label);
    button.addEventListener('click', async () => {
      replace(message);
      button.disabled = true;
      try {
        await api('/v1/lists/emergency-blocks/review', { method: 'POST', body: { list, value: entry.value, decision } });
        toast(decision === 'lift' ? `${entry.value} lifted from ${list}` : `${entry.value} kept on ${list}`, 'success');
        onReviewed?.(list);
        await load();
      } catch (e) {
        button.disabled = false;
        replace(message, e?.code === 'FOUR_EYES_REQUIRED' ? fourEyes(e) : errorBox('The block was not reviewed.', e));
        if (e?.code === 'LIST_ENTRY_NOT_FOUND') await load();
      }
    });
    return button;
  }

  void load();
  return { element, reload: load, stop: () => seq++ };
}

function fourEyes(e) {
  return el(
    'div',
    { class: 'notice notice-error', attrs: { role: 'alert' }, dataset: { testid: 'emergency-four-eyes' } },
    el('strong', {}, 'Four eyes: the officer who blocked an entry cannot review it. Another risk officer or an admin keeps or lifts it.'),
    el('span', { class: 'notice-detail' }, describeError(e)),
  );
}
