// Hostile workbooks for the CLI's .xlsx reader (issue 12; `readObservationsXlsx`, cli/xlsx/read.ts): a valid
// long-layout workbook of Gansu rows, built with exceljs, with one cell mutated (unknown names, bad periods,
// values that are no number, cells of the wrong type, huge or invisible text, bad headers) or bytes that are
// no workbook. The same checks as the CSV readers: rejected naming the mutated cell's row and field, or — for
// spellings the reader is meant to accept (Chinese names, full-width digits, numbers as text) — read as the
// clean workbook. Each case writes and reads a workbook, so this part runs a tenth of the others' cases.
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { readObservationsXlsx } from '../cli/xlsx/read.ts';
import { ObservationsError } from '../domain/observations.ts';
import {
  col,
  crashOf,
  ENTITIES,
  FIELDS,
  type Field,
  gansu,
  INDICATORS,
  prototypes,
  RANGED_ROWS,
  type Row,
  rowOf,
  UNKNOWN_IDS,
  windowAndRow,
} from './readers.ts';
import { type KindRow, type KnownDefect, type Outcome, Tally } from './tally.ts';

type Cell = ExcelJS.CellValue;

export interface XlsxCase {
  kind: string;
  rows: string[][];
  /** The header row and data rows as written (cells may be any exceljs value). */
  sheet?: Cell[][];
  /** Bytes that are not a workbook built from `sheet`. */
  bytes?: Uint8Array;
  /** The worksheet row the mutation is on (1 = the header). */
  row?: number;
  field?: string;
  /** Read as the clean workbook (a spelling the reader accepts). */
  harmless?: boolean;
}

/** The Gansu rows as a long sheet, values as numbers (as a department's spreadsheet holds them). */
const sheetOf = (rows: readonly string[][]): Cell[][] => [
  [...FIELDS],
  ...rows.map((r) => r.map((c, j) => (j === col('value') ? Number(c) : c))),
];
function cellCase(
  rows: string[][],
  r: number,
  field: Field,
  value: Cell,
  harmless = false,
): Omit<XlsxCase, 'kind'> {
  const sheet = sheetOf(rows);
  sheet[r + 1]![col(field)] = value;
  return { rows, sheet, row: r + 2, field, ...(harmless ? { harmless } : {}) };
}
const cellKind = (fields: readonly Field[], values: fc.Arbitrary<Cell>, harmless = false) =>
  fc
    .tuple(windowAndRow, fc.constantFrom(...fields), values)
    .map(([[rows, r], field, v]) => cellCase(rows, r, field, v, harmless));

const zh = (id: string, list: readonly { id: string; name: { zh?: string } }[]) =>
  list.find((x) => x.id === id)?.name.zh ?? id;

export const XLSX_KINDS: Record<string, { gen: fc.Arbitrary<Omit<XlsxCase, 'kind'>> }> = {
  'unknown-entity': {
    gen: cellKind(
      ['entity'],
      UNKNOWN_IDS.filter((s) => !ENTITIES.has(s.normalize('NFKC'))),
    ),
  },
  'unknown-indicator': {
    gen: cellKind(
      ['indicator'],
      UNKNOWN_IDS.filter((s) => !INDICATORS.has(s.normalize('NFKC'))),
    ),
  },
  'bad-period': {
    gen: cellKind(
      ['period'],
      fc.constantFrom(
        '2026-13',
        '2026-W54',
        '2025-W53',
        '2026-W00',
        '2026-Q1',
        'W01',
        '2026W01',
        'NaN',
        '2026',
        2026,
      ),
    ),
  },
  'value-not-a-number': {
    gen: cellKind(
      ['value'],
      fc.constantFrom<Cell>(
        'abc',
        'NaN',
        'Infinity',
        '1e999',
        '1e',
        '--1',
        '0x10',
        '1.2.3',
        true,
        false,
        { error: '#DIV/0!' } as Cell,
        { error: '#N/A' } as Cell,
        new Date('2026-01-05T00:00:00Z'),
      ),
    ),
  },
  'value-out-of-range': {
    gen: fc
      .tuple(windowAndRow, fc.constantFrom(...RANGED_ROWS), fc.constantFrom(1e308, 100.5, -1, -1e-9))
      .map(([[rows, r], ranged, v]) =>
        cellCase(
          rows.map((row, i) => (i === r ? [...ranged] : row)),
          r,
          'value',
          v,
        ),
      ),
  },
  'wrong-cell-type': {
    gen: cellKind(
      ['entity', 'indicator'],
      fc.constantFrom<Cell>(42, true, new Date('2026-01-05T00:00:00Z'), { error: '#REF!' } as Cell),
    ),
  },
  'huge-text': {
    gen: cellKind(
      ['entity', 'indicator', 'period'],
      fc.integer({ min: 1000, max: 32_767 }).map((n) => 'x'.repeat(n)),
    ),
  },
  'invisible-chars': {
    gen: fc
      .tuple(
        windowAndRow,
        fc.constantFrom<Field>('entity', 'indicator'),
        fc.constantFrom('\u200B', '\u200D', '\u202E', '\u2066', '\u061C'),
      )
      .map(([[rows, r], field, ch]) => {
        const old = rows[r]![col(field)]!;
        return cellCase(rows, r, field, `${old.slice(0, 3)}${ch}${old.slice(3)}`);
      }),
  },
  'accepted-spelling': {
    // What the reader is meant to accept: Chinese names, full-width forms (NFKC), numbers written as text.
    gen: fc
      .tuple(
        windowAndRow,
        fc.constantFrom('zh-entity', 'zh-indicator', 'full-width', 'text-number', 'spaced'),
      )
      .map(([[rows, r], how]) => {
        const o = rows[r]!;
        if (how === 'zh-entity')
          return cellCase(rows, r, 'entity', zh(o[col('entity')]!, gansu.entities), true);
        if (how === 'zh-indicator')
          return cellCase(rows, r, 'indicator', zh(o[col('indicator')]!, gansu.indicators), true);
        if (how === 'full-width')
          return cellCase(
            rows,
            r,
            'entity',
            o[col('entity')]!.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x61 + 0xff41)),
            true,
          );
        if (how === 'text-number') return cellCase(rows, r, 'value', o[col('value')]!, true);
        return cellCase(rows, r, 'entity', `  ${o[col('entity')]}  `, true);
      }),
  },
  'header-problem': {
    gen: fc
      .tuple(windowAndRow, fc.constantFrom('unknown', 'duplicate', 'missing'), fc.constantFrom(...FIELDS))
      .map(([[rows], how, f]) => {
        const sheet = sheetOf(rows);
        const j = col(f === 'observedAt' || f === 'source' ? 'value' : f);
        for (const [i, r] of sheet.entries()) {
          if (how === 'unknown') r.push(i === 0 ? 'colour' : 'red');
          if (how === 'duplicate') r.push(i === 0 ? f : r[col(f)]!);
          if (how === 'missing') r.splice(j, 1);
        }
        return { rows, sheet, row: 1, field: '(header)' };
      }),
  },
  'blank-rows': {
    gen: fc.tuple(windowAndRow, fc.integer({ min: 1, max: 3 })).map(([[rows, r], n]) => {
      const sheet = sheetOf(rows);
      sheet.splice(r + 1, 0, ...Array.from({ length: n }, () => []));
      return { rows, sheet, harmless: true };
    }),
  },
  'not-a-workbook': {
    gen: fc
      .oneof(
        fc.uint8Array({ maxLength: 2000 }),
        fc.constant(new TextEncoder().encode('period,entity,indicator,value\n2026-W01,lanzhou,x,1\n')),
        // A zip's signature and nothing after it.
        fc.constant(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0])),
      )
      .map((bytes) => ({ rows: [], bytes, field: '(file)' })),
  },
  'truncated-workbook': {
    gen: fc.tuple(windowAndRow, fc.double({ min: 0.05, max: 0.95, noNaN: true })).map(([[rows], cut]) => ({
      rows,
      sheet: sheetOf(rows),
      // Marks the case: cut the written bytes at this fraction.
      bytes: Uint8Array.from([Math.floor(cut * 255)]),
      field: '(file)',
    })),
  },
};

export const hostileWorkbook: fc.Arbitrary<XlsxCase> = fc.oneof(
  ...Object.entries(XLSX_KINDS).map(([kind, k]) => k.gen.map((c) => ({ ...c, kind }))),
);

export const XLSX_DEFECTS: KnownDefect[] = [];

async function bytesOf(sheet: Cell[][]): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('observations');
  for (const r of sheet) ws.addRow(r);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

type Read = { rows: Row[] } | { errors: ObservationsError['errors'] } | { crash: string };
async function read(bytes: Uint8Array): Promise<Read> {
  try {
    return { rows: (await readObservationsXlsx(bytes, gansu, 'fuzz.xlsx')).map(rowOf) };
  } catch (e) {
    if (e instanceof ObservationsError) return { errors: e.errors };
    return { crash: crashOf(e) };
  }
}

const sameRows = (a: Row[], b: Row[]) => JSON.stringify(a) === JSON.stringify(b);

async function judgeWorkbook(c: XlsxCase): Promise<{ outcome: Outcome; detail?: string }> {
  let bytes: Uint8Array;
  if (c.kind === 'truncated-workbook') {
    const whole = await bytesOf(c.sheet!);
    bytes = whole.slice(0, Math.floor((whole.length * c.bytes![0]!) / 255));
  } else bytes = c.bytes ?? (await bytesOf(c.sheet!));
  const got = await read(bytes);
  const where = `${c.kind} row ${c.row ?? '-'} ${c.field ?? ''} ${JSON.stringify(c.sheet?.[(c.row ?? 1) - 1] ?? []).slice(0, 160)}`;
  if ('crash' in got) return { outcome: 'crash', detail: `${got.crash} — ${where}` };
  if (c.harmless) {
    const clean = await read(await bytesOf(sheetOf(c.rows)));
    if ('rows' in got && 'rows' in clean && sameRows(got.rows, clean.rows)) return { outcome: 'harmless' };
    return {
      outcome: 'wrong',
      detail: `${'rows' in got ? 'read other rows' : `rejected: ${JSON.stringify('errors' in got ? got.errors.slice(0, 2) : '')}`} — ${where}`,
    };
  }
  if ('rows' in got) return { outcome: 'wrong', detail: `accepted (${got.rows.length} rows) — ${where}` };
  // A workbook's errors name their cell (the CSV's line); only a file that is no workbook has none.
  const valid = got.errors.every(
    (e) => e.field.length > 0 && (typeof e.cell === 'string' ? e.cell.length > 0 : e.field === '(file)'),
  );
  const named = got.errors.some((e) => e.field === c.field && (c.row === undefined || e.line === c.row));
  return valid && named
    ? { outcome: 'rejected' }
    : {
        outcome: 'wrong',
        detail: `expected row ${c.row ?? 'any'} field ${c.field}, got ${JSON.stringify(got.errors.slice(0, 3))} — ${where}`,
      };
}

/** `n` hostile workbooks, reproducible from the seed. */
export async function runXlsxFuzz(n: number, seed: number): Promise<{ rows: KindRow[]; ms: number }> {
  const t0 = Date.now();
  const tally = new Tally('observations-xlsx');
  const clean = prototypes();
  for (let i = 0; i < n; i += 100)
    for (const c of fc.sample(hostileWorkbook, { numRuns: Math.min(100, n - i), seed: seed + i })) {
      const t = performance.now();
      let v: { outcome: Outcome; detail?: string };
      try {
        v = await judgeWorkbook(c);
      } catch (e) {
        v = { outcome: 'crash', detail: crashOf(e) };
      }
      if (prototypes() !== clean)
        v = { outcome: 'wrong', detail: `polluted a built-in prototype — ${c.kind}` };
      tally.add(c.kind, v.outcome, performance.now() - t, v.detail);
    }
  return { rows: tally.rows(), ms: Date.now() - t0 };
}
