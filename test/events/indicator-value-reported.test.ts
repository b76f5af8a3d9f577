import { describe, expect, it } from 'vitest';
import {
  INDICATOR_VALUE_REPORTED,
  IndicatorValueReportedDetail,
  indicatorValueReported,
} from '../../events/indicator-value-reported.ts';
import { describeZodIssues } from '../../events/issues.ts';
import { readSample } from '../../events/samples.ts';

const detail = (readSample(indicatorValueReported) as { detail: Record<string, unknown> }).detail;

describe('Indicator.ValueReported', () => {
  it('is registered under its constant and comes from departments', () => {
    expect(indicatorValueReported.detailType).toBe(INDICATOR_VALUE_REPORTED);
    expect(indicatorValueReported.producer.kind).toBe('department');
  });

  it('takes the note as optional', () => {
    const { note: _, ...withoutNote } = detail;
    expect(IndicatorValueReportedDetail.parse(withoutNote)).toEqual(withoutNote);
  });

  it('is strict: each unknown field is one reason naming its path, never echoing its content', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 60; i++) deep = { d: deep };
    const huge = 'a'.repeat(200 * 1024);
    for (const extra of [{ extra: 1 }, { blob: huge }, { nested: deep }]) {
      const result = IndicatorValueReportedDetail.safeParse({ ...detail, ...extra });
      expect(result.success).toBe(false);
      const reasons = describeZodIssues(result.error as NonNullable<typeof result.error>, {
        prefix: 'detail',
      });
      const key = Object.keys(extra)[0];
      expect(reasons).toEqual([
        {
          path: `detail.${key}`,
          code: 'unrecognized_keys',
          message: { zh: '未知字段（不接受契约之外的字段）', en: 'unknown field' },
        },
      ]);
      expect(JSON.stringify(reasons).length).toBeLessThan(500);
    }
  });

  it('refuses a value that is not a finite number', () => {
    for (const value of ['97.85', Number.NaN, Number.POSITIVE_INFINITY, null]) {
      expect(IndicatorValueReportedDetail.safeParse({ ...detail, value }).success, String(value)).toBe(false);
    }
  });

  it('refuses another schemaVersion', () => {
    expect(IndicatorValueReportedDetail.safeParse({ ...detail, schemaVersion: 2 }).success).toBe(false);
  });
});
