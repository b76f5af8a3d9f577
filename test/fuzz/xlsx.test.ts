// The CI-sized .xlsx fuzz (issue 12; `npm run fuzz` runs a tenth of --inputs): 200 hostile workbooks through
// the .xlsx reader, with the same checks as the CSV readers.
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedDefects, type KindRow, tallyLines, unexpectedFailures } from '../../fuzz/tally.ts';
import { runXlsxFuzz, XLSX_DEFECTS, XLSX_KINDS } from '../../fuzz/xlsx.ts';

let rows: KindRow[];
beforeAll(async () => {
  rows = (await runXlsxFuzz(200, 7)).rows;
  console.log(tallyLines('xlsx', rows, XLSX_DEFECTS).join('\n'));
}, 300_000);

describe('fuzzed workbooks', () => {
  it('crash no reader, and are rejected naming the cell’s row and field or read as the clean workbook', () => {
    expect(unexpectedFailures(rows, XLSX_DEFECTS).map((r) => [r.kind, r.examples])).toEqual([]);
    expect(fixedDefects(rows, XLSX_DEFECTS)).toEqual([]);
  });

  it('try every mutation kind a few times', () => {
    expect(rows.reduce((s, r) => s + r.cases, 0)).toBe(200);
    const kinds = new Map(rows.map((r) => [r.kind, r.cases]));
    for (const kind of Object.keys(XLSX_KINDS)) expect(kinds.get(kind) ?? 0).toBeGreaterThanOrEqual(3);
  });
});
