import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type PlatformProcess } from '../bench/platform-process.ts';
import { startRedisServer, type RedisProcess } from '../server/redis-process.ts';
import { devCredentials, repoRoot, startTestPlatform } from './support/platform.ts';
import { eventually } from './support/traffic.ts';

/**
 * Screening lists: uploaded whole, numbered per name, refused whole on a bad line (the live
 * version staying), recorded in ClickHouse, and followed by every process sharing the Redis:
 * here the whole platform in this process and a console node as a child process.
 */

const SAMPLE = readFileSync(path.join(repoRoot, 'screening', 'lists', 'sample.ftm.ndjson'), 'utf8');
/** A party no sample entry resembles: found only once a version holding it is live. */
const NEW_PARTY = { id: 'cpg-test-zorbanek', schema: 'Person', properties: { name: ['Zorbanek Quillfeather'], alias: ['Зорбанек Квиллфезер'] }, topics: ['sanction'] };
const line = (entity: object) => `${JSON.stringify(entity)}\n`;
const person = (id: string, name: string) => line({ id, schema: 'Person', properties: { name: [name] }, topics: ['sanction'] });

interface Uploaded {
  name: string;
  version: number;
  entities: number;
  names: number;
  liveVersion: number;
}
interface Candidate {
  entityId: string;
  list: string;
  version: number;
  score: number;
}

describe('screening lists', () => {
  let dir: string;
  let redis: RedisProcess;
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  let consoleNode: PlatformProcess;
  const tokens: Record<string, string> = {};
  const passwords = new Map(devCredentials().users.map((u) => [u.username, u.password]));

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cpg-screening-lists-'));
    redis = await startRedisServer({ dir });
    platform = await startTestPlatform({ REDIS_URL: redis.url });
    consoleNode = await startPlatform({ env: { ROLE: 'console', REDIS_URL: redis.url }, healthTimeoutMs: 90_000 });
    for (const username of ['admin', 'compliance', 'risk.officer', 'siam.analyst']) {
      const r = await platform.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password: passwords.get(username) } });
      expect(r.statusCode, r.body).toBe(200);
      tokens[username] = r.json().token as string;
    }
  }, 180_000);

  afterAll(async () => {
    await consoleNode?.stop(30_000);
    await platform?.stop();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const auth = (username: string) => ({ authorization: `Bearer ${tokens[username]}` });
  const upload = (name: string, body: string, username = 'compliance') =>
    platform.app.inject({ method: 'PUT', url: `/v1/screening/lists/${name}`, headers: { ...auth(username), 'content-type': 'application/x-ndjson' }, payload: body });
  const check = async (name: string) => {
    const r = await platform.app.inject({ method: 'POST', url: '/v1/screening/check', headers: auth('risk.officer'), payload: { name } });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { candidates: Candidate[]; lists: string };
  };
  const liveLists = async () => {
    const r = await platform.app.inject({ method: 'GET', url: '/v1/screening/lists', headers: auth('compliance') });
    expect(r.statusCode, r.body).toBe(200);
    return (r.json() as { lists: Array<{ name: string; version: number; entities: number; uploadedBy: string; installedVersion: number; sha256: string }> }).lists;
  };

  it("starts with the config's sample list as its first version, screened in any script", async () => {
    const [sample] = await liveLists();
    expect(sample).toMatchObject({ name: 'sample', version: 1, uploadedBy: 'config', installedVersion: 1 });
    for (const name of ['Kim Jong Un', '김정은', '金正恩', 'Jong-un KIM']) {
      const { candidates, lists } = await check(name);
      expect([name, candidates[0]]).toMatchObject([name, { entityId: 'cpg-sample-kim-jong-un', list: 'sample', version: 1 }]);
      expect(lists).toBe('sample:1');
    }
  });

  it('makes an upload the live version at once, records it in ClickHouse and audits it', async () => {
    expect((await check('Zorbanek Quillfeather')).candidates).toEqual([]);
    const r = await upload('sample', SAMPLE + line(NEW_PARTY));
    expect(r.statusCode, r.body).toBe(200);
    const uploaded = r.json() as Uploaded;
    const before = (await liveLists()).find((l) => l.name === 'sample')!;
    expect(uploaded).toMatchObject({ name: 'sample', version: 2, liveVersion: 2 });
    expect(before).toMatchObject({ version: 2, uploadedBy: 'compliance', installedVersion: 2, entities: uploaded.entities });
    const { candidates } = await check('Quillfeather Zorbanek');
    expect(candidates[0]).toMatchObject({ entityId: 'cpg-test-zorbanek', list: 'sample', version: 2 });

    const client = platform.clickhouse.client;
    const versions = await (
      await client.query({ query: "SELECT version, uploaded_by, entities, sha256 FROM cpg.screening_list_versions FINAL WHERE name = 'sample' ORDER BY version", format: 'JSONEachRow' })
    ).json<{ version: number; uploaded_by: string; entities: number; sha256: string }>();
    expect(versions).toEqual([
      expect.objectContaining({ version: 1, uploaded_by: 'config' }),
      { version: 2, uploaded_by: 'compliance', entities: uploaded.entities, sha256: before.sha256 },
    ]);
    const [stored] = await (
      await client.query({ query: "SELECT toUInt32(count()) AS n FROM cpg.screening_list_entities FINAL WHERE name = 'sample' AND version = 2", format: 'JSONEachRow' })
    ).json<{ n: number }>();
    expect(stored!.n).toBe(uploaded.entities);
    await expect
      .poll(async () =>
        (await (await client.query({ query: "SELECT actor, outcome, details FROM cpg.audit_log WHERE action = 'screening.list.upload' AND outcome = 'ok'", format: 'JSONEachRow' })).json<{ actor: string; details: string }>()).map((a) => ({
          actor: a.actor,
          details: JSON.parse(a.details) as object,
        })),
      )
      .toContainEqual({ actor: 'compliance', details: expect.objectContaining({ version: 2, entities: uploaded.entities, names: uploaded.names, sha256: before.sha256 }) });
  });

  it('numbers concurrent uploads to two nodes apart and leaves the higher number live', async () => {
    const [a, b] = ['A', 'B'].map((x) => person(`cpg-test-${x}`, `Vellacourt Ostrander${x}`));
    const answers = await Promise.all([
      upload('concurrent', a!).then((r) => r.json() as Uploaded),
      fetch(`${consoleNode.url}/v1/screening/lists/concurrent`, { method: 'PUT', headers: { ...auth('admin'), 'content-type': 'application/x-ndjson' }, body: b! }).then(
        async (r) => (await r.json()) as Uploaded,
      ),
    ]);
    expect(answers.map((x) => x.version).sort()).toEqual([1, 2]);
    await eventually(
      async () => (await liveLists()).find((l) => l.name === 'concurrent'),
      (live) => live?.version === 2 && live.installedVersion === 2,
      5000,
    );
  });

  it('refuses a malformed list with its code and first bad line, and keeps the live version', async () => {
    const live = (await liveLists()).find((l) => l.name === 'sample')!;
    const cases = [
      { body: person('cpg-test-ok', 'Ardent Mallory') + '{"id": "cpg-test-x", "schema": \n', status: 400, code: 'SCREENING_LIST_INVALID_JSON', line: 2 },
      { body: person('cpg-test-ok', 'Ardent Mallory') + '\n' + line({ id: 'cpg-test-y', schema: 'Person', properties: { birthDate: ['1970'] } }), status: 422, code: 'SCREENING_LIST_ENTITY_INVALID', line: 3 },
      { body: line({ id: 'cpg-test-z', schema: 'Person', properties: { name: 'Not A List' } }), status: 422, code: 'SCREENING_LIST_ENTITY_INVALID', line: 1 },
      { body: line({ id: 'cpg-test-s', schema: 'Sanction', properties: { program: ['x'] } }), status: 422, code: 'SCREENING_LIST_EMPTY', line: undefined },
    ];
    for (const c of cases) {
      const r = await upload('sample', c.body);
      expect([r.statusCode, r.json().error?.code, r.json().error?.line], r.body).toEqual([c.status, c.code, c.line]);
    }
    expect((await liveLists()).find((l) => l.name === 'sample')).toMatchObject({ version: live.version, installedVersion: live.version });
    expect((await check('Zorbanek Quillfeather')).candidates[0]).toMatchObject({ entityId: 'cpg-test-zorbanek', version: live.version });
  });

  it('refuses 100 MB of junk after reading its first kilobytes, over HTTP, and keeps the live version', async () => {
    const live = (await liveLists()).find((l) => l.name === 'sample')!;
    const declared = 100 * 1024 * 1024;
    const { status, body, written } = await new Promise<{ status: number; body: string; written: number }>((resolve, reject) => {
      let written = 0;
      let answered = false;
      const req = httpRequest(`${consoleNode.url}/v1/screening/lists/sample`, {
        method: 'PUT',
        headers: { ...auth('admin'), 'content-type': 'application/x-ndjson', 'content-length': String(declared) },
      });
      let writtenBeforeAnswer = 0;
      req.on('response', (res) => {
        answered = true;
        writtenBeforeAnswer = written;
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: text, written: writtenBeforeAnswer });
          req.destroy();
        });
      });
      // The server closes the connection once it has answered: writes after that fail.
      req.on('error', (e) => (answered ? undefined : reject(e)));
      const pump = () => {
        while (!answered && written < declared) {
          const chunk = randomBytes(64 * 1024);
          written += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (written >= declared) req.end();
      };
      pump();
    });
    // Random bytes: the first bad line is not UTF-8, or (a short line of ASCII bytes) not JSON.
    expect(status).toBe(400);
    expect(['SCREENING_LIST_NOT_UTF8', 'SCREENING_LIST_INVALID_JSON']).toContain(JSON.parse(body).error.code);
    expect(JSON.parse(body).error.line).toBeGreaterThan(0);
    // What was sent before the answer came, the sockets' buffers included: a few megabytes, not a hundred.
    expect(written).toBeLessThan(16 * 1024 * 1024);
    expect((await liveLists()).find((l) => l.name === 'sample')).toMatchObject({ version: live.version, installedVersion: live.version });
  });

  it('reads one upload at a time on a node: a second one meanwhile is refused 409, and the first still lands', async () => {
    const first = `${person('cpg-test-slow-1', 'Ottoline Brackenbury')}${person('cpg-test-slow-2', 'Peregrine Vasquillo')}`;
    const cut = first.indexOf('\n') + 1;
    // The first upload sends its first line and holds the rest back: the node is reading it.
    const slow = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${consoleNode.url}/v1/screening/lists/slow`, {
        method: 'PUT',
        headers: { ...auth('admin'), 'content-type': 'application/x-ndjson', 'content-length': String(Buffer.byteLength(first)) },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.write(first.slice(0, cut));
      setTimeout(() => {
        void (async () => {
          const second = await fetch(`${consoleNode.url}/v1/screening/lists/other`, {
            method: 'PUT',
            headers: { ...auth('compliance'), 'content-type': 'application/x-ndjson' },
            body: person('cpg-test-other', 'Evander Quist'),
          });
          busy = { status: second.status, body: await second.json() };
          req.end(first.slice(cut));
        })().catch(reject);
        // Long enough for the first upload's handler to have started reading, on a loaded machine too.
      }, 1000);
    });
    let busy: { status: number; body: unknown } | undefined;
    const done = await slow;
    expect(busy).toMatchObject({ status: 409, body: { error: { code: 'SCREENING_LIST_UPLOAD_BUSY' } } });
    expect(done.status, done.body).toBe(200);
    expect(JSON.parse(done.body)).toMatchObject({ name: 'slow', entities: 2 });
    // Once it is answered, the next upload is read.
    const after = await fetch(`${consoleNode.url}/v1/screening/lists/other`, {
      method: 'PUT',
      headers: { ...auth('compliance'), 'content-type': 'application/x-ndjson' },
      body: person('cpg-test-other', 'Evander Quist'),
    });
    expect(after.status).toBe(200);
  });

  it('lets admin and compliance upload, and risk officers read and check; others are refused', async () => {
    const body = person('cpg-test-roles', 'Tamsin Orlavy');
    expect((await upload('roles', body, 'risk.officer')).statusCode).toBe(403);
    expect((await upload('roles', body, 'siam.analyst')).statusCode).toBe(403);
    const anonymous = await platform.app.inject({ method: 'PUT', url: '/v1/screening/lists/roles', headers: { 'content-type': 'application/x-ndjson' }, payload: body });
    expect([anonymous.statusCode, anonymous.json().error.code]).toEqual([401, 'AUTH_TOKEN_MISSING']);
    const analyst = await platform.app.inject({ method: 'POST', url: '/v1/screening/check', headers: auth('siam.analyst'), payload: { name: 'Kim Jong Un' } });
    expect([analyst.statusCode, analyst.json().error.code]).toEqual([403, 'FORBIDDEN_ROLE']);
    expect((await upload('roles', body, 'admin')).statusCode).toBe(200);
    // JSON is not a list's media type.
    const json = await platform.app.inject({ method: 'PUT', url: '/v1/screening/lists/roles', headers: auth('admin'), payload: { id: 'x' } });
    expect([json.statusCode, json.json().error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('has an upload on this process screened by the console process within a second', async () => {
    const consoleCheck = async (name: string) => {
      const r = await fetch(`${consoleNode.url}/v1/screening/check`, { method: 'POST', headers: { ...auth('risk.officer'), 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
      expect(r.status).toBe(200);
      return (await r.json()) as { candidates: Candidate[]; lists: string };
    };
    const first = await consoleCheck('Quillfeather Zorbanek');
    expect(first.candidates[0], JSON.stringify(first)).toMatchObject({ entityId: 'cpg-test-zorbanek' });
    const r = await upload('spread', person('cpg-test-spread', 'Corvin Hallowmere'));
    expect(r.statusCode, r.body).toBe(200);
    const uploadedAt = Date.now();
    const { version } = r.json() as Uploaded;
    let seen: Candidate | undefined;
    while (!seen && Date.now() - uploadedAt < 5000) {
      seen = (await consoleCheck('Corvin Hallowmere')).candidates.find((c) => c.list === 'spread' && c.version === version);
      if (!seen) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const elapsed = Date.now() - uploadedAt;
    expect(seen, 'the console node never screened the new version').toBeDefined();
    expect(elapsed).toBeLessThan(1000);
  });
});
