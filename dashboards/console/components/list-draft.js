import { api } from '../api.js';
import { el, errorBox, replace } from '../dom.js';
import { localTimeToIso, parseList, valueHint } from './list-kinds.js';

/**
 * A few entries added to a list through a change set (POST /v1/change-sets with one
 * `{ kind: 'list', list, add }` change): drafted here, live only once a second officer
 * approves it. An allow entry names the rules it exempts its subject from; a block entry
 * names none. Many entries go through the CSV import instead.
 */
const MAX_ROWS = 20;

export function listDraft(list, { draftedLink }) {
  const { kind, type } = parseList(list);
  let rowCount = 0;
  const rows = el('div', { class: 'draft-rows' });
  const title = el('input', { id: 'list-add-title', maxLength: 200, autocomplete: 'off', placeholder: `Add to ${list}` });
  const addRow = el('button', { type: 'button', class: 'button button-small' }, 'Another entry');
  const submit = el('button', { type: 'submit', class: 'button button-primary' }, 'Draft change set');
  const message = el('div', { class: 'form-message', dataset: { testid: 'list-add-result' }, attrs: { 'aria-live': 'polite' } });
  const form = el(
    'form',
    { class: 'action-form list-add-form' },
    el('span', { class: 'field-hint' }, `Value: ${valueHint(type)}`, kind === 'allow' ? '; rules: the rule ids it exempts its subject from, separated by commas' : ''),
    rows,
    el('div', { class: 'toolbar' }, addRow),
    el('label', { htmlFor: 'list-add-title' }, 'Change set title'),
    title,
    submit,
  );

  function entryRow() {
    const n = rowCount++;
    const field = (name, props) => el('input', { id: `list-add-${name}-${n}`, autocomplete: 'off', dataset: { field: name }, ...props });
    const remove = el('button', { type: 'button', class: 'button button-quiet button-small', attrs: { 'aria-label': `Remove entry ${n + 1}` } }, '×');
    const row = el(
      'fieldset',
      { class: 'draft-row', dataset: { row: String(n) } },
      el('legend', { class: 'visually-hidden' }, `Entry ${n + 1}`),
      el('label', { class: 'draft-cell' }, el('span', { class: 'field-label' }, 'Value'), field('value', { maxLength: 256, required: true })),
      el('label', { class: 'draft-cell' }, el('span', { class: 'field-label' }, 'Reason'), field('reason', { maxLength: 500, required: true })),
      el('label', { class: 'draft-cell' }, el('span', { class: 'field-label' }, 'Expires (optional)'), field('expires', { type: 'datetime-local', attrs: { step: 60 } })),
      kind === 'allow' ? el('label', { class: 'draft-cell' }, el('span', { class: 'field-label' }, 'Rules'), field('rules', { required: true, placeholder: 'screening-payer-pep' })) : null,
      remove,
    );
    remove.addEventListener('click', () => {
      if (rows.children.length > 1) row.remove();
    });
    return row;
  }

  addRow.addEventListener('click', () => {
    if (rows.children.length >= MAX_ROWS) return replace(message, errorBox(`At most ${MAX_ROWS} entries here: import a CSV for more.`));
    rows.append(entryRow());
  });
  rows.append(entryRow());

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(message);
    const add = [];
    for (const row of rows.children) {
      const value = (name) => row.querySelector(`[data-field="${name}"]`)?.value.trim() ?? '';
      const expires = localTimeToIso(value('expires'));
      if (expires === undefined) return replace(message, errorBox(`Entry ${add.length + 1}: the expiry is not a time.`));
      add.push({
        value: value('value'),
        reason: value('reason'),
        // The change set's JSON takes the expiry as unix milliseconds.
        ...(expires ? { expiresAt: Date.parse(expires) } : {}),
        ...(kind === 'allow' ? { rules: value('rules').split(/[,;\s]+/).filter(Boolean) } : {}),
      });
    }
    submit.disabled = true;
    try {
      const set = await api('/v1/change-sets', { method: 'POST', body: { title: title.value.trim() || `Add to ${list}`, changes: [{ kind: 'list', list, add }] } });
      replace(rows, entryRow());
      title.value = '';
      replace(
        message,
        el(
          'div',
          { class: 'notice notice-success', dataset: { testid: 'list-add-drafted', changeSetId: set.id } },
          el('strong', {}, `Drafted: ${add.length} entr${add.length === 1 ? 'y' : 'ies'}, nothing live yet.`),
          el('span', {}, 'Submit it for a second officer to approve: ', draftedLink(set)),
        ),
      );
    } catch (e) {
      replace(message, errorBox('The change set was not drafted.', e));
    } finally {
      submit.disabled = false;
    }
  });

  const element = el(
    'section',
    { class: 'card', dataset: { testid: 'list-add' }, attrs: { 'aria-labelledby': 'list-add-heading' } },
    el('h2', { id: 'list-add-heading' }, 'Add entries'),
    el('p', { class: 'card-sub muted' }, 'Drafted as a change set: live once another risk officer or an admin approves it.'),
    message,
    form,
  );
  return { element };
}
