import { describe, expect, it } from 'vitest';
import { nextFire, parseScheduleExpression } from '../../local/schedule-expressions.ts';

describe('schedule expressions', () => {
  it('rate(15 minutes) fires every 15 minutes from the start', () => {
    const e = parseScheduleExpression('esc', 'rate(15 minutes)');
    const start = Date.UTC(2026, 0, 5, 0, 0);
    expect(nextFire(e, start, start, 'UTC')).toBe(start + 900_000);
    expect(nextFire(e, start + 900_000, start, 'UTC')).toBe(start + 1_800_000);
  });
  it('at() is read in the schedule zone: 09:00 Shanghai is 01:00 UTC', () => {
    const e = parseScheduleExpression('once', 'at(2026-01-05T09:00:00)');
    expect(nextFire(e, Date.UTC(2026, 0, 1), 0, 'Asia/Shanghai')).toBe(Date.UTC(2026, 0, 5, 1, 0));
    expect(nextFire(e, Date.UTC(2026, 0, 6), 0, 'Asia/Shanghai')).toBeUndefined();
  });
  it('cron(0 9 ? * MON *) in Shanghai: Monday 09:00 is 01:00 UTC', () => {
    const e = parseScheduleExpression('weekly', 'cron(0 9 ? * MON *)');
    // 2026-01-07 is a Wednesday; the next Monday is 2026-01-12.
    expect(nextFire(e, Date.UTC(2026, 0, 7), 0, 'Asia/Shanghai')).toBe(Date.UTC(2026, 0, 12, 1, 0));
    expect(nextFire(e, Date.UTC(2026, 0, 12, 1, 0), 0, 'Asia/Shanghai')).toBe(Date.UTC(2026, 0, 19, 1, 0));
  });
  it('cron in Berlin across the spring jump (2026-03-29): 09:00 is 08:00 UTC before, 07:00 UTC after', () => {
    const e = parseScheduleExpression('daily', 'cron(0 9 * * ? *)');
    expect(nextFire(e, Date.UTC(2026, 2, 28, 9), 0, 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 7, 0));
    expect(nextFire(e, Date.UTC(2026, 2, 27, 9), 0, 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 28, 8, 0));
  });
  it('cron day-of-week numbers count from Sunday = 1 (1-7 is every day, 2 is Monday)', () => {
    const every = parseScheduleExpression('d', 'cron(0 9 ? * 1-7 *)');
    expect(nextFire(every, Date.UTC(2026, 0, 7, 2), 0, 'Asia/Shanghai')).toBe(Date.UTC(2026, 0, 8, 1, 0));
    const monday = parseScheduleExpression('m', 'cron(0 9 ? * 2 *)');
    expect(nextFire(monday, Date.UTC(2026, 0, 7), 0, 'Asia/Shanghai')).toBe(Date.UTC(2026, 0, 12, 1, 0));
  });
  it('refuses bad and cron expressions naming the schedule', () => {
    expect(() => parseScheduleExpression('x', 'rate(0 minutes)')).toThrow(/schedule x/);
    expect(() => parseScheduleExpression('w', 'cron(0 9 ? * 2#1 *)')).toThrow(
      /schedule w: cron L, W and # are not supported/,
    );
    expect(() => parseScheduleExpression('w', 'cron(0 9 * * MON *)')).toThrow(/exactly one/);
  });
});
