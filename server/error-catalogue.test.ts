import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorCodes } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ALERT_REFUSALS } from '../analytics/alerts/alert-store.ts';
import { ERROR_CODES, isErrorCode } from '../domain/error-codes.ts';
import { errorTable, README, withErrorTable } from './error-table.ts';
import { NOT_ANSWERED_OVER_HTTP, STATUS_OF_CODE } from './error-statuses.ts';
import { FASTIFY_CODES, statusOf } from './http-errors.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Every file under `folders` (from the repository's root) whose name ends with `suffix`. */
function filesUnder(folders: readonly string[], suffix: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(suffix)) found.push(path);
    }
  };
  for (const folder of folders) walk(join(ROOT, folder));
  return found;
}

/** Each capture of `pattern` in each file, with where it was found. */
function capturesIn(files: readonly string[], pattern: RegExp): Array<{ code: string; where: string }> {
  return files.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(pattern)].map((m) => ({ code: m[1]!, where: relative(ROOT, file) })),
  );
}

const notInCatalogue = (found: ReadonlyArray<{ code: string; where: string }>) =>
  found.filter(({ code }) => !isErrorCode(code)).map(({ code, where }) => `${code} (${where})`);

/** A declined payment's `declineCode`, set by the commit scripts: an answer, not an error. */
const DECLINE_CODES = ['RISK_DECLINED', 'INSUFFICIENT_FUNDS', 'ISSUER_LIMIT_PER_PAYMENT', 'ISSUER_LIMIT_DAILY'];
/** The scripts' own replies, mapped by the switch: a claim that ran out (PROCESSING_TIMEOUT), a replayed nonce (AUTH_NONCE_REUSED), a participant over its budget (RATE_LIMITED). */
const SCRIPT_REPLIES = ['LOST_CLAIM', 'NONCE_REUSED', 'OVER_BUDGET'];

describe('the error catalogue', () => {
  it('names every code in UPPER_SNAKE with a one-line meaning', () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(meaning, code).toMatch(/^\S[^\n]{10,140}$/);
    }
  });

  it('gives every code a status, and a status to no code outside it', () => {
    expect(Object.keys(STATUS_OF_CODE).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const code of NOT_ANSWERED_OVER_HTTP.keys()) expect(isErrorCode(code), code).toBe(true);
  });

  it('holds every code a Lua script refuses with, apart from decline codes and the scripts\' own replies', () => {
    const scripts = filesUnder(['switch', 'rules', 'analytics', 'server'], '.lua');
    expect(scripts.length).toBeGreaterThan(5);
    // Redis commands are single words; a code has an underscore (or is a refusal below).
    const codes = capturesIn(scripts, /'([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g).filter(({ code }) => !DECLINE_CODES.includes(code) && !SCRIPT_REPLIES.includes(code));
    expect(codes.length).toBeGreaterThan(5);
    expect(notInCatalogue(codes)).toEqual([]);
    const refusals = capturesIn(scripts, /(?:reject\(|\{\s*'error',\s*)'([A-Z][A-Z0-9_]*)'/g);
    expect(notInCatalogue(refusals)).toEqual([]);
    for (const code of [...DECLINE_CODES, ...SCRIPT_REPLIES]) expect(isErrorCode(code), code).toBe(false);
  });

  it('knows exactly the codes the alert script refuses with', () => {
    const script = readFileSync(join(ROOT, 'analytics/alerts/lua/changeAlert-1.lua'), 'utf8');
    const refused = [...script.matchAll(/\{'error', '([A-Z_]+)'\}/g)].map((m) => m[1]);
    expect([...new Set(refused)].sort()).toEqual([...ALERT_REFUSALS].sort());
  });

  it("answers each of fastify's own errors with a code of the catalogue and fastify's status", () => {
    const known = errorCodes as unknown as Record<string, new () => { statusCode?: number }>;
    for (const [fastifyCode, code] of Object.entries(FASTIFY_CODES)) {
      const FastifyError = known[fastifyCode];
      expect(FastifyError, `${fastifyCode} is not one of fastify's error codes`).toBeDefined();
      expect(statusOf(code), fastifyCode).toBe(new FastifyError!().statusCode);
    }
  });

  it('holds every code written out in the server and the layers below it, and every code the console acts on', () => {
    const sources = filesUnder(['domain', 'switch', 'rules', 'analytics', 'server'], '.ts').filter((f) => !f.endsWith('.test.ts'));
    // Error bodies and DomainErrors, codes thrown from hooks, socket.io refusals.
    const written = capturesIn(sources, /(?:\bcode: |HttpDomainError\(|new Error\(|callback\()'([A-Z][A-Z0-9_]{3,})'/g);
    expect(written.length).toBeGreaterThan(50);
    expect(notInCatalogue(written)).toEqual([]);
    const console = capturesIn(filesUnder(['dashboards'], '.js'), /\.(?:code|message) === '([A-Z][A-Z0-9_]+)'/g);
    expect(console.length).toBeGreaterThan(3);
    expect(notInCatalogue(console)).toEqual([]);
  });
});

describe('the documented error codes', () => {
  it("are the README's table, generated from the catalogue (npx tsx server/error-table.ts rewrites it)", () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toContain(errorTable());
    expect(withErrorTable(readme)).toBe(readme);
  });

  it('have their status wherever the docs write it before the code, as `422 AMOUNT_OUT_OF_RANGE`', () => {
    const docs = [README, ...filesUnder(['docs'], '.md')];
    const written = docs.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/`(\d{3}) ([A-Z][A-Z0-9_]+)`/g)].map((m) => ({ status: Number(m[1]), code: m[2]!, where: relative(ROOT, file) })),
    );
    expect(written.length).toBeGreaterThan(10);
    const wrong = written.filter(({ status, code }) => !isErrorCode(code) || STATUS_OF_CODE[code] !== status);
    expect(wrong.map(({ status, code, where }) => `${status} ${code} (${where})`)).toEqual([]);
  });
});
