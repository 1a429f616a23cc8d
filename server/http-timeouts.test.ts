import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { validateConfigFile } from './config/load.ts';
import { DEFAULT_HTTP_LIMITS, httpLimitsOf, serverTimeouts } from './http-timeouts.ts';

/** The config's `http` block and what it becomes on Node's HTTP server under fastify 5. */
describe('HTTP timeouts', () => {
  const config = JSON.parse(readFileSync(new URL('../config/development.json', import.meta.url), 'utf8')) as Record<string, unknown>;

  it('takes each limit from the config file, the default for what is left out', () => {
    expect(httpLimitsOf(undefined)).toEqual(DEFAULT_HTTP_LIMITS);
    expect(httpLimitsOf(validateConfigFile({ ...config, http: { requestTimeoutMs: 20_000 } }).http)).toEqual({ ...DEFAULT_HTTP_LIMITS, requestTimeoutMs: 20_000 });
  });

  it('refuses limits that cannot work, naming the field', () => {
    expect(() => validateConfigFile({ ...config, http: { headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 } })).toThrow(
      /http\.headersTimeoutMs: must not be above http\.requestTimeoutMs \(10000\)/,
    );
    // Against the default request timeout too.
    expect(() => validateConfigFile({ ...config, http: { headersTimeoutMs: DEFAULT_HTTP_LIMITS.requestTimeoutMs + 1 } })).toThrow(/http\.headersTimeoutMs/);
    expect(() => validateConfigFile({ ...config, http: { requestTimeoutMs: 0 } })).toThrow(/http\.requestTimeoutMs/);
    expect(() => validateConfigFile({ ...config, http: { maxConnectionsPerAddress: 0 } })).toThrow(/http\.maxConnectionsPerAddress/);
    expect(() => validateConfigFile({ ...config, http: { idleTimeoutMs: 5000 } })).toThrow(/http\.idleTimeoutMs: unknown field/);
  });

  it("reach Node's server through fastify: request and keep-alive timeouts as fastify's own options, the headers timeout through `http`", async () => {
    const limits = { ...DEFAULT_HTTP_LIMITS, headersTimeoutMs: 1234, requestTimeoutMs: 5678, keepAliveTimeoutMs: 4321, timeoutCheckIntervalMs: 250 };
    const app = Fastify(serverTimeouts(limits));
    try {
      expect({ headers: app.server.headersTimeout, request: app.server.requestTimeout, keepAlive: app.server.keepAliveTimeout }).toEqual({
        headers: 1234,
        request: 5678,
        keepAlive: 4321,
      });
      // fastify's defaults, had the limits gone through `http` only: no request timeout at all.
      const naive = Fastify({ http: { headersTimeout: 1234, requestTimeout: 5678, keepAliveTimeout: 4321 } });
      expect({ request: naive.server.requestTimeout, keepAlive: naive.server.keepAliveTimeout }).toEqual({ request: 0, keepAlive: 72_000 });
      await naive.close();
    } finally {
      await app.close();
    }
  });
});
