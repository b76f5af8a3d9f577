// The CI-sized reader fuzz (issue 12; `npm run fuzz` runs 10,000 of each): 1,000 hostile observations CSV
// files through both CSV readers and 1,000 hostile scheme files through the scheme loader. No crash, and
// every case rejected naming its line and field or read as the clean file — except the defects the fuzz has
// found in files owned by other changes, which must still fail (a fixed one must lose its entry).
import { beforeAll, describe, expect, it } from 'vitest';
import { CSV_KINDS, READER_DEFECTS, runReadersFuzz, SCHEME_KINDS } from '../../fuzz/readers.ts';
import { fixedDefects, type KindRow, tallyLines, unexpectedFailures } from '../../fuzz/tally.ts';

let rows: KindRow[];
beforeAll(() => {
  rows = runReadersFuzz(1_000, 7).rows;
  console.log(tallyLines('readers', rows, READER_DEFECTS).join('\n'));
}, 300_000);

const part = (name: string) => rows.filter((r) => r.part === name);

describe('fuzzed reader input', () => {
  it('crashes no reader, and is rejected with line and field or read as the clean file', () => {
    expect(unexpectedFailures(rows, READER_DEFECTS).map((r) => [r.part, r.kind, r.examples])).toEqual([]);
    for (const r of rows) expect(r.crashes + r.wrong + r.rejected + r.harmless).toBe(r.cases);
  });

  it('still reproduces every known defect (a fixed one must lose its entry in READER_DEFECTS)', () => {
    expect(fixedDefects(rows, READER_DEFECTS)).toEqual([]);
  });

  it('tries each reader 1,000 times and every mutation kind a few times', () => {
    for (const name of ['observations-csv', 'publish-csv', 'scheme'])
      expect(part(name).reduce((s, r) => s + r.cases, 0)).toBe(1_000);
    const kinds = (name: string) => new Map(part(name).map((r) => [r.kind, r.cases]));
    for (const name of ['observations-csv', 'publish-csv'])
      for (const kind of Object.keys(CSV_KINDS)) expect(kinds(name).get(kind) ?? 0).toBeGreaterThanOrEqual(5);
    for (const kind of Object.keys(SCHEME_KINDS))
      expect(kinds('scheme').get(kind) ?? 0).toBeGreaterThanOrEqual(5);
  });

  it('both rejects and accepts: the harmless kinds are read as the clean file, the others rejected', () => {
    const byKey = new Map(rows.map((r) => [`${r.part}/${r.kind}`, r]));
    expect(byKey.get('observations-csv/unknown-entity')?.rejected).toBe(
      byKey.get('observations-csv/unknown-entity')?.cases,
    );
    expect(byKey.get('observations-csv/value-numeric-spelling')?.harmless).toBeGreaterThan(0);
    expect(byKey.get('publish-csv/unknown-entity')?.harmless).toBeGreaterThan(0);
    expect(byKey.get('scheme/equivalent-spelling')?.harmless).toBe(
      byKey.get('scheme/equivalent-spelling')?.cases,
    );
    expect(byKey.get('scheme/alias-bomb')?.rejected).toBe(byKey.get('scheme/alias-bomb')?.cases);
  });
});
