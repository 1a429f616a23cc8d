/**
 * Building DOM from data without ever parsing it as HTML: every value goes in through
 * textContent or a property, so nothing an alert or a rule contains can become markup.
 */

/**
 * el('a', { href: '#/x', class: 'link', onclick: fn, dataset: { id } }, 'text', child, [more])
 * Keys starting with "on" add listeners; `class` sets className; `dataset` fills data-*;
 * `style` sets CSS properties ({ width: '40%', '--tile-accent': c }) through the CSSOM, the
 * only way the page's CSP (no inline styles) lets a script style an element; `attrs` sets
 * attributes verbatim (never `style`); everything else is assigned as a property.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'style') {
      for (const [property, v] of Object.entries(value)) node.style.setProperty(property, String(v));
    }
    else if (key === 'attrs') {
      for (const [a, v] of Object.entries(value)) if (v !== undefined && v !== null) node.setAttribute(a, String(v));
    }
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node[key] = value;
  }
  append(node, children);
  return node;
}

/** Appends children: nodes as they are, strings and numbers as text, arrays flattened, null skipped. */
export function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces everything inside `node` with `children`. */
export function replace(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

/** A definition list from [label, value] pairs; empty values show as an em dash. */
export function facts(pairs, className = 'facts') {
  return el(
    'dl',
    { class: className },
    pairs.map(([label, value]) => [el('dt', {}, label), el('dd', {}, isEmpty(value) ? '—' : value)]),
  );
}

function isEmpty(value) {
  return value === undefined || value === null || value === '';
}

/** A message box for failures: what was attempted and what the server said. */
export function errorBox(title, error) {
  return el(
    'div',
    { class: 'notice notice-error', attrs: { role: 'alert' } },
    el('strong', {}, title),
    error ? el('span', { class: 'notice-detail' }, describeError(error)) : null,
  );
}

/** "CODE: message" for an ApiError, the message for anything else. */
export function describeError(error) {
  if (error && error.code) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
