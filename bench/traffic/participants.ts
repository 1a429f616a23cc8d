import { readFileSync } from 'node:fs';
import type { ParticipantKind } from '../../domain/transaction.ts';

/** A participant as the simulator acts for it: who, what kind, its signing secret, where it is. */
export interface SimulatedParticipant {
  id: string;
  kind: ParticipantKind;
  secret: string;
  country: string;
}

export const DEFAULT_CREDENTIALS_PATH = 'config/dev-credentials.json';
export const DEFAULT_CONFIG_PATH = 'config/development.json';
const DEFAULT_HOME_COUNTRY = 'CN';
/** When the config cannot tell an overseas wallet's country, spread them over the markets we have. */
const OVERSEAS_FALLBACK_COUNTRIES = ['TH', 'SG', 'KR', 'MY'];
const KINDS: readonly ParticipantKind[] = ['overseas_wallet', 'domestic_wallet', 'acquirer'];

export class CredentialsError extends Error {
  override name = 'CredentialsError';
}

export interface GatewayGeography {
  /** The gateway's home market: merchants there are paid inbound, its wallets pay outbound. */
  homeCountry: string;
  countryOf: ReadonlyMap<string, string>;
}

/**
 * Reads the development credentials; countries come from the config file when it can be
 * read, because the credentials file does not carry them.
 */
export function loadParticipants(
  credentialsPath: string,
  configPath: string = DEFAULT_CONFIG_PATH,
): { participants: SimulatedParticipant[]; homeCountry: string } {
  const geography = readGeography(configPath);
  const raw = readJson(credentialsPath);
  const list = isRecord(raw) && Array.isArray(raw.participants) ? raw.participants : undefined;
  if (!list) throw new CredentialsError(`${credentialsPath}: no "participants" array`);
  let overseasWithoutCountry = 0;
  const participants = list.map((entry, index): SimulatedParticipant => {
    if (!isRecord(entry) || typeof entry.id !== 'string' || typeof entry.secret !== 'string') {
      throw new CredentialsError(`${credentialsPath}: participants[${index}] needs "id" and "secret" strings`);
    }
    const kind = KINDS.find((k) => k === entry.kind);
    if (!kind) throw new CredentialsError(`${credentialsPath}: participants[${index}].kind "${String(entry.kind)}" is unknown`);
    const known = geography.countryOf.get(entry.id);
    const country =
      known ??
      (kind === 'overseas_wallet'
        ? (OVERSEAS_FALLBACK_COUNTRIES[overseasWithoutCountry++ % OVERSEAS_FALLBACK_COUNTRIES.length] as string)
        : geography.homeCountry);
    return { id: entry.id, kind, secret: entry.secret, country };
  });
  return { participants, homeCountry: geography.homeCountry };
}

function readGeography(configPath: string): GatewayGeography {
  const countryOf = new Map<string, string>();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch {
    return { homeCountry: DEFAULT_HOME_COUNTRY, countryOf };
  }
  if (!isRecord(raw)) return { homeCountry: DEFAULT_HOME_COUNTRY, countryOf };
  if (Array.isArray(raw.participants)) {
    for (const p of raw.participants) {
      if (isRecord(p) && typeof p.id === 'string' && typeof p.country === 'string') countryOf.set(p.id, p.country);
    }
  }
  const gateway = raw.gateway;
  const homeCountry =
    isRecord(gateway) && typeof gateway.homeCountry === 'string' ? gateway.homeCountry : DEFAULT_HOME_COUNTRY;
  return { homeCountry, countryOf };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CredentialsError(`${file}: ${(e as Error).message}`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
