/**
 * RFC 4180 text: a header line, then one line per row, CRLF line ends; a field holding a
 * comma, a double quote, CR or LF is quoted, its quotes doubled. Values go out as they are
 * (exact decimals stay text, nothing is localised), empty for null and undefined.
 */
export function toCsv(columns, rows) {
  const lines = [columns.map((c) => field(c.header))];
  for (const row of rows) lines.push(columns.map((c) => field(c.value(row))));
  return lines.map((cells) => `${cells.join(',')}\r\n`).join('');
}

function field(value) {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const CSV_TYPE = 'text/csv;charset=utf-8';
