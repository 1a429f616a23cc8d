import type { ErrorCode } from '../domain/error-codes.ts';
import { err, ok, type Result } from '../domain/result.ts';

/**
 * One party of a screening list, as read from a FollowTheMoney entity (the format
 * OpenSanctions publishes): what the matcher needs of it and nothing more.
 */
export interface ListEntity {
  id: string;
  schema: ScreenedSchema;
  kind: EntityKind;
  /** FtM topics as written, e.g. `sanction`, `role.pep`. */
  topics: string[];
  /** `name` then `alias`, each once: matched with typos, reordering, any script. */
  names: string[];
  /** `weakAlias`: short or generic names (nicknames, "Comrade X"), matched only exactly. */
  weakAliases: string[];
  /** Years of `birthDate` (FtM dates are `YYYY`, `YYYY-MM` or `YYYY-MM-DD`). */
  birthYears: number[];
  /** Lower-case codes of `nationality`, `citizenship` and `country`. */
  countries: string[];
}

export type EntityKind = 'sanction' | 'pep' | 'both';

/** The schemata that name a party a payment can be from or to; any other FtM schema is skipped. */
export const SCREENED_SCHEMATA = ['Person', 'Organization', 'Company', 'LegalEntity', 'PublicBody', 'Vessel', 'Airplane'] as const;
export type ScreenedSchema = (typeof SCREENED_SCHEMATA)[number];

/** Topics that make an entity a sanctions target or a politically exposed person (or a close associate of one). */
const SANCTION_TOPICS = new Set(['sanction', 'sanction.linked']);
const PEP_TOPICS = new Set(['role.pep', 'role.rca']);

export const LIST_ERROR_CODES = [
  'SCREENING_LIST_NOT_UTF8',
  'SCREENING_LIST_INVALID_JSON',
  'SCREENING_LIST_ENTITY_INVALID',
  'SCREENING_LIST_TOO_LARGE',
  'SCREENING_LIST_EMPTY',
] as const satisfies readonly ErrorCode[];
export type ListErrorCode = (typeof LIST_ERROR_CODES)[number];

/** What is wrong with one line. */
export interface LineProblem {
  code: ListErrorCode;
  message: string;
  /** 1-based line number in the file. */
  line: number;
}

export interface EntityRules {
  /** Names (name + alias + weakAlias) one entity may carry. */
  maxNamesPerEntity: number;
  /** Characters of one name. */
  maxNameLength: number;
  /** The kind of an entity whose topics say neither sanction nor PEP: what the list is for. */
  defaultKind: EntityKind;
}

const SCREENED = new Set<string>(SCREENED_SCHEMATA);
const SCHEMA_NAME = /^[A-Z][A-Za-z]{1,63}$/;
const MAX_ID_LENGTH = 200;
// Control characters (and lone surrogates) never belong in a name; they are how binary junk shows.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * One parsed JSON line as a screened entity, `undefined` for an entity of a schema not
 * screened (Sanction, Address, Ownership...: a full FtM export holds them), or the problem.
 */
export function entityOfJson(value: unknown, line: number, rules: EntityRules): Result<ListEntity | undefined, LineProblem> {
  const invalid = (message: string) => err<LineProblem>({ code: 'SCREENING_LIST_ENTITY_INVALID', message: `line ${line}: ${message}`, line });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid('not a JSON object');
  const entity = value as Record<string, unknown>;
  const { id, schema, properties } = entity;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH || CONTROL.test(id)) {
    return invalid(`"id" must be a string of 1 to ${MAX_ID_LENGTH} printable characters`);
  }
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) return invalid(`entity ${id}: "schema" must be an FtM schema name such as "Person"`);
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
    return invalid(`entity ${id}: "properties" must be an object`);
  }
  if (!SCREENED.has(schema)) return ok(undefined);
  const props = properties as Record<string, unknown>;
  const read = (property: string): Result<string[], LineProblem> => {
    const values = props[property];
    if (values === undefined) return ok([]);
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
      return invalid(`entity ${id}: properties.${property} must be a list of strings`);
    }
    return ok(values as string[]);
  };
  const fields: Record<string, string[]> = {};
  for (const property of ['name', 'alias', 'weakAlias', 'birthDate', 'nationality', 'citizenship', 'country']) {
    const values = read(property);
    if (!values.ok) return values;
    fields[property] = values.value;
  }
  const topics = Array.isArray(entity.topics) ? entity.topics.filter((t): t is string => typeof t === 'string') : [];
  const names = distinct([...fields.name!, ...fields.alias!].map((n) => n.trim()).filter((n) => n !== ''));
  const weakAliases = distinct(fields.weakAlias!.map((n) => n.trim()).filter((n) => n !== '' && !names.includes(n)));
  if (names.length === 0) return invalid(`entity ${id}: properties.name holds no name`);
  if (names.length + weakAliases.length > rules.maxNamesPerEntity) {
    return err({
      code: 'SCREENING_LIST_TOO_LARGE',
      message: `line ${line}: entity ${id} has ${names.length + weakAliases.length} names, more than ${rules.maxNamesPerEntity}`,
      line,
    });
  }
  for (const name of [...names, ...weakAliases]) {
    if (name.length > rules.maxNameLength) return invalid(`entity ${id}: a name is longer than ${rules.maxNameLength} characters`);
    if (CONTROL.test(name)) return invalid(`entity ${id}: a name holds a control character or a lone surrogate`);
  }
  return ok({
    id,
    schema: schema as ScreenedSchema,
    kind: kindOf(topics, rules.defaultKind),
    topics,
    names,
    weakAliases,
    birthYears: distinct(fields.birthDate!.map((d) => /^(\d{4})/.exec(d)?.[1]).filter((y) => y !== undefined).map(Number)),
    countries: distinct([...fields.nationality!, ...fields.citizenship!, ...fields.country!].map((c) => c.trim().toLowerCase()).filter((c) => c !== '')),
  });
}

function kindOf(topics: readonly string[], fallback: EntityKind): EntityKind {
  const sanction = topics.some((t) => SANCTION_TOPICS.has(t));
  const pep = topics.some((t) => PEP_TOPICS.has(t));
  if (sanction && pep) return 'both';
  if (sanction) return 'sanction';
  if (pep) return 'pep';
  return fallback;
}

function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
