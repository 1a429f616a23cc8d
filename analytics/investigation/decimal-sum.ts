import { decimalText } from '../participant/figures.ts';

/**
 * The exact sum of decimal texts as ClickHouse writes Decimal sums ("-12.3400"), as text
 * without trailing zeros. The history rolls up one fine-grained GROUP BY into its
 * breakdowns here instead of asking the engine for six GROUPING SETS: one aggregation
 * pass over a busy merchant's month instead of six. Never a float.
 */
export function sumDecimals(texts: readonly string[]): string {
  const parsed = texts.map(parse);
  const scale = Math.max(0, ...parsed.map((p) => p.scale));
  const total = parsed.reduce((sum, p) => sum + p.units * 10n ** BigInt(scale - p.scale), 0n);
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return decimalText(`${negative ? '-' : ''}${text}`);
}

function parse(text: string): { units: bigint; scale: number } {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`not a decimal: ${JSON.stringify(text.slice(0, 40))}`);
  const fraction = m[3] ?? '';
  const units = BigInt(`${m[2]}${fraction}`);
  return { units: m[1] ? -units : units, scale: fraction.length };
}
