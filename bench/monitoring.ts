import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPOSITORY_ROOT } from './platform-process.ts';

/**
 * The Authorization header monitoring sends for /metrics and the details of GET /health: the
 * bearer token of the config's `monitoring.token` (the development config's by default, which
 * is public like every development secret).
 */
export function monitoringHeaders(configPath = path.join(REPOSITORY_ROOT, 'config', 'development.json')): { authorization: string } {
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as { monitoring?: { token?: unknown } };
  const token = config.monitoring?.token;
  if (typeof token !== 'string') throw new Error(`${configPath} has no monitoring.token: /metrics and /health's details need one`);
  return { authorization: `Bearer ${token}` };
}
