import { api } from '../api.js';
import { el, replace } from '../dom.js';
import { formatCount, formatMs } from '../format.js';
import { resultTable } from './result-table.js';
import { sqlSchema } from './sql-schema.js';

/**
 * Read-only SQL for compliance: one SELECT typed in the editor, run with POST /v1/sql into
 * a table, the readable tables beside it. A refusal shows its code and the server's words,
 * which name what to change (the readable tables, the limit reached).
 */
const MAX_TABLE_ROWS = 1000;
/** What kind of failure a status is; the code and message say which. */
const TITLES = {
  400: 'The statement cannot run here.',
  403: 'Refused: outside what SQL may read.',
  422: 'Stopped at a limit: nothing of the answer is shown.',
  429: 'Too many statements are running: try again shortly.',
};

export function sqlConsole() {
  let runSeq = 0;
  let cancelled = false;

  const editor = el('textarea', {
    id: 'sql-query',
    name: 'query',
    rows: 9,
    spellcheck: false,
    placeholder: 'SELECT count() FROM transactions',
    attrs: { 'aria-describedby': 'sql-hint', autocapitalize: 'off', autocomplete: 'off' },
    onkeydown: (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void run();
      }
    },
  });
  const hint = el(
    'p',
    { id: 'sql-hint', class: 'field-hint sql-hint' },
    'One read-only SELECT over the tables listed here; a table named without its database is one of the platform’s. ',
    'At most 10,000 rows; every statement is audited. Ctrl+Enter runs it.',
  );
  const message = el('div', { class: 'form-message', dataset: { testid: 'sql-message' }, attrs: { 'aria-live': 'polite' } });
  const runButton = el('button', { type: 'submit', class: 'button button-primary' }, 'Run');
  const form = el(
    'form',
    {
      class: 'card sql-form',
      attrs: { novalidate: '', 'aria-label': 'SQL statement' },
      onsubmit: (e) => {
        e.preventDefault();
        void run();
      },
    },
    el('label', { class: 'field-label', htmlFor: 'sql-query' }, 'Statement'),
    editor,
    hint,
    message,
    el('div', { class: 'toolbar' }, runButton),
  );
  const schema = sqlSchema({ onPick: insert });
  const resultMeta = el('p', { class: 'muted result-meta', dataset: { testid: 'sql-meta' }, attrs: { 'aria-live': 'polite' } });
  const resultBody = el('div', { class: 'table-card result-scroll' });
  const resultCard = el(
    'section',
    { class: 'card result-card', hidden: true, dataset: { testid: 'sql-result' } },
    el('div', { class: 'card-head' }, el('h2', {}, 'Result')),
    resultMeta,
    resultBody,
  );
  const element = el('div', { class: 'sql-tab' }, el('div', { class: 'sql-workspace' }, form, schema.element), resultCard);

  /** The name at the cursor (over the selection), spaced from a word it would run into. */
  function insert(name) {
    const start = editor.selectionStart ?? editor.value.length;
    const end = editor.selectionEnd ?? start;
    const text = /[\w`"]$/.test(editor.value.slice(0, start)) ? ` ${name}` : name;
    editor.setRangeText(text, start, end, 'end');
    editor.focus();
  }

  async function run() {
    const query = editor.value;
    if (runButton.disabled) return;
    if (query.trim() === '') {
      replace(message, el('div', { class: 'notice notice-error', attrs: { role: 'alert' } }, el('strong', {}, 'Type a SELECT first.')));
      editor.focus();
      return;
    }
    const seq = ++runSeq;
    replace(message);
    runButton.disabled = true;
    runButton.textContent = 'Running…';
    try {
      const answer = await api('/v1/sql', { method: 'POST', body: { query } });
      if (seq !== runSeq || cancelled) return;
      showResult(answer);
    } catch (e) {
      if (seq !== runSeq || cancelled) return;
      resultCard.hidden = true;
      replace(message, failure(e));
    } finally {
      if (seq === runSeq && !cancelled) {
        runButton.disabled = false;
        runButton.textContent = 'Run';
      }
    }
  }

  function showResult(answer) {
    const columns = answer?.columns ?? [];
    const rows = answer?.rows ?? [];
    resultCard.hidden = false;
    replace(
      resultMeta,
      el('span', { dataset: { testid: 'sql-row-count' } }, `${formatCount(rows.length)} row${rows.length === 1 ? '' : 's'}`),
      ` · ${formatCount(answer?.rowsRead)} rows read · ${formatMs(answer?.elapsedMs)}`,
      rows.length > MAX_TABLE_ROWS ? ` · the first ${formatCount(MAX_TABLE_ROWS)} shown` : '',
    );
    if (rows.length === 0) return replace(resultBody, el('div', { class: 'empty' }, 'No rows.'));
    replace(resultBody, resultTable({ columns, rows, maxRows: MAX_TABLE_ROWS, label: 'SQL result' }));
  }

  return {
    element,
    /** The tab is open: its tables load the first time. */
    shown() {
      void schema.load();
    },
    close() {
      cancelled = true;
    },
  };
}

function failure(e) {
  return el(
    'div',
    { class: 'notice notice-error', attrs: { role: 'alert' }, dataset: { testid: 'sql-error' } },
    el('strong', {}, TITLES[e?.status] ?? 'The statement did not run.'),
    el(
      'span',
      { class: 'notice-detail' },
      e?.code ? el('code', { class: 'sql-error-code', dataset: { testid: 'sql-error-code' } }, e.code) : null,
      e?.code ? ' ' : null,
      e?.message ?? String(e),
    ),
  );
}
