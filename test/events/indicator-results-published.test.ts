import { describe, expect, it } from 'vitest';
import {
  IndicatorResultsPublishedDetail,
  indicatorResultsPublished,
} from '../../events/indicator-results-published.ts';
import { readSample } from '../../events/samples.ts';

type Detail = { values: { entity: string; value: number }[] };
const detail = (readSample(indicatorResultsPublished) as { detail: Detail }).detail;

describe('Indicator.ResultsPublished', () => {
  it('carries the whole table of the sample: all 14 cities and prefectures of Gansu', () => {
    expect(detail.values).toHaveLength(14);
    expect(IndicatorResultsPublishedDetail.safeParse(detail).success).toBe(true);
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
