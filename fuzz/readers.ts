// Hostile input for the CLI's readers (issue 12), generated with fast-check from the Gansu scenario's files
// by one mutation each: the observations CSV (`parseObservationsCsv`, what evaluate and bulletin read), the
// publish command's CSV (`rowsOfCsv`) and the scheme YAML/JSON (`loadSchemeText`). Each kind says, per reader,
// what must come out: a rejection naming the mutated line and field (or the scheme's field path), or — when
// the mutation changes nothing a reader should care about — the clean file's rows or scheme. Anything else
// is a crash (an exception that is not the reader's own) or a wrong outcome; both fail.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { rowsOfCsv } from '../cli/commands/publish.ts';
import { UsageError } from '../cli/io.ts';
import { ObservationsError, parseObservationsCsv, type ValueRow } from '../domain/observations.ts';
import { loadSchemeText, parseScheme, type Scheme, SchemeValidationError } from '../domain/scheme.ts';
import { parseYaml } from '../domain/yaml.ts';
import { OBSERVATIONS_PATH, SCHEME_PATH } from '../scenarios/gansu/generate.ts';
import { type KnownDefect, type Outcome, Tally } from './tally.ts';

// ── the Gansu files ─────────────────────────────────────────────────────────────────────────────────
export const FIELDS = ['period', 'entity', 'indicator', 'value', 'observedAt', 'source'] as const;
export type Field = (typeof FIELDS)[number];
export const REQUIRED = ['period', 'entity', 'indicator', 'value'] as const;
export const col = (f: Field) => FIELDS.indexOf(f);

const SCHEME_TEXT = readFileSync(SCHEME_PATH, 'utf8');
export const gansu = loadSchemeText(SCHEME_TEXT, SCHEME_PATH);
const [HEADER_LINE = '', ...DATA_LINES] = readFileSync(OBSERVATIONS_PATH, 'utf8').trimEnd().split('\n');
if (HEADER_LINE !== FIELDS.join(',')) throw new Error(`unexpected Gansu header: ${HEADER_LINE}`);
const ROWS = DATA_LINES.map((l) => l.split(','));
export const ENTITIES = new Set(gansu.entities.map((e) => e.id));
export const INDICATORS = new Set(gansu.indicators.map((i) => i.id));
/** Rows of the one indicator with a declared valid range ([0, 100]). */
const RANGED = gansu.indicators.find((i) => i.range)!;
export const RANGED_ROWS = ROWS.filter((r) => r[col('indicator')] === RANGED.id);

const csvText = (rows: readonly (readonly string[])[], eol = '\n', header: readonly string[] = FIELDS) =>
  [header, ...rows].map((r) => r.join(',')).join(eol) + eol;

/** A cell that stays one cell with the same text: no separator, quote or line break, nothing trimmed. */
const csvSafe = (s: string) => s.length > 0 && !/[",\r\n]/.test(s) && s === s.trim();
/** csv-parse reads strings as UTF-8 bytes: a lone surrogate arrives as U+FFFD, as from any file. */
const wellFormed = (s: string) =>
  s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

// ── CSV cases ───────────────────────────────────────────────────────────────────────────────────────
export interface CsvCase {
  kind: string;
  /** The clean file's data rows: the mutation's starting point, and what a harmless one must read as. */
  rows: string[][];
  text: string;
  /** The file line the mutation is on (1 = the header). */
  line?: number;
  /** The cell the mutation changed and its new text (what a reader that passes ids on must keep). */
  cell?: { row: number; field: Field; text: string };
  /** The column a header mutation is about. */
  column?: Field;
}

/** What a reader must make of a case. */
type Expected =
  /** Rejected; every error on `line` (when given), one of them naming `field` (when given). */
  | { reject: { line?: number; field?: string } }
  /** Read as the clean rows, or as the clean rows with the mutated cell passed on unchanged. */
  | { accept: 'clean' | 'passed-on' }
  /** Either read as the clean rows or rejected naming a line and a field. */
  | { either: true };

const reject = (line?: number, field?: string): Expected => ({ reject: { line, field } });
const rejectCell = (c: CsvCase): Expected => reject(c.line, c.cell!.field);
const CLEAN: Expected = { accept: 'clean' };
const PASSED_ON: Expected = { accept: 'passed-on' };
const EITHER: Expected = { either: true };

/** A window of 2–10 consecutive rows of the Gansu observations and one row in it. */
export const windowAndRow = fc
  .record({ start: fc.nat({ max: ROWS.length - 10 }), n: fc.integer({ min: 2, max: 10 }) })
  .map(({ start, n }) => ROWS.slice(start, start + n).map((r) => [...r]))
  .chain((rows) => fc.tuple(fc.constant(rows), fc.nat({ max: rows.length - 1 })));

/** The rows with one cell replaced; a text with a separator, quote or line break is written quoted (raw: as is). */
function cellCase(
  kind: string,
  rows: string[][],
  r: number,
  field: Field,
  text: string,
  raw = false,
): CsvCase {
  const written = raw || !/[",\r\n]/.test(text) ? text : `"${text.replace(/"/g, '""')}"`;
  const mutated = rows.map((row, i) => (i === r ? row.map((c, j) => (j === col(field) ? written : c)) : row));
  return { kind, rows, text: csvText(mutated), line: r + 2, cell: { row: r, field, text } };
}
const cellKind = (kind: string, fields: readonly Field[], texts: fc.Arbitrary<string>) =>
  fc
    .tuple(windowAndRow, fc.constantFrom(...fields), texts)
    .map(([[rows, r], field, text]) => cellCase(kind, rows, r, field, text));
/** One character put somewhere into an id or value cell. */
const insertKind = (kind: string, chars: readonly string[], fields: readonly Field[] = REQUIRED) =>
  fc
    .tuple(windowAndRow, fc.constantFrom(...fields), fc.constantFrom(...chars), fc.nat())
    .map(([[rows, r], field, ch, at]) => {
      const old = rows[r]![col(field)]!;
      const k = at % (old.length + 1);
      return cellCase(kind, rows, r, field, old.slice(0, k) + ch + old.slice(k));
    });

// Log4Shell's lookup, spelt so that no linter takes it for a template string.
const JNDI = '$' + '{jndi:ldap://x/a}';
export const UNKNOWN_IDS = fc
  .oneof(
    fc.constantFrom(
      'atlantis',
      'Lanzhou',
      'LANZHOU',
      '兰州',
      '兰州市',
      '../lanzhou',
      'lanzhou;DROP TABLE x',
      "lanzhou'OR'1'='1",
      '<script>alert(1)</script>',
      JNDI,
      '{{7*7}}',
      'lanzhou#SEQ#1',
      'lanzhou|x',
      'null',
      'undefined',
      '__proto__',
      'constructor',
      'toString',
      '0',
      '-1',
      'lan zhou',
    ),
    fc.stringMatching(/^[a-z_]{1,20}$/),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  )
  .filter(csvSafe);
const WEEK = /^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/;
const BAD_PERIODS = fc.oneof(
  fc.constantFrom(
    '2026-13',
    '2026-W54',
    '2025-W53',
    '2026-W00',
    '2026-W1',
    '２０２６-W01',
    '2026-Q1',
    '2026-H1',
    '2026-01',
    '2026',
    'W01',
    '2026-w01',
    '2026W01',
    '2026-W01-1',
    '+2026-W01',
    '99999-W01',
    '2026-W٠١',
    'NaN',
  ),
  fc.string({ maxLength: 10 }).filter((s) => csvSafe(s) && !WEEK.test(s)),
);
const NOT_A_NUMBER = fc
  .oneof(
    fc.constantFrom(
      '1e999',
      '-1e999',
      'NaN',
      'Infinity',
      '-Infinity',
      '１２',
      '١٢',
      '95%',
      '1e',
      '.',
      '--1',
      '1_000',
      '12abc',
      'null',
      'true',
      '½',
      '1.2.3',
      '0x',
      '∞',
      '1 2',
      '9'.repeat(400),
    ),
    fc.string({ minLength: 1, maxLength: 12 }),
  )
  .filter((s) => csvSafe(s) && !Number.isFinite(Number(s)));
const RADIX = ['0x10', '0X1F', '0b11', '0B1', '0o7', '0O17', '0x0', '0b0'];
/** Parsed by Date.parse, but no ISO-8601 timestamp (V8's legacy date parser takes almost anything). */
const LOOSE_TIMES = [
  '1',
  '12',
  '2026/01/05',
  'March 7, 2026',
  '5 Jan 2026',
  'Jan 5 2026 09:38',
  'Monday, January 5, 2026',
  '1/5/2026',
  '2026-1-5',
  'Tue Jan 06 2026 09:38:00 GMT+0800',
  '٢٠٢٦-01-05',
  '2026-02-30T00:00:00Z',
].filter((s) => !Number.isNaN(Date.parse(s)));
const NOT_TIMES = [
  'yesterday',
  'now',
  '2026-13-01T00:00:00Z',
  '2026-01-05T25:00:00Z',
  '2026-01-32',
  'T09:38',
  '09:38',
  'Mon',
  'null',
  '2026-01-05T09:38:00+25:00',
].filter((s) => Number.isNaN(Date.parse(s)));
const FREE_TEXT = fc
  .oneof(
    fc.constantFrom(
      '=HYPERLINK(x)',
      '=cmd|calc!A1',
      '<script>alert(1)</script>',
      "'; DROP TABLE observations; --",
      JNDI,
      '{{7*7}}',
      '兰州市数据局',
      '\u202Eevil',
      'a\u0000b',
      '__proto__',
    ),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
  )
  .filter(csvSafe);
const fullWidth = (s: string) =>
  s.replace(/[!-~]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0x21 + 0xff01));
/** Other spellings of the same decimal number. */
const respell = (v: string, how: number) =>
  [`+${v}`, `0${v}`, v.includes('.') ? `${v}0` : `${v}.0`, `${v}e0`, `${v}E+0`, `${v}e-0`, `  ${v}  `][
    how % 7
  ]!;
/** Another valid value for a column, for a duplicated column that disagrees with the first. */
const another = (field: Field, v: string) =>
  ({
    period: v === '2026-W02' ? '2026-W03' : '2026-W02',
    entity: v === 'lanzhou' ? 'tianshui' : 'lanzhou',
    indicator: v === 'gov_online_rate' ? 'hotline_satisfaction' : 'gov_online_rate',
    value: String(Number(v) + 1),
    observedAt: '2026-06-01T00:00:00+08:00',
    source: 'dept.other',
  })[field];

interface CsvKind {
  gen: fc.Arbitrary<CsvCase>;
  observations(c: CsvCase): Expected;
  publish(c: CsvCase): Expected;
}

/** Each kind of CSV mutation: how it is made, and what each reader must make of it. */
export const CSV_KINDS: Record<string, CsvKind> = {
  'header-missing-column': {
    gen: fc.tuple(windowAndRow, fc.constantFrom(...REQUIRED)).map(([[rows], column]) => {
      const keep = FIELDS.map((_, j) => j).filter((j) => j !== col(column));
      const pick = (r: readonly string[]) => keep.map((j) => r[j]!);
      return { kind: '', rows, text: csvText(rows.map(pick), '\n', pick(FIELDS)), line: 1, column };
    }),
    observations: () => reject(1, '(header)'),
    publish: () => reject(1, '(header)'),
  },
  'header-unknown-column': {
    gen: fc
      .tuple(
        windowAndRow,
        fc.oneof(
          fc.constantFrom(
            'obsevedAt',
            'observed_at',
            'Value',
            'PERIOD',
            '实体',
            '__proto__',
            'constructor',
            'toString',
            'hasOwnProperty',
            'value\u200B',
          ),
          fc.stringMatching(/^[a-z][a-z_]{0,11}$/),
        ),
        fc.boolean(),
      )
      .filter(([, name]) => !(FIELDS as readonly string[]).includes(name))
      .map(([[rows], name, extra]) => {
        // An extra column, or a misspelt optional one (what it held is then silently lost).
        const header = extra ? [...FIELDS, name] : FIELDS.map((f) => (f === 'observedAt' ? name : f));
        const data = extra ? rows.map((r) => [...r, 'x']) : rows;
        return { kind: '', rows, text: csvText(data, '\n', header), line: 1 };
      }),
    observations: () => reject(1, '(header)'),
    publish: () => reject(1, '(header)'),
  },
  'header-duplicate-column': {
    gen: fc.tuple(windowAndRow, fc.constantFrom(...FIELDS)).map(([[rows], column]) => ({
      kind: '',
      rows,
      text: csvText(
        rows.map((r) => [...r, another(column, r[col(column)]!)]),
        '\n',
        [...FIELDS, column],
      ),
      line: 1,
      column,
    })),
    observations: () => reject(1, '(header)'),
    publish: () => reject(1, '(header)'),
  },
  'bad-period': {
    gen: cellKind('', ['period'], BAD_PERIODS),
    observations: rejectCell,
    // The publish command passes ids on: the engine rejects them with reasons (the event fuzz).
    publish: () => PASSED_ON,
  },
  'unknown-entity': {
    gen: cellKind(
      '',
      ['entity'],
      UNKNOWN_IDS.filter((s) => !ENTITIES.has(s)),
    ),
    observations: rejectCell,
    publish: () => PASSED_ON,
  },
  'unknown-indicator': {
    gen: cellKind(
      '',
      ['indicator'],
      UNKNOWN_IDS.filter((s) => !INDICATORS.has(s)),
    ),
    observations: rejectCell,
    publish: () => PASSED_ON,
  },
  'empty-cell': {
    gen: cellKind('', REQUIRED, fc.constantFrom('', '   ', '\t')),
    observations: rejectCell,
    publish: rejectCell,
  },
  'value-not-a-number': {
    gen: cellKind('', ['value'], NOT_A_NUMBER),
    observations: rejectCell,
    publish: rejectCell,
  },
  'value-radix-prefix': {
    gen: cellKind('', ['value'], fc.constantFrom(...RADIX)),
    observations: rejectCell,
    publish: rejectCell,
  },
  'value-numeric-spelling': {
    gen: fc
      .tuple(windowAndRow, fc.nat())
      .map(([[rows, r], how]) => cellCase('', rows, r, 'value', respell(rows[r]![col('value')]!, how))),
    observations: () => CLEAN,
    publish: () => CLEAN,
  },
  'value-out-of-range': {
    gen: fc
      .tuple(
        windowAndRow,
        fc.constantFrom(...RANGED_ROWS),
        fc.oneof(
          fc.double({ min: 100.000001, max: 1e308, noNaN: true }),
          fc.double({ min: -1e308, max: -1e-6, noNaN: true }),
        ),
      )
      .map(([[rows, r], ranged, v]) => {
        const base = rows.map((row, i) => (i === r ? [...ranged] : row));
        return cellCase('', base, r, 'value', String(v));
      }),
    // Ingest rejects a value outside the indicator's declared range; evaluate must not rank it either.
    observations: rejectCell,
    publish: () => PASSED_ON,
  },
  'observed-at-not-a-time': {
    gen: cellKind('', ['observedAt'], fc.constantFrom(...NOT_TIMES)),
    observations: rejectCell,
    publish: () => PASSED_ON,
  },
  'observed-at-loose': {
    gen: cellKind('', ['observedAt'], fc.constantFrom(...LOOSE_TIMES)),
    observations: rejectCell,
    publish: () => PASSED_ON,
  },
  'unbalanced-quote': {
    gen: fc
      .tuple(windowAndRow, fc.constantFrom(...FIELDS), fc.constantFrom('open', 'inside', 'close'), fc.nat())
      .map(([[rows, r], field, how, at]) => {
        const old = rows[r]![col(field)]!;
        const k = 1 + (at % Math.max(1, old.length - 1));
        const text =
          how === 'open'
            ? `"${old}`
            : how === 'inside'
              ? `${old.slice(0, k)}"${old.slice(k)}`
              : `"${old}"${old.slice(0, 1)}`;
        return cellCase('', rows, r, field, text, true);
      }),
    observations: () => reject(),
    publish: () => reject(),
  },
  'nul-in-field': {
    gen: insertKind('', ['\u0000']),
    observations: rejectCell,
    publish: (c) => (c.cell!.field === 'value' ? rejectCell(c) : PASSED_ON),
  },
  'lone-surrogate': {
    gen: insertKind('', ['\uD800', '\uDBFF', '\uDC00', '\uDFFF']),
    observations: rejectCell,
    publish: (c) => (c.cell!.field === 'value' ? rejectCell(c) : PASSED_ON),
  },
  'bidi-mark': {
    gen: insertKind('', [
      '\u202E',
      '\u202D',
      '\u202A',
      '\u200F',
      '\u200E',
      '\u061C',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
    ]),
    observations: rejectCell,
    publish: (c) => (c.cell!.field === 'value' ? rejectCell(c) : PASSED_ON),
  },
  'zero-width': {
    gen: insertKind('', ['\u200B', '\u200C', '\u200D', '\u2060']),
    observations: rejectCell,
    publish: (c) => (c.cell!.field === 'value' ? rejectCell(c) : PASSED_ON),
  },
  'full-width': {
    gen: fc
      .tuple(windowAndRow, fc.constantFrom(...REQUIRED))
      .map(([[rows, r], field]) => cellCase('', rows, r, field, fullWidth(rows[r]![col(field)]!))),
    observations: rejectCell,
    publish: (c) => (c.cell!.field === 'value' ? rejectCell(c) : PASSED_ON),
  },
  'bom-odd-place': {
    gen: fc
      .tuple(
        windowAndRow,
        fc.constantFrom(...FIELDS),
        fc.constantFrom('file', 'row', 'cell-start', 'cell-end'),
      )
      .map(([[rows, r], field, where]) => {
        if (where === 'file') return { kind: '', rows, text: `\uFEFF\uFEFF${csvText(rows)}`, line: 1 };
        const f = where === 'row' ? 'period' : field;
        const old = rows[r]![col(f)]!;
        return cellCase('', rows, r, f, where === 'cell-end' ? `${old}\uFEFF` : `\uFEFF${old}`);
      }),
    // U+FEFF at a cell's edge is trimmed like any white space (csv-parse and String.prototype.trim agree).
    observations: () => CLEAN,
    publish: () => CLEAN,
  },
  'huge-field': {
    gen: fc
      .tuple(
        windowAndRow,
        fc.constantFrom(...REQUIRED),
        fc.integer({ min: 15, max: 19 }).chain((e) => fc.integer({ min: 2 ** e, max: 2 ** (e + 1) })),
      )
      .map(([[rows, r], field, n]) =>
        cellCase('', rows, r, field, (field === 'value' ? '9' : 'x').repeat(n)),
      ),
    observations: rejectCell,
    publish: (c) => (c.cell!.field === 'value' ? rejectCell(c) : PASSED_ON),
  },
  'many-columns': {
    gen: fc
      .tuple(windowAndRow, fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('', 'x'))
      .map(([[rows, r], k, filler]) => ({
        kind: '',
        rows,
        text: csvText(rows.map((row, i) => (i === r ? [...row, ...Array<string>(k).fill(filler)] : row))),
        line: r + 2,
      })),
    observations: (c) => reject(c.line, '(row)'),
    publish: (c) => reject(c.line),
  },
  'missing-columns': {
    gen: fc.tuple(windowAndRow, fc.integer({ min: 1, max: 5 })).map(([[rows, r], keep]) => ({
      kind: '',
      rows,
      text: csvText(rows.map((row, i) => (i === r ? row.slice(0, keep) : row))),
      line: r + 2,
    })),
    observations: (c) => reject(c.line, '(row)'),
    publish: (c) => reject(c.line),
  },
  'line-endings-uniform': {
    gen: fc.tuple(windowAndRow, fc.constantFrom('\r\n', '\r'), fc.boolean()).map(([[rows], eol, last]) => {
      const text = csvText(rows, eol);
      return { kind: '', rows, text: last ? text : text.slice(0, -eol.length) };
    }),
    observations: () => CLEAN,
    publish: () => CLEAN,
  },
  'line-endings-mixed': {
    gen: windowAndRow
      .chain(([rows]) =>
        fc.tuple(
          fc.constant(rows),
          fc.array(fc.constantFrom('\n', '\r\n', '\r'), {
            minLength: rows.length + 1,
            maxLength: rows.length + 1,
          }),
        ),
      )
      .filter(([, eols]) => new Set(eols).size > 1)
      .map(([rows, eols]) => ({
        kind: '',
        rows,
        text: [FIELDS, ...rows].map((r, i) => r.join(',') + eols[i]).join(''),
      })),
    observations: () => EITHER,
    publish: () => EITHER,
  },
  'blank-lines': {
    gen: windowAndRow
      .chain(([rows]) =>
        fc.tuple(fc.constant(rows), fc.array(fc.nat({ max: rows.length }), { minLength: 1, maxLength: 3 })),
      )
      .map(([rows, at]) => {
        const lines = [FIELDS, ...rows].map((r) => r.join(','));
        for (const i of at.sort((a, b) => b - a)) lines.splice(i + 1, 0, '');
        return { kind: '', rows, text: `${lines.join('\n')}\n` };
      }),
    observations: () => CLEAN,
    publish: () => CLEAN,
  },
  'line-shift-then-bad-value': {
    // Blank lines, or a quoted cell spanning two lines, before a row with a bad value: the error must name
    // the file's line, not the record's number.
    gen: windowAndRow
      .chain(([rows, t]) =>
        fc.tuple(
          fc.constant(rows),
          fc.constant(t),
          fc.nat({ max: t }),
          fc.constantFrom('blank', 'multiline'),
          fc.integer({ min: 1, max: 3 }),
        ),
      )
      .map(([rows, t, s, how, blanks]) => {
        const lines = rows.map((r, i) => {
          const cells = [...r];
          if (i === t) cells[col('value')] = 'NaN';
          if (how === 'multiline' && i === s) cells[col('source')] = `"${cells[col('source')]}\nsecond line"`;
          return cells.join(',');
        });
        if (how === 'blank') lines.splice(s, 0, ...Array<string>(blanks).fill(''));
        const shift = how === 'blank' ? blanks : s < t ? 1 : 0;
        return { kind: '', rows, text: `${[FIELDS.join(','), ...lines].join('\n')}\n`, line: t + 2 + shift };
      }),
    observations: (c) => reject(c.line, 'value'),
    publish: (c) => reject(c.line, 'value'),
  },
  'empty-file': {
    gen: fc
      .constantFrom('', '\n', '\n\n', '\r\n', '\uFEFF', '\uFEFF\n', ' ', '\t\n')
      .map((text) => ({ kind: '', rows: [], text, line: 1 })),
    observations: () => reject(1, '(header)'),
    publish: () => reject(),
  },
  'no-rows': {
    gen: fc
      .constantFrom('', '\n', '\n\n')
      .map((tail) => ({ kind: '', rows: [], text: FIELDS.join(',') + tail })),
    observations: () => CLEAN,
    publish: () => CLEAN,
  },
  'free-text-source': {
    gen: cellKind('', ['source'], FREE_TEXT),
    observations: () => PASSED_ON,
    publish: () => PASSED_ON,
  },
  'quoted-cells': {
    gen: windowAndRow
      .chain(([rows]) =>
        fc.tuple(
          fc.constant(rows),
          fc.array(fc.constantFrom('plain', 'quoted', 'spaced'), { minLength: 6 * rows.length }),
        ),
      )
      .map(([rows, how]) => ({
        kind: '',
        rows,
        text: csvText(
          rows.map((r, i) =>
            r.map((cell, j) => {
              const h = how[i * 6 + j];
              return h === 'quoted' ? `"${cell}"` : h === 'spaced' ? `  "${cell}" ` : cell;
            }),
          ),
        ),
      })),
    observations: () => CLEAN,
    publish: () => CLEAN,
  },
};

/** One hostile CSV file, labelled with the kind of its mutation. */
export const hostileCsv: fc.Arbitrary<CsvCase> = fc.oneof(
  ...Object.entries(CSV_KINDS).map(([kind, k]) => k.gen.map((c) => ({ ...c, kind }))),
);

// ── judging a CSV reader ────────────────────────────────────────────────────────────────────────────
export type Row = ValueRow;
type RowError = { line: number; field: string | undefined; message: string };
type Read = { rows: Row[] } | { errors: RowError[] } | { crash: string };

export const rowOf = (r: Row): Row => ({
  period: r.period,
  entity: r.entity,
  indicator: r.indicator,
  value: r.value,
  ...(r.observedAt !== undefined ? { observedAt: r.observedAt } : {}),
  ...(r.source !== undefined ? { source: r.source } : {}),
});
export const crashOf = (e: unknown) =>
  `${(e as Error)?.name ?? typeof e}: ${String((e as Error)?.message ?? e)}`;

export const CSV_FILE = 'fuzz.csv';

export function readObservations(text: string): Read {
  try {
    return { rows: parseObservationsCsv(text, gansu, CSV_FILE).map(rowOf) };
  } catch (e) {
    if (e instanceof ObservationsError) return { errors: e.errors };
    return { crash: crashOf(e) };
  }
}

/**
 * The publish reader's rejection is a UsageError: a summary line (the empty file's has none), then one
 * `FILE:LINE: FIELD: message` line per problem; a problem line of another form has no line or field.
 */
function usageErrorsOf(message: string): RowError[] {
  const lines = message.split('\n');
  const problems = /^fuzz\.csv:\d+: /.test(lines[0] ?? '') ? lines : lines.slice(1);
  return problems
    .filter((l) => !/^… /.test(l))
    .map((l) => {
      const m = /^fuzz\.csv:(\d+): ([^\s:]+): \S/.exec(l);
      return { line: m ? Number(m[1]) : Number.NaN, field: m?.[2], message: l };
    });
}

export function readPublish(text: string): Read {
  try {
    return { rows: rowsOfCsv(text, CSV_FILE).map(rowOf) };
  } catch (e) {
    if (e instanceof UsageError) return { errors: usageErrorsOf(e.message) };
    return { crash: crashOf(e) };
  }
}

function passedOn(clean: Row[], c: CsvCase): Row[] {
  const { row, field, text } = c.cell!;
  return clean.map((r, i) => {
    if (i !== row) return r;
    const kept = wellFormed(text);
    return rowOf({ ...r, [field]: field === 'value' ? Number(kept) : kept } as Row);
  });
}

const show = (s: string) => JSON.stringify(s.length > 120 ? `${s.slice(0, 120)}…(${s.length})` : s);

function judgeCsv(
  c: CsvCase,
  read: (text: string) => Read,
  expected: Expected,
): { outcome: Outcome; detail?: string } {
  const got = read(c.text);
  const where = `${c.kind} ${show(c.text)}`;
  if ('crash' in got) return { outcome: 'crash', detail: `${got.crash} — ${where}` };
  const clean = read(csvText(c.rows));
  if (!('rows' in clean)) return { outcome: 'wrong', detail: `the clean file was not read — ${where}` };
  const validRejection = (errors: RowError[], line?: number, field?: string) =>
    errors.length > 0 &&
    errors.every(
      (e) =>
        Number.isInteger(e.line) &&
        e.line >= 1 &&
        typeof e.field === 'string' &&
        e.field.length > 0 &&
        (line === undefined || e.line === line),
    ) &&
    (field === undefined || errors.some((e) => e.field === field));
  if ('reject' in expected) {
    if ('rows' in got) return { outcome: 'wrong', detail: `accepted (${got.rows.length} rows) — ${where}` };
    const { line, field } = expected.reject;
    return validRejection(got.errors, line, field)
      ? { outcome: 'rejected' }
      : {
          outcome: 'wrong',
          detail: `expected line ${line ?? 'any'} field ${field ?? 'any'}, got ${JSON.stringify(got.errors.slice(0, 3).map((e) => ({ line: e.line, field: e.field, message: e.message.slice(0, 120) })))} — ${where}`,
        };
  }
  const want = 'accept' in expected && expected.accept === 'passed-on' ? passedOn(clean.rows, c) : clean.rows;
  if ('rows' in got)
    return isDeepStrictEqual(got.rows, want)
      ? { outcome: 'harmless' }
      : { outcome: 'wrong', detail: `read other rows than the clean file's — ${where}` };
  if ('either' in expected && validRejection(got.errors)) return { outcome: 'rejected' };
  return {
    outcome: 'wrong',
    detail: `rejected: ${JSON.stringify(got.errors.slice(0, 2).map((e) => e.message.slice(0, 160)))} — ${where}`,
  };
}

// ── scheme cases ────────────────────────────────────────────────────────────────────────────────────
type Path = (string | number)[];
type Raw = Record<string, unknown>;

export interface SchemeCase {
  kind: string;
  fileName: string;
  text: string;
  /** Field paths one of which an issue must name (a prefix will do: `indicators[2]` for `indicators[2].id`). */
  paths?: string[];
  /** A key the rejection must name (in its path or its message). */
  names?: string;
  /** What a harmless mutation must load as (the clean scheme, or the clean scheme with what it changed). */
  accept?: Scheme;
}

const formatPath = (path: Path) =>
  path.reduce<string>(
    (out, p) => (typeof p === 'number' ? `${out}[${p}]` : out === '' ? p : `${out}.${p}`),
    '',
  ) || '(root)';

const clone = <T>(x: T): T => structuredClone(x);
/** The object holding the path's last key, made on the way when the scheme leaves it out (rules.reminder). */
function parentOf(raw: Raw, path: Path): Record<string | number, unknown> {
  let at = raw as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) {
    at[p] ??= {};
    at = at[p] as Record<string | number, unknown>;
  }
  return at;
}
function setAt(raw: Raw, path: Path, value: unknown): Raw {
  const out = clone(raw);
  const parent = parentOf(out, path);
  Object.defineProperty(parent, path.at(-1)!, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return out;
}
function deleteAt(raw: Raw, path: Path): Raw {
  const out = clone(raw);
  delete parentOf(out, path)[path.at(-1)!];
  return out;
}

/** The Gansu scheme as parsed YAML, and a compact cut of it (4 entities, one indicator per topic). */
const FULL = parseYaml(SCHEME_TEXT) as Raw;
function compact(full: Raw): Raw {
  const raw = clone(full) as Raw & {
    entities: { id: string }[];
    indicators: { id: string; topic: string }[];
    rules: { patterns: { members: { indicator: string }[] }[] };
  };
  raw.entities = raw.entities.slice(0, 4);
  const seen = new Set<string>();
  raw.indicators = raw.indicators.filter((i) => !seen.has(i.topic) && seen.add(i.topic));
  const kept = new Set(raw.indicators.map((i) => i.id));
  raw.rules.patterns = raw.rules.patterns
    .map((p) => ({ ...p, members: p.members.filter((m) => kept.has(m.indicator)) }))
    .filter((p) => p.members.length > 0);
  return raw;
}
const COMPACT = compact(FULL);
const CLEAN_SCHEME = new Map<Raw, Scheme>([
  [FULL, parseScheme(FULL)],
  [COMPACT, parseScheme(COMPACT)],
]);
const cleanOf = (raw: Raw) => CLEAN_SCHEME.get(raw)!;
const lengthOf = (raw: Raw, key: string) => (raw[key] as unknown[]).length;

/** A number literal JSON and YAML can write but JavaScript cannot hold (1e999), put in by text. */
const LITERAL = '@@literal@@';
function serialise(raw: Raw, as: 'yaml' | 'json', literal?: string): { fileName: string; text: string } {
  const text = as === 'json' ? JSON.stringify(raw, null, 1) : stringify(raw);
  return {
    fileName: `fuzz.${as}`,
    text: literal === undefined ? text : text.replace(/["']?@@literal@@["']?/, literal),
  };
}

const base = fc.constantFrom(COMPACT, COMPACT, COMPACT, FULL);
const format = fc.constantFrom<'yaml' | 'json'>('yaml', 'json');
/** A path to the i-th item of a list of the base scheme (any i that exists). */
const item = (raw: Raw, list: string) => fc.nat({ max: lengthOf(raw, list) - 1 });

type Leaf = 'string' | 'number' | 'object' | 'array';
function typedLeaves(raw: Raw): fc.Arbitrary<[Path, Leaf]> {
  return fc.oneof(
    fc.constantFrom<[Path, Leaf]>(
      [['id'], 'string'],
      [['version'], 'string'],
      [['name'], 'object'],
      [['name', 'zh'], 'string'],
      [['periodKind'], 'string'],
      [['entities'], 'array'],
      [['focus'], 'array'],
      [['focus', 0], 'string'],
      [['watch'], 'string'],
      [['topics'], 'array'],
      [['indicators'], 'array'],
      [['composite'], 'object'],
      [['composite', 'aggregate'], 'string'],
      [['missing', 'carryForward'], 'number'],
      [['rules', 'slip'], 'array'],
      [['rules', 'escalation', 'sla', 'critical'], 'string'],
      [['timeZone'], 'string'],
    ),
    item(raw, 'entities').chain((i) =>
      fc.constantFrom<[Path, Leaf]>(
        [['entities', i], 'object'],
        [['entities', i, 'id'], 'string'],
        [['entities', i, 'name'], 'object'],
      ),
    ),
    item(raw, 'topics').map((i): [Path, Leaf] => [['topics', i, 'weight'], 'number']),
    item(raw, 'indicators').chain((i) =>
      fc.constantFrom<[Path, Leaf]>(
        [['indicators', i, 'weight'], 'number'],
        [['indicators', i, 'direction'], 'string'],
        [['indicators', i, 'unit'], 'string'],
        [['indicators', i, 'owner'], 'string'],
        [['indicators', i, 'precision'], 'number'],
        [['indicators', i, 'normalise'], 'object'],
        [['indicators', i, 'normalise', 'method'], 'string'],
        [['indicators', i, 'topic'], 'string'],
      ),
    ),
  );
}
const WRONG_TYPED: Record<Leaf, unknown[]> = {
  string: [42, true, null, [], {}, ['x'], { zh: 'x' }, 1.5],
  number: ['3', 'three', true, null, [], {}, [3], '1e999'],
  object: ['x', 42, [], null, true],
  array: ['x', 42, {}, null, true],
};

const REQUIRED_PATHS = (raw: Raw): fc.Arbitrary<Path> =>
  fc.oneof(
    fc.constantFrom<Path>(['id'], ['version'], ['name'], ['periodKind'], ['entities'], ['indicators']),
    item(raw, 'entities').chain((i) => fc.constantFrom<Path>(['entities', i, 'id'], ['entities', i, 'name'])),
    item(raw, 'topics').chain((i) =>
      fc.constantFrom<Path>(['topics', i, 'id'], ['topics', i, 'name'], ['topics', i, 'weight']),
    ),
    item(raw, 'indicators').chain((i) =>
      fc.constantFrom<Path>(
        ...['id', 'name', 'weight', 'direction', 'unit', 'owner', 'normalise', 'topic'].map((k) => [
          'indicators',
          i,
          k,
        ]),
      ),
    ),
    item(raw, 'departments').map((i): Path => ['departments', i, 'name']),
  );

/** Objects of the scheme and the keys each may have: an unknown key is one of none of them. */
const KNOWN_KEYS: [Path, string[]][] = [
  [
    [],
    [
      'id',
      'version',
      'name',
      'periodKind',
      'entities',
      'focus',
      'watch',
      'departments',
      'topics',
      'indicators',
      'composite',
      'missing',
      'rules',
      'timeZone',
      'robustness',
    ],
  ],
  [
    ['entities', 0],
    ['id', 'name'],
  ],
  [
    ['topics', 0],
    ['id', 'name', 'weight', 'parent', 'aggregate', 'floor'],
  ],
  [
    ['indicators', 0],
    [
      'id',
      'name',
      'topic',
      'weight',
      'direction',
      'unit',
      'owner',
      'range',
      'precision',
      'target',
      'normalise',
    ],
  ],
  [['composite'], ['aggregate', 'precision', 'rescale', 'floor']],
  [['missing'], ['carryForward', 'otherwise']],
  [['rules'], ['slip', 'patterns', 'inhibit', 'escalation', 'reminder']],
  [['name'], ['zh', 'en']],
];
const UNKNOWN_KEY = fc.oneof(
  fc.constantFrom(
    'wieght',
    'rnage',
    'precison',
    'aggregrate',
    'notes',
    'x-comment',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'Weight',
    'ID',
    ' id',
  ),
  fc.stringMatching(/^[a-z][a-zA-Z_]{2,10}$/),
);

const BAD_IDS = [
  'lan\u0000zhou',
  'lan\uD800zhou',
  '\u202Elanzhou',
  'ｌａｎｚｈｏｕ',
  ' lanzhou',
  'lan zhou',
  'lan.zhou',
  '../lanzhou',
  '',
  '#',
  'a/b',
  '兰州',
  '-lanzhou',
  'lanzhou\u200B',
];

const deepValue = (as: 'yaml' | 'json', depth: number, map: boolean) =>
  map
    ? `${(as === 'json' ? '{"a":' : '{a: ').repeat(depth)}1${'}'.repeat(depth)}`
    : `${'['.repeat(depth)}1${']'.repeat(depth)}`;
function aliasBomb(levels: number, fan: number): string {
  const level = (i: number) =>
    i === 0
      ? `&l0 [${Array(fan).fill('lol').join(', ')}]`
      : `&l${i} [${Array(fan)
          .fill(`*l${i - 1}`)
          .join(', ')}]`;
  return `[${Array.from({ length: levels + 1 }, (_, i) => level(i)).join(', ')}]`;
}
/** The scheme text with the line `version: "1"` (one of the first) given another value. */
const withVersion = (raw: Raw, value: string) =>
  stringify(raw).replace(/^version: .*$/m, () => `version: ${value}`);

const YAML_SYNTAX_ERRORS = [
  '[1, 2',
  '{a: 1',
  '"unclosed',
  "'unclosed",
  '*nowhere',
  '@at',
  '`tick',
  '"1" "2"',
  '[1]]',
  '{a: 1}}',
  'a: b: c',
  '- - x',
  '&',
  '!!binary ###',
];

interface SchemeKind {
  gen: fc.Arbitrary<Omit<SchemeCase, 'kind'>>;
}

/** Each kind of scheme mutation, with the field paths its rejection must name (or what it must load as). */
export const SCHEME_KINDS: Record<string, SchemeKind> = {
  'wrong-type': {
    gen: fc
      .tuple(base, format)
      .chain(([raw, as]) => fc.tuple(fc.constant(raw), fc.constant(as), typedLeaves(raw)))
      .chain(([raw, as, [path, leaf]]) =>
        fc.constantFrom(...WRONG_TYPED[leaf]).map((v) => ({
          ...serialise(setAt(raw, path, v), as),
          paths: [formatPath(path)],
        })),
      ),
  },
  'missing-required': {
    gen: fc.tuple(base, format).chain(([raw, as]) =>
      REQUIRED_PATHS(raw).map((path) => ({
        ...serialise(deleteAt(raw, path), as),
        paths: [formatPath(path)],
      })),
    ),
  },
  'unknown-field': {
    gen: fc
      .tuple(base, format, fc.constantFrom(...KNOWN_KEYS), UNKNOWN_KEY, fc.jsonValue({ maxDepth: 2 }))
      .filter(([, , [, known], key]) => !known.includes(key))
      .map(([raw, as, [path], key, v]) => ({
        ...serialise(setAt(raw, [...path, key], v), as),
        paths: [formatPath(path), formatPath([...path, key])],
        names: key,
      })),
  },
  'bad-id': {
    gen: fc
      .tuple(base, format)
      .chain(([raw, as]) =>
        fc.tuple(
          fc.constant(raw),
          fc.constant(as),
          fc.oneof(
            fc.constant<Path>(['id']),
            item(raw, 'entities').map((i): Path => ['entities', i, 'id']),
            item(raw, 'indicators').chain((i) =>
              fc.constantFrom<Path>(['indicators', i, 'id'], ['indicators', i, 'topic']),
            ),
            item(raw, 'topics').map((i): Path => ['topics', i, 'id']),
            fc.constant<Path>(['focus', 0]),
            fc.constant<Path>(['rules', 'escalation', 'levels', 0, 'id']),
          ),
          fc.constantFrom(...BAD_IDS),
        ),
      )
      .map(([raw, as, path, id]) => ({ ...serialise(setAt(raw, path, id), as), paths: [formatPath(path)] })),
  },
  'bad-enum': {
    gen: fc
      .tuple(base, format)
      .chain(([raw, as]) =>
        fc.tuple(
          fc.constant(raw),
          fc.constant(as),
          fc.oneof(
            fc.tuple(
              fc.constant<Path>(['periodKind']),
              fc.constantFrom('fortnight', 'Week', 'weekly', '', 'WEEK'),
            ),
            fc.tuple(fc.constant<Path>(['watch']), fc.constantFrom('none', 'All', '')),
            fc.tuple(
              fc.constant<Path>(['composite', 'aggregate']),
              fc.constantFrom('harmonic', 'Arithmetic'),
            ),
            fc.tuple(fc.constant<Path>(['missing', 'otherwise']), fc.constantFrom('drop', 'Zero')),
            fc.tuple(
              item(raw, 'indicators').map((i): Path => ['indicators', i, 'direction']),
              fc.constantFrom('up', 'Higher', 'asc', ''),
            ),
            fc.tuple(
              item(raw, 'indicators').map((i): Path => ['indicators', i, 'normalise', 'method']),
              fc.constantFrom('log', 'MinMax', 'z-score', ''),
            ),
            fc.tuple(
              item(raw, 'topics').map((i): Path => ['topics', i, 'aggregate']),
              fc.constantFrom('harmonic', 'mean'),
            ),
            fc.tuple(
              fc.nat({ max: 6 }).map((j): Path => ['rules', 'slip', j, 'severity']),
              fc.constantFrom('urgent', 'Critical'),
            ),
          ),
        ),
      )
      .map(([raw, as, [path, v]]) => ({
        ...serialise(setAt(raw, path, v), as),
        // A discriminator (normalise.method) is reported on its object.
        paths: [formatPath(path), formatPath(path.slice(0, -1))],
      })),
  },
  'bad-number': {
    gen: fc
      .tuple(base, format)
      .chain(([raw, as]) =>
        fc.tuple(
          fc.constant(raw),
          fc.constant(as),
          fc.oneof(
            fc.tuple(
              item(raw, 'indicators').map((i): Path => ['indicators', i, 'weight']),
              fc.constantFrom(0, -1, -0.0001, -1e308, -0),
            ),
            fc.tuple(
              item(raw, 'topics').map((i): Path => ['topics', i, 'weight']),
              fc.constantFrom(0, -1, -5e-324),
            ),
            fc.tuple(
              item(raw, 'indicators').map((i): Path => ['indicators', i, 'precision']),
              fc.constantFrom(13, -1, 1.5, 1e20),
            ),
            fc.tuple(fc.constant<Path>(['composite', 'precision']), fc.constantFrom(13, -1, 0.5)),
            fc.tuple(fc.constant<Path>(['missing', 'carryForward']), fc.constantFrom(-1, 0.5, -1e9)),
            fc.tuple(fc.constant<Path>(['composite', 'floor']), fc.constantFrom(-1, -1e-9)),
            fc.tuple(fc.constant<Path>(['rules', 'reminder', 'weekday']), fc.constantFrom(0, 8, 1.5)),
            fc.tuple(fc.constant<Path>(['rules', 'slip', 1, 'min']), fc.constantFrom(0, -2, 1.5)),
            fc.tuple(
              item(raw, 'indicators').map((i): Path => ['indicators', i, 'range']),
              fc.constantFrom({ min: 10, max: 1 }, { min: 0, max: -1e-9 }),
            ),
          ),
        ),
      )
      .map(([raw, as, [path, v]]) => ({
        ...serialise(setAt(raw, path, v), as),
        paths: [formatPath(path)],
      })),
  },
  'huge-number': {
    gen: fc
      .tuple(base, format)
      .chain(([raw, as]) =>
        fc.tuple(
          fc.constant(raw),
          fc.constant(as),
          fc.oneof(
            fc.tuple(
              item(raw, 'indicators').map((i): Path => ['indicators', i, 'weight']),
              fc.constantFrom('1e999', '-1e999', ...(as === 'yaml' ? ['.inf', '-.inf', '.nan'] : [])),
            ),
            fc.tuple(
              fc.oneof(
                item(raw, 'indicators').map((i): Path => ['indicators', i, 'precision']),
                fc.constantFrom<Path>(
                  ['missing', 'carryForward'],
                  ['rules', 'reminder', 'weekday'],
                  ['rules', 'slip', 1, 'min'],
                  ['composite', 'precision'],
                ),
              ),
              fc.constantFrom(
                '1e999',
                '123456789012345678901234567890',
                '9007199254740993',
                '1e20',
                '-1e999',
              ),
            ),
          ),
        ),
      )
      .map(([raw, as, [path, literal]]) => ({
        ...serialise(setAt(raw, path, LITERAL), as, literal),
        paths: [formatPath(path)],
      })),
  },
  'bad-reference': {
    gen: base
      .chain((raw) =>
        fc.tuple(
          fc.constant(raw),
          format,
          fc.oneof(
            item(raw, 'indicators').map((i): [Path, unknown, string[]] => [
              ['indicators', i, 'topic'],
              'no_such_topic',
              [`indicators[${i}].topic`],
            ]),
            fc.constant<[Path, unknown, string[]]>([
              ['topics', 3, 'parent'],
              'no_such_topic',
              ['topics[3].parent'],
            ]),
            // hotline_access's parent is hotline: hotline under hotline_access closes a cycle.
            fc.constant<[Path, unknown, string[]]>([
              ['topics', 2, 'parent'],
              'hotline_access',
              ['topics[2].parent', 'topics[3].parent'],
            ]),
            fc.constant<[Path, unknown, string[]]>([['focus', 1], 'atlantis', ['focus[1]']]),
            fc.constant<[Path, unknown, string[]]>([['entities', 1, 'id'], 'lanzhou', ['entities[1].id']]),
            fc.constant<[Path, unknown, string[]]>([
              ['indicators', 1, 'id'],
              (raw.indicators as { id: string }[])[0]!.id,
              ['indicators[1].id'],
            ]),
            fc
              .nat({ max: 6 })
              .map((j): [Path, unknown, string[]] => [
                ['rules', 'slip', j, 'scope'],
                'no_such_indicator',
                [`rules.slip[${j}].scope`],
              ]),
          ),
        ),
      )
      .map(([raw, as, [path, v, paths]]) => ({ ...serialise(setAt(raw, path, v), as), paths })),
  },
  'bad-time': {
    gen: fc
      .tuple(
        base,
        format,
        fc.oneof(
          fc.tuple(
            fc.constant<Path>(['timeZone']),
            fc.constantFrom('Mars/Olympus', 'Asia/Shang hai', '', 'Beijing', 'Asia/Shanghai\u0000', 'UTC+8'),
          ),
          fc.tuple(
            fc.constantFrom<Path>(
              ['rules', 'escalation', 'sla', 'critical'],
              ['rules', 'escalation', 'sla', 'warning'],
              ['rules', 'escalation', 'rate'],
            ),
            fc.constantFrom('P1M', 'P1Y', '4h', 'PT', '-PT4H', 'P', 'PT4H ', 'forever'),
          ),
          fc.tuple(
            fc.constant<Path>(['rules', 'reminder', 'time']),
            fc.constantFrom('25:00', '9:00', '09:60', '0900', ''),
          ),
        ),
      )
      .map(([raw, as, [path, v]]) => ({ ...serialise(setAt(raw, path, v), as), paths: [formatPath(path)] })),
  },
  'deep-nesting': {
    gen: fc
      .tuple(
        base,
        format,
        fc.integer({ min: 7, max: 14 }).chain((e) => fc.integer({ min: 2 ** e, max: 2 ** (e + 1) })),
        fc.boolean(),
        fc.constantFrom<Path>(['indicators', 0, 'unit'], ['version'], ['entities', 0, 'name', 'zh']),
      )
      .map(([raw, as, depth, map, path]) => ({
        ...serialise(setAt(raw, path, LITERAL), as, deepValue(as, depth, map)),
        // Refused by the parser (its stack is finite), or parsed and refused at the field.
        paths: ['(file)', formatPath(path)],
      })),
  },
  'alias-bomb': {
    gen: fc
      .tuple(base, fc.integer({ min: 3, max: 40 }), fc.integer({ min: 2, max: 12 }))
      .map(([raw, levels, fan]) => ({
        fileName: 'fuzz.yaml',
        text: withVersion(raw, aliasBomb(levels, fan)),
        paths: ['(file)', 'version'],
      })),
  },
  'duplicate-key-yaml': {
    gen: fc.tuple(base, fc.constantFrom('root', 'entity', 'nested')).map(([raw, where]) => {
      const text = stringify(raw);
      return {
        fileName: 'fuzz.yaml',
        text:
          where === 'root'
            ? `${text}id: other\n`
            : where === 'entity'
              ? text.replace(
                  /^( *)- id: (\S+)$/m,
                  (_, sp: string, id: string) => `${sp}- id: ${id}\n${sp}  id: other`,
                )
              : text.replace(/^name:\n( +)zh: /m, (_, sp: string) => `name:\n${sp}zh: x\n${sp}zh: `),
        paths: ['(file)'],
      };
    }),
  },
  'duplicate-key-json': {
    // JSON.parse keeps the last of two equal keys; YAML refuses them. A scheme file must not mean two things.
    gen: fc.tuple(base, fc.constantFrom('id', 'periodKind', 'version')).map(([raw, key]) => ({
      fileName: 'fuzz.json',
      text: JSON.stringify(raw).replace(/^\{/, () => `{${JSON.stringify(key)}:${JSON.stringify('other')},`),
      paths: ['(file)', key],
    })),
  },
  'syntax-error': {
    gen: fc
      .tuple(base, fc.constantFrom(...YAML_SYNTAX_ERRORS), fc.boolean(), fc.nat())
      .map(([raw, bad, json, at]) => {
        if (!json)
          return { fileName: 'fuzz.yaml', text: withVersion(raw, bad), paths: ['(file)', 'version'] };
        const text = JSON.stringify(raw);
        return {
          fileName: 'fuzz.json',
          text: text.slice(0, at % (text.length - 1)),
          paths: ['(file)', '(root)'],
        };
      }),
  },
  'truncated-yaml': {
    gen: fc.tuple(base, fc.nat()).map(([raw, at]) => {
      const text = stringify(raw);
      const end = text.indexOf('\nindicators:');
      return {
        fileName: 'fuzz.yaml',
        text: text.slice(0, at % end),
        paths: ['(file)', '(root)', 'indicators'],
      };
    }),
  },
  'wrong-root': {
    gen: fc
      .constantFrom('', '~', 'null', '[]', '42', '"scheme"', '- a\n- b', 'true', '# only a comment\n', '.inf')
      .map((text) => ({ fileName: 'fuzz.yaml', text, paths: ['(root)'] })),
  },
  'multi-document': {
    gen: fc.tuple(base, fc.constantFrom('---\nid: other\n', '---\n', '--- []\n')).map(([raw, doc]) => ({
      fileName: 'fuzz.yaml',
      text: `${stringify(raw)}${doc}`,
      paths: ['(file)'],
    })),
  },
  'weights-not-summing': {
    // Weights are relative: any positive finite ones are a valid scheme, loaded as written.
    gen: base.chain((raw) =>
      fc
        .tuple(
          format,
          fc.array(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), {
            minLength: lengthOf(raw, 'indicators'),
            maxLength: lengthOf(raw, 'indicators'),
          }),
        )
        .map(([as, weights]) => {
          let mutated = raw;
          weights.forEach((w, i) => {
            mutated = setAt(mutated, ['indicators', i, 'weight'], w);
          });
          return {
            ...serialise(mutated, as),
            accept: {
              ...cleanOf(raw),
              indicators: cleanOf(raw).indicators.map((ind, i) => ({ ...ind, weight: weights[i]! })),
            },
          };
        }),
    ),
  },
  'equivalent-spelling': {
    gen: fc
      .tuple(
        base,
        fc.constantFrom(
          'json',
          'json-as-yaml',
          'flow',
          'crlf',
          'cr',
          'bom-yaml',
          'bom-json',
          'radix',
          'comments',
        ),
      )
      .map(([raw, how]) => {
        const yaml = raw === FULL ? SCHEME_TEXT : stringify(raw);
        const json = JSON.stringify(raw, null, 2);
        const [fileName, text] = (
          {
            json: ['fuzz.json', json],
            'json-as-yaml': ['fuzz.yaml', json],
            flow: ['fuzz.yaml', stringify(raw, { collectionStyle: 'flow' })],
            crlf: ['fuzz.yaml', yaml.replace(/\n/g, '\r\n')],
            cr: ['fuzz.yaml', yaml.replace(/\n/g, '\r')],
            'bom-yaml': ['fuzz.yaml', `\uFEFF${yaml}`],
            'bom-json': ['fuzz.json', `\uFEFF${json}`],
            // YAML 1.2 integers in other bases, and the same numbers as floats.
            radix: [
              'fuzz.yaml',
              yaml.replace(/^(\s*)weight: (\d+)$/gm, (_, sp: string, n: string) => {
                const v = Number(n);
                return `${sp}weight: ${[`0x${v.toString(16)}`, `0o${v.toString(8)}`, `${v}.0`, `+${v}`, `${v}e0`][v % 5]}`;
              }),
            ],
            // Whole-line comments before every top-level key (a comment inside a folded scalar would end it).
            comments: ['fuzz.yaml', yaml.replace(/^(?=[A-Za-z])/gm, '# 注释 comment\n')],
          } as Record<string, [string, string]>
        )[how]!;
        return { fileName, text, accept: cleanOf(raw) };
      }),
  },
};

/** One hostile scheme file, labelled with the kind of its mutation, and the clean scheme it came from. */
export const hostileScheme: fc.Arbitrary<SchemeCase> = fc.oneof(
  ...Object.entries(SCHEME_KINDS).map(([kind, k]) => k.gen.map((c) => ({ ...c, kind }))),
);

function judgeScheme(c: SchemeCase): { outcome: Outcome; detail?: string } {
  const where = `${c.kind} ${c.fileName} ${show(c.text)}`;
  let loaded: Scheme;
  try {
    loaded = loadSchemeText(c.text, c.fileName);
  } catch (e) {
    if (!(e instanceof SchemeValidationError))
      return { outcome: 'crash', detail: `${crashOf(e)} — ${where}` };
    if (c.accept) return { outcome: 'wrong', detail: `rejected: ${e.message.slice(0, 200)} — ${where}` };
    const issues = e.issues;
    const named = (p: string) =>
      issues.some((i) => i.path === p || i.path.startsWith(`${p}.`) || i.path.startsWith(`${p}[`));
    const ok =
      issues.length > 0 &&
      issues.every((i) => i.path.length > 0 && i.message.length > 0) &&
      (c.paths ?? []).some(named) &&
      (c.names === undefined ||
        issues.some((i) => i.path.includes(c.names!) || i.message.includes(c.names!)));
    return ok
      ? { outcome: 'rejected' }
      : {
          outcome: 'wrong',
          detail: `expected ${c.paths?.join(' or ')}${c.names ? ` naming "${c.names}"` : ''}, got ${e.message.slice(0, 200)} — ${where}`,
        };
  }
  if (!c.accept) return { outcome: 'wrong', detail: `accepted — ${where}` };
  return isDeepStrictEqual(loaded, c.accept)
    ? { outcome: 'harmless' }
    : { outcome: 'wrong', detail: `loaded another scheme than the clean one — ${where}` };
}

// ── the run ─────────────────────────────────────────────────────────────────────────────────────────

/**
 * Defects this fuzz found in files owned by other changes (issue 12's report says how to fix each): their
 * cases still fail and `npm run fuzz` still exits 1; the CI test only keeps new failures from joining them,
 * and fails when one is fixed, so that its entry goes.
 */
export const READER_DEFECTS: KnownDefect[] = [];

const CHUNK = 250;

/** Own properties of the built-in prototypes, to notice a reader that pollutes them. */
export function prototypes(): string {
  return [Object.prototype, Array.prototype, String.prototype]
    .map((p) => Object.getOwnPropertyNames(p).sort().join(','))
    .join('|');
}

function judged(
  tally: Tally,
  kind: string,
  judge: () => { outcome: Outcome; detail?: string },
  clean: string,
) {
  const t0 = performance.now();
  let verdict: { outcome: Outcome; detail?: string };
  try {
    verdict = judge();
  } catch (e) {
    verdict = { outcome: 'crash', detail: crashOf(e) };
  }
  const ms = performance.now() - t0;
  if (prototypes() !== clean)
    verdict = { outcome: 'wrong', detail: `polluted a built-in prototype — ${kind}` };
  tally.add(kind, verdict.outcome, ms, verdict.detail);
}

/** `n` hostile files for each reader (the same CSV files for both CSV readers), reproducible from the seed. */
export function runReadersFuzz(n: number, seed: number): { rows: ReturnType<Tally['rows']>; ms: number } {
  const t0 = Date.now();
  const clean = prototypes();
  const observations = new Tally('observations-csv');
  const publish = new Tally('publish-csv');
  const scheme = new Tally('scheme');
  // Sampled in chunks: some cases are megabytes, and 10,000 at once would all be held.
  for (let i = 0; i < n; i += CHUNK)
    for (const c of fc.sample(hostileCsv, { numRuns: Math.min(CHUNK, n - i), seed: seed + i })) {
      const k = CSV_KINDS[c.kind]!;
      judged(observations, c.kind, () => judgeCsv(c, readObservations, k.observations(c)), clean);
      judged(publish, c.kind, () => judgeCsv(c, readPublish, k.publish(c)), clean);
    }
  for (let i = 0; i < n; i += CHUNK)
    for (const c of fc.sample(hostileScheme, { numRuns: Math.min(CHUNK, n - i), seed: seed + i }))
      judged(scheme, c.kind, () => judgeScheme(c), clean);
  return { rows: [...observations.rows(), ...publish.rows(), ...scheme.rows()], ms: Date.now() - t0 };
}
