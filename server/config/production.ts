import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyPassword } from '../auth/password.ts';
import { ConfigError, DEFAULT_CONFIG_PATH, type Config } from './load.ts';

/**
 * Production mode refuses what is public: the development config and its credentials are in
 * the repository, so every secret and password in them is known to anyone, and a Redis
 * without a password lets any process that reaches it write a session and be admin.
 */

/** What docker-compose.yml falls back to when no password is set: development passwords too. */
export const DEVELOPMENT_REDIS_PASSWORD = 'cpg-redis-dev';
export const DEVELOPMENT_CLICKHOUSE_PASSWORD = 'cpg-dev';

export interface DevelopmentSecrets {
  /** config/development.json of this installation. */
  configPath: string;
  /** Every secret of the development files (participant secrets, tokens, plain passwords), with the file it is in. */
  secrets: Map<string, string>;
  passwordHashes: Set<string>;
  passwords: string[];
}

const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));
/** Fields that hold a secret, wherever they are in a config: a participant's secret, a token, a password. */
const SECRET_FIELD = /secret|token|password/i;
const DEVELOPMENT_FILES = ['development.json', 'dev-credentials.json'];

/** The development files' secrets; a file that is not there holds none. */
export function developmentSecrets(dir = CONFIG_DIR): DevelopmentSecrets {
  const secrets = new Map<string, string>();
  const passwordHashes = new Set<string>();
  const passwords: string[] = [];
  for (const name of DEVELOPMENT_FILES) {
    let content: unknown;
    try {
      content = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
    } catch {
      continue;
    }
    for (const { field, value } of secretFields(content)) {
      if (field.endsWith('passwordHash')) passwordHashes.add(value);
      else secrets.set(value, `config/${name}`);
      if (/^users\.\d+\.password$/.test(field)) passwords.push(value);
    }
  }
  return { configPath: path.join(dir, 'development.json'), secrets, passwordHashes, passwords };
}

/** Every string in `value` under a field named like a secret, with its dotted path. */
function secretFields(value: unknown, at = ''): Array<{ field: string; value: string }> {
  if (Array.isArray(value)) return value.flatMap((v, i) => secretFields(v, at ? `${at}.${i}` : String(i)));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const field = at ? `${at}.${key}` : key;
    return typeof v === 'string' ? (SECRET_FIELD.test(key) ? [{ field, value: v }] : []) : secretFields(v, field);
  });
}

/** Throws a ConfigError naming the first thing production mode refuses, in one line. */
export async function checkProductionConfig(config: Config, dev: DevelopmentSecrets = developmentSecrets()): Promise<void> {
  const problems = await productionProblems(config, dev);
  if (problems.length === 0) return;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw new ConfigError(`production mode: ${problems[0]}${more}`);
}

/** Everything production mode refuses in this config, each as "field: why". */
export async function productionProblems(config: Config, dev: DevelopmentSecrets): Promise<string[]> {
  const problems: string[] = [];
  if (sameFile(config.configPath, dev.configPath) || config.configPath.endsWith(path.join(path.sep, DEFAULT_CONFIG_PATH))) {
    problems.push(`CONFIG: ${config.configPath} is the development config; production needs a config file of its own`);
  }
  for (const { field, value } of secretFields(config.file)) {
    const from = dev.secrets.get(value);
    if (from && !field.endsWith('passwordHash')) problems.push(`${field}: a development secret (${from}); production needs one of its own`);
  }
  // Not only the development hashes: a development password hashed again with a new salt is as public.
  const developmentPassword = async (hash: string) =>
    dev.passwordHashes.has(hash) ||
    (await Promise.all(dev.passwords.map((password) => verifyPassword(password, hash).catch(() => false)))).some(Boolean);
  const matches = await Promise.all(config.file.users.map((u) => developmentPassword(u.passwordHash)));
  matches.forEach((match, i) => {
    if (match) problems.push(`users.${i}.passwordHash: a development password (config/dev-credentials.json); give every operator a password of its own`);
  });
  if (!config.redisUrl) {
    problems.push("REDIS_URL: unset; production needs a Redis of its own, with a password (the platform's own redis-server is for development)");
  } else {
    problems.push(...serverPassword('REDIS_URL', config.redisUrl, DEVELOPMENT_REDIS_PASSWORD, 'redis://:PASSWORD@host:6379, or rediss:// for TLS'));
  }
  if (config.clickhouseUrl) {
    problems.push(...serverPassword('CLICKHOUSE_URL', config.clickhouseUrl, DEVELOPMENT_CLICKHOUSE_PASSWORD, 'http://user:PASSWORD@host:8123'));
  }
  return problems;
}

function serverPassword(name: string, url: string, developmentPassword: string, form: string): string[] {
  const password = decoded(new URL(url).password);
  if (password === '') return [`${name}: no password; production needs an authenticated server (${form})`];
  if (password === developmentPassword) return [`${name}: the development password of docker-compose.yml; set one of its own`];
  return [];
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
