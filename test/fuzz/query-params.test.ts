// The CI-sized query API fuzz (issue 12; `npm run fuzz` runs 10,000): 1,000 hostile requests through the
// query handler in-process, each a 4xx naming its parameter in Chinese and English with nothing written (and,
// on the auditors' routes, nothing read); the valid-but-unusual controls reach the store.
import { beforeAll, describe, expect, it } from 'vitest';
import { QUERY_DEFECTS, QUERY_KINDS, runQueryFuzz } from '../../fuzz/query-params.ts';
import { fixedDefects, type KindRow, tallyLines, unexpectedFailures } from '../../fuzz/tally.ts';

let rows: KindRow[];
beforeAll(async () => {
  rows = (await runQueryFuzz(1_000, 7)).rows;
  console.log(tallyLines('query', rows, QUERY_DEFECTS).join('\n'));
}, 120_000);

describe('fuzzed query requests', () => {
  it('never answer 5xx or throw, and each names its parameter with nothing written', () => {
    expect(rows.reduce((s, r) => s + r.crashes, 0)).toBe(0);
    expect(unexpectedFailures(rows, QUERY_DEFECTS).map((r) => [r.kind, r.examples])).toEqual([]);
    expect(fixedDefects(rows, QUERY_DEFECTS)).toEqual([]);
  });

  it('try every kind a few times, and the valid controls are answered', () => {
    expect(rows.reduce((s, r) => s + r.cases, 0)).toBe(1_000);
    const kinds = new Map(rows.map((r) => [r.kind, r]));
    for (const kind of Object.keys(QUERY_KINDS))
      expect(kinds.get(kind)?.cases ?? 0).toBeGreaterThanOrEqual(5);
    expect(kinds.get('valid-unusual')?.harmless).toBe(kinds.get('valid-unusual')?.cases);
  });
});
