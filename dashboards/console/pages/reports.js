import { api, apiFile } from '../api.js';
import { reportParams } from '../components/report-params.js';
import { resultTable } from '../components/result-table.js';
import { fileSafe, saveFile } from '../components/save-file.js';
import { reportTabs } from '../components/report-tabs.js';
import { sqlConsole } from '../components/sql-console.js';
import { toast } from '../components/toast.js';
import { describeError, el, errorBox, replace } from '../dom.js';
import { formatCount, formatMs } from '../format.js';

/**
 * The compliance report catalog (GET /v1/reports): pick a report, fill the form its
 * parameter schema describes, run it as JSON into a table, or download it as CSV or
 * Parquet. The chosen report is kept in the URL (`#/reports?report=corridor-flows`).
 * Compliance also has an SQL tab (`#/reports?tab=sql`): read-only SQL over the analytics
 * tables, which only that role may run.
 */
const MAX_TABLE_ROWS = 1000;
const FORMATS = {
  csv: { label: 'Download CSV', accept: 'text/csv' },
  parquet: { label: 'Download Parquet', accept: 'application/vnd.apache.parquet' },
};

export function render(view, context) {
  context.setTitle('Reports');
  const summary = el('p', { class: 'muted page-summary' }, 'Loading the report catalog…');
  const content = el('div');
  const sql = context.session?.role === 'compliance' ? sqlConsole() : undefined;
  const tabs = sql ? reportTabs(content, sql) : undefined;
  view.append(
    el(
      'section',
      { class: 'page page-reports' },
      el('div', { class: 'page-head' }, el('div', {}, el('h1', {}, 'Reports'), summary)),
      tabs ? [tabs.element, tabs.panels] : content,
    ),
  );
  let catalogSummary = summary.textContent;
  /** The page's line under the title speaks for the open tab. */
  function setSummary(text) {
    catalogSummary = text;
    if (tabs?.current !== 'sql') summary.textContent = text;
  }
  tabs?.onChange((tab) => {
    summary.textContent = tab === 'sql' ? 'Read-only SQL over the analytics tables · compliance only · every statement is audited' : catalogSummary;
    history.replaceState(null, '', tab === 'sql' ? '#/reports?tab=sql' : `#/reports${report ? `?report=${encodeURIComponent(report.name)}` : ''}`);
  });
  let catalog = [];
  let report;
  let form;
  let cancelled = false;
  let runSeq = 0;

  const picker = el('select', { id: 'report-name', name: 'report', onchange: () => choose(picker.value, true) });
  const description = el('p', { class: 'report-description', dataset: { testid: 'report-description' } });
  const fieldsHolder = el('div');
  const message = el('div', { class: 'form-message', attrs: { 'aria-live': 'polite' } });
  const runButton = el('button', { type: 'submit', class: 'button button-primary' }, 'Run');
  const downloadButtons = Object.entries(FORMATS).map(([format, f]) =>
    el('button', { type: 'button', class: 'button', dataset: { format }, onclick: () => download(format) }, f.label),
  );
  const resultHead = el('div', { class: 'card-head' }, el('h2', {}, 'Result'));
  const resultMeta = el('p', { class: 'muted result-meta', dataset: { testid: 'report-meta' }, attrs: { 'aria-live': 'polite' } });
  const resultBody = el('div', { class: 'table-card result-scroll' });
  const resultCard = el('section', { class: 'card result-card', hidden: true, dataset: { testid: 'report-result' } }, resultHead, resultMeta, resultBody);

  const formCard = el(
    'form',
    {
      class: 'card report-form',
      attrs: { novalidate: '', 'aria-label': 'Report parameters' },
      onsubmit: (e) => {
        e.preventDefault();
        void run();
      },
    },
    el('div', { class: 'field report-picker' }, el('label', { class: 'field-label', htmlFor: 'report-name' }, 'Report'), picker),
    description,
    fieldsHolder,
    message,
    el('div', { class: 'toolbar' }, runButton, downloadButtons),
  );

  async function load() {
    try {
      const answer = await api('/v1/reports');
      if (cancelled) return;
      catalog = answer?.reports ?? [];
      if (catalog.length === 0) {
        setSummary('');
        return replace(content, el('div', { class: 'empty' }, 'The catalog has no reports.'));
      }
      setSummary(`${formatCount(catalog.length)} reports · JSON, CSV or Parquet · every run is audited`);
      replace(picker, catalog.map((r) => el('option', { value: r.name }, r.title ?? r.name)));
      replace(content, formCard, resultCard);
      const asked = context.query.get('report');
      choose(catalog.some((r) => r.name === asked) ? asked : catalog[0].name, false);
    } catch (e) {
      if (cancelled) return;
      setSummary('');
      replace(content, errorBox('The report catalog could not be loaded.', e));
    }
  }

  function choose(name, remember) {
    report = catalog.find((r) => r.name === name);
    if (!report) return;
    picker.value = report.name;
    if (remember) history.replaceState(null, '', `#/reports?report=${encodeURIComponent(report.name)}`);
    replace(description, report.description ?? '', report.maxSpanDays ? el('span', { class: 'muted' }, ` Windows of up to ${formatCount(report.maxSpanDays)} days.`) : null);
    form = reportParams(report.params);
    replace(fieldsHolder, form.element);
    replace(message);
    resultCard.hidden = true;
    runSeq++;
  }

  /** A 400 naming a parameter goes under that field; anything else above the buttons. */
  function showFailure(title, e) {
    form.clearProblems();
    const placed = e?.code === 'REPORT_PARAMS_INVALID' && form.showProblem(e.details?.path, e.message);
    replace(message, errorBox(placed ? 'Check the highlighted parameter.' : title, e));
  }

  function busy(on) {
    for (const b of [runButton, ...downloadButtons]) b.disabled = on;
  }

  async function run() {
    if (!report) return;
    const seq = ++runSeq;
    const name = report.name;
    form.clearProblems();
    replace(message);
    busy(true);
    runButton.textContent = 'Running…';
    try {
      const answer = await api(`/v1/reports/${encodeURIComponent(name)}`, { method: 'POST', body: { params: form.values(), format: 'json' } });
      if (seq !== runSeq || cancelled) return;
      renderResult(answer);
    } catch (e) {
      if (seq !== runSeq || cancelled) return;
      showFailure('The report could not be run.', e);
    } finally {
      if (!cancelled) {
        busy(false);
        runButton.textContent = 'Run';
      }
    }
  }

  function renderResult(answer) {
    const columns = answer?.columns ?? [];
    const rows = answer?.rows ?? [];
    resultCard.hidden = false;
    replace(resultHead, el('h2', {}, report.title ?? report.name));
    replace(
      resultMeta,
      el('span', { dataset: { testid: 'report-row-count' } }, `${formatCount(rows.length)} row${rows.length === 1 ? '' : 's'}`),
      ` · ${formatCount(answer?.rowsRead)} rows read · ${formatMs(answer?.elapsedMs)}`,
      rows.length > MAX_TABLE_ROWS ? ` · the first ${formatCount(MAX_TABLE_ROWS)} shown: download CSV or Parquet for all of them` : '',
    );
    if (rows.length === 0) return replace(resultBody, el('div', { class: 'empty' }, 'No rows: nothing in this window matches these parameters.'));
    replace(resultBody, resultTable({ columns, rows, maxRows: MAX_TABLE_ROWS, label: `${report.title ?? report.name} result` }));
  }

  /** The file comes through fetch with the bearer token in a header, then is saved from a Blob. */
  async function download(format) {
    if (!report) return;
    const name = report.name;
    form.clearProblems();
    replace(message);
    busy(true);
    const params = form.values();
    try {
      const file = await apiFile(`/v1/reports/${encodeURIComponent(name)}`, {
        method: 'POST',
        body: { params, format },
        accept: FORMATS[format].accept,
      });
      if (cancelled) return;
      saveFile(file.blob, fileNameOf(name, params, format, file.filename));
      toast(`${report.title ?? name}: ${format.toUpperCase()} downloaded`, 'success');
    } catch (e) {
      if (cancelled) return;
      showFailure(`The ${format.toUpperCase()} file could not be made.`, e);
      toast(`Download failed: ${describeError(e)}`, 'error', 6000);
    } finally {
      if (!cancelled) busy(false);
    }
  }

  void load();
  if (tabs && context.query.get('tab') === 'sql') tabs.open('sql');
  return () => {
    cancelled = true;
    sql?.close();
  };
}

/** corridor-flows_2025-03-01_2025-03-08.csv: the report and its window, or what the server named it. */
function fileNameOf(name, params, format, served) {
  const day = (iso) => (typeof iso === 'string' ? iso.slice(0, 10) : '');
  if (params.from && params.to) return `${fileSafe(`${name}_${day(params.from)}_${day(params.to)}`)}.${format}`;
  return fileSafe(served ?? `${name}.${format}`);
}
