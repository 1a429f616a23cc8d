import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { HelmetOptions } from 'helmet';
import { helmetHeaders } from './security-headers.ts';

/** The scripts of the OpenAPI UI that render inline `<style>` elements (React's createElement("style", null, "...")). */
const UI_SCRIPTS = ['swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js'];
const INLINE_STYLE = /createElement\("style",null,("(?:[^"\\]|\\.)*")\)/g;

/**
 * The CSP hashes ('sha256-...') of the inline styles the OpenAPI UI's scripts render: its
 * logo is an SVG with a `<style>` inside. Read from the scripts served, so an upgrade of
 * swagger-ui brings its own hashes.
 */
export function openapiUiStyleHashes(): string[] {
  const require = createRequire(import.meta.url);
  const dir = path.join(path.dirname(require.resolve('@fastify/swagger-ui/package.json')), 'static');
  const hashes = new Set<string>();
  for (const file of UI_SCRIPTS) {
    for (const match of readFileSync(path.join(dir, file), 'utf8').matchAll(INLINE_STYLE)) {
      const css = JSON.parse(match[1]!) as string;
      hashes.add(`'sha256-${createHash('sha256').update(css).digest('base64')}'`);
    }
  }
  return [...hashes].sort();
}

/**
 * The OpenAPI UI at /docs (docs/api.md), under the platform's CSP with one addition: the
 * hashes of its own inline styles, on its routes only. Still no 'unsafe-inline' anywhere.
 */
export default async function openapiUi(app: FastifyInstance, options: { securityHeaders: HelmetOptions }) {
  const csp = options.securityHeaders.contentSecurityPolicy;
  const directives = typeof csp === 'object' ? (csp.directives ?? {}) : {};
  const styleSrc = [...((directives.styleSrc as string[] | undefined) ?? ["'self'"]), ...openapiUiStyleHashes()];
  const policy = helmetHeaders({ ...options.securityHeaders, contentSecurityPolicy: { ...(typeof csp === 'object' ? csp : {}), directives: { ...directives, styleSrc } } })[
    'content-security-policy'
  ];
  await app.register(swaggerUi, { routePrefix: '/docs', ...(policy ? { staticCSP: policy } : {}) });
}
