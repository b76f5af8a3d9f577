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
  it('refuses bad and cron expressions naming the schedule', () => {
    expect(() => parseScheduleExpression('x', 'rate(0 minutes)')).toThrow(/schedule x/);
    expect(() => parseScheduleExpression('w', 'cron(0 9 ? * MON *)')).toThrow(/schedule w: cron/);
  });
});
