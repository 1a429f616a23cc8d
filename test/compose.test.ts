import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEVELOPMENT_CLICKHOUSE_PASSWORD, DEVELOPMENT_REDIS_PASSWORD } from '../server/config/production.ts';
import { ROLES, type Role } from '../server/roles.ts';

// docker-compose.yml, the Dockerfile and .dockerignore against the platform's own code. No
// Docker engine runs here: the files are parsed as compose and docker would read them, and
// every check is shown to catch a realistic mistake on a mutated copy.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

type Argv = string[] | string | undefined;
interface Service {
  image?: string;
  build?: unknown;
  command?: Argv;
  entrypoint?: Argv;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: Array<string | number | { target: number; published?: string | number }>;
  volumes?: Array<string | { target: string }>;
  healthcheck?: { test?: unknown; disable?: boolean };
  deploy?: { replicas?: number };
  scale?: number;
}
interface Compose {
  services: Record<string, Service>;
}
interface Dockerfile {
  text: string;
  from: string[];
  env: Record<string, string>;
  entrypoint?: string[];
  cmd?: string[];
  user?: string;
  volumes: string[];
  healthcheck: boolean;
  /** RUN and COPY in order, to see what is in place when npm ci runs. */
  steps: Array<{ kind: 'RUN' | 'COPY'; args: string }>;
}
interface Setup {
  compose: Compose;
  dockerfile: Dockerfile;
  dockerignore: string[];
  /** Every variable server/config/load.ts reads: the platform reads nothing else. */
  platformEnv: Set<string>;
  pkg: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
}

/** `${VAR:-default}`, `${VAR-default}`, `${VAR}`, `$VAR` and `$$`, as compose interpolates. */
function interpolate(value: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{(\w+)(?:(:?)-([^}]*))?\}|\$(\w+)/g, (match, braced?: string, colon?: string, fallback?: string, bare?: string) => {
      if (match === '$$') return '$';
      const set = env[braced ?? bare ?? ''];
      if (fallback === undefined) return set ?? '';
      return (colon ? set || undefined : set) ?? fallback;
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  return value;
}

function parseDockerfile(text: string): Dockerfile {
  const lines = text.replace(/\\\r?\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const file: Dockerfile = { text, from: [], env: {}, volumes: [], healthcheck: false, steps: [] };
  const argv = (rest: string) => (rest.startsWith('[') ? (JSON.parse(rest) as string[]) : ['/bin/sh', '-c', rest]);
  for (const line of lines) {
    const [, keyword = '', rest = ''] = /^(\w+)\s*(.*)$/.exec(line) ?? [];
    switch (keyword.toUpperCase()) {
      case 'FROM': file.from.push(rest.split(/\s+/)[0]!); break;
      case 'ENV': for (const [, k, v] of rest.matchAll(/(\w+)=("[^"]*"|\S+)/g)) file.env[k!] = v!.replace(/^"|"$/g, ''); break;
      case 'ENTRYPOINT': file.entrypoint = argv(rest); break;
      case 'CMD': file.cmd = argv(rest); break;
      case 'USER': file.user = rest; break;
      case 'VOLUME': file.volumes.push(...(rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/))); break;
      case 'HEALTHCHECK': file.healthcheck = !/^NONE$/i.test(rest); break;
      case 'RUN': case 'COPY': file.steps.push({ kind: keyword.toUpperCase() as 'RUN' | 'COPY', args: rest }); break;
    }
  }
  return file;
}

function load(): Setup {
  return {
    compose: interpolate(parse(read('docker-compose.yml'), { merge: true }), {}) as Compose,
    dockerfile: parseDockerfile(read('Dockerfile')),
    dockerignore: read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')),
    platformEnv: new Set([...read('server/config/load.ts').matchAll(/\benv(?:\.|\[['"])([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!)),
    pkg: JSON.parse(read('package.json')) as Setup['pkg'],
  };
}

const argvOf = (a: Argv): string[] | undefined => (typeof a === 'string' ? a.split(/\s+/).filter(Boolean) : a);
const envOf = (s: Service): Record<string, string> =>
  Array.isArray(s.environment)
    ? Object.fromEntries(s.environment.map((e) => [e.split('=')[0]!, e.slice(e.indexOf('=') + 1)]))
    : Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v ?? '')]));
const replicas = (s: Service) => s.deploy?.replicas ?? s.scale ?? 1;
const argAfter = (argv: string[], flag: string) => {
  const at = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  return at < 0 ? undefined : argv[at] === flag ? (argv[at + 1] ?? '') : argv[at]!.slice(flag.length + 1);
};
/** Services run from this repository's Dockerfile: the platform's processes. */
function platformServices(compose: Compose): Array<[string, Service]> {
  const built = new Set(Object.values(compose.services).filter((s) => s.build !== undefined).map((s) => s.image));
  return Object.entries(compose.services).filter(([, s]) => s.build !== undefined || built.has(s.image));
}
/** The role a service's own `command` names (not the image's default). */
const roleOf = (s: Service) => argAfter(argvOf(s.command) ?? [], '--role');
/** What the container runs: compose's entrypoint/command over the image's ENTRYPOINT/CMD. */
function runs(s: Service, d: Dockerfile): string[] {
  const entrypoint = argvOf(s.entrypoint) ?? d.entrypoint ?? [];
  const command = argvOf(s.command) ?? (s.entrypoint === undefined ? (d.cmd ?? []) : []);
  return [...entrypoint, ...command];
}
const serviceByImage = (compose: Compose, prefix: string) => Object.entries(compose.services).find(([, s]) => s.image?.startsWith(prefix));

// ---- the checks: each returns what is wrong, empty when nothing is ----

function checkRoles({ compose }: Setup): string[] {
  const problems: string[] = [];
  const count = new Map<string, number>();
  for (const [name, s] of platformServices(compose)) {
    const role = roleOf(s);
    if (!role || !(ROLES as readonly string[]).includes(role)) problems.push(`${name}: command names no role of ${ROLES.join('|')} (${role ?? 'none'})`);
    // `all` runs the ingest writers too.
    const as = role === 'all' ? 'ingest' : (role ?? '');
    count.set(as, (count.get(as) ?? 0) + replicas(s));
  }
  const want: Array<[Role, (n: number) => boolean, string]> = [
    ['switch', (n) => n >= 2, 'two or more'], ['ingest', (n) => n === 1, 'exactly one'], ['worker', (n) => n >= 1, 'one or more'], ['console', (n) => n >= 1, 'one or more'],
  ];
  for (const [role, ok, says] of want) if (!ok(count.get(role) ?? 0)) problems.push(`${role}: ${count.get(role) ?? 0} processes, wants ${says}`);
  return problems;
}

function checkEnvironmentIsRead({ compose, dockerfile, platformEnv }: Setup): string[] {
  const set = [
    ...platformServices(compose).flatMap(([name, s]) => Object.keys(envOf(s)).map((k) => [name, k] as const)),
    ...Object.keys(dockerfile.env).map((k) => ['Dockerfile', k] as const),
  ];
  return set.filter(([, k]) => !platformEnv.has(k)).map(([where, k]) => `${where}: ${k} is not read by server/config/load.ts`);
}

function checkSharedRedis({ compose }: Setup): string[] {
  const problems: string[] = [];
  const redis = serviceByImage(compose, 'redis:');
  const urls = new Set<string>();
  for (const [name, s] of platformServices(compose)) {
    const url = envOf(s).REDIS_URL;
    if (!url) {
      if (roleOf(s) !== 'all') problems.push(`${name}: role ${roleOf(s)} without REDIS_URL`);
      continue;
    }
    urls.add(url);
    const u = new URL(url);
    if (u.hostname !== redis?.[0] || (u.port || '6379') !== '6379') problems.push(`${name}: REDIS_URL ${url} is not the redis service`);
  }
  if (urls.size > 1) problems.push(`the processes name ${urls.size} Redis URLs; a split platform shares one`);
  return problems;
}

/**
 * Redis has a password, every REDIS_URL carries it, and it never shows on a command line
 * (`ps` on the Docker host shows every container's argv): redis-server reads it from stdin.
 */
function checkRedisPassword({ compose }: Setup): string[] {
  const problems: string[] = [];
  const [name, redis] = serviceByImage(compose, 'redis:') ?? [];
  if (!redis) return ['no redis service'];
  const password = envOf(redis).REDIS_PASSWORD ?? '';
  if (password === '') problems.push(`${name}: no REDIS_PASSWORD`);
  const argv = [...(argvOf(redis.entrypoint) ?? []), ...(argvOf(redis.command) ?? [])];
  // The shell script that starts redis-server with `-`: its config from stdin.
  const script = argv.find((a) => /\bredis-server -(\s|$)/.test(a)) ?? '';
  if (argv.some((a) => a === '--requirepass' || (a !== script && a.includes('requirepass'))) || script.includes('--requirepass')) {
    problems.push(`${name}: a password on the command line`);
  }
  // An unquoted here-document, so the shell puts the password in (a quoted one would not).
  if (!/<<\s*EOF\n(?:.*\n)*?requirepass \$REDIS_PASSWORD\n/.test(script)) {
    problems.push(`${name}: redis-server does not read requirepass $REDIS_PASSWORD from stdin`);
  }
  if (!/\bexec docker-entrypoint\.sh redis-server\b/.test(script)) problems.push(`${name}: not started through the image's entrypoint (as root, or not as PID 1)`);
  const health = JSON.stringify(redis.healthcheck?.test ?? '');
  if (!health.includes('REDISCLI_AUTH=\\"$REDIS_PASSWORD\\"')) problems.push(`${name}: the healthcheck does not authenticate (REDISCLI_AUTH)`);
  for (const [service, s] of platformServices(compose)) {
    const url = envOf(s).REDIS_URL;
    if (url && decodeURIComponent(new URL(url).password) !== password) problems.push(`${service}: REDIS_URL's password is not the redis service's REDIS_PASSWORD`);
  }
  return problems;
}

/** What compose falls back to when no password is set is one production mode refuses (server/config/production.ts). */
function checkDevelopmentPasswords({ compose }: Setup): string[] {
  const problems: string[] = [];
  const redis = serviceByImage(compose, 'redis:')?.[1];
  const clickhouse = serviceByImage(compose, 'clickhouse/clickhouse-server:')?.[1];
  if (redis && envOf(redis).REDIS_PASSWORD !== DEVELOPMENT_REDIS_PASSWORD) {
    problems.push(`redis: the fallback password is not DEVELOPMENT_REDIS_PASSWORD, so production mode would accept it`);
  }
  if (clickhouse && envOf(clickhouse).CLICKHOUSE_PASSWORD !== DEVELOPMENT_CLICKHOUSE_PASSWORD) {
    problems.push(`clickhouse: the fallback password is not DEVELOPMENT_CLICKHOUSE_PASSWORD, so production mode would accept it`);
  }
  return problems;
}

function checkClickHouseServer({ compose }: Setup): string[] {
  const problems: string[] = [];
  const [host, server] = serviceByImage(compose, 'clickhouse/clickhouse-server:') ?? [];
  const env = server ? envOf(server) : {};
  for (const [name, s] of platformServices(compose)) {
    const url = envOf(s).CLICKHOUSE_URL;
    // Without it the process would open an embedded ClickHouse of its own, holding other data.
    if (!url) { problems.push(`${name}: no CLICKHOUSE_URL`); continue; }
    const u = new URL(url);
    if (u.protocol !== 'http:' || u.hostname !== host || u.port !== '8123') problems.push(`${name}: CLICKHOUSE_URL is not ${host}'s HTTP port 8123`);
    // The client takes a path as the default database, which does not exist before the migrations.
    if (u.pathname !== '/' && u.pathname !== '') problems.push(`${name}: CLICKHOUSE_URL has a path (${u.pathname})`);
    if (decodeURIComponent(u.username) !== (env.CLICKHOUSE_USER || 'default') || decodeURIComponent(u.password) !== (env.CLICKHOUSE_PASSWORD ?? '')) {
      problems.push(`${name}: CLICKHOUSE_URL's credentials are not the clickhouse service's CLICKHOUSE_USER/CLICKHOUSE_PASSWORD`);
    }
  }
  return problems;
}

function checkImagesPinned({ compose, dockerfile }: Setup): string[] {
  const images = [...Object.entries(compose.services).map(([name, s]) => [name, s.image ?? ''] as const), ...dockerfile.from.map((f) => ['Dockerfile FROM', f] as const)];
  return images
    .filter(([, image]) => {
      if (image.includes('@sha256:')) return false;
      const tag = /:([^/:]+)$/.exec(image)?.[1];
      return !tag || tag === 'latest';
    })
    .map(([where, image]) => `${where}: image "${image}" has no pinned tag`);
}

function checkStateKept({ compose }: Setup): string[] {
  const problems: string[] = [];
  const [redisName, redis] = serviceByImage(compose, 'redis:') ?? [];
  const argv = argvOf(redis?.command) ?? [];
  const pair = (flag: string, value: string) => argv.some((a, i) => a === flag && argv[i + 1] === value);
  if (!pair('--appendonly', 'yes')) problems.push(`${redisName}: no --appendonly yes`);
  if (!pair('--maxmemory-policy', 'noeviction')) problems.push(`${redisName}: no --maxmemory-policy noeviction`);
  const [chName, ch] = serviceByImage(compose, 'clickhouse/clickhouse-server:') ?? [];
  for (const [name, s, dir] of [[redisName, redis, '/data'], [chName, ch, '/var/lib/clickhouse']] as const) {
    if (!s) { problems.push(`no service for ${dir}`); continue; }
    const targets = (s.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target));
    if (!targets.includes(dir)) problems.push(`${name}: no volume on ${dir}`);
    if (!s.healthcheck?.test || s.healthcheck.disable) problems.push(`${name}: no healthcheck`);
  }
  return problems;
}

function checkIngestConsumers({ compose }: Setup): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const [name, s] of platformServices(compose)) {
    const env = envOf(s);
    const writes = (roleOf(s) === 'ingest' || roleOf(s) === 'all') && env.INGEST_WRITER !== 'off';
    if (writes && !env.INGEST_CONSUMER) problems.push(`${name}: runs a writer without INGEST_CONSUMER`);
    if (writes && replicas(s) > 1) problems.push(`${name}: ${replicas(s)} replicas of a writer share one INGEST_CONSUMER`);
    if (!env.INGEST_CONSUMER) continue;
    if (seen.has(env.INGEST_CONSUMER)) problems.push(`${name}: INGEST_CONSUMER ${env.INGEST_CONSUMER} also used by ${seen.get(env.INGEST_CONSUMER)}`);
    seen.set(env.INGEST_CONSUMER, name);
  }
  return problems;
}

function checkRunsMain({ compose, dockerfile }: Setup): string[] {
  const problems: string[] = [];
  const inspect = (where: string, argv: string[], role: string | undefined) => {
    const main = argv.filter((a) => a === 'server/main.ts').length;
    const tsx = argv.some((a, i) => a === '--import=tsx' || (a === '--import' && argv[i + 1] === 'tsx'));
    if (argv[0] !== 'node' || !tsx || main !== 1) problems.push(`${where}: runs "${argv.join(' ')}", not node --import tsx server/main.ts once`);
    // Arguments before the script are node's own: the role must come after it.
    const after = argv.slice(argv.indexOf('server/main.ts') + 1);
    if ((argAfter(after, '--role') ?? 'all') !== (role ?? 'all')) problems.push(`${where}: main.ts gets role ${argAfter(after, '--role') ?? 'all'}, the service names ${role}`);
  };
  inspect('Dockerfile default', [...(dockerfile.entrypoint ?? []), ...(dockerfile.cmd ?? [])], 'all');
  for (const [name, s] of platformServices(compose)) inspect(name, runs(s, dockerfile), roleOf(s));
  return problems;
}

function checkStartOrder({ compose, dockerfile }: Setup): string[] {
  const problems: string[] = [];
  const platform = new Map(platformServices(compose));
  const healthy = (name: string) => {
    const s = compose.services[name];
    return !!s && !s.healthcheck?.disable && (!!s.healthcheck?.test || (platform.has(name) && dockerfile.healthcheck));
  };
  const redis = serviceByImage(compose, 'redis:')?.[0] ?? 'redis';
  const clickhouse = serviceByImage(compose, 'clickhouse/clickhouse-server:')?.[0] ?? 'clickhouse';
  for (const [name, s] of platform) {
    const deps: Record<string, { condition?: string }> = Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d) => [d, {}])) : (s.depends_on ?? {});
    for (const [dep, { condition }] of Object.entries(deps)) {
      if (condition !== 'service_healthy') problems.push(`${name}: waits for ${dep} without condition service_healthy`);
      else if (!healthy(dep)) problems.push(`${name}: waits for ${dep} to be healthy, which has no healthcheck`);
    }
    // Every role needs Redis; every role but switch opens ClickHouse and migrates it at start.
    const needs = [redis, ...(roleOf(s) === 'switch' ? [] : [clickhouse])];
    for (const dep of needs) if (!(dep in deps)) problems.push(`${name}: does not wait for ${dep}`);
  }
  return problems;
}

function checkListening({ compose, dockerfile }: Setup): string[] {
  const problems: string[] = [];
  const hostPorts = new Map<string, string>();
  for (const [name, s] of platformServices(compose)) {
    const env = envOf(s);
    if (env.HOST !== '0.0.0.0') problems.push(`${name}: HOST is ${env.HOST ?? 'unset'}, unreachable from outside its container`);
    const port = env.PORT ?? dockerfile.env.PORT ?? '8080';
    const published = (s.ports ?? []).map((p) => {
      if (typeof p === 'object') return { host: String(p.published ?? ''), target: String(p.target) };
      const parts = String(p).replace(/\/(tcp|udp)$/, '').split(':');
      return { host: parts.length > 1 ? parts[parts.length - 2]! : '', target: parts[parts.length - 1]! };
    });
    for (const { host, target } of published) {
      if (target !== port) problems.push(`${name}: publishes container port ${target}, the platform listens on ${port}`);
      if (host && !host.includes('-') && replicas(s) > 1) problems.push(`${name}: ${replicas(s)} replicas on one host port ${host}`);
      if (host && hostPorts.has(host)) problems.push(`${name}: host port ${host} also published by ${hostPorts.get(host)}`);
      if (host) hostPorts.set(host, name);
    }
    if ((roleOf(s) === 'switch' || roleOf(s) === 'console') && published.length === 0) problems.push(`${name}: ${roleOf(s)} publishes no port`);
  }
  const console = platformServices(compose).find(([, s]) => roleOf(s) === 'console')?.[0];
  if (console && hostPorts.get('8080') !== console) problems.push('the console is not on host port 8080');
  return problems;
}

/** Whether .dockerignore keeps `file` out of the build context (last matching pattern wins). */
function ignored(patterns: string[], file: string): boolean {
  let out = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = raw.replace(/^!/, '').replace(/^\/+|\/+$/g, '');
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\/|\*\*|\*|\?/g, (m) => ({ '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' })[m]!);
    if (new RegExp(`^${source}(?:/.*)?$`).test(file)) out = !negate;
  }
  return out;
}

function checkBuildContext({ compose, dockerfile, dockerignore }: Setup): string[] {
  const problems: string[] = [];
  const configs = platformServices(compose).map(([, s]) => envOf(s).CONFIG ?? dockerfile.env.CONFIG ?? 'config/development.json');
  // The image's WORKDIR is /app, the repository root.
  for (const file of [...new Set(configs)].map((c) => c.replace(/^\/app\//, ''))) {
    if (path.isAbsolute(file) || !existsSync(path.join(ROOT, file))) problems.push(`CONFIG ${file} is not a file of this repository, so not in the image`);
  }
  // The development files too: production mode compares the config's secrets and passwords with theirs.
  const developmentFiles = ['config/development.json', 'config/dev-credentials.json'];
  for (const file of [...new Set([...configs, ...developmentFiles]), 'package.json', 'package-lock.json', 'vendor/chdb-unavailable-platform/package.json', 'server/main.ts', 'dashboards/console']) {
    if (ignored(dockerignore, file)) problems.push(`.dockerignore keeps ${file} out of the image`);
  }
  for (const file of ['node_modules/x', 'data/clickhouse', '.git/HEAD']) if (!ignored(dockerignore, file)) problems.push(`.dockerignore lets ${file} into the build context`);
  return problems;
}

function checkImage({ dockerfile, pkg }: Setup): string[] {
  const problems: string[] = [];
  if (!/^node:20[\w.-]*-bookworm-slim$/.test(dockerfile.from.at(-1) ?? '')) problems.push(`FROM ${dockerfile.from.at(-1)}: not node:20 on bookworm-slim`);
  const ci = dockerfile.steps.findIndex((s) => s.kind === 'RUN' && /\bnpm ci\b/.test(s.args));
  if (ci < 0) problems.push('no RUN npm ci: the lock file is not what gets installed');
  // package.json's overrides install ./vendor: without it npm ci fails.
  const vendor = dockerfile.steps.findIndex((s) => s.kind === 'COPY' && /(^|\s)(vendor\/?|\.)(\s|$)/.test(s.args.replace(/--\S+/g, '')));
  if (ci >= 0 && (vendor < 0 || vendor > ci)) problems.push('vendor/ is not copied before npm ci');
  if (ci >= 0 && /--omit=dev|--production/.test(dockerfile.steps[ci]!.args) && !pkg.dependencies?.tsx) problems.push('npm ci omits dev dependencies but tsx, which runs the platform, is not a dependency');
  if (!dockerfile.user || /^(root|0)(:|$)/.test(dockerfile.user)) problems.push(`runs as ${dockerfile.user ?? 'root'}`);
  const dataDir = dockerfile.env.DATA_DIR;
  if (!dataDir || !dockerfile.volumes.includes(dataDir)) problems.push(`DATA_DIR ${dataDir ?? 'unset'} is not a VOLUME`);
  if (!dockerfile.healthcheck) problems.push('no HEALTHCHECK');
  // No fallback to the development config: the image names a file it does not hold, which the operator mounts.
  const config = dockerfile.env.CONFIG;
  if (!config) problems.push('no CONFIG: the platform would fall back to the development config');
  else if (!path.isAbsolute(config) || existsSync(path.join(ROOT, config.replace(/^\/app\//, '')))) problems.push(`CONFIG ${config} is a file of the repository, in the image`);
  return problems;
}

const CHECKS = {
  checkRoles, checkEnvironmentIsRead, checkSharedRedis, checkRedisPassword, checkDevelopmentPasswords, checkClickHouseServer, checkImagesPinned, checkStateKept,
  checkIngestConsumers, checkRunsMain, checkStartOrder, checkListening, checkBuildContext, checkImage,
};

describe('docker-compose.yml, Dockerfile and .dockerignore', () => {
  const setup = load();

  it('reads the environment the platform reads from server/config/load.ts', () => {
    for (const name of ['HOST', 'PORT', 'REDIS_URL', 'CLICKHOUSE_URL', 'ROLE', 'INGEST_CONSUMER', 'CONFIG']) expect(setup.platformEnv).toContain(name);
  });

  it.each([
    ['every platform service names a role from server/roles.ts: one ingest, two or more switches, a worker, a console', checkRoles],
    ['every environment variable set on the platform is one server/config/load.ts reads', checkEnvironmentIsRead],
    ['every role but all has REDIS_URL, and all of them name the one redis service', checkSharedRedis],
    ['redis has a password, read from stdin and not its command line; every REDIS_URL and the healthcheck carry it', checkRedisPassword],
    ["compose's fallback Redis and ClickHouse passwords are the development ones production mode refuses", checkDevelopmentPasswords],
    ["CLICKHOUSE_URL is the clickhouse service's HTTP port with its credentials and no database path", checkClickHouseServer],
    ['every image has a pinned tag, none latest', checkImagesPinned],
    ['redis runs with AOF and noeviction; redis and clickhouse keep their data in volumes and have healthchecks', checkStateKept],
    ['every ingest writer has an INGEST_CONSUMER of its own', checkIngestConsumers],
    ["the image runs server/main.ts through tsx, role all by default, and each service's command gives it the role", checkRunsMain],
    ['services wait for healthy dependencies: Redis for every role, ClickHouse for every role but switch', checkStartOrder],
    ['the platform listens on 0.0.0.0, the console on 8080, every switch reachable on a port of its own', checkListening],
    ['the build context holds the config and what npm ci needs, and not node_modules or data', checkBuildContext],
    ['the image: node 20 bookworm-slim, npm ci after vendor/, not root, DATA_DIR a volume, a healthcheck, a CONFIG it does not hold', checkImage],
  ] as const)('%s', (_title, check) => {
    expect(check(setup)).toEqual([]);
  });
});

// ---- every check catches a realistic mistake ----

type Mutation = (s: Setup) => void;
const services = (s: Setup) => s.compose.services;
const env = (s: Setup, name: string) => services(s)[name]!.environment as Record<string, string>;
const editDockerfile = (edit: (text: string) => string): Mutation => (s) => {
  const text = edit(s.dockerfile.text);
  if (text === s.dockerfile.text) throw new Error('the mutation changed nothing in the Dockerfile');
  s.dockerfile = parseDockerfile(text);
};

const MISTAKES: Array<[string, keyof typeof CHECKS, Mutation]> = [
  ['a role misspelt', 'checkRoles', (s) => void (services(s)['switch-2']!.command = ['--role', 'switches'])],
  ['a service left on the image default (all)', 'checkRoles', (s) => void delete services(s).worker!.command],
  ['one switch replica only', 'checkRoles', (s) => void delete services(s)['switch-2']],
  ['a second ingest node', 'checkRoles', (s) => void (services(s).ingest!.deploy = { replicas: 2 })],
  ['CLICKHOUSE_DB set on the platform instead of CLICKHOUSE_DATABASE', 'checkEnvironmentIsRead', (s) => void (env(s, 'console').CLICKHOUSE_DB = 'cpg')],
  ['a variable the Dockerfile sets that nothing reads', 'checkEnvironmentIsRead', editDockerfile((t) => t.replace('DATA_DIR=/data', 'DATA_DIR=/data REDIS_HOST=redis'))],
  ['a worker without REDIS_URL', 'checkSharedRedis', (s) => void delete env(s, 'worker').REDIS_URL],
  ['a switch on localhost Redis', 'checkSharedRedis', (s) => void (env(s, 'switch-2').REDIS_URL = 'redis://localhost:6379')],
  ['a REDIS_URL without the password', 'checkRedisPassword', (s) => void (env(s, 'switch-1').REDIS_URL = 'redis://redis:6379')],
  ["the redis password changed, not the URLs'", 'checkRedisPassword', (s) => void (env(s, 'redis').REDIS_PASSWORD = 'rotated')],
  ['requirepass on the command line', 'checkRedisPassword', (s) => {
    delete services(s).redis!.entrypoint;
    services(s).redis!.command = ['redis-server', '--requirepass', 'cpg-redis-dev', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction'];
  }],
  ['the here-document quoted, so redis gets the literal $REDIS_PASSWORD', 'checkRedisPassword', (s) => {
    const entrypoint = services(s).redis!.entrypoint as string[];
    entrypoint[2] = entrypoint[2]!.replace('<<EOF', "<<'EOF'");
  }],
  ['redis-server started directly, as root, instead of through the entrypoint', 'checkRedisPassword', (s) => {
    const entrypoint = services(s).redis!.entrypoint as string[];
    entrypoint[2] = entrypoint[2]!.replace('exec docker-entrypoint.sh redis-server', 'exec redis-server');
  }],
  ['a healthcheck without the password (NOAUTH, never healthy)', 'checkRedisPassword', (s) => void (services(s).redis!.healthcheck!.test = ['CMD-SHELL', 'redis-cli ping | grep -q PONG'])],
  ['a fallback Redis password production mode does not know', 'checkDevelopmentPasswords', (s) => {
    env(s, 'redis').REDIS_PASSWORD = 'changeme';
    for (const [, service] of platformServices(s.compose)) (service.environment as Record<string, string>).REDIS_URL = 'redis://:changeme@redis:6379';
  }],
  ['a fallback ClickHouse password production mode does not know', 'checkDevelopmentPasswords', (s) => void (env(s, 'clickhouse').CLICKHOUSE_PASSWORD = 'changeme')],
  ['CLICKHOUSE_URL on the native port 9000', 'checkClickHouseServer', (s) => void (env(s, 'ingest').CLICKHOUSE_URL = 'http://cpg:cpg-dev@clickhouse:9000')],
  ['CLICKHOUSE_URL with a database path', 'checkClickHouseServer', (s) => void (env(s, 'console').CLICKHOUSE_URL += '/cpg')],
  ["the server's password changed, not the URL's", 'checkClickHouseServer', (s) => void (env(s, 'clickhouse').CLICKHOUSE_PASSWORD = 'rotated')],
  ['a console without CLICKHOUSE_URL (its own embedded ClickHouse)', 'checkClickHouseServer', (s) => void delete env(s, 'console').CLICKHOUSE_URL],
  ['redis:latest', 'checkImagesPinned', (s) => void (services(s).redis!.image = 'redis:latest')],
  ['clickhouse without a tag', 'checkImagesPinned', (s) => void (services(s).clickhouse!.image = 'clickhouse/clickhouse-server')],
  ['FROM node without a tag', 'checkImagesPinned', editDockerfile((t) => t.replace(/FROM node:\S+/, 'FROM node'))],
  ['redis without AOF', 'checkStateKept', (s) => void (services(s).redis!.command = ['redis-server', '--maxmemory-policy', 'noeviction'])],
  ['redis evicting keys', 'checkStateKept', (s) => void (services(s).redis!.command = ['redis-server', '--appendonly', 'yes', '--maxmemory-policy', 'allkeys-lru'])],
  ['clickhouse without a volume', 'checkStateKept', (s) => void delete services(s).clickhouse!.volumes],
  ['the ingest consumer name copied onto another service', 'checkIngestConsumers', (s) => void (env(s, 'worker').INGEST_CONSUMER = env(s, 'ingest').INGEST_CONSUMER!)],
  ['ingest without a consumer name', 'checkIngestConsumers', (s) => void delete env(s, 'ingest').INGEST_CONSUMER],
  ['a command that repeats the ENTRYPOINT', 'checkRunsMain', (s) => void (services(s).console!.command = ['node', '--import', 'tsx', 'server/main.ts', '--role', 'console'])],
  ['a CMD-only image under args-only commands', 'checkRunsMain', editDockerfile((t) => t.replace(/ENTRYPOINT \[.*\]\nCMD \["--role", "all"\]/, 'CMD ["node", "--import", "tsx", "server/main.ts"]'))],
  ['the role put before the script, where node takes it as its own option', 'checkRunsMain', (s) => {
    services(s).worker!.entrypoint = ['node', '--import', 'tsx'];
    services(s).worker!.command = ['--role', 'worker', 'server/main.ts'];
  }],
  ['waiting for Redis and ClickHouse to start, not to be healthy', 'checkStartOrder', (s) => void (services(s).console!.depends_on = ['redis', 'clickhouse'])],
  ['a worker not waiting for ClickHouse', 'checkStartOrder', (s) => void delete (services(s).worker!.depends_on as Record<string, unknown>).clickhouse],
  ['redis without a healthcheck the others wait for', 'checkStartOrder', (s) => void delete services(s).redis!.healthcheck],
  ['a switch on the default HOST 127.0.0.1', 'checkListening', (s) => void delete env(s, 'switch-1').HOST],
  ['the console published to the wrong container port', 'checkListening', (s) => void (services(s).console!.ports = ['127.0.0.1:8080:3000'])],
  ['two switches on one host port', 'checkListening', (s) => void (services(s)['switch-2']!.ports = services(s)['switch-1']!.ports)],
  ['a config file that is not in the repository', 'checkBuildContext', (s) => void (env(s, 'worker').CONFIG = 'config/production.json')],
  ['.dockerignore excluding config/', 'checkBuildContext', (s) => void s.dockerignore.push('config')],
  ['.dockerignore excluding the development credentials production mode compares with', 'checkBuildContext', (s) => void s.dockerignore.push('config/dev-credentials.json')],
  ['.dockerignore letting node_modules in', 'checkBuildContext', (s) => void (s.dockerignore = s.dockerignore.filter((p) => p !== 'node_modules'))],
  ['npm install instead of npm ci', 'checkImage', editDockerfile((t) => t.replace('RUN npm ci', 'RUN npm install'))],
  ['vendor/ copied after npm ci', 'checkImage', editDockerfile((t) => t.replace('COPY vendor ./vendor\n', '').replace('COPY . .', 'COPY vendor ./vendor\nCOPY . .'))],
  ['tsx moved to devDependencies', 'checkImage', (s) => void delete s.pkg.dependencies!.tsx],
  ['running as root', 'checkImage', editDockerfile((t) => t.replace(/^USER .*$/m, ''))],
  ['DATA_DIR not a volume', 'checkImage', editDockerfile((t) => t.replace(/^VOLUME .*$/m, ''))],
  ['the image falling back to the development config', 'checkImage', editDockerfile((t) => t.replace(/ \\\n\s*CONFIG=\S+/, ''))],
  ['the image running the development config', 'checkImage', editDockerfile((t) => t.replace(/CONFIG=\S+/, 'CONFIG=config/development.json'))],
];

describe('each check catches a realistic mistake', () => {
  it.each(MISTAKES)('%s (%s)', (_title, check, mutate) => {
    const setup = load();
    mutate(setup);
    expect(CHECKS[check](setup)).not.toEqual([]);
  });
});
