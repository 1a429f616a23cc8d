import { api, apiFile, withQuery } from '../api.js';
import { describeError, el, errorBox, replace } from '../dom.js';
import { formatCount, formatTime } from '../format.js';
import { listPath, listTitle, parseList } from './list-kinds.js';
import { saveFile } from './save-file.js';
import { toast } from './toast.js';

/**
 * One typed list as it is live (GET /v1/lists/{kind}/{type}): its entries a page at a time,
 * emergency blocks first, searchable by part of the value, and its export as the CSV the
 * import reads. An expired entry is still listed (it stays until a change removes it) but no
 * longer applies, so it is marked.
 */
const SEARCH_DELAY_MS = 300;

export function listEntries(list) {
  const { kind } = parseList(list);
  let entries = [];
  let cursor = '0';
  let answer;
  let seq = 0;
  let searchTimer;

  const summary = el('p', { class: 'muted list-summary', dataset: { testid: 'list-summary' }, attrs: { 'aria-live': 'polite' } }, 'Loading the entries…');
  const search = el('input', { type: 'search', id: 'list-search', placeholder: 'Part of the value', maxLength: 256, autocomplete: 'off' });
  const exportButton = el('button', { type: 'button', class: 'button' }, 'Export CSV');
  const more = el('button', { type: 'button', class: 'button', hidden: true }, 'Load more');
  const shown = el('span', { class: 'muted', dataset: { testid: 'list-shown' } });
  const body = el('div', { class: 'list-table-wrap' });
  const searchForm = el(
    'form',
    { class: 'list-search', attrs: { role: 'search' } },
    el('label', { htmlFor: 'list-search', class: 'visually-hidden' }, 'Search the values'),
    search,
    el('button', { type: 'submit', class: 'button' }, 'Search'),
  );
  const element = el(
    'section',
    { class: 'card list-card', dataset: { testid: 'list-entries', list }, attrs: { 'aria-labelledby': 'list-entries-title' } },
    el('div', { class: 'card-head' }, el('div', {}, el('h2', { id: 'list-entries-title' }, listTitle(list)), summary), exportButton),
    searchForm,
    body,
    el('div', { class: 'list-foot' }, shown, more),
  );

  searchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(searchTimer);
    void load();
  });
  // Searching as the operator types, once they pause: every keystroke would be a scan of the list.
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => void load(), SEARCH_DELAY_MS);
  });
  more.addEventListener('click', () => void load(cursor));
  exportButton.addEventListener('click', async () => {
    exportButton.disabled = true;
    try {
      const { blob, filename } = await apiFile(listPath(list, '/export'), { method: 'GET', accept: 'text/csv' });
      saveFile(blob, filename ?? `${list.replace(':', '-')}.csv`);
    } catch (e) {
      toast(`The export failed: ${describeError(e)}`, 'error', 6000);
    } finally {
      exportButton.disabled = false;
    }
  });

  /**
   * The first page (`from` unset) or the pages after `from`; an answer overtaken by a newer
   * request is dropped. A scan may end on a page of nothing new: the next one is read at once,
   * so "Load more" always shows more or disappears.
   */
  async function load(from) {
    const mine = ++seq;
    more.disabled = true;
    const contains = search.value.trim();
    let next = from;
    let merged = from ? entries : [];
    let page;
    do {
      try {
        // No `limit`: the route's default page (100) is the one it accepts from a URL.
        page = await api(withQuery(listPath(list), { contains, cursor: next }));
      } catch (e) {
        if (mine !== seq) return;
        more.disabled = false;
        if (from) return toast(`More entries could not be read: ${describeError(e)}`, 'error', 6000);
        summary.textContent = '';
        replace(body, errorBox('The list could not be read.', e));
        return;
      }
      if (mine !== seq) return;
      const before = merged.length;
      merged = distinct([...merged, ...page.entries]);
      next = page.cursor;
      if (merged.length > before || !from) break;
    } while (next !== '0');
    answer = page;
    entries = merged;
    cursor = next;
    render(contains);
  }

  function render(contains) {
    const { total, emergencies, generation } = answer;
    summary.textContent = [
      `${formatCount(total)} entr${total === 1 ? 'y' : 'ies'}`,
      emergencies ? `${formatCount(emergencies)} emergency block${emergencies === 1 ? '' : 's'} besides` : '',
      generation ? `generation ${generation}` : 'never edited',
    ].filter(Boolean).join(' · ');
    // Unfiltered, every entry shown means the end, even when the scan has not said so yet.
    const complete = cursor === '0' || (!contains && entries.length >= total + emergencies);
    more.hidden = complete;
    more.disabled = false;
    shown.textContent = complete ? `${formatCount(entries.length)} shown${contains ? ` containing “${contains}”` : ''}` : `${formatCount(entries.length)} shown so far`;
    if (entries.length === 0) {
      replace(body, el('p', { class: 'empty muted' }, contains ? `No value contains “${contains}”.` : 'This list is empty.'));
      return;
    }
    const headers = ['Value', 'Reason', 'Author', 'Created', 'Expires', ...(kind === 'allow' ? ['Exempt from'] : [])];
    replace(
      body,
      el(
        'table',
        { class: 'table list-table', attrs: { 'aria-label': listTitle(list) } },
        el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, entries.map(rowOf)),
      ),
    );
  }

  function rowOf(e) {
    return el(
      'tr',
      { class: e.expired ? 'entry-expired' : '', dataset: { value: e.value, expired: String(e.expired), emergency: String(Boolean(e.emergency)) } },
      el(
        'td',
        { class: 'entry-value' },
        el('code', {}, e.value),
        e.emergency ? el('span', { class: 'badge badge-emergency', title: 'Blocked at once by one officer, outside a change set' }, 'emergency') : null,
      ),
      el('td', { class: 'entry-reason' }, e.reason),
      el('td', { class: 'nowrap' }, e.author),
      el('td', { class: 'nowrap num-font' }, formatTime(e.createdAt)),
      el(
        'td',
        { class: 'nowrap num-font', dataset: { field: 'expires' } },
        e.expiresAt ? formatTime(e.expiresAt) : el('span', { class: 'muted' }, 'never'),
        e.expired ? el('span', { class: 'badge badge-expired', title: 'No longer applies' }, 'expired') : null,
      ),
      kind === 'allow' ? el('td', {}, (e.rules ?? []).map((r, k) => [k ? ', ' : '', el('code', {}, r)])) : null,
    );
  }

  void load();
  return {
    element,
    /** Reads the first page again (the search kept): after a change to the list. */
    reload: () => load(),
    stop() {
      seq++;
      clearTimeout(searchTimer);
    },
  };
}

/**
 * Each entry once: a scan of a list being resized may hand the same entry over twice (Redis
 * promises every entry at least once). An emergency block of a value also listed is its own entry.
 */
function distinct(entries) {
  const seen = new Set();
  return entries.filter((e) => {
    const key = `${e.emergency ? 'emergency' : 'list'} ${e.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
