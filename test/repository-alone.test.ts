import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The repository stands on its own: a fresh clone with nothing beside it passes its tests,
 * and everything it cites can be opened from it. So no file reads a folder beside the
 * repository, no file names a Markdown document the repository does not hold, and every
 * relative link of its Markdown lands on a file inside it.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** This file holds the patterns and planted examples below: the one file not scanned. */
const THIS_FILE = fileURLToPath(import.meta.url);
/** What a clone does not hold (.gitignore) or is not ours to check. */
const SKIPPED = new Set(['.git', 'node_modules', 'data', 'dist', 'coverage', 'test-artifacts', path.join('bench', 'results')]);
const TEXT = /\.(ts|js|mjs|cjs|json|md|lua|sql|ya?ml|html|css|tsv|sh)$|^(Dockerfile|run)$/;
/** Generated and long; nothing in it is ours to cite. */
const NOT_SCANNED = new Set(['package-lock.json']);

function repositoryFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (SKIPPED.has(entry.name) || SKIPPED.has(path.relative(ROOT, full))) return [];
    if (entry.isDirectory()) return repositoryFiles(full);
    return entry.isFile() && TEXT.test(entry.name) && !NOT_SCANNED.has(entry.name) ? [full] : [];
  });
}

const files = repositoryFiles().filter((f) => f !== THIS_FILE);
const markdownNames = new Set(files.filter((f) => f.endsWith('.md')).map((f) => path.basename(f)));

const READS_OUTSIDE: ReadonlyArray<[RegExp, string]> = [
  [/\.\.\/shared\b/g, 'a path into a folder beside the repository'],
  [/['"]\.\.['"]\s*,\s*['"]shared['"]/g, 'a path into a folder beside the repository'],
  [/\b\w*(?:root|Root|ROOT)\w*\s*,\s*['"]\.\.['"]/g, 'a path above the repository root'],
];
const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi;
const MARKDOWN_NAME = /(?<![\w/.-])(?:\.{1,2}\/)*[\w-][\w./-]*\.md\b/g;
const MARKDOWN_LINK = /\]\(([^)\s]+)\)/g;

const inside = (target: string) => target === ROOT || target.startsWith(ROOT + path.sep);

/** Every way `text`, the content of `file`, reaches outside the repository: one line each. */
function outsideReferences(file: string, text: string): string[] {
  const found: string[] = [];
  const at = (index: number) => `${path.relative(ROOT, file)}:${text.slice(0, index).split('\n').length}`;
  for (const [pattern, what] of READS_OUTSIDE) {
    for (const m of text.matchAll(pattern)) found.push(`${at(m.index)} ${what}: ${m[0]}`);
  }
  // A Markdown document named anywhere (a comment, a description, a doc) must be one the repository holds.
  const withoutUrls = text.replace(URL_PATTERN, (url) => ' '.repeat(url.length));
  for (const m of withoutUrls.matchAll(MARKDOWN_NAME)) {
    const name = m[0];
    const held = name.includes('/')
      ? [path.resolve(path.dirname(file), name), path.resolve(ROOT, name)].some((p) => inside(p) && existsSync(p))
      : markdownNames.has(name);
    if (!held) found.push(`${at(m.index)} a document the repository does not hold: ${name}`);
  }
  if (file.endsWith('.md')) {
    for (const m of text.matchAll(MARKDOWN_LINK)) {
      const target = m[1]!.replace(/#.*$/, '');
      if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const resolved = path.resolve(path.dirname(file), target);
      if (!inside(resolved) || !existsSync(resolved)) found.push(`${at(m.index)} a link to nothing in the repository: ${m[1]}`);
    }
  }
  return found;
}

describe('the repository stands on its own', () => {
  it('has its files to check, code and docs alike', () => {
    expect(files.length).toBeGreaterThan(100);
    for (const file of ['README.md', 'docs/api.md', 'server/app.ts', 'switch/qr/vectors/emvco-mpm-vectors.tsv']) {
      expect(files).toContain(path.join(ROOT, file));
    }
  });

  it('reads nothing outside itself and cites only documents it holds', () => {
    const found = files.flatMap((file) => outsideReferences(file, readFileSync(file, 'utf8')));
    expect(found).toEqual([]);
  });

  it('names each kind of reference that leaves the repository', () => {
    const code = [
      "const f = readFileSync('../shared/data/vectors.tsv');",
      "const g = path.join(dataRoot, '..', 'shared', 'data');",
      "const h = path.resolve(REPOSITORY_ROOT, '..', 'elsewhere');",
      '/** Signing (CONTRACT.md): HMAC over the request; see docs/nowhere.md, and docs/api.md, which exists. */',
    ].join('\n');
    const what = (lines: string[]) => lines.map((line) => line.replace(/^\S+ /, ''));
    expect(what(outsideReferences(path.join(ROOT, 'switch', 'example.ts'), code))).toEqual([
      'a path into a folder beside the repository: ../shared',
      "a path into a folder beside the repository: '..', 'shared'",
      "a path above the repository root: dataRoot, '..'",
      "a path above the repository root: REPOSITORY_ROOT, '..'",
      'a document the repository does not hold: CONTRACT.md',
      'a document the repository does not hold: docs/nowhere.md',
    ]);
    const doc = '[api](api.md), [out](../../outside.md), [gone](missing.html#top), [web](https://example.com/x.md), [here](#errors)';
    expect(what(outsideReferences(path.join(ROOT, 'docs', 'example.md'), doc))).toEqual([
      'a document the repository does not hold: ../../outside.md',
      'a link to nothing in the repository: ../../outside.md',
      'a link to nothing in the repository: missing.html#top',
    ]);
  });
});
