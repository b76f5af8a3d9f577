// What a workbook cell holds, as the .xlsx reader sees it: one normalised kind per cell (a formula is its saved
// result), the number a value cell stands for (text, full-width digits, thousands separators, percent), and
// Excel references (`Sheet1!C7`, `'2026-W10'!C7`) for the errors.
import ExcelJS, { type CellValue, type Worksheet } from 'exceljs';
import { parseFiniteNumber } from '../../domain/observations.ts';

export type Content =
  | { kind: 'empty' }
  /** Covered by the top-left cell of a merged range. */
  | { kind: 'merged' }
  | { kind: 'number'; value: number; percent: boolean }
  | { kind: 'text'; text: string }
  | { kind: 'date'; value: Date }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'error'; error: string; formula?: string }
  /** A formula the file was saved without the result of (written by a program, never calculated). */
  | { kind: 'unsaved'; formula: string };

const EMPTY: Content = { kind: 'empty' };

/**
 * Text as compared and parsed: NFKC folds full-width digits, letters and punctuation (１２．５ → 12.5, ％ → %,
 * ： → :), the minus sign becomes "-", runs of white space (line breaks in a wrapped header) one space.
 */
export function normaliseText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\u2212/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether a number format shows percent (a `%` outside quoted text and escapes): 0.125 displays as 12.5%. */
export function isPercentFormat(numFmt: string | undefined): boolean {
  return numFmt !== undefined && /%/.test(numFmt.replace(/"[^"]*"/g, '').replace(/\\./g, ''));
}

function contentOfValue(value: CellValue, numFmt: string | undefined, formula?: string): Content {
  if (value === null || value === undefined) return EMPTY;
  if (typeof value === 'number') return { kind: 'number', value, percent: isPercentFormat(numFmt) };
  if (typeof value === 'string') {
    const text = normaliseText(value);
    return text === '' ? EMPTY : { kind: 'text', text };
  }
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (value instanceof Date) return { kind: 'date', value };
  if ('formula' in value || 'sharedFormula' in value) {
    const f = formula ?? ('formula' in value ? value.formula : value.sharedFormula) ?? '';
    if (value.result === undefined || value.result === null) return { kind: 'unsaved', formula: f };
    const result = contentOfValue(value.result as CellValue, numFmt, f);
    return result.kind === 'error' ? { ...result, formula: f } : result;
  }
  if ('error' in value) return { kind: 'error', error: value.error, ...(formula ? { formula } : {}) };
  if ('richText' in value) return contentOfValue(value.richText.map((r) => r.text).join(''), numFmt);
  if ('hyperlink' in value) {
    const text = value.text as unknown;
    return typeof text === 'string'
      ? contentOfValue(text, numFmt)
      : contentOfValue(text as CellValue, numFmt); // a hyperlink over rich text
  }
  return EMPTY;
}

/** A sheet's non-empty cells by row and column (1-based), read once. */
export interface Grid {
  readonly name: string;
  /** Row numbers holding at least one cell, ascending. */
  readonly rows: readonly number[];
  readonly maxCol: number;
  get(row: number, col: number): Content;
}

export function gridOf(ws: Worksheet): Grid {
  const cells = new Map<number, Map<number, Content>>();
  let maxCol = 0;
  ws.eachRow({ includeEmpty: false }, (row, r) => {
    const byCol = new Map<number, Content>();
    row.eachCell({ includeEmpty: false }, (cell, c) => {
      const content: Content =
        cell.type === ExcelJS.ValueType.Merge
          ? { kind: 'merged' }
          : contentOfValue(cell.value, cell.numFmt, cell.formula || undefined);
      if (content.kind === 'empty') return;
      byCol.set(c, content);
      maxCol = Math.max(maxCol, c);
    });
    if (byCol.size) cells.set(r, byCol);
  });
  return {
    name: ws.name,
    rows: [...cells.keys()].sort((a, b) => a - b),
    maxCol,
    get: (row, col) => cells.get(row)?.get(col) ?? EMPTY,
  };
}

/** Whether a cell holds something of its own (a merged-over cell holds nothing). */
export const isBlank = (c: Content) => c.kind === 'empty' || c.kind === 'merged';

export function columnLetters(col: number): string {
  let s = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** The sheet name as Excel writes it in a reference: quoted unless it is a plain word that is not a cell. */
export function sheetRef(name: string): string {
  const plain = /^[\p{L}_][\p{L}\p{N}_.]*$/u.test(name) && !/^[A-Za-z]{1,3}\d+$|^[Rr]\d*[Cc]\d*$/.test(name);
  return plain ? name : `'${name.replace(/'/g, "''")}'`;
}

export const cellRef = (sheet: string, row: number, col: number) =>
  `${sheetRef(sheet)}!${columnLetters(col)}${row}`;

/** "the date 2026-03-01", "TRUE", … — what a cell that is not a number or text holds, for messages. */
export function describe(c: Content): string {
  switch (c.kind) {
    case 'date': {
      const iso = c.value.toISOString();
      return `a date (${iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 19).replace('T', ' ')})`;
    }
    case 'boolean':
      return c.value ? 'TRUE' : 'FALSE';
    case 'error':
      return `the error value ${c.error}${c.formula ? ` (from =${c.formula})` : ''}`;
    case 'unsaved':
      return `the formula =${c.formula} without a saved result`;
    case 'number':
      return String(c.value);
    case 'text':
      return `"${c.text}"`;
    default:
      return 'nothing';
  }
}

/** Key text of a header or entity cell: text, or a number as written (2026, 620100); undefined otherwise. */
export function keyText(c: Content): string | undefined {
  if (c.kind === 'text') return c.text;
  if (c.kind === 'number') return String(c.value);
  return undefined;
}

/** Units the scheme writes for percentages ("%", "% (100−接通率 …)", "百分比", "percent"). */
export const isPercentUnit = (unit: string) => /^\s*(?:[%％]|百分|percent\b)/i.test(unit);

/** 0.125 shown as 12.5%: the percent number, without the binary noise of ×100 (0.933 → 93.3). */
const percentOf = (v: number) => Number((v * 100).toPrecision(15));

const GROUPED = /^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/;

/**
 * The number a value cell stands for, or why it stands for none. Percent (a percent-formatted 0.125, or the
 * text "12.5%") means 12.5 for an indicator measured in percent and is refused for any other unit, where it
 * cannot be told whether 0.125 or 12.5 was meant.
 */
export function numberIn(c: Content, unit: string | undefined): { value: number } | { reason: string } {
  const percentAllowed = unit === undefined || isPercentUnit(unit);
  const percent = (v: number, shown: string) =>
    percentAllowed
      ? { value: v }
      : {
          reason: `${shown} is a percentage but the indicator is measured in "${unit}": enter the number itself`,
        };
  switch (c.kind) {
    case 'number':
      return c.percent
        ? percent(percentOf(c.value), `${percentOf(c.value)}% (a percent-formatted cell)`)
        : { value: c.value };
    case 'text': {
      let t = c.text;
      const isPercent = t.endsWith('%');
      if (isPercent) t = t.slice(0, -1).trim();
      if (GROUPED.test(t)) t = t.replace(/,/g, '');
      const v = parseFiniteNumber(t);
      if (v === null) return { reason: `"${c.text}" is not a finite number` };
      return isPercent ? percent(v, `"${c.text}"`) : { value: v };
    }
    case 'date':
      return { reason: `${describe(c)} is not a value: format the cell as a number` };
    case 'unsaved':
      return { reason: `${describe(c)}: calculate and save the file in Excel, or paste the values` };
    case 'empty':
    case 'merged':
      return { reason: 'the cell is empty' };
    default:
      return { reason: `${describe(c)} is not a number` };
  }
}
