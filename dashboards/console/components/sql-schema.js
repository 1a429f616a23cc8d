import { api } from '../api.js';
import { el, errorBox, replace } from '../dom.js';
import { formatCount } from '../format.js';

/**
 * The tables read-only SQL may read (GET /v1/sql/schema), each opening to its columns with
 * their types and comments. A click on a table's or a column's name hands the name to
 * `onPick`, which writes it into the statement.
 */
export function sqlSchema({ onPick }) {
  const summary = el('p', { class: 'muted sql-schema-sub', attrs: { 'aria-live': 'polite' } }, 'Loading the tables…');
  const list = el('ul', { class: 'sql-tables', dataset: { testid: 'sql-schema' } });
  const element = el(
    'aside',
    { class: 'card sql-schema', attrs: { 'aria-label': 'Tables SQL may read' } },
    el('h2', {}, 'Tables'),
    summary,
    list,
  );
  let loading;

  async function load() {
    try {
      const schema = await api('/v1/sql/schema');
      const tables = schema?.tables ?? [];
      replace(
        summary,
        'Database ',
        el('code', {}, schema?.database ?? '?'),
        ` · ${formatCount(tables.length)} tables. Click a name to write it into the statement.`,
      );
      replace(list, tables.map((t) => tableItem(t, onPick)));
    } catch (e) {
      loading = undefined;
      replace(summary);
      replace(list, el('li', {}, errorBox('The tables could not be loaded.', e)));
    }
  }

  return {
    element,
    /** Loads once; again only after a failure. */
    load() {
      loading ??= load();
      return loading;
    },
  };
}

function tableItem(table, onPick) {
  const columnsId = `sql-columns-${table.name}`;
  const columns = el(
    'ul',
    { id: columnsId, class: 'sql-columns', hidden: true },
    (table.columns ?? []).map((c) =>
      el(
        'li',
        { class: 'sql-column', dataset: { column: c.name } },
        nameButton(c.name, onPick, `Write the column ${c.name} into the statement`),
        el('span', { class: 'sql-type' }, c.type),
        c.comment ? el('span', { class: 'sql-comment' }, c.comment) : null,
      ),
    ),
  );
  const toggle = el('button', {
    type: 'button',
    class: 'sql-toggle',
    attrs: { 'aria-expanded': 'false', 'aria-controls': columnsId, 'aria-label': `Columns of ${table.name}` },
    onclick: () => {
      const open = columns.hidden;
      columns.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
    },
  });
  return el(
    'li',
    { class: 'sql-table', dataset: { table: table.name } },
    el(
      'div',
      { class: 'sql-table-head' },
      toggle,
      nameButton(table.name, onPick, `Write the table ${table.name} into the statement`),
      el('span', { class: 'muted sql-table-meta' }, `${formatCount(table.columns?.length ?? 0)} columns`),
    ),
    table.comment ? el('p', { class: 'sql-comment sql-table-comment' }, table.comment) : null,
    // Filters on the leading columns of the sort key read the least.
    table.sortingKey ? el('p', { class: 'muted sql-table-key' }, 'Sorted by ', el('code', {}, table.sortingKey)) : null,
    columns,
  );
}

function nameButton(name, onPick, title) {
  return el('button', { type: 'button', class: 'sql-name', title, dataset: { name }, onclick: () => onPick(name) }, name);
}
