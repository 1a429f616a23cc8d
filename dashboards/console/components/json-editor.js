import { el } from '../dom.js';

/**
 * A plain textarea with line numbers: fast, no dependency, and the browser's own undo.
 * Lines with a problem are marked in the gutter; `select` jumps to a span of text.
 */
export function jsonEditor({ value = '', readOnly = false, label = 'Rule JSON', onInput } = {}) {
  const gutter = el('div', { class: 'editor-gutter', attrs: { 'aria-hidden': 'true' } });
  const text = el('textarea', {
    class: 'editor-text',
    value,
    readOnly,
    spellcheck: false,
    attrs: { wrap: 'off', 'aria-label': label, autocomplete: 'off', autocapitalize: 'off' },
  });
  const element = el('div', { class: `editor${readOnly ? ' editor-readonly' : ''}` }, gutter, text);
  let marked = new Set();

  const renderGutter = () => {
    const lines = text.value.split('\n').length;
    if (gutter.childElementCount !== lines) {
      gutter.replaceChildren(...Array.from({ length: lines }, (_, k) => el('div', { class: 'editor-line' }, String(k + 1))));
    }
    gutter.querySelectorAll('.editor-line').forEach((line, k) => line.classList.toggle('editor-line-error', marked.has(k + 1)));
    gutter.scrollTop = text.scrollTop;
  };

  text.addEventListener('input', () => {
    renderGutter();
    onInput?.(text.value);
  });
  text.addEventListener('scroll', () => {
    gutter.scrollTop = text.scrollTop;
  });
  text.addEventListener('keydown', (event) => {
    // Tab indents instead of leaving the editor; Escape then Tab still leaves it.
    if (event.key !== 'Tab' || event.shiftKey || readOnly) return;
    event.preventDefault();
    text.setRangeText('  ', text.selectionStart, text.selectionEnd, 'end');
    text.dispatchEvent(new Event('input'));
  });
  renderGutter();

  return {
    element,
    textarea: text,
    get value() {
      return text.value;
    },
    set value(v) {
      text.value = v;
      renderGutter();
    },
    /** Marks these 1-based line numbers as having errors (replacing previous marks). */
    markLines(lines) {
      marked = new Set(lines);
      renderGutter();
    },
    /** Selects [start, end) and scrolls it into view. */
    select(start, end) {
      text.focus();
      text.setSelectionRange(start, end);
      const lineHeight = parseFloat(getComputedStyle(text).lineHeight) || 20;
      const line = text.value.slice(0, start).split('\n').length;
      text.scrollTop = Math.max(0, (line - 3) * lineHeight);
      gutter.scrollTop = text.scrollTop;
    },
  };
}
