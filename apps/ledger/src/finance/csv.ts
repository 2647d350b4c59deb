export type CsvField = string | number | null;

/**
 * RFC 4180 text: CRLF after every record, header included; a field holding a comma, a double quote, CR or LF is
 * quoted, its quotes doubled. null is an empty field. A text field that a spreadsheet would run as a formula
 * (leading =, +, -, @, tab or CR; message ids come from upstream) gets a leading apostrophe, as OWASP advises.
 */
export function toCsv(records: readonly (readonly CsvField[])[]): string {
  return records.map((record) => `${record.map(csvField).join(',')}\r\n`).join('');
}

function csvField(value: CsvField): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
