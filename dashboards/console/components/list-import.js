import { apiUpload, withQuery } from '../api.js';
import { el, errorBox, replace } from '../dom.js';
import { formatCount } from '../format.js';
import { listPath, parseList } from './list-kinds.js';

/**
 * A CSV file imported into a list (POST /v1/lists/{kind}/{type}/import): the server drafts a
 * change set from its rows, live once a second officer approves it, or refuses the whole file
 * with its problems by line number; nothing of a refused file is kept.
 */
const MAX_BYTES = 256 * 1024 * 1024;
const MODES = [
  { id: 'add', label: 'Add', hint: 'the rows over the live list' },
  { id: 'replace', label: 'Replace', hint: 'the rows become the whole list' },
];

export function listImport(list, { draftedLink }) {
  const { kind } = parseList(list);
  let mode = MODES[0];
  const file = el('input', { type: 'file', id: 'list-import-file', accept: '.csv,text/csv' });
  const title = el('input', { id: 'list-import-title', maxLength: 200, autocomplete: 'off', placeholder: 'Optional: named after the list and the rows' });
  const modeHint = el('span', { class: 'field-hint' }, mode.hint);
  const modeButtons = MODES.map((m) =>
    el('button', { type: 'button', class: 'segment', dataset: { mode: m.id }, attrs: { 'aria-pressed': String(m === mode) } }, m.label),
  );
  for (const b of modeButtons) {
    b.addEventListener('click', () => {
      mode = MODES.find((m) => m.id === b.dataset.mode) ?? mode;
      for (const other of modeButtons) other.setAttribute('aria-pressed', String(other === b));
      modeHint.textContent = mode.hint;
    });
  }
  const submit = el('button', { type: 'submit', class: 'button button-primary' }, 'Import as a change set');
  const message = el('div', { class: 'form-message', dataset: { testid: 'list-import-result' }, attrs: { 'aria-live': 'polite' } });
  const form = el(
    'form',
    { class: 'action-form list-import-form' },
    el('label', { htmlFor: 'list-import-file' }, 'CSV file'),
    file,
    el(
      'span',
      { class: 'field-hint' },
      'Header ',
      el('code', {}, kind === 'allow' ? 'value,reason,expiresAt,rules' : 'value,reason,expiresAt'),
      kind === 'allow' ? '; rules separated by ";"' : '',
      '; expiresAt ISO 8601 or empty. All or nothing: one bad line refuses the file.',
    ),
    el('div', { class: 'field' }, el('span', { class: 'field-label', id: 'list-import-mode-label' }, 'Mode'), el('div', { class: 'segmented', attrs: { role: 'group', 'aria-labelledby': 'list-import-mode-label' } }, modeButtons), modeHint),
    el('label', { htmlFor: 'list-import-title' }, 'Change set title'),
    title,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(message);
    const chosen = file.files?.[0];
    if (!chosen) return replace(message, errorBox('Choose a CSV file first.'));
    if (chosen.size > MAX_BYTES) return replace(message, errorBox('The file is larger than 256 MiB: split it.'));
    submit.disabled = true;
    replace(message, el('p', { class: 'muted' }, `Reading ${chosen.name}…`));
    try {
      // Whatever the browser calls the file, the route reads text/csv.
      const set = await apiUpload(withQuery(listPath(list, '/import'), { mode: mode.id, title: title.value.trim() }), chosen, { type: 'text/csv' });
      file.value = '';
      title.value = '';
      replace(message, drafted(set));
    } catch (e) {
      replace(message, refused(e));
    } finally {
      submit.disabled = false;
    }
  });

  function drafted(set) {
    const change = set.changes?.[0];
    const rows = change?.import?.rows ?? change?.counts?.rows;
    return el(
      'div',
      { class: 'notice notice-success', dataset: { testid: 'list-import-drafted', changeSetId: set.id } },
      el('strong', {}, `Drafted: ${formatCount(rows)} row${rows === 1 ? '' : 's'}, nothing live yet.`),
      el('span', {}, 'Submit it for a second officer to approve: ', draftedLink(set)),
    );
  }

  const element = el(
    'section',
    { class: 'card', dataset: { testid: 'list-import' }, attrs: { 'aria-labelledby': 'list-import-heading' } },
    el('h2', { id: 'list-import-heading' }, 'Import a CSV'),
    message,
    form,
  );
  return { element };
}

/** A refused import: its code and message, and each problem by its line in the file. */
function refused(e) {
  const problems = Array.isArray(e?.details?.problems) ? e.details.problems : [];
  const invalid = Number.isFinite(e?.details?.invalidLines) ? e.details.invalidLines : undefined;
  if (e?.code !== 'LIST_IMPORT_INVALID' && e?.code !== 'LIST_IMPORT_TOO_LARGE') return errorBox('The import was not taken.', e);
  return el(
    'div',
    { class: 'notice notice-error', attrs: { role: 'alert' }, dataset: { testid: 'list-import-refused', code: e.code } },
    el('strong', {}, e.code === 'LIST_IMPORT_TOO_LARGE' ? 'The file is too large: nothing was imported.' : 'The file was refused: nothing was imported.'),
    el('span', { class: 'notice-detail' }, `${e.code}: ${e.message}`),
    problems.length
      ? el(
          'ol',
          { class: 'import-problems' },
          problems.map((p) => el('li', { class: 'import-problem', dataset: { line: String(p.line) } }, el('span', { class: 'import-line num-font' }, `Line ${p.line}`), el('span', {}, p.message))),
        )
      : null,
    invalid !== undefined && invalid > problems.length ? el('span', {}, `${formatCount(invalid)} bad lines in all; the first ${problems.length} are listed.`) : null,
  );
}
