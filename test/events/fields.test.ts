import { describe, expect, it } from 'vitest';
import { EntityId, isoWeeksInYear, isPeriodId, PeriodId, Rank, Timestamp } from '../../events/fields.ts';

describe('period ids', () => {
  it('accept every period kind the scheme knows', () => {
    for (const p of ['2026', '2026-H1', '2026-H2', '2026-Q3', '2026-08', '2026-12', '2026-W01', '2026-W33']) {
      expect(isPeriodId(p), p).toBe(true);
      expect(PeriodId.safeParse(p).success, p).toBe(true);
    }
  });

  it('reject malformed ids', () => {
    for (const p of [
      '2026-8',
      '2026-13',
      '2026-00',
      '2026-Q5',
      '2026-H3',
      '2026-W00',
      '2026-W54',
      '26',
      '2026-w33',
      ' 2026',
    ]) {
      expect(isPeriodId(p), p).toBe(false);
      expect(PeriodId.safeParse(p).success, p).toBe(false);
    }
  });

  it('accept week 53 only in years that have one', () => {
    expect(isoWeeksInYear(2026)).toBe(53); // starts on a Thursday
    expect(isoWeeksInYear(2020)).toBe(53); // leap year starting on a Wednesday
    expect(isoWeeksInYear(2025)).toBe(52);
    expect(isoWeeksInYear(2027)).toBe(52);
    expect(PeriodId.safeParse('2026-W53').success).toBe(true);
    expect(PeriodId.safeParse('2020-W53').success).toBe(true);
    const error = PeriodId.safeParse('2025-W53').error;
    expect(error?.issues.map((i) => i.message)).toEqual(['this year has no ISO week 53']);
  });
});

describe('other fields', () => {
  it('take ids as the scheme writes them', () => {
    for (const id of ['lanzhou', 'hotline_connection_rate', 'CHN', 'gansu-2026'])
      expect(EntityId.safeParse(id).success).toBe(true);
    for (const id of ['', 'lan zhou', '-x', 'a.b', 'x'.repeat(129)])
      expect(EntityId.safeParse(id).success, id).toBe(false);
  });

  it('take timestamps with Z or an offset, not bare dates', () => {
    expect(Timestamp.safeParse('2026-08-31T18:00:00+08:00').success).toBe(true);
    expect(Timestamp.safeParse('2026-08-31T10:00:00.123Z').success).toBe(true);
    expect(Timestamp.safeParse('2026-08-31').success).toBe(false);
    expect(Timestamp.safeParse('2026-08-31T10:00:00').success).toBe(false);
  });

  it('take ranks as whole numbers from 1', () => {
    expect(Rank.safeParse(1).success).toBe(true);
    expect(Rank.safeParse(0).success).toBe(false);
    expect(Rank.safeParse(1.5).success).toBe(false);
  });
});
