import { describe, expect, it } from 'vitest';
import {
  comparePeriods,
  isoWeeksInYear,
  isValidPeriod,
  lastPeriodOfYear,
  PeriodError,
  periodAt,
  periodOrdinal,
  sortPeriods,
} from '../../domain/period.ts';

describe('ISO weeks', () => {
  it('counts 53 weeks in years starting on a Thursday, or leap years starting on a Wednesday', () => {
    // 1 Jan 2026 and 1 Jan 2015 are Thursdays; 2020 is a leap year starting on a Wednesday.
    expect(isoWeeksInYear(2026)).toBe(53);
    expect(isoWeeksInYear(2015)).toBe(53);
    expect(isoWeeksInYear(2020)).toBe(53);
    // 2025 starts on a Wednesday but is not a leap year; 2024 starts on a Monday.
    expect(isoWeeksInYear(2025)).toBe(52);
    expect(isoWeeksInYear(2024)).toBe(52);
  });

  it('puts 1970-W01 at ordinal 0 (Monday 29 Dec 1969)', () => {
    expect(periodOrdinal('week', '1970-W01')).toBe(0);
  });

  it('counts weeks within a year: 2026-W33 is 32 weeks after 2026-W01', () => {
    expect(periodOrdinal('week', '2026-W33') - periodOrdinal('week', '2026-W01')).toBe(32);
  });

  it('steps by one across a 52-week year boundary', () => {
    expect(periodOrdinal('week', '2026-W01') - periodOrdinal('week', '2025-W52')).toBe(1);
  });

  it('steps by one across a 53-week year boundary', () => {
    expect(periodOrdinal('week', '2020-W53') - periodOrdinal('week', '2020-W52')).toBe(1);
    expect(periodOrdinal('week', '2021-W01') - periodOrdinal('week', '2020-W53')).toBe(1);
    expect(periodOrdinal('week', '2027-W01') - periodOrdinal('week', '2026-W53')).toBe(1);
  });

  it('measures whole years of weeks: 52 + 52 from 2024-W01 to 2026-W01, then 53 through 2026', () => {
    expect(periodOrdinal('week', '2026-W01') - periodOrdinal('week', '2024-W01')).toBe(104);
    expect(periodOrdinal('week', '2027-W01') - periodOrdinal('week', '2026-W01')).toBe(53);
  });

  it('rejects week 53 in a 52-week year and week 00', () => {
    expect(() => periodOrdinal('week', '2025-W53')).toThrow('"2025-W53": week must be 01–52 in 2025');
    expect(() => periodOrdinal('week', '2026-W00')).toThrow(PeriodError);
  });

  it('maps ordinals back to week ids at year boundaries', () => {
    for (const id of ['2020-W53', '2021-W01', '2025-W52', '2026-W01', '2026-W53', '2027-W01', '1970-W01'])
      expect(periodAt('week', periodOrdinal('week', id))).toBe(id);
  });
});

describe('months, quarters, halves and years', () => {
  it('numbers months as year·12 + month − 1', () => {
    expect(periodOrdinal('month', '2026-08')).toBe(2026 * 12 + 7);
    expect(periodOrdinal('month', '2026-01') - periodOrdinal('month', '2025-12')).toBe(1);
  });

  it('numbers quarters and halves consecutively across years', () => {
    expect(periodOrdinal('quarter', '2026-Q3')).toBe(2026 * 4 + 2);
    expect(periodOrdinal('quarter', '2026-Q1') - periodOrdinal('quarter', '2025-Q4')).toBe(1);
    expect(periodOrdinal('half', '2026-H1') - periodOrdinal('half', '2025-H2')).toBe(1);
    expect(periodOrdinal('half', '2026-H2')).toBe(2026 * 2 + 1);
  });

  it('numbers years as themselves', () => {
    expect(periodOrdinal('year', '2026')).toBe(2026);
  });

  it('maps ordinals back to ids for every kind', () => {
    expect(periodAt('month', 2026 * 12 + 7)).toBe('2026-08');
    expect(periodAt('month', 2026 * 12)).toBe('2026-01');
    expect(periodAt('quarter', 2026 * 4 + 3)).toBe('2026-Q4');
    expect(periodAt('half', 2026 * 2)).toBe('2026-H1');
    expect(periodAt('year', 2026)).toBe('2026');
  });

  it('gives the last period of the year as the default horizon', () => {
    expect(lastPeriodOfYear('week', '2026-W10')).toBe('2026-W53');
    expect(lastPeriodOfYear('week', '2025-W10')).toBe('2025-W52');
    expect(lastPeriodOfYear('month', '2026-03')).toBe('2026-12');
    expect(lastPeriodOfYear('quarter', '2026-Q1')).toBe('2026-Q4');
    expect(lastPeriodOfYear('half', '2026-H1')).toBe('2026-H2');
    expect(lastPeriodOfYear('year', '2026')).toBe('2026');
  });
});

describe('bad period ids', () => {
  it.each([
    ['month', '2026-13'],
    ['month', '2026-00'],
    ['month', '2026-8'],
    ['month', '2026-W08'],
    ['quarter', '2026-Q5'],
    ['quarter', '2026-Q0'],
    ['half', '2026-H3'],
    ['year', '26'],
    ['year', '2026-01'],
    ['week', '2026W33'],
    ['week', '2026-W5'],
  ] as const)('rejects %s id "%s"', (kind, id) => {
    expect(() => periodOrdinal(kind, id)).toThrow(PeriodError);
    expect(isValidPeriod(kind, id)).toBe(false);
  });

  it('shows an example of the expected id', () => {
    expect(() => periodOrdinal('quarter', '2026-3')).toThrow(
      '"2026-3" is not a quarter period id (expected e.g. 2026-Q3)',
    );
  });

  it('accepts good ids', () => {
    expect(isValidPeriod('month', '2026-12')).toBe(true);
    expect(isValidPeriod('week', '2026-W53')).toBe(true);
  });
});

describe('ordering periods', () => {
  it('sorts distinct week ids by time across a year boundary', () => {
    expect(sortPeriods('week', ['2026-W02', '2025-W52', '2026-W01', '2026-W01'])).toEqual([
      '2025-W52',
      '2026-W01',
      '2026-W02',
    ]);
  });

  it('sorts months numerically, not as text of different years', () => {
    expect(sortPeriods('month', ['2026-02', '2025-11', '2026-01'])).toEqual([
      '2025-11',
      '2026-01',
      '2026-02',
    ]);
  });

  it('compares periods by time', () => {
    expect(comparePeriods('quarter', '2025-Q4', '2026-Q1')).toBeLessThan(0);
    expect(comparePeriods('quarter', '2026-Q1', '2026-Q1')).toBe(0);
  });
});
