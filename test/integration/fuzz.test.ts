// The CI-sized fuzz (issue 12; `npm run fuzz` runs 10,000): 1,000 hostile department events through the
// ingest handler over DynamoDB Local, each rejected exactly once with field-level reasons, no crash, no
// partial write; replayed ids rejected on `id` after their originals were applied, exact redeliveries not
// rejected and changing nothing.
import { describe, expect, inject, it } from 'vitest';
import { fuzzLines, fuzzPassed, runFuzz } from '../../fuzz/run.ts';

describe('fuzzed department events', () => {
  it('are each rejected once with a field, a code and both languages; nothing but the rejections is written', async () => {
    const result = await runFuzz(inject('dynamodbEndpoint'), 1_000, 7);
    console.log(fuzzLines(result).join('\n'));
    expect(result.rows.reduce((s, r) => s + r.tried, 0)).toBe(1_000);
    // Every mutation kind was generated.
    expect(result.rows.length).toBeGreaterThanOrEqual(15);
    // Replayed ids (and the redeliveries beside them) reuse originals that were published and applied first.
    const row = (kind: string) => result.rows.find((r) => r.kind === kind);
    expect(row('replayed-id')?.tried).toBeGreaterThan(10);
    expect(row('redelivery')?.tried).toBeGreaterThan(10);
    expect(row('bad-event-id')?.tried).toBeGreaterThan(10);
    expect(result.originals).toEqual({
      published: row('replayed-id')!.tried + row('redelivery')!.tried,
      rejected: 0,
      failedRecords: 0,
    });
    expect(row('redelivery')).toMatchObject({ harmless: row('redelivery')!.tried, rejected: 0 });
    expect(result.missing).toBe(0);
    expect(result.duplicates).toBe(0);
    expect(result.wronglyRejected).toBe(0);
    expect(result.failedRecords).toBe(0);
    expect(result.strayItems).toEqual([]);
    expect(result.rows.filter((r) => r.rejected + r.harmless !== r.tried || r.unclear > 0)).toEqual([]);
    expect(fuzzPassed(result)).toBe(true);
  }, 300_000);
});
