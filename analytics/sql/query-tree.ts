/**
 * The text dump of `EXPLAIN QUERY TREE` read back into a tree. Each line is either a
 * node (`FUNCTION id: 7, function_name: plus, ...`) or a section header (`JOIN TREE`,
 * `ARGUMENTS`, `SETTINGS max_threads=1`), two spaces of indentation per level.
 *
 * The dump prints identifiers, aliases and some string values raw, so it is only read
 * after the statement's tokens were checked (plain quoted identifiers, no line breaks in
 * string literals: see statement.ts); `nodeIdsInOrder` is a second, cheap consistency check.
 */
export interface TreeLine {
  /** `FUNCTION`, `QUERY`, `CROSS JOIN`... for a node; the whole text for a header. */
  label: string;
  /** The line as printed, without its indentation: `fields` splits on ", ", which a string constant may hold. */
  text: string;
  /** Set for nodes, absent for headers. */
  id?: number;
  fields: Map<string, string>;
  depth: number;
  parent?: TreeLine;
  children: TreeLine[];
}

const NODE = /^([A-Z][A-Z_]*(?: [A-Z_]+)*) id: (\d+)(?:, (.*))?$/;

/** Fields of a node line. Names never hold ", " once the tokens are checked; a string constant may (see `text`). */
function fieldsOf(rest: string | undefined): Map<string, string> {
  const fields = new Map<string, string>();
  if (!rest) return fields;
  for (const part of rest.split(', ')) {
    const colon = part.indexOf(': ');
    if (colon > 0) fields.set(part.slice(0, colon), part.slice(colon + 2));
  }
  return fields;
}

/** A forest under one synthetic root, so a dump with several top-level lines still parses. */
export function parseQueryTree(lines: string[]): TreeLine {
  const root: TreeLine = { label: '', text: '', fields: new Map(), depth: -1, children: [] };
  const stack: TreeLine[] = [root];
  for (const raw of lines) {
    if (raw.trim() === '') continue;
    const indent = raw.length - raw.trimStart().length;
    const text = raw.trim();
    const m = NODE.exec(text);
    const line: TreeLine = m
      ? { label: m[1]!, text, id: Number(m[2]), fields: fieldsOf(m[3]), depth: Math.floor(indent / 2), children: [] }
      : { label: text, text, fields: new Map(), depth: Math.floor(indent / 2), children: [] };
    while (stack.length > 1 && stack[stack.length - 1]!.depth >= line.depth) stack.pop();
    line.parent = stack[stack.length - 1]!;
    line.parent.children.push(line);
    stack.push(line);
  }
  return root;
}

export function* walk(node: TreeLine): Generator<TreeLine> {
  for (const child of node.children) {
    yield child;
    yield* walk(child);
  }
}

/** Node ids of an unresolved tree are 0, 1, 2... in print order; anything else is a dump we misread. */
export function nodeIdsInOrder(root: TreeLine): boolean {
  let next = 0;
  for (const line of walk(root)) {
    if (line.id === undefined) continue;
    if (line.id !== next) return false;
    next += 1;
  }
  return next > 0;
}

export function ancestors(line: TreeLine): TreeLine[] {
  const found: TreeLine[] = [];
  for (let p = line.parent; p; p = p.parent) found.push(p);
  return found;
}
