import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../server/config/load.ts';
import { startPlatform, type Platform, type PlatformHooks } from '../../server/platform.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface DevCredentials {
  participants: Array<{ id: string; kind: string; secret: string }>;
  users: Array<{ username: string; password: string; role: string; participant?: string }>;
}

export function devCredentials(): DevCredentials {
  return JSON.parse(readFileSync(path.join(repoRoot, 'config', 'dev-credentials.json'), 'utf8')) as DevCredentials;
}

export function secretOf(participantId: string): string {
  const p = devCredentials().participants.find((x) => x.id === participantId);
  if (!p) throw new Error(`no dev credentials for ${participantId}`);
  return p.secret;
}

/** A bearer token for every development user, by username. */
export async function logInEveryone(app: Platform['app']): Promise<Record<string, string>> {
  const tokens: Record<string, string> = {};
  for (const user of devCredentials().users) {
    const r = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: user.username, password: user.password } });
    tokens[user.username] = (r.json() as { token: string }).token;
  }
  return tokens;
}

/** The real platform in this test process: its own redis-server and embedded ClickHouse in a temp dir. */
export async function startTestPlatform(env: Record<string, string> = {}, hooks: PlatformHooks = {}): Promise<Platform & { dataDir: string; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cpg-test-'));
  // Test files run two at a time on two cores: a generous risk deadline keeps decisions
  // deterministic; the deadline itself is tested in rules/.
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', RISK_DEADLINE_MS: '1000', ...env }, repoRoot);
  const platform = await startPlatform(config, false, hooks);
  return {
    ...platform,
    dataDir,
    async stop() {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
