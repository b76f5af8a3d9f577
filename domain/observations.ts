// Observations: the long-format CSV (period,entity,indicator,value[,observedAt,source]) validated against a
// scheme with line numbers, and latest-wins resolution by observedAt.
import { parse } from 'csv-parse/sync';
import * as z from 'zod/mini';
import { outOfRange } from './authorise.ts';
import { isValidPeriod } from './period.ts';
import type { Scheme } from './scheme.ts';

export interface Observation {
  period: string;
  entity: string;
  indicator: string;
  value: number;
  observedAt?: string;
  source?: string;
  /** Event id (ingest) or line number (CSV): breaks observedAt ties, larger wins. */
  eventId?: string;
  line?: number;
}

export interface ObservationError {
  line: number;
  field: string;
  message: string;
  /** The workbook cell (`Sheet1!C7`, `'2026-W10'!C7`) when the observations came from .xlsx; CSV has lines. */
  cell?: string;
}

export class ObservationsError extends Error {
  readonly errors: ObservationError[];
  constructor(errors: ObservationError[], source = 'observations') {
    const shown = errors.slice(0, 20).map((e) => `  ${e.cell ?? `line ${e.line}`}: ${e.field}: ${e.message}`);
    const more = errors.length > 20 ? [`  … and ${errors.length - 20} more`] : [];
    const what = errors.some((e) => e.cell !== undefined) ? 'cell(s)' : 'row(s)';
    super(`${source}: ${errors.length} invalid ${what}\n${[...shown, ...more].join('\n')}`);
    this.name = 'ObservationsError';
    this.errors = errors;
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a finite decimal number (exponent notation allowed); null for anything else. */
export function parseFiniteNumber(text: string): number | null {
  const t = text.trim();
  if (!NUMBER.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

const REQUIRED = ['period', 'entity', 'indicator', 'value'] as const;
const OPTIONAL = ['observedAt', 'source'] as const;
const COLUMNS: readonly string[] = [...REQUIRED, ...OPTIONAL];
type Column = (typeof REQUIRED)[number] | (typeof OPTIONAL)[number];

/** The events' Timestamp (events/fields.ts): a calendar date and a time with Z or an offset, as ingest takes it. */
const TIMESTAMP = z.iso.datetime({ offset: true });

/** Whether text is an ISO-8601 timestamp as ingest takes it (`2026-03-02T10:00:00+08:00`, `…Z`). */
export const isTimestamp = (text: string): boolean => TIMESTAMP.safeParse(text).success;

/** One reported value as a department's table gives it: ids and times as written, the value a number. */
export interface ValueRow {
  period: string;
  entity: string;
  indicator: string;
  value: number;
  observedAt?: string;
  source?: string;
}

/** A row of an observations CSV read for its shape alone, with the line it starts on. */
export interface ObservationRow extends ValueRow {
  /** The file line the row starts on (1 is the header's, when no blank line comes first). */
  line: number;
}

/** A record of the file with the line it starts on. */
type CsvRecord = { cells: string[]; line: number };

const newlines = (cells: readonly string[]) => cells.reduce((n, c) => n + (c.match(/\n/g)?.length ?? 0), 0);

/** The file's records, each with its line; a syntax error is an ObservationsError at its line. */
function csvRecords(text: string, source: string): CsvRecord[] {
  // Every line break as \n: csv-parse picks one record delimiter for the whole file (a row ending otherwise
  // would run into the next one) and counts a CRLF as two lines.
  const normal = text.replace(/\r\n?/g, '\n');
  let lastLine = 0;
  const starts: number[] = [];
  try {
    const records = parse(normal, {
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      bom: true,
      // csv-parse counts the line a record ends on; a quoted cell may span lines.
      on_record: (cells, info) => {
        lastLine = info.lines;
        starts.push(info.lines - newlines(cells));
        return cells;
      },
    });
    return records.map((cells, i) => ({ cells, line: starts[i]! }));
  } catch (e) {
    const err = e as Error & { code?: string; lines?: number };
    let line = err.lines ?? 1;
    let message = err.message;
    if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
      // Noticed only at the end of the file: name the line the unfinished record starts on.
      const lines = normal.split('\n');
      line = lastLine;
      while (line < lines.length - 1 && lines[line]!.trim() === '') line++;
      line++;
      message = 'a quoted cell in the row starting on this line is never closed';
    }
    throw new ObservationsError(
      [{ line: Math.max(1, line), field: '(file)', message: `not valid CSV: ${message}` }],
      source,
    );
  }
}

/** The header's columns by name; every required column, and no unknown or repeated one. */
function columnsOf(header: CsvRecord, source: string): Map<string, number> {
  const errors: ObservationError[] = [];
  const col = new Map<string, number>();
  const line = header.line;
  header.cells.forEach((h, i) => {
    if (!COLUMNS.includes(h)) errors.push({ line, field: '(header)', message: `unknown column "${h}"` });
    else if (col.has(h))
      errors.push({
        line,
        field: '(header)',
        message: `column "${h}" is named twice (columns ${col.get(h)! + 1} and ${i + 1})`,
      });
    else col.set(h, i);
  });
  for (const r of REQUIRED)
    if (!col.has(r)) errors.push({ line, field: '(header)', message: `missing column "${r}"` });
  if (errors.length) throw new ObservationsError(errors, source);
  return col;
}

/** A record's row and what is wrong with its shape: its width, empty ids, a value that is no finite number. */
function rowOf(
  record: CsvRecord,
  col: ReadonlyMap<string, number>,
  width: number,
): { row: ObservationRow; errors: ObservationError[] } {
  const { cells, line } = record;
  const get = (name: Column) => {
    const i = col.get(name);
    return i === undefined ? '' : (cells[i] ?? '');
  };
  const errors: ObservationError[] = [];
  if (cells.length !== width)
    errors.push({ line, field: '(row)', message: `expected ${width} columns, found ${cells.length}` });
  for (const f of ['period', 'entity', 'indicator'] as const)
    if (get(f) === '') errors.push({ line, field: f, message: `${f} is empty` });
  const rawValue = get('value');
  const value = parseFiniteNumber(rawValue);
  if (value === null) errors.push({ line, field: 'value', message: `"${rawValue}" is not a finite number` });
  const row: ObservationRow = {
    period: get('period'),
    entity: get('entity'),
    indicator: get('indicator'),
    value: value ?? Number.NaN,
    line,
  };
  const observedAt = get('observedAt');
  if (observedAt !== '') row.observedAt = observedAt;
  const src = get('source');
  if (src !== '') row.source = src;
  return { row, errors };
}

/** Every record after the header as a row with its shape problems; throws on a syntax or header error. */
function csvRows(text: string, source: string): { row: ObservationRow; errors: ObservationError[] }[] {
  const [header, ...records] = csvRecords(text, source);
  if (!header)
    throw new ObservationsError([{ line: 1, field: '(header)', message: 'file is empty' }], source);
  const col = columnsOf(header, source);
  return records.map((r) => rowOf(r, col, header.cells.length));
}

/**
 * Reads observations CSV text for its shape alone, without a scheme (what `rankwatch publish` needs to build
 * events): the header, each row's width, the ids filled in and the value a finite decimal number. Ids and
 * times pass on as written, for the engine to check. Throws ObservationsError listing every bad row.
 */
export function readObservationsCsv(text: string, source = 'observations'): ObservationRow[] {
  const read = csvRows(text, source);
  const errors = read.flatMap((r) => r.errors);
  if (errors.length) throw new ObservationsError(errors, source);
  return read.map((r) => r.row);
}

/** What ingest would refuse in a well-shaped row, against the scheme (domain/authorise.ts gives its reasons). */
function schemeProblems(
  row: ObservationRow,
  scheme: Scheme,
  entities: ReadonlySet<string>,
  shape: readonly ObservationError[],
): ObservationError[] {
  const { line } = row;
  const errors: ObservationError[] = [];
  const bad = new Set(shape.map((e) => e.field));
  if (!bad.has('period') && !isValidPeriod(scheme.periodKind, row.period))
    errors.push({
      line,
      field: 'period',
      message: `"${row.period}" is not a ${scheme.periodKind} period id`,
    });
  if (!bad.has('entity') && !entities.has(row.entity))
    errors.push({ line, field: 'entity', message: `unknown entity "${row.entity}"` });
  const indicator = scheme.indicators.find((i) => i.id === row.indicator);
  if (!bad.has('indicator') && !indicator)
    errors.push({ line, field: 'indicator', message: `unknown indicator "${row.indicator}"` });
  const outside = indicator && !bad.has('value') ? outOfRange(indicator, row.value) : undefined;
  if (outside) errors.push({ line, field: 'value', message: outside.en });
  if (row.observedAt !== undefined && !isTimestamp(row.observedAt))
    errors.push({
      line,
      field: 'observedAt',
      message: `"${row.observedAt}" is not an ISO-8601 timestamp`,
    });
  return errors;
}

/**
 * Parses and validates observations CSV text against a scheme, as ingest validates a report: known entities
 * and indicators, periods of the scheme's kind, values inside the indicator's declared range, ISO-8601
 * observedAt. Throws ObservationsError listing every bad row at its file line.
 */
export function parseObservationsCsv(text: string, scheme: Scheme, source = 'observations'): Observation[] {
  const entities = new Set(scheme.entities.map((e) => e.id));
  const errors: ObservationError[] = [];
  const out: Observation[] = [];
  for (const { row, errors: shape } of csvRows(text, source)) {
    const rowErrors = [...shape, ...schemeProblems(row, scheme, entities, shape)];
    if (rowErrors.length) {
      errors.push(...rowErrors);
      continue;
    }
    const { line, observedAt, source: src, ...rest } = row;
    const obs: Observation = { ...rest, line, eventId: String(line).padStart(12, '0') };
    if (observedAt !== undefined) obs.observedAt = observedAt;
    if (src !== undefined) obs.source = src;
    out.push(obs);
  }
  if (errors.length) throw new ObservationsError(errors, source);
  return out;
}

/** Whether observation a supersedes b: later observedAt wins; ties go to the larger event id. */
export function supersedes(a: Observation, b: Observation): boolean {
  const ta = a.observedAt ? Date.parse(a.observedAt) : Number.NEGATIVE_INFINITY;
  const tb = b.observedAt ? Date.parse(b.observedAt) : Number.NEGATIVE_INFINITY;
  if (ta !== tb) return ta > tb;
  return (a.eventId ?? '') > (b.eventId ?? '');
}

/** Latest-wins per (period, indicator, entity): period → indicator → entity → observation. */
export function latestWins(
  observations: Iterable<Observation>,
): Map<string, Map<string, Map<string, Observation>>> {
  const out = new Map<string, Map<string, Map<string, Observation>>>();
  for (const o of observations) {
    let byInd = out.get(o.period);
    if (!byInd) {
      byInd = new Map();
      out.set(o.period, byInd);
    }
    let byEnt = byInd.get(o.indicator);
    if (!byEnt) {
      byEnt = new Map();
      byInd.set(o.indicator, byEnt);
    }
    const cur = byEnt.get(o.entity);
    if (!cur || supersedes(o, cur)) byEnt.set(o.entity, o);
  }
  return out;
}
