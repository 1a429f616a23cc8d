/**
 * Tells a row ClickHouse refuses from a ClickHouse that is failing. A refusal is an input
 * error: the same rows would be refused again however often they were sent, so the writer
 * splits the batch, and moves aside each row refused on its own. Anything else (down, timeouts, too many parts,
 * memory, a missing table) is a failure that passes, and the writer keeps retrying.
 *
 * The codes are ClickHouse's parse, type and range errors for input data, as embedded chDB
 * (engine 26.7) and clickhouse-server both report them: `Code: N. DB::Exception: ... (NAME)`,
 * parsed by @clickhouse/client into a ClickHouseError with `code` 'N' and `type` 'NAME'.
 * Seen refusing rows of our tables: 25 (a lone high surrogate escaped in a JSON string),
 * 27, 41, 69 (a decimal past Decimal(18, 4)), 72, 130. The others are their siblings for
 * the column types ClickHouse may grow (enums, UUIDs, IPs, maps).
 */
const REFUSED_INPUT: ReadonlyMap<string, string> = new Map([
  ['6', 'CANNOT_PARSE_TEXT'],
  ['25', 'CANNOT_PARSE_ESCAPE_SEQUENCE'],
  ['26', 'CANNOT_PARSE_QUOTED_STRING'],
  ['27', 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  ['38', 'CANNOT_PARSE_DATE'],
  ['41', 'CANNOT_PARSE_DATETIME'],
  ['53', 'TYPE_MISMATCH'],
  ['69', 'ARGUMENT_OUT_OF_BOUND'],
  ['70', 'CANNOT_CONVERT_TYPE'],
  ['72', 'CANNOT_PARSE_NUMBER'],
  ['117', 'INCORRECT_DATA'],
  ['128', 'TOO_LARGE_ARRAY_SIZE'],
  ['130', 'CANNOT_READ_ARRAY_FROM_TEXT'],
  ['131', 'TOO_LARGE_STRING_SIZE'],
  ['321', 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'],
  ['349', 'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN'],
  ['376', 'CANNOT_PARSE_UUID'],
  ['407', 'DECIMAL_OVERFLOW'],
  ['441', 'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING'],
  ['467', 'CANNOT_PARSE_BOOL'],
  ['563', 'CANNOT_READ_MAP_FROM_TEXT'],
  ['675', 'CANNOT_PARSE_IPV4'],
  ['676', 'CANNOT_PARSE_IPV6'],
  ['691', 'UNKNOWN_ELEMENT_OF_ENUM'],
]);

/** Why ClickHouse refused an insert. */
export interface Refusal {
  /** ClickHouse's name of the error, e.g. ARGUMENT_OUT_OF_BOUND. */
  code: string;
  /** ClickHouse's message; it may quote the row, so it is stored with the row, never logged. */
  message: string;
  /** The refused row's index in the body (0-based), when ClickHouse names it ("at row N"). */
  row?: number;
}

/**
 * Where ClickHouse stopped, 1-based. The message may quote the row before it, and the row
 * may hold anything: the last mention is ClickHouse's. Only a hint: the writer checks it.
 */
const AT_ROW = /\(at row (\d+)\)/g;

/**
 * TOO_MANY_PARTS (252) is a failing ClickHouse (merges behind inserts), except for this: one
 * insert spanning more months (partitions) than `max_partitions_per_insert_block` allows,
 * which fails the same way every time. No row is at fault; the writer splits the batch.
 */
const TOO_MANY_PARTITIONS = /Too many partitions for single INSERT block/;

/** The refusal an insert's error is, or undefined for a failing ClickHouse (retry it). */
export function refusalOf(e: unknown): Refusal | undefined {
  if (!(e instanceof Error)) return undefined;
  const number = String((e as { code?: unknown }).code);
  if (number === '252' && TOO_MANY_PARTITIONS.test(e.message)) return { code: 'TOO_MANY_PARTITIONS', message: e.message };
  const code = REFUSED_INPUT.get(number);
  if (!code) return undefined;
  const at = [...e.message.matchAll(AT_ROW)].at(-1);
  return { code, message: e.message, ...(at ? { row: Number(at[1]) - 1 } : {}) };
}
