import { describe, expect, it } from 'vitest';
import {
  IndicatorResultsPublishedDetail,
  indicatorResultsPublished,
} from '../../events/indicator-results-published.ts';
import { describeZodIssues } from '../../events/issues.ts';
import { readSample } from '../../events/samples.ts';

type Detail = { values: { entity: string; value: number }[] };
const detail = (readSample(indicatorResultsPublished) as { detail: Detail }).detail;

describe('Indicator.ResultsPublished', () => {
  it('carries the whole table of the sample: all 14 cities and prefectures of Gansu', () => {
    expect(detail.values).toHaveLength(14);
    expect(IndicatorResultsPublishedDetail.safeParse(detail).success).toBe(true);
  });

  it('is strict at every level: unknown fields top-level and inside values[i] are named by path', () => {
    const values = (detail.values as Record<string, unknown>[]).map((v, i) =>
      i === 3 ? { ...v, note: 'a'.repeat(200 * 1024) } : v,
    );
    const result = IndicatorResultsPublishedDetail.safeParse({ ...detail, values, extra: { a: { b: 1 } } });
    expect(result.success).toBe(false);
    const reasons = describeZodIssues(result.error as NonNullable<typeof result.error>, { prefix: 'detail' });
    expect(reasons.map((r) => [r.path, r.code, r.message.en]).sort()).toEqual([
      ['detail.extra', 'unrecognized_keys', 'unknown field'],
      ['detail.values[3].note', 'unrecognized_keys', 'unknown field'],
    ]);
    expect(JSON.stringify(reasons).length).toBeLessThan(1000);
  });

  it('refuses an empty table', () => {
    expect(IndicatorResultsPublishedDetail.safeParse({ ...detail, values: [] }).success).toBe(false);
  });

  it('refuses a table naming an entity twice, at the second occurrence', () => {
    const values = [...detail.values, { entity: 'tianshui', value: 1 }];
    const issues = IndicatorResultsPublishedDetail.safeParse({ ...detail, values }).error?.issues;
    expect(issues?.map((i) => i.path)).toEqual([['values', 14, 'entity']]);
  });
});
