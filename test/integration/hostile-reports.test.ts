// Reports found accepted when tried by hand (issue 12): each is now rejected with its field, and nothing of it
// reaches the stored standings. Against DynamoDB Local, through the real ingest handler.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parseScheme } from '../../domain/scheme.ts';
import { keys } from '../../functions/shared/table.ts';
import { resultsPublished, scheme, valueReported } from '../functions/fixtures.ts';
import { createPipeline, type Pipeline } from '../support/pipeline.ts';

const PERIOD = '2026-W02';

/** The stored value of one cell of the period's head snapshot (null when the period has none). */
async function headValue(p: Pipeline, indicator: string, entity: string): Promise<number | null> {
  const ctx = await p.store.loadContext(scheme, PERIOD);
  const inputs = ctx.head?.inputs;
  if (!inputs) return null;
  const i = inputs.indicators.indexOf(indicator);
  const e = inputs.entities.indexOf(entity);
  return inputs.values[i]?.[e] ?? null;
}

async function headSeq(p: Pipeline): Promise<number> {
  const head = await p.store.db.get({ TableName: p.table, Key: keys.head(scheme.id, PERIOD) });
  return Number(head.Item?.seq ?? 0);
}

describe('a report stamped far in the future', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await createPipeline(inject('dynamodbEndpoint'), scheme, 'future-observed');
    await p.deliver([[valueReported({ value: 95.5 })]], 1);
  }, 60_000);

  it('is rejected on detail.observedAt, and the genuine correction that follows it is applied', async () => {
    expect(await headValue(p, 'hotline_satisfaction', 'lanzhou')).toBe(95.5);
    const seq = await headSeq(p);

    const future = valueReported({ value: 10.5, observedAt: '9999-12-31T00:00:00Z' });
    const out = await p.ingest([future]);
    expect(out.batchItemFailures).toEqual([]);
    expect(p.rejected).toHaveLength(1);
    const { rejection } = p.rejected[0]!;
    expect(rejection.cause).toBe('validation');
    expect(rejection.originalEventId).toBe(future.id);
    expect(rejection.reasons).toEqual([
      expect.objectContaining({ path: 'detail.observedAt', code: 'future_observed_at' }),
    ]);
    expect(rejection.reasons[0]!.message.zh).toContain('晚于接收时间');
    expect(rejection.reasons[0]!.message.en).toContain('9999-12-31T00:00:00Z');
    expect(await headSeq(p)).toBe(seq);
    expect(await headValue(p, 'hotline_satisfaction', 'lanzhou')).toBe(95.5);

    // The next-day correction is newer than everything stored, so it wins latest-wins.
    await p.deliver([[valueReported({ value: 96.1, observedAt: '2026-01-13T08:00:00+08:00' })]], 1);
    expect(p.rejected).toHaveLength(1);
    expect(await headSeq(p)).toBe(seq + 1);
    expect(await headValue(p, 'hotline_satisfaction', 'lanzhou')).toBe(96.1);
  });

  it('is accepted within the tolerance, and rejected just beyond a configured one', async () => {
    // The pipeline's clock ticks 1 s a call from 2026-07-01T00:00:00Z; the batch is received at its next tick.
    const received = p.ingestDeps.now().getTime() + 1000;
    const at = (ms: number) => new Date(received + ms).toISOString();
    const before = p.rejected.length;
    const out = await p.ingest(
      [
        resultsPublished({ observedAt: at(60_000) }),
        valueReported({ entity: 'baiyin', value: 80, observedAt: at(61_000) }),
      ],
      { observedAtToleranceMs: 60_000 },
    );
    expect(out.batchItemFailures).toEqual([]);
    const rejected = p.rejected.slice(before);
    expect(rejected.map((r) => r.rejection.reasons.map((x) => x.path))).toEqual([['detail.observedAt']]);
    expect(await headValue(p, 'gov_online_rate', 'lanzhou')).toBe(91.2);
    expect(await headValue(p, 'hotline_satisfaction', 'baiyin')).toBeNull();
  });
});

describe('an implausible value on an indicator with a declared range', () => {
  // The fixture scheme with the satisfaction percentage limited to [0, 100].
  const ranged = parseScheme({
    ...scheme,
    indicators: scheme.indicators.map((i) =>
      i.id === 'hotline_satisfaction' ? { ...i, range: { min: 0, max: 100 } } : i,
    ),
  });
  let p: Pipeline;
  beforeAll(async () => {
    p = await createPipeline(inject('dynamodbEndpoint'), ranged, 'out-of-range');
    await p.deliver([[valueReported({ value: 95.5 })]], 1);
  }, 60_000);

  it('is rejected on detail.value with the range, for −1e308 and 1.7e308, and changes nothing stored', async () => {
    const seq = await headSeq(p);
    const reports = [-1e308, 1.7e308].map((value, k) =>
      valueReported({ value, observedAt: `2026-01-13T0${k + 1}:00:00+08:00` }),
    );
    const out = await p.ingest(reports);
    expect(out.batchItemFailures).toEqual([]);
    expect(p.rejected.map((r) => r.rejection.originalEventId).sort()).toEqual(
      reports.map((r) => r.id).sort(),
    );
    for (const { rejection } of p.rejected) {
      expect(rejection.cause).toBe('validation');
      expect(rejection.reasons).toEqual([
        expect.objectContaining({ path: 'detail.value', code: 'out_of_range' }),
      ]);
      expect(rejection.reasons[0]!.message.en).toContain('[0, 100]');
    }
    expect(await headSeq(p)).toBe(seq);
    expect(await headValue(p, 'hotline_satisfaction', 'lanzhou')).toBe(95.5);
  });
});

describe('a report with a field the contract does not know (strict, #12)', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await createPipeline(inject('dynamodbEndpoint'), parseScheme(scheme), 'strict-detail');
    await p.deliver([[valueReported({ value: 95.5 })]], 1);
  }, 60_000);

  it('is rejected naming the field, without echoing a 200 KB value, and changes nothing stored', async () => {
    const seq = await headSeq(p);
    const huge = 'a'.repeat(200 * 1024);
    const report = valueReported({
      value: 10.5,
      observedAt: '2026-01-13T08:00:00+08:00',
      blob: huge,
    } as never);
    const out = await p.ingest([report]);
    expect(out.batchItemFailures).toEqual([]);
    expect(p.rejected).toHaveLength(1);
    const { rejection } = p.rejected[0]!;
    expect(rejection.originalEventId).toBe(report.id);
    expect(rejection.reasons).toEqual([
      {
        path: 'detail.blob',
        code: 'unrecognized_keys',
        message: { zh: expect.stringContaining('未知字段'), en: 'unknown field' },
      },
    ]);
    expect(JSON.stringify(rejection).length).toBeLessThan(10_000);
    expect(await headSeq(p)).toBe(seq);
    expect(await headValue(p, 'hotline_satisfaction', 'lanzhou')).toBe(95.5);
  });
});
