// The auditors' export as a workbook, and exports read back: sheet "data" holds the columns and rows (numbers at
// full precision, provenance in every row), sheet "meta" what was exported and checked (scheme, period or entity,
// as-of, each cited snapshot's number, hash, previous hash and scheme version).

import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { ExportCell, ExportTable } from '../../functions/shared/exports.ts';

export async function exportWorkbook(t: ExportTable): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'rankwatch';
  const data = wb.addWorksheet('data');
  data.addRow(t.columns);
  data.getRow(1).font = { bold: true };
  for (const r of t.rows) data.addRow(r.map((c) => (c === null ? null : c)));
  data.views = [{ state: 'frozen', ySplit: 1 }];
  const meta = wb.addWorksheet('meta');
  meta.addRow(['key', 'value']);
  meta.getRow(1).font = { bold: true };
  const m = t.meta;
  for (const [k, v] of [
    ['kind', m.kind],
    ['scheme', m.scheme],
    ['period', m.period],
    ['entity', m.entity],
    ['asOf', m.asOf],
    ['verified.snapshots', m.verified.snapshots],
    ['verified.chainHead', m.verified.chainHead],
  ] as const)
    if (v !== undefined) meta.addRow([k, v]);
  meta.addRow([]);
  meta.addRow(['period', 'seq', 'recordedAt', 'hash', 'previousHash', 'schemeVersion']);
  for (const s of m.snapshots)
    meta.addRow([s.period, s.seq, s.recordedAt, s.hash, s.previousHash ?? '', s.schemeVersion]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Cells of a re-imported export typed back: numbers, true/false, empty as null. */
function typed(text: string): ExportCell {
  if (text === '') return null;
  if (text === 'true') return true;
  if (text === 'false') return false;
  const n = Number(text);
  return /^-?\d/.test(text) && Number.isFinite(n) && !/^\d{4}-/.test(text) ? n : text;
}

/** An exported CSV read back into columns and rows (the byte-order mark and CRLF lines tolerated). */
export function readExportCsv(text: string): { columns: string[]; rows: ExportCell[][] } {
  const records = parse(text.replace(/^\ufeff/, ''), { relax_column_count: false }) as string[][];
  const [columns = [], ...rest] = records;
  // Text columns (ids, hashes, times) stay text even where they look like numbers.
  const textual = new Set(['scheme', 'schemeVersion', 'period', 'recordedAt', 'hash', 'entity', 'unranked']);
  return {
    columns,
    rows: rest.map((r) => r.map((c, k) => (textual.has(columns[k] ?? '') ? c || null : typed(c)))),
  };
}

/** An exported workbook's "data" sheet read back into columns and rows, and its "meta" key/value pairs. */
export async function readExportWorkbook(
  data: Uint8Array,
): Promise<{ columns: string[]; rows: ExportCell[][]; meta: Record<string, unknown> }> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(data as unknown as ExcelJS.Buffer);
  const sheet = wb.getWorksheet('data');
  if (!sheet) throw new Error('the workbook has no "data" sheet');
  const cell = (v: ExcelJS.CellValue): ExportCell =>
    v === null || v === undefined ? null : typeof v === 'object' ? String(v) : (v as ExportCell);
  const width = sheet.getRow(1).cellCount;
  const rows: ExportCell[][] = [];
  sheet.eachRow((row) => {
    rows.push(Array.from({ length: width }, (_, k) => cell(row.getCell(k + 1).value)));
  });
  const [columns = [], ...rest] = rows;
  const meta: Record<string, unknown> = {};
  wb.getWorksheet('meta')?.eachRow((row, n) => {
    const k = row.getCell(1).value;
    if (n > 1 && typeof k === 'string' && row.cellCount === 2) meta[k] = row.getCell(2).value;
  });
  return { columns: columns.map(String), rows: rest, meta };
}
