// Weekly times in a time zone (周提醒 schedules): Asia/Shanghai has no DST; Europe/Berlin shows the jumps.
import { describe, expect, it } from 'vitest';
import { isTimeZone, nextWeekly, weekOf, zonedParts } from '../../domain/zoned-time.ts';

describe('weekly times in a time zone', () => {
  it('puts Monday 09:00 in Shanghai at 01:00 UTC, strictly after the given instant', () => {
    // 2026-04-20 is a Monday.
    expect(nextWeekly('2026-04-19T12:00:00.000Z', 'Asia/Shanghai', { weekday: 1, time: '09:00' })).toBe(
      '2026-04-20T01:00:00.000Z',
    );
    expect(nextWeekly('2026-04-20T01:00:00.000Z', 'Asia/Shanghai', { weekday: 1, time: '09:00' })).toBe(
      '2026-04-27T01:00:00.000Z',
    );
  });

  it('keeps Shanghai weeks seven days long all year (no DST) and follows Berlin across its spring jump', () => {
    const a = nextWeekly('2026-03-23T00:00:00.000Z', 'Asia/Shanghai', { weekday: 1, time: '09:00' });
    const b = nextWeekly(a, 'Asia/Shanghai', { weekday: 1, time: '09:00' });
    expect(Date.parse(b) - Date.parse(a)).toBe(7 * 86_400_000);
    // Berlin moves to summer time on 2026-03-29: Monday 09:00 is 08:00 UTC before, 07:00 UTC after.
    expect(nextWeekly('2026-03-22T00:00:00.000Z', 'Europe/Berlin', { weekday: 1, time: '09:00' })).toBe(
      '2026-03-23T08:00:00.000Z',
    );
    expect(nextWeekly('2026-03-29T00:00:00.000Z', 'Europe/Berlin', { weekday: 1, time: '09:00' })).toBe(
      '2026-03-30T07:00:00.000Z',
    );
  });

  it('reads the wall clock and the ISO week in the zone, not in UTC', () => {
    // Sunday 2026-04-19 20:00 UTC is already Monday 04:00 in Shanghai, the first day of W17.
    expect(zonedParts('2026-04-19T20:00:00.000Z', 'Asia/Shanghai')).toMatchObject({
      day: 20,
      hour: 4,
      weekday: 1,
    });
    expect(weekOf('2026-04-19T20:00:00.000Z', 'Asia/Shanghai')).toBe('2026-W17');
    expect(weekOf('2026-04-19T20:00:00.000Z', 'UTC')).toBe('2026-W16');
    expect(weekOf('2021-01-03T12:00:00.000Z', 'UTC')).toBe('2020-W53');
  });

  it('refuses a bad weekday or time and knows real zones from made-up ones', () => {
    expect(() =>
      nextWeekly('2026-04-19T00:00:00.000Z', 'Asia/Shanghai', { weekday: 8, time: '09:00' }),
    ).toThrow(/weekday/);
    expect(() =>
      nextWeekly('2026-04-19T00:00:00.000Z', 'Asia/Shanghai', { weekday: 1, time: '9am' }),
    ).toThrow(/time/);
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
