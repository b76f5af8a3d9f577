// Observations: the long-format CSV (period,entity,indicator,value[,observedAt,source]) validated against a
// scheme with line numbers, and latest-wins resolution by observedAt.
import { parse } from 'csv-parse/sync';
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
}

export class ObservationsError extends Error {
  readonly errors: ObservationError[];
  constructor(errors: ObservationError[], source = 'observations') {
    const shown = errors.slice(0, 20).map((e) => `  line ${e.line}: ${e.field}: ${e.message}`);
    const more = errors.length > 20 ? [`  … and ${errors.length - 20} more`] : [];
    super(`${source}: ${errors.length} invalid row(s)\n${[...shown, ...more].join('\n')}`);
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

/** Parses and validates observations CSV text; throws ObservationsError listing every bad row. */
export function parseObservationsCsv(text: string, scheme: Scheme, source = 'observations'): Observation[] {
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true, relax_column_count: true, bom: true });
  } catch (e) {
    throw new ObservationsError(
      [{ line: 0, field: '(file)', message: `not valid CSV: ${(e as Error).message}` }],
      source,
    );
  }
  const header = rows[0];
  if (!header)
    throw new ObservationsError([{ line: 1, field: '(header)', message: 'file is empty' }], source);
  const errors: ObservationError[] = [];
  const col = new Map(header.map((h, i) => [h, i]));
  for (const r of REQUIRED)
    if (!col.has(r)) errors.push({ line: 1, field: '(header)', message: `missing column "${r}"` });
  for (const h of header)
    if (!(REQUIRED as readonly string[]).includes(h) && !(OPTIONAL as readonly string[]).includes(h))
      errors.push({ line: 1, field: '(header)', message: `unknown column "${h}"` });
  if (errors.length) throw new ObservationsError(errors, source);
  const entities = new Set(scheme.entities.map((e) => e.id));
  const indicators = new Set(scheme.indicators.map((i) => i.id));
  const out: Observation[] = [];
  rows.slice(1).forEach((row, i) => {
    const line = i + 2;
    const get = (name: string) => row[col.get(name)!] ?? '';
    const rowErrors: ObservationError[] = [];
    if (row.length !== header.length)
      rowErrors.push({
        line,
        field: '(row)',
        message: `expected ${header.length} columns, found ${row.length}`,
      });
    const period = get('period');
    const entity = get('entity');
    const indicator = get('indicator');
    const rawValue = get('value');
    if (!isValidPeriod(scheme.periodKind, period))
      rowErrors.push({
        line,
        field: 'period',
        message: `"${period}" is not a ${scheme.periodKind} period id`,
      });
    if (!entities.has(entity))
      rowErrors.push({ line, field: 'entity', message: `unknown entity "${entity}"` });
    if (!indicators.has(indicator))
      rowErrors.push({ line, field: 'indicator', message: `unknown indicator "${indicator}"` });
    const value = parseFiniteNumber(rawValue);
    if (value === null)
      rowErrors.push({ line, field: 'value', message: `"${rawValue}" is not a finite number` });
    const observedAt = col.has('observedAt') ? get('observedAt') : '';
    if (observedAt !== '' && Number.isNaN(Date.parse(observedAt)))
      rowErrors.push({ line, field: 'observedAt', message: `"${observedAt}" is not an ISO-8601 timestamp` });
    if (rowErrors.length) {
      errors.push(...rowErrors);
      return;
    }
    const obs: Observation = {
      period,
      entity,
      indicator,
      value: value!,
      line,
      eventId: String(line).padStart(12, '0'),
    };
    if (observedAt !== '') obs.observedAt = observedAt;
    const src = col.has('source') ? get('source') : '';
    if (src !== '') obs.source = src;
    out.push(obs);
  });
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
