import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import Value from 'typebox/value';
import { calendarProblems } from '../../cases/sla-calendar.ts';
import { currencyByCode } from '../../switch/currency.ts';
import { DURABILITY_MODES, type DurabilityMode } from '../../switch/durability.ts';
import { httpLimitsOf, httpLimitsProblem } from '../http-timeouts.ts';
import { isRole, ROLES, type Role } from '../roles.ts';
import { SESSION_TTL_MS, withDefaults, type Settings } from './defaults.ts';
import { ConfigFileSchema, type ConfigFile } from './schema.ts';

/** Everything the platform reads at start-up, validated once and passed down. */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  clickhouseUrl?: string;
  clickhouseDatabase: string;
  redisUrl?: string;
  /** What this process runs (server/roles.ts): `--role`, else `ROLE`, else `all`. */
  role: Role;
  /** Proxies whose X-Forwarded-For is believed (`TRUST_PROXY`: addresses or CIDRs); none by default. */
  trustProxy: string[];
  /** Whether this process runs the ingest writer (the tap's stream into ClickHouse). */
  ingestWriter: boolean;
  /** Consumer name of this process's ingest writer; stable across restarts. */
  ingestConsumer: string;
  redisServerBin: string;
  logLevel: string;
  /** How far V8 lets the old generation grow past what survived a full collection, in percent (`HEAP_GROWING_PERCENT`, 100: to 2x); 0: V8's own choice. */
  heapGrowingPercent: number;
  /** How long an operator's session lives. */
  sessionTtlMs: number;
  configPath: string;
  /** The config file's settings, every default filled in and the environment's overrides applied (./defaults.ts). */
  file: Settings;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const DEFAULT_CONFIG_PATH = 'config/development.json';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads environment and config file into a complete config: every default filled in, the
 * file as read left unchanged. Throws ConfigError whose message is one line naming the bad field.
 */
export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd(), argv: readonly string[] = []): Config {
  const role = roleOf(env, argv);
  const port = Number(env.PORT ?? '8080');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT: "${env.PORT}" is not a TCP port`);
  }
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL: "${logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);
  }
  for (const name of ['CLICKHOUSE_URL', 'REDIS_URL'] as const) {
    const value = env[name];
    if (value !== undefined && value !== '' && !URL.canParse(value)) {
      throw new ConfigError(`${name}: not a URL`);
    }
  }
  // ioredis turns TLS on for a URL starting with exactly `rediss://`: `REDISS://` would send the password in clear.
  if (env.REDIS_URL && !/^rediss?:\/\//.test(env.REDIS_URL)) {
    throw new ConfigError('REDIS_URL: must start with redis:// or rediss:// (TLS), in lower case');
  }
  const clickhouseDatabase = env.CLICKHOUSE_DATABASE || 'cpg';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(clickhouseDatabase)) {
    throw new ConfigError(`CLICKHOUSE_DATABASE: "${clickhouseDatabase}" is not a plain lowercase name`);
  }
  const ingestWriter = env.INGEST_WRITER ?? 'on';
  if (ingestWriter !== 'on' && ingestWriter !== 'off') throw new ConfigError('INGEST_WRITER: must be on or off');
  const ingestConsumer = env.INGEST_CONSUMER || 'writer-1';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(ingestConsumer)) throw new ConfigError('INGEST_CONSUMER: 1-64 of [A-Za-z0-9_.-]');
  const heapGrowingPercent = env.HEAP_GROWING_PERCENT === undefined || env.HEAP_GROWING_PERCENT === '' ? 100 : Number(env.HEAP_GROWING_PERCENT);
  if (!Number.isInteger(heapGrowingPercent) || heapGrowingPercent < 0 || heapGrowingPercent > 1000) {
    throw new ConfigError('HEAP_GROWING_PERCENT: an integer from 0 (V8 decides) to 1000');
  }
  const configPath = path.resolve(cwd, env.CONFIG || DEFAULT_CONFIG_PATH);
  const file = readConfigFile(configPath);
  const riskDeadlineMs = integerOf(env.RISK_DEADLINE_MS, 'RISK_DEADLINE_MS', 5000);
  const maxInFlight = integerOf(env.MAX_IN_FLIGHT, 'MAX_IN_FLIGHT', 100_000);
  const durability = durabilityOf(env.REDIS_DURABILITY);
  // The platform's own redis-server has no replica to wait for: every commit would fail.
  if ((durability ?? file.redis?.durability) === 'replica' && !env.REDIS_URL) {
    throw new ConfigError(`${env.REDIS_DURABILITY ? 'REDIS_DURABILITY' : 'redis.durability'}: replica needs REDIS_URL, a Redis with replicas; the platform's own redis-server has none`);
  }
  return {
    host: env.HOST || '127.0.0.1',
    port,
    dataDir: path.resolve(cwd, env.DATA_DIR || 'data'),
    clickhouseUrl: env.CLICKHOUSE_URL || undefined,
    clickhouseDatabase,
    redisUrl: env.REDIS_URL || undefined,
    role,
    trustProxy: trustedProxies(env.TRUST_PROXY),
    ingestWriter: ingestWriter === 'on',
    ingestConsumer,
    redisServerBin: env.REDIS_SERVER_BIN || 'redis-server',
    logLevel,
    heapGrowingPercent,
    sessionTtlMs: SESSION_TTL_MS,
    configPath,
    file: withDefaults(file, { riskDeadlineMs, maxInFlight, durability, resolvePath: (p) => path.resolve(cwd, p) }),
  };
}

/** An integer setting from the environment, 1 to `max`; undefined when unset. */
function integerOf(value: string | undefined, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ConfigError(`${name}: an integer from 1 to ${max}`);
  return n;
}

/** `REDIS_DURABILITY`, over the file's `redis.durability`; undefined when unset. */
function durabilityOf(value: string | undefined): DurabilityMode | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(DURABILITY_MODES as readonly string[]).includes(value)) throw new ConfigError(`REDIS_DURABILITY: "${value}" is not one of ${DURABILITY_MODES.join(', ')}`);
  return value as DurabilityMode;
}

/**
 * `TRUST_PROXY`: comma-separated addresses or CIDR ranges of the load balancers in front of
 * the platform. Only a request arriving from one of them is taken to come from the address
 * in its X-Forwarded-For (the client address the rate limits count); anything else would let
 * a caller choose its own address. Empty: every request's address is its TCP peer.
 */
function trustedProxies(value: string | undefined): string[] {
  if (!value) return [];
  const entries = value.split(',').map((e) => e.trim()).filter((e) => e !== '');
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 4 ? 32 : 128;
    const badBits = bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > maxBits);
    if (family === 0 || badBits || extra !== undefined) throw new ConfigError(`TRUST_PROXY: "${entry}" is not an IP address or CIDR range`);
  }
  return entries;
}

/** `--role X` or `--role=X` on the command line wins over `ROLE`; a role other than `all` needs a shared Redis. */
function roleOf(env: Record<string, string | undefined>, argv: readonly string[]): Role {
  let value = env.ROLE || 'all';
  const at = argv.findIndex((a) => a === '--role' || a.startsWith('--role='));
  if (at >= 0) {
    const arg = argv[at]!;
    value = arg === '--role' ? (argv[at + 1] ?? '') : arg.slice('--role='.length);
  }
  if (!isRole(value)) throw new ConfigError(`--role: "${value}" is not one of ${ROLES.join(', ')}`);
  if (value !== 'all' && !env.REDIS_URL) {
    throw new ConfigError(`--role ${value}: set REDIS_URL; the processes of a split platform share one Redis`);
  }
  return value;
}

export function readConfigFile(configPath: string): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (e) {
    // The Docker image names a file it does not hold: the operator mounts it.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ConfigError(`CONFIG ${configPath}: no such file; put the platform's config file there (in Docker: mount it) or point CONFIG at it`);
    throw new ConfigError(`CONFIG ${configPath}: ${(e as Error).message}`);
  }
  return validateConfigFile(raw, configPath);
}

export function validateConfigFile(raw: unknown, source = 'config'): ConfigFile {
  if (!Value.Check(ConfigFileSchema, raw)) {
    const errors = [...Value.Errors(ConfigFileSchema, raw)];
    // The deepest error names the field most precisely.
    const worst = errors.sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
    const field = fieldName(worst?.instancePath ?? '', worst?.params);
    const message = worst?.keyword === 'boolean' ? 'unknown field' : (worst?.message ?? 'invalid');
    throw new ConfigError(`${source}: ${field}: ${message}`);
  }
  const file = raw as ConfigFile;
  checkReferences(file, source);
  return file;
}

function fieldName(instancePath: string, params: unknown): string {
  const extra = (params as { additionalProperties?: string[] } | undefined)?.additionalProperties;
  const base = instancePath.replace(/^\//, '').replaceAll('/', '.') || '(root)';
  return extra?.length ? `${base === '(root)' ? '' : base + '.'}${extra[0]}` : base;
}

/** Cross-field rules a schema cannot say: unique ids, known currencies, existing acquirers. */
function checkReferences(file: ConfigFile, source: string): void {
  const fail = (field: string, message: string): never => {
    throw new ConfigError(`${source}: ${field}: ${message}`);
  };
  for (const [code, rate] of Object.entries(file.fx.rates)) {
    if (!currencyByCode(code)) fail(`fx.rates.${code}`, 'unknown currency');
    if (/^0+(\.0+)?$/.test(rate)) fail(`fx.rates.${code}`, 'must be greater than zero');
  }
  if (file.fx.rates[file.fx.base] === undefined) fail('fx.rates', `no rate for the base currency ${file.fx.base}`);
  if (!file.fx.rates.CNY || !file.fx.rates.USD) fail('fx.rates', 'the risk engine needs USD and CNY rates');
  if (file.risk && file.risk.reviewAt >= file.risk.declineAt) fail('risk.reviewAt', 'must be below risk.declineAt');
  // A rotation names users who may work its queue: compliance approves STRs.
  const mayWork: Record<string, ReadonlyArray<string>> = { risk: ['risk_officer', 'compliance', 'admin'], compliance: ['compliance'], escalations: ['risk_officer', 'compliance', 'admin'] };
  for (const [queue, officers] of Object.entries(file.cases?.assignment ?? {})) {
    for (const [i, username] of (officers ?? []).entries()) {
      const user = file.users.find((u) => u.username === username);
      if (!user) fail(`cases.assignment.${queue}.${i}`, `no user named ${username}`);
      else if (!mayWork[queue]!.includes(user.role)) fail(`cases.assignment.${queue}.${i}`, `${username} is a ${user.role}, who does not work the ${queue} queue`);
    }
  }
  const sla = file.cases?.sla;
  if (sla) {
    if ((sla.warnDays ?? 1) > (sla.workingDays ?? 5)) fail('cases.sla.warnDays', 'must not be more than cases.sla.workingDays');
    if (sla.calendar) {
      const problem = calendarProblems({ timeZone: sla.calendar.timeZone, workdays: sla.calendar.workdays ?? [1, 2, 3, 4, 5], holidays: sla.calendar.holidays ?? [], extraWorkdays: sla.calendar.extraWorkdays ?? [] })[0];
      if (problem) fail('cases.sla.calendar', problem);
    }
  }
  if (file.redis && file.redis.durability !== 'replica') {
    // A replica count set for another mode would be read by nothing: say so rather than ignore it.
    for (const field of ['replicas', 'replicaTimeoutMs'] as const) {
      if (file.redis[field] !== undefined) fail(`redis.${field}`, `only redis.durability "replica" waits for replicas (it is ${file.redis.durability ?? 'left to its default'})`);
    }
  }
  const listNames = new Set<string>();
  (file.screening?.lists ?? []).forEach((l, i) => {
    if (listNames.has(l.name)) fail(`screening.lists.${i}.name`, `duplicate list "${l.name}"`);
    listNames.add(l.name);
  });
  const httpProblem = file.http && httpLimitsProblem(httpLimitsOf(file.http));
  if (httpProblem) fail(`http.${httpProblem.field}`, httpProblem.message);
  const participants = new Map<string, ConfigFile['participants'][number]>();
  file.participants.forEach((p, i) => {
    if (participants.has(p.id)) fail(`participants.${i}.id`, `duplicate id "${p.id}"`);
    participants.set(p.id, p);
    if (!file.fx.rates[p.currency]) fail(`participants.${i}.currency`, `no FX rate for ${p.currency}`);
    if (p.kind === 'acquirer' && !p.iin) fail(`participants.${i}.iin`, 'an acquirer needs an IIN');
    if (p.kind !== 'acquirer' && !p.issuer) fail(`participants.${i}.issuer`, 'a wallet needs issuer limits');
  });
  const merchantIds = new Set<string>();
  const accounts = new Set<string>();
  file.merchants.forEach((m, i) => {
    if (merchantIds.has(m.id)) fail(`merchants.${i}.id`, `duplicate id "${m.id}"`);
    merchantIds.add(m.id);
    const acquirer = participants.get(m.acquirer);
    if (acquirer?.kind !== 'acquirer') fail(`merchants.${i}.acquirer`, `"${m.acquirer}" is not an acquirer`);
    if (!file.fx.rates[m.currency]) fail(`merchants.${i}.currency`, `no FX rate for ${m.currency}`);
    if (m.network === 'unionpay' && m.accountId.length !== 15) {
      fail(`merchants.${i}.accountId`, 'a UnionPay merchant id has 15 characters');
    }
    const account = `${m.network}:${m.accountId}`;
    if (accounts.has(account)) fail(`merchants.${i}.accountId`, `duplicate account "${m.accountId}"`);
    accounts.add(account);
  });
  const usernames = new Set<string>();
  file.users.forEach((u, i) => {
    if (usernames.has(u.username)) fail(`users.${i}.username`, `duplicate username "${u.username}"`);
    usernames.add(u.username);
    if (u.role === 'participant_analyst' && !participants.has(u.participant ?? '')) {
      fail(`users.${i}.participant`, 'a participant_analyst must name an existing participant');
    }
  });
}
