// Where a sheet's table is: the header (its first row that is more than a title), the rows down to a note below
// the table (注：…, Note: …), and what may not be there — merged cells over the table, values below the note.
import { describe, type Grid, isBlank } from './cells.ts';

export interface Extent {
  header: number;
  /** Last row of the table: the row before the note, or the sheet's last. */
  end: number;
  note?: number;
}

/** A problem at a cell of the sheet, before it is given the sheet's name. */
export interface CellProblem {
  row: number;
  col: number;
  field: string;
  message: string;
}

/** A first cell that opens a note below the table: 注：…, 备注：…, 说明：…, Note: …, * …. */
const NOTE = /^(?:[*※]|(?:注|备注|附注|说明|填报说明|注释|notes?|remarks?)\s*\d*\s*(?:[:.、]|$))/i;

export function rowIsBlank(g: Grid, row: number): boolean {
  for (let c = 1; c <= g.maxCol; c++) if (!isBlank(g.get(row, c))) return false;
  return true;
}

/** Only text in the first column (a title above the table, a line of instructions): it holds no value. */
function isTextLine(g: Grid, row: number): boolean {
  if (g.get(row, 1).kind !== 'text') return false;
  for (let c = 2; c <= g.maxCol; c++) if (!isBlank(g.get(row, c))) return false;
  return true;
}

/** A note: a text line that starts like one. */
function isNoteRow(g: Grid, row: number): boolean {
  const first = g.get(row, 1);
  return first.kind === 'text' && NOTE.test(first.text) && isTextLine(g, row);
}

/**
 * The table's rows: the header is the first row that is not a text line (titles above it are skipped: they hold
 * no value); undefined for a sheet holding nothing else (empty, or instructions only).
 */
export function extentOf(g: Grid): Extent | undefined {
  const header = g.rows.find((r) => !isTextLine(g, r));
  if (header === undefined) return undefined;
  const note = g.rows.find((r) => r > header && isNoteRow(g, r));
  return note === undefined ? { header, end: g.rows[g.rows.length - 1]! } : { header, end: note - 1, note };
}

export function columnHasValues(g: Grid, extent: Extent, col: number): boolean {
  return g.rows.some((r) => r > extent.header && r <= extent.end && !isBlank(g.get(r, col)));
}

function decodeAddress(address: string): { row: number; col: number } {
  const m = /^\$?([A-Z]+)\$?(\d+)$/.exec(address)!;
  const col = [...m[1]!].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
  return { row: Number(m[2]), col };
}

/** A merged range over the table is ambiguous (whose value is it?); below the note it is only layout. */
export function mergeProblems(merges: readonly string[], extent: Extent): CellProblem[] {
  const out: CellProblem[] = [];
  for (const range of merges) {
    const [from = '', to = from] = range.split(':');
    const { row, col } = decodeAddress(from);
    if (decodeAddress(to).row < extent.header || row > extent.end) continue;
    out.push(
      row <= extent.header
        ? {
            row,
            col,
            field: '(header)',
            message: `merged header cells ${range}: give each column its own header`,
          }
        : {
            row,
            col,
            field: '(merge)',
            message: `merged cells ${range} inside the table: unmerge them and fill each cell`,
          },
    );
  }
  return out;
}

/** Below a note only more note text may follow (first column): anything else would be lost, so it is an error. */
export function belowNoteProblems(g: Grid, extent: Extent): CellProblem[] {
  const out: CellProblem[] = [];
  if (extent.note === undefined) return out;
  for (const row of g.rows) {
    if (row <= extent.note) continue;
    for (let col = 1; col <= g.maxCol; col++) {
      const cell = g.get(row, col);
      if (isBlank(cell) || (col === 1 && cell.kind === 'text')) continue;
      out.push({
        row,
        col,
        field: '(row)',
        message: `${describe(cell)} below the note in A${extent.note}: the table ends at the note; move it above or delete it`,
      });
      break;
    }
  }
  return out;
}
