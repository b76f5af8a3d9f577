import { describe, expect, it } from 'vitest';
import {
  INDICATOR_VALUE_REPORTED,
  IndicatorValueReportedDetail,
  indicatorValueReported,
} from '../../events/indicator-value-reported.ts';
import { readSample } from '../../events/samples.ts';

const detail = (readSample(indicatorValueReported) as { detail: Record<string, unknown> }).detail;

describe('Indicator.ValueReported', () => {
  it('is registered under its constant and comes from departments', () => {
    expect(indicatorValueReported.detailType).toBe(INDICATOR_VALUE_REPORTED);
    expect(indicatorValueReported.producer.kind).toBe('department');
  });

  it('takes the note as optional and drops fields it does not know', () => {
    const { note: _, ...withoutNote } = detail;
    expect(IndicatorValueReportedDetail.parse(withoutNote)).toEqual(withoutNote);
    expect(IndicatorValueReportedDetail.parse({ ...detail, extra: 1 })).toEqual(detail);
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
