// CSV for spreadsheet users: RFC 4180 fields, CRLF lines and a UTF-8 byte-order mark so that spreadsheet
// programs read the Chinese names right.

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** CSV text with a UTF-8 byte-order mark, so spreadsheet programs read the Chinese names right. */
export function csv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return `\ufeff${[header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;
}
