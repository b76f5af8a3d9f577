// The .xlsx reader: a workbook of observations in the long layout (a sheet like the CSV) or the wide one (a sheet
// per period or per indicator, entities down, indicators or periods across), validated against the scheme as
// parseObservationsCsv validates the CSV. Every problem is collected with its cell, then thrown as one error.
import ExcelJS, { type Worksheet } from 'exceljs';
import { outOfRange } from '../../domain/authorise.ts';
import {
  isTimestamp,
  type Observation,
  type ObservationError,
  ObservationsError,
} from '../../domain/observations.ts';
import { isValidPeriod } from '../../domain/period.ts';
import { displayName, type Entity, type Indicator, type Scheme } from '../../domain/scheme.ts';
import { zonedInstant } from '../../domain/zoned-time.ts';
import {
  type Content,
  cellRef,
  columnLetters,
  describe,
  type Grid,
  gridOf,
  isBlank,
  keyText,
  normaliseText,
  numberIn,
  sheetRef,
} from './cells.ts';
import {
  belowNoteProblems,
  columnHasValues,
  type Extent,
  extentOf,
  mergeProblems,
  rowIsBlank,
} from './layout.ts';
import { type Found, lookup, NAME_HEADERS, nameKey } from './names.ts';

const LONG_REQUIRED = ['period', 'entity', 'indicator', 'value'] as const;
const LONG_COLUMNS = [...LONG_REQUIRED, 'observedAt', 'source'] as const;
type LongColumn = (typeof LONG_COLUMNS)[number];

/** Sheet position and row as the event id that breaks observedAt ties (sheet 0 numbers as the CSV's lines). */
const eventId = (sheet: number, row: number) =>
  `${String(sheet).padStart(4, '0')}${String(row).padStart(8, '0')}`;

class WorkbookReader {
  readonly errors: ObservationError[] = [];
  readonly observations: Observation[] = [];
  private readonly scheme: Scheme;
  /** Where each (period, indicator, entity) of a wide sheet came from: a wide table has no observedAt to settle two. */
  private readonly wide = new Map<string, string>();
  private readonly entity: (text: string) => Found<Entity>;
  private readonly indicator: (text: string) => Found<Indicator>;

  constructor(scheme: Scheme) {
    this.scheme = scheme;
    this.entity = lookup(scheme.entities, 'entity');
    this.indicator = lookup(scheme.indicators, 'indicator');
  }

  private error(g: Grid, row: number, col: number, field: string, message: string): void {
    this.errors.push({ line: row, cell: cellRef(g.name, row, col), field, message });
  }

  /** Reads one sheet; false when it holds nothing at all. */
  sheet(ws: Worksheet, index: number): boolean {
    const g = gridOf(ws);
    const extent = extentOf(g);
    if (!extent) return false;
    for (const p of [...mergeProblems(ws.model.merges ?? [], extent), ...belowNoteProblems(g, extent)])
      this.error(g, p.row, p.col, p.field, p.message);
    const header = new Set(
      Array.from({ length: g.maxCol }, (_, c) => keyText(g.get(extent.header, c + 1))?.toLowerCase()),
    );
    const name = normaliseText(ws.name);
    if (LONG_REQUIRED.filter((n) => header.has(n)).length >= 2) this.long(g, extent, index);
    else if (isValidPeriod(this.scheme.periodKind, name)) this.wideSheet(g, extent, index, { period: name });
    else {
      const found = this.indicator(name);
      if ('item' in found) this.wideSheet(g, extent, index, { indicator: found.item });
      else
        this.error(
          g,
          extent.header,
          1,
          '(sheet)',
          found.ambiguous
            ? `sheet name ${found.message}`
            : `sheet "${ws.name}" is neither a ${this.scheme.periodKind} period id, an indicator (id or Chinese name), nor a long table (header period, entity, indicator, value)`,
        );
    }
    return true;
  }

  /** A period id in a cell: text, a year as a number, or a month Excel turned into its first day. */
  private periodIn(c: Content): string | undefined {
    if (c.kind === 'date' && this.scheme.periodKind === 'month') {
      const d = c.value;
      if (d.getUTCDate() === 1 && d.getUTCHours() + d.getUTCMinutes() + d.getUTCSeconds() === 0)
        return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    }
    return keyText(c);
  }

  private headerWithoutName(g: Grid, extent: Extent, col: number): void {
    if (columnHasValues(g, extent, col))
      this.error(
        g,
        extent.header,
        col,
        '(header)',
        `column ${columnLetters(col)} holds values but has no header`,
      );
  }

  /** Long layout: one observation per row, columns named as in the CSV. */
  private long(g: Grid, extent: Extent, index: number): void {
    const h = extent.header;
    const col = new Map<LongColumn, number>();
    for (let c = 1; c <= g.maxCol; c++) {
      const cell = g.get(h, c);
      if (cell.kind === 'merged') continue;
      if (cell.kind === 'empty') {
        this.headerWithoutName(g, extent, c);
        continue;
      }
      const text = keyText(cell);
      const name = LONG_COLUMNS.find((n) => n.toLowerCase() === text?.toLowerCase());
      if (!name)
        this.error(
          g,
          h,
          c,
          '(header)',
          `unknown column ${text === undefined ? describe(cell) : `"${text}"`}`,
        );
      else if (col.has(name))
        this.error(g, h, c, '(header)', `column "${name}" is already ${columnLetters(col.get(name)!)}${h}`);
      else col.set(name, c);
    }
    const missing = LONG_REQUIRED.filter((n) => !col.has(n));
    for (const m of missing)
      this.errors.push({
        line: h,
        cell: `${sheetRef(g.name)}!${h}:${h}`,
        field: '(header)',
        message: `missing column "${m}"`,
      });
    if (missing.length) return;
    const kind = this.scheme.periodKind;
    for (const r of g.rows) {
      if (r <= h || r > extent.end || rowIsBlank(g, r)) continue;
      const before = this.errors.length;
      const at = (name: LongColumn) => g.get(r, col.get(name)!);
      const fail = (name: LongColumn, message: string) => this.error(g, r, col.get(name)!, name, message);

      const periodCell = at('period');
      const period = this.periodIn(periodCell);
      if (isBlank(periodCell)) fail('period', 'period is empty');
      else if (period === undefined || !isValidPeriod(kind, period))
        fail(
          'period',
          `${period === undefined ? describe(periodCell) : `"${period}"`} is not a ${kind} period id`,
        );
      const entity = this.itemIn(at('entity'), 'entity', this.entity, (m) => fail('entity', m));
      const indicator = this.itemIn(at('indicator'), 'indicator', this.indicator, (m) =>
        fail('indicator', m),
      );
      const valueCell = at('value');
      const value = isBlank(valueCell) ? { reason: 'value is empty' } : numberIn(valueCell, indicator?.unit);
      if ('reason' in value) fail('value', value.reason);
      else if (indicator) {
        const outside = outOfRange(indicator, value.value);
        if (outside) fail('value', outside.en);
      }

      let observedAt: string | undefined;
      const observedCell = col.has('observedAt') ? at('observedAt') : undefined;
      if (observedCell && !isBlank(observedCell)) {
        if (observedCell.kind === 'date') observedAt = this.instantOf(observedCell.value);
        else if (observedCell.kind === 'text' && isTimestamp(observedCell.text))
          observedAt = observedCell.text;
        else fail('observedAt', `${describe(observedCell)} is not an ISO-8601 timestamp`);
      }
      let source: string | undefined;
      const sourceCell = col.has('source') ? at('source') : undefined;
      if (sourceCell && !isBlank(sourceCell)) {
        source = keyText(sourceCell);
        if (source === undefined) fail('source', `${describe(sourceCell)} is not a source`);
      }
      if (this.errors.length > before) continue;
      const obs: Observation = {
        period: period!,
        entity: entity!.id,
        indicator: indicator!.id,
        value: (value as { value: number }).value,
        line: r,
        eventId: eventId(index, r),
      };
      if (observedAt !== undefined) obs.observedAt = observedAt;
      if (source !== undefined) obs.source = source;
      this.observations.push(obs);
    }
  }

  private itemIn<T>(
    cell: Content,
    what: string,
    find: (text: string) => Found<T>,
    fail: (message: string) => void,
  ): T | undefined {
    if (isBlank(cell)) return void fail(`${what} is empty`);
    const text = keyText(cell);
    if (text === undefined) return void fail(`${describe(cell)} is not an ${what}`);
    const found = find(text);
    if ('message' in found) return void fail(found.message);
    return found.item;
  }

  /** A date-time cell is the wall clock where the scheme's assessments run (Excel keeps no zone). */
  private instantOf(d: Date): string {
    const t = Math.round(d.getTime() / 1000) * 1000;
    const w = new Date(t);
    const at = zonedInstant(
      this.scheme.timeZone,
      w.getUTCFullYear(),
      w.getUTCMonth() + 1,
      w.getUTCDate(),
      w.getUTCHours(),
      w.getUTCMinutes(),
    );
    return new Date(at + w.getUTCSeconds() * 1000).toISOString();
  }

  /**
   * Wide layout: entities down the first column (id or Chinese name), and across the header either
   * indicators (a sheet named by its period) or periods (a sheet named by its indicator).
   */
  private wideSheet(
    g: Grid,
    extent: Extent,
    index: number,
    fixed: { period: string } | { indicator: Indicator },
  ): void {
    const h = extent.header;
    const kind = this.scheme.periodKind;
    const columns = new Map<number, { indicator: Indicator; period: string } | 'name'>();
    const headerOf = new Map<string, number>();
    for (let c = 2; c <= g.maxCol; c++) {
      const cell = g.get(h, c);
      if (cell.kind === 'merged') continue;
      if (cell.kind === 'empty') {
        this.headerWithoutName(g, extent, c);
        continue;
      }
      const text = 'period' in fixed ? keyText(cell) : this.periodIn(cell);
      const fail = (message: string) => this.error(g, h, c, '(header)', message);
      if (text === undefined) {
        fail(`${describe(cell)} is not a header`);
        continue;
      }
      if (NAME_HEADERS.includes(text.toLowerCase())) {
        columns.set(c, 'name');
        continue;
      }
      let column: { indicator: Indicator; period: string };
      if ('period' in fixed) {
        const found = this.indicator(text);
        if ('message' in found) {
          fail(found.message);
          continue;
        }
        column = { indicator: found.item, period: fixed.period };
      } else {
        if (!isValidPeriod(kind, text)) {
          fail(`"${text}" is not a ${kind} period id`);
          continue;
        }
        column = { indicator: fixed.indicator, period: text };
      }
      const key = 'period' in fixed ? column.indicator.id : column.period;
      const first = headerOf.get(key);
      if (first !== undefined) {
        fail(`"${key}" is already the header of ${columnLetters(first)}${h}`);
        continue;
      }
      headerOf.set(key, c);
      columns.set(c, column);
    }

    const rowOf = new Map<string, number>();
    for (const r of g.rows) {
      if (r <= h || r > extent.end || rowIsBlank(g, r)) continue;
      const first = g.get(r, 1);
      const fail = (message: string) => this.error(g, r, 1, 'entity', message);
      let entity: Entity | undefined;
      // A first cell merged over is reported with its merge.
      if (first.kind === 'empty')
        fail('values without an entity: the first column names the entity (id or Chinese name)');
      else if (first.kind !== 'merged') entity = this.itemIn(first, 'entity', this.entity, fail);
      if (entity) {
        const earlier = rowOf.get(entity.id);
        if (earlier !== undefined) {
          fail(`entity "${entity.id}" is already in row ${earlier}`);
          entity = undefined;
        } else rowOf.set(entity.id, r);
      }
      for (const [c, column] of columns) {
        const cell = g.get(r, c);
        if (isBlank(cell)) continue;
        if (column === 'name') {
          const text = keyText(cell);
          if (entity && text !== entity.id && nameKey(text ?? '') !== nameKey(displayName(entity.name, 'zh')))
            this.error(
              g,
              r,
              c,
              'name',
              `${describe(cell)} is not the name of entity "${entity.id}" (${displayName(entity.name, 'zh')})`,
            );
          continue;
        }
        const value = numberIn(cell, column.indicator.unit);
        if ('reason' in value) {
          this.error(g, r, c, 'value', value.reason);
          continue;
        }
        const outside = outOfRange(column.indicator, value.value);
        if (outside) {
          this.error(g, r, c, 'value', outside.en);
          continue;
        }
        if (!entity) continue;
        const key = `${column.period}\u0000${column.indicator.id}\u0000${entity.id}`;
        const earlier = this.wide.get(key);
        if (earlier !== undefined) {
          this.error(
            g,
            r,
            c,
            'value',
            `a second value for ${entity.id} × ${column.indicator.id} × ${column.period} (the first is ${earlier})`,
          );
          continue;
        }
        this.wide.set(key, cellRef(g.name, r, c));
        this.observations.push({
          period: column.period,
          entity: entity.id,
          indicator: column.indicator.id,
          value: value.value,
          line: r,
          eventId: eventId(index, r),
        });
      }
    }
  }
}

/** The observations of a loaded workbook; throws ObservationsError naming the cell of every problem. */
export function observationsOfWorkbook(
  wb: ExcelJS.Workbook,
  scheme: Scheme,
  source = 'observations',
): Observation[] {
  const reader = new WorkbookReader(scheme);
  let tables = 0;
  wb.worksheets.forEach((ws, i) => {
    if (reader.sheet(ws, i)) tables++;
  });
  if (tables === 0)
    reader.errors.push({
      line: 0,
      cell: `${sheetRef(wb.worksheets[0]?.name ?? 'Sheet1')}!A1`,
      field: '(workbook)',
      message: 'no sheet holds a table',
    });
  if (reader.errors.length) throw new ObservationsError(reader.errors, source);
  return reader.observations;
}

/** Reads an .xlsx file's bytes into observations, validated against the scheme (see observationsOfWorkbook). */
export async function readObservationsXlsx(
  data: Uint8Array | ArrayBuffer,
  scheme: Scheme,
  source = 'observations',
): Promise<Observation[]> {
  const wb = new ExcelJS.Workbook();
  try {
    // exceljs types its argument as its own Buffer (an ArrayBuffer); JSZip underneath takes either.
    await wb.xlsx.load(data as unknown as ExcelJS.Buffer);
  } catch (e) {
    throw new ObservationsError(
      [{ line: 0, field: '(file)', message: `not an .xlsx workbook: ${(e as Error).message}` }],
      source,
    );
  }
  return observationsOfWorkbook(wb, scheme, source);
}
