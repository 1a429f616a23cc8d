import { el, replace } from '../dom.js';
import { formatCount } from '../format.js';

/**
 * The form of a report's parameters, built from the JSON Schema the catalog gives: a
 * date-time is a local date and time (sent as an ISO instant), a number a number field, an
 * enum a select, anything else text. Required fields say so, optional ones say "optional"
 * and are left out when empty, so the server's defaults apply. Problems the server names
 * (a JSON Pointer such as /params/corridor) are shown under their field.
 */
const DAY_MS = 86_400_000;
const ACRONYMS = { usd: 'USD', cny: 'CNY', id: 'ID', mcc: 'MCC' };

export function reportParams(schema) {
  const required = new Set(schema?.required ?? []);
  const fields = Object.entries(schema?.properties ?? {}).map(([name, property]) => fieldOf(name, property, required.has(name)));
  const element = el('div', { class: 'param-grid' }, fields.map((f) => f.element));

  return {
    element,
    /** The parameters as the API takes them; empty optional fields left out. */
    values() {
      const params = {};
      for (const f of fields) {
        const value = f.read();
        if (value !== undefined) params[f.name] = value;
      }
      return params;
    },
    /** Marks the field a server problem points at; false when no field matches the path. */
    showProblem(path, message) {
      const name = /^\/params\/([^/]+)/.exec(path ?? '')?.[1]?.replaceAll('~1', '/').replaceAll('~0', '~');
      const f = fields.find((x) => x.name === name);
      if (!f) return false;
      // Under its own field, "params.corridor: must match ..." needs no name.
      f.mark(String(message ?? '').replace(`params.${name}: `, ''));
      f.control.focus();
      return true;
    },
    clearProblems() {
      for (const f of fields) f.mark('');
    },
  };
}

function fieldOf(name, property, isRequired) {
  const id = `param-${name}`;
  const hintId = `${id}-hint`;
  const problemId = `${id}-problem`;
  const kind = kindOf(property);
  const control = controlOf(kind, id, name, property, isRequired);
  control.setAttribute('aria-describedby', `${problemId} ${hintId}`);
  const problem = el('span', { class: 'field-problem', id: problemId, attrs: { role: 'alert' } });
  const element = el(
    'div',
    { class: 'field param-field', dataset: { param: name } },
    el(
      'label',
      { class: 'field-label', htmlFor: id },
      labelOf(name),
      isRequired ? el('span', { class: 'field-required' }, ' required') : el('span', { class: 'field-optional' }, ' optional'),
    ),
    control,
    problem,
    el('span', { class: 'field-hint', id: hintId }, hintOf(kind, property)),
  );
  return {
    name,
    element,
    control,
    read: () => readValue(kind, control.value),
    mark(message) {
      replace(problem, message || null);
      element.classList.toggle('field-invalid', Boolean(message));
      if (message) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    },
  };
}

function kindOf(property) {
  if (Array.isArray(property.enum)) return 'enum';
  if (property.type === 'integer' || property.type === 'number') return property.type;
  if (property.type === 'boolean') return 'boolean';
  if (property.type === 'string' && property.format === 'date-time') return 'date-time';
  return 'text';
}

function controlOf(kind, id, name, property, isRequired) {
  if (kind === 'enum' || kind === 'boolean') {
    const options = kind === 'enum' ? property.enum.map((v) => [String(v), String(v)]) : [['true', 'yes'], ['false', 'no']];
    const hasDefault = property.default !== undefined;
    return el(
      'select',
      { id, name },
      // Without a default an optional enum can be left out: "any".
      !hasDefault && !isRequired ? el('option', { value: '' }, 'Any') : null,
      options.map(([value, text]) =>
        el('option', { value, selected: hasDefault && String(property.default) === value }, hasDefault && String(property.default) === value ? `${text} (default)` : text),
      ),
    );
  }
  if (kind === 'date-time') {
    return el('input', { id, name, type: 'datetime-local', step: 60, value: localInputValue(defaultTime(name)), required: isRequired });
  }
  if (kind === 'integer' || kind === 'number') {
    return el('input', {
      id,
      name,
      type: 'number',
      inputMode: kind === 'integer' ? 'numeric' : 'decimal',
      step: kind === 'integer' ? 1 : 'any',
      min: property.minimum,
      max: property.maximum,
      placeholder: property.default !== undefined ? `default ${formatDefault(property.default)}` : '',
    });
  }
  return el('input', {
    id,
    name,
    type: 'text',
    autocomplete: 'off',
    spellcheck: false,
    maxLength: property.maxLength ?? 200,
    placeholder: exampleOf(property.description) ?? '',
  });
}

function readValue(kind, raw) {
  const value = String(raw ?? '').trim();
  if (value === '') return undefined;
  if (kind === 'date-time') {
    const at = new Date(value);
    return Number.isNaN(at.getTime()) ? value : at.toISOString();
  }
  // A number the browser could not read is sent as typed, so the server names the problem.
  if (kind === 'integer' || kind === 'number') return Number.isFinite(Number(value)) ? Number(value) : value;
  if (kind === 'boolean') return value === 'true';
  return value;
}

/** Defaults for a window: the last seven calendar days, today included, in local time. */
function defaultTime(name) {
  const startOfToday = new Date();
  startOfToday.setHours(0, 0, 0, 0);
  if (name === 'to') return new Date(startOfToday.getTime() + DAY_MS);
  return new Date(startOfToday.getTime() - 6 * DAY_MS);
}

const pad = (n) => String(n).padStart(2, '0');

/** A Date as the value of a datetime-local input (local time, minutes). */
function localInputValue(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function hintOf(kind, property) {
  const parts = [];
  if (property.description) parts.push(kind === 'date-time' ? property.description.replace(/\s*\(RFC 3339[^)]*\)/, '') : property.description);
  if (kind === 'date-time') parts.push(`your time zone (${timeZone()})`);
  if ((kind === 'integer' || kind === 'number') && property.minimum !== undefined && property.maximum !== undefined) {
    parts.push(`${formatDefault(property.minimum)} to ${formatDefault(property.maximum)}`);
  }
  return parts.join(' · ');
}

function timeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local';
}

const formatDefault = (n) => (Number.isInteger(n) ? formatCount(n) : String(n));

/** The first quoted example of a description: 'Only this corridor, e.g. "TH-CN"' -> 'TH-CN'. */
function exampleOf(description) {
  const match = /e\.g\. "([^"]{1,60})"/.exec(description ?? '');
  return match ? `e.g. ${match[1]}` : undefined;
}

/** thresholdUsd -> "Threshold USD", walletId -> "Wallet ID". */
function labelOf(name) {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(/[\s_-]+/).map((w) => ACRONYMS[w.toLowerCase()] ?? w.toLowerCase());
  const first = words[0] ?? name;
  words[0] = first === first.toUpperCase() ? first : first.charAt(0).toUpperCase() + first.slice(1);
  return words.join(' ');
}
