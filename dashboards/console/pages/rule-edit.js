import { api } from '../api.js';
import { modeBadge } from '../components/badges.js';
import { backtestPanel } from '../components/backtest-panel.js';
import { jsonEditor } from '../components/json-editor.js';
import { JsonSyntaxError, lineColumn, locateJson, spanOf } from '../components/json-locate.js';
import { toast } from '../components/toast.js';
import { describeError, el, errorBox, replace } from '../dom.js';
import { changedAt, modeSwitch } from './rules.js';

/**
 * One rule as JSON. Saving PUTs a new version; what the server refuses (RULE_INVALID with
 * the JSON path of the problem) is listed next to the editor and marked on its line.
 * Syntax errors are caught here, as the operator types. Risk officers can backtest the
 * edited rule over a recent window before saving it (components/backtest-panel.js), or
 * propose it in a change set, which goes live only once another officer approves it
 * (pages/change-sets.js); saving directly stays for changes that cannot wait.
 */
const SERVER_FIELDS = ['version', 'updatedAt', 'createdAt', 'createdBy', 'approvedBy', 'changeSet'];

export function render(view, context) {
  const id = context.params[0];
  context.setTitle(`Rule ${id}`);
  const { permissions } = context;
  const editable = permissions.editRules;
  let current;
  let versions = [];
  /** Problems from the last save or backtest: { message, pointer, code, origin }. */
  let serverProblems = [];
  let cancelled = false;

  const head = el('div', { class: 'page-head page-head-stacked' }, el('h1', {}, 'Rule ', el('code', {}, id)));
  const body = el('div', {}, el('p', { class: 'muted' }, 'Loading the rule…'));
  view.append(el('section', { class: 'page page-rule' }, el('a', { href: '#/rules', class: 'back-link' }, '← All rules'), head, body));

  const editor = jsonEditor({ readOnly: !editable, onInput: () => scheduleCheck() });
  const problems = el('div', { class: 'problems', dataset: { testid: 'rule-problems' }, attrs: { 'aria-live': 'polite' } });
  const saveButton = el('button', { type: 'button', class: 'button button-primary' }, 'Save as new version');
  const formatButton = el('button', { type: 'button', class: 'button' }, 'Format');
  const revertButton = el('button', { type: 'button', class: 'button button-quiet' }, 'Revert to current');
  const proposeButton = el('button', { type: 'button', class: 'button' }, 'Propose in a change set');
  const proposal = el('div', { class: 'proposal', dataset: { testid: 'rule-proposal' } });
  const editorStatus = el('span', { class: 'muted editor-status' });
  const versionsList = el('div');
  const modeHolder = el('div');
  const backtest = editable
    ? backtestPanel({
        ruleId: id,
        candidate: () => {
          serverProblems = [];
          if (!check()) {
            editorStatus.textContent = 'Fix the syntax first';
            return undefined;
          }
          const rule = JSON.parse(editor.value);
          for (const field of SERVER_FIELDS) delete rule[field];
          return rule;
        },
        onRefused: (e) => {
          serverProblems = problemsOf(e, { origin: 'backtest', prefix: '/rules/0' });
          check();
          return serverProblems.length > 0;
        },
      })
    : undefined;

  async function load() {
    try {
      const answer = await api(`/v1/rules/${encodeURIComponent(id)}`);
      if (cancelled) return;
      current = answer.rule;
      versions = answer.versions ?? [];
      renderPage();
    } catch (e) {
      if (cancelled) return;
      replace(body, errorBox(e.code === 'RULE_NOT_FOUND' ? 'There is no such rule.' : 'The rule could not be loaded.', e));
    }
  }

  function renderPage() {
    replace(
      head,
      el('div', { class: 'title-row' }, el('h1', {}, el('code', {}, current.id)), modeBadge(current.mode), el('span', { class: 'muted' }, `version ${current.version ?? '—'}`)),
      el('p', { class: 'muted' }, current.description ?? ''),
    );
    editor.value = editableText(current);
    serverProblems = [];
    replace(
      modeHolder,
      editable ? el('div', { class: 'mode-row' }, modeSwitch(current, onModeChanged), el('p', { class: 'muted' }, 'Enforce decides payments; shadow records what the rule would have done; off skips it.')) : null,
    );
    renderVersions();
    replace(
      body,
      el(
        'div',
        { class: 'editor-grid' },
        el(
          'section',
          { class: 'card editor-card' },
          el('div', { class: 'card-head' }, el('h2', {}, editable ? 'Edit as JSON' : 'Rule JSON'), editorStatus),
          editor.element,
          editable ? el('div', { class: 'toolbar' }, saveButton, proposeButton, formatButton, revertButton) : el('p', { class: 'muted' }, 'Your role can read rules but not change them.'),
          editable ? proposal : null,
        ),
        el(
          'aside',
          { class: 'editor-side' },
          el('section', { class: 'card' }, el('h2', {}, 'Problems'), problems),
          editable ? el('section', { class: 'card' }, el('h2', {}, 'Mode'), modeHolder) : null,
          el('section', { class: 'card' }, el('h2', {}, 'Versions'), versionsList),
        ),
      ),
      backtest?.element,
    );
    check();
  }

  function onModeChanged(rule) {
    current = { ...current, ...rule };
    renderPage();
  }

  function renderVersions() {
    if (versions.length === 0) return replace(versionsList, el('p', { class: 'muted' }, 'No earlier versions.'));
    const sorted = [...versions].sort((a, b) => (b.version ?? 0) - (a.version ?? 0));
    replace(
      versionsList,
      el(
        'ol',
        { class: 'versions' },
        sorted.map((v) =>
          el(
            'li',
            { class: v.version === current.version ? 'version version-current' : 'version' },
            el('span', { class: 'version-number' }, `v${v.version}`),
            el('span', { class: 'version-meta' }, modeBadge(v.mode), ' ', changedAt(v)),
            v.version === current.version
              ? el('span', { class: 'muted' }, 'current')
              : el(
                  'button',
                  {
                    type: 'button',
                    class: 'button button-small button-quiet',
                    onclick: () => {
                      editor.value = editableText(v);
                      serverProblems = [];
                      check();
                      editorStatus.textContent = editable ? `Loaded v${v.version}: save to make it the current version` : `Showing v${v.version}`;
                    },
                  },
                  editable ? 'Load' : 'Show',
                ),
          ),
        ),
      ),
    );
  }

  let checkTimer;
  function scheduleCheck() {
    editorStatus.textContent = 'Edited, not saved';
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, 250);
  }

  /** Syntax problems found here, then the server's problems placed on the current text. */
  function check() {
    const text = editor.value;
    let spans;
    const found = [];
    try {
      spans = locateJson(text);
      if (!text.trim().startsWith('{')) found.push({ message: 'A rule is a JSON object: { "id": ..., "when": ..., "then": ... }', offset: 0, source: 'syntax' });
    } catch (e) {
      if (!(e instanceof JsonSyntaxError)) throw e;
      found.push({ message: e.message, offset: e.offset, source: 'syntax' });
    }
    for (const p of serverProblems) {
      const span = spans ? spanOf(spans, p.pointer) : undefined;
      found.push({ ...p, offset: span?.keyStart, end: span?.end, exact: span?.exact, source: 'server' });
    }
    renderProblems(text, found);
    return found.filter((p) => p.source === 'syntax').length === 0;
  }

  function renderProblems(text, found) {
    editor.markLines(found.filter((p) => p.offset !== undefined).map((p) => lineColumn(text, p.offset).line));
    if (found.length === 0) {
      replace(problems, el('p', { class: 'problems-none' }, editable ? 'No problems found. The server checks the rule when you save.' : 'None.'));
      return;
    }
    replace(
      problems,
      el(
        'ul',
        { class: 'problem-list' },
        found.map((p) => {
          const where = p.offset === undefined ? undefined : lineColumn(text, p.offset);
          const item = el(
            'li',
            { class: 'problem', dataset: { pointer: p.pointer ?? '' } },
            el(
              'button',
              { type: 'button', class: 'problem-where', disabled: where === undefined, title: 'Show in the editor' },
              where ? `Line ${where.line}:${where.column}` : 'Rule',
            ),
            p.pointer !== undefined ? el('code', { class: 'problem-path' }, p.pointer || '/') : null,
            el('span', { class: 'problem-message' }, p.message),
            p.code ? el('span', { class: 'problem-code' }, p.source === 'server' ? `${p.code} · from the last ${p.origin ?? 'save'}` : p.code) : null,
          );
          if (where) item.querySelector('button').addEventListener('click', () => editor.select(p.offset, p.end ?? p.offset + 1));
          return item;
        }),
      ),
    );
  }

  saveButton.addEventListener('click', async () => {
    serverProblems = [];
    if (!check()) {
      editorStatus.textContent = 'Fix the syntax first';
      return;
    }
    const rule = JSON.parse(editor.value);
    for (const field of SERVER_FIELDS) delete rule[field];
    saveButton.disabled = true;
    editorStatus.textContent = 'Saving…';
    try {
      const answer = await api(`/v1/rules/${encodeURIComponent(id)}`, { method: 'PUT', body: rule });
      toast(`${id} saved as version ${answer?.rule?.version ?? '?'}`, 'success');
      await load();
      editorStatus.textContent = `Saved as version ${answer?.rule?.version ?? '?'}`;
    } catch (e) {
      serverProblems = problemsOf(e, { origin: 'save' });
      editorStatus.textContent = serverProblems.length ? 'Not saved: the server refused the rule' : 'Not saved';
      if (!serverProblems.length) toast(`Could not save: ${describeError(e)}`, 'error', 6000);
      check();
    } finally {
      saveButton.disabled = false;
    }
  });
  proposeButton.addEventListener('click', () => {
    if (proposal.childElementCount) return proposal.querySelector('input')?.focus();
    const title = el('input', { id: 'proposal-title', value: `${id}: `, maxLength: 200, autocomplete: 'off' });
    const draft = el('button', { type: 'submit', class: 'button button-primary' }, 'Draft change set');
    const cancel = el('button', { type: 'button', class: 'button button-quiet', onclick: () => replace(proposal) }, 'Cancel');
    const outcome = el('div', { class: 'form-message', attrs: { 'aria-live': 'polite' } });
    const form = el(
      'form',
      { class: 'action-form' },
      el('label', { htmlFor: 'proposal-title' }, 'Title of the change set'),
      el('span', { class: 'field-hint' }, 'The edited rule becomes a draft; nothing changes until another risk officer or an admin approves it.'),
      el('div', { class: 'inline-controls' }, title, draft, cancel),
      outcome,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void propose(title.value.trim(), draft, outcome);
    });
    replace(proposal, form);
    title.focus();
  });

  async function propose(title, button, outcome) {
    serverProblems = [];
    if (!check()) {
      editorStatus.textContent = 'Fix the syntax first';
      return;
    }
    const rule = JSON.parse(editor.value);
    for (const field of SERVER_FIELDS) delete rule[field];
    button.disabled = true;
    replace(outcome);
    try {
      const set = await api('/v1/change-sets', { method: 'POST', body: { title: title || `${id}: edited`, changes: [{ kind: 'rule', rule }] } });
      toast(`Change set drafted: ${set.title}`, 'success');
      context.navigate(`#/change-sets/${encodeURIComponent(set.id)}`);
    } catch (e) {
      button.disabled = false;
      // The rule's own problems go next to the editor; the message names them inside the set's body.
      const inRule = e.code === 'RULE_INVALID' ? /^\/changes\/0\/rule(\S*): (.*)$/s.exec(e.message) : null;
      if (inRule) {
        const [, pointer, said] = inRule;
        // The rule's own message starts with the same path: shown once, beside it.
        const message = said.startsWith(`${pointer || '/'}: `) ? said.slice(`${pointer || '/'}: `.length) : said;
        serverProblems = [{ code: e.code, message, pointer, origin: 'proposal' }];
        check();
        return replace(outcome, el('div', { class: 'notice notice-error', attrs: { role: 'alert' } }, el('strong', {}, 'The server refused the rule: see Problems.')));
      }
      const holder = /cs_[a-f0-9]{24}/.exec(e.message ?? '')?.[0];
      replace(outcome, errorBox('The change set was not drafted.', e), holder ? el('a', { href: `#/change-sets/${holder}`, class: 'back-link' }, `Open ${holder}, which already changes this rule`) : null);
    }
  }

  formatButton.addEventListener('click', () => {
    if (!check()) return;
    editor.value = JSON.stringify(JSON.parse(editor.value), null, 2);
    check();
  });
  revertButton.addEventListener('click', () => {
    editor.value = editableText(current);
    serverProblems = [];
    editorStatus.textContent = '';
    check();
  });

  void load();
  return () => {
    cancelled = true;
    clearTimeout(checkTimer);
    backtest?.stop();
  };
}

function editableText(rule) {
  const copy = { ...rule };
  for (const field of SERVER_FIELDS) delete copy[field];
  return JSON.stringify(copy, null, 2);
}

/**
 * What a refused save or backtest says, with a JSON pointer where there is one: RULE_INVALID
 * carries `path`; schema failures (VALIDATION_FAILED) name it at the start of the message
 * ("body/when/all/0 ..."). A backtest sends the rule as `rules[0]`: `prefix` is cut off the
 * path so that it points into the editor; a refusal about something else (the window) is
 * not the rule's problem and gives none.
 */
function problemsOf(error, { origin, prefix = '' }) {
  const inRule = (path) => (path === prefix || path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined);
  if (error.code === 'RULE_INVALID') {
    const path = typeof error.details?.path === 'string' ? error.details.path : undefined;
    const pointer = path === undefined ? undefined : inRule(path);
    // The path is shown on its own; a message that starts with it would say it twice.
    const message = path && error.message.startsWith(`${path}: `) ? error.message.slice(path.length + 2) : error.message;
    return [{ code: error.code, message, pointer, origin }];
  }
  if (error.code === 'VALIDATION_FAILED') {
    const match = /^body(\/\S*)?\s+(.*)$/s.exec(error.message);
    const pointer = match ? inRule(match[1] ?? '') : undefined;
    if (prefix && match && pointer === undefined) return [];
    return [{ code: error.code, message: match ? match[2] : error.message, pointer, origin }];
  }
  if (prefix) return [];
  if (error.status === 400 || error.status === 422) return [{ code: error.code, message: error.message, origin }];
  return [];
}
