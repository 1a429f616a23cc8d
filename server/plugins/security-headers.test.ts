import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import helmet from 'helmet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../app.ts';
import securityHeaders, { helmetHeaders } from './security-headers.ts';

/** What helmet's own middleware puts on a real response for the same options. */
async function helmetOnRealResponse(): Promise<Record<string, string>> {
  const middleware = helmet(SECURITY_HEADERS);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => middleware(req, res, () => res.end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name)) headers[name] = value;
    });
    return headers;
  } finally {
    server.close();
  }
}

describe('security headers', () => {
  const app = Fastify();
  beforeAll(async () => {
    await app.register(securityHeaders, SECURITY_HEADERS);
    app.get('/v1/thing', async () => ({ ok: true }));
    app.get('/fails', async () => {
      throw new Error('boom');
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it('are exactly the headers helmet itself sets for the platform options', async () => {
    expect(helmetHeaders(SECURITY_HEADERS)).toEqual(await helmetOnRealResponse());
  });

  it('are on answers, errors and unknown routes alike', async () => {
    for (const url of ['/v1/thing', '/fails', '/nowhere']) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.headers['x-content-type-options'], url).toBe('nosniff');
      expect(r.headers['strict-transport-security'], url).toMatch(/max-age=\d+/);
      expect(r.headers['x-frame-options'], url).toBe('SAMEORIGIN');
      const csp = String(r.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("connect-src 'self'");
      expect(csp, url).not.toContain('upgrade-insecure-requests');
      expect(r.headers['x-powered-by'], url).toBeUndefined();
    }
  });

  it('refuses options helmet refuses, at start-up', () => {
    expect(() => helmetHeaders({ contentSecurityPolicy: { directives: { defaultSrc: ['self'] } } })).toThrow(/self/);
  });
});
