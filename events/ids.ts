/** The id and period rules as plain patterns, without zod: for code that validates ids without the contracts. */

/**
 * Period ids as the scheme names them: year `2026`, half `2026-H1`, quarter `2026-Q3`,
 * month `2026-08`, ISO week `2026-W33`.
 */
export const PERIOD_PATTERN = /^\d{4}(?:-H[12]|-Q[1-4]|-(?:0[1-9]|1[0-2])|-W(?:0[1-9]|[1-4]\d|5[0-3]))?$/;

/** ISO 8601 years have 53 weeks when they start on a Thursday, or on a Wednesday in a leap year. */
export function isoWeeksInYear(year: number): 52 | 53 {
  const jan1 = new Date(Date.UTC(year, 0, 1)).getUTCDay();
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return jan1 === 4 || (leap && jan1 === 3) ? 53 : 52;
}

/** Whether `period` is a well-formed period id, including that week 53 exists in that year. */
export function isPeriodId(period: string): boolean {
  if (!PERIOD_PATTERN.test(period)) return false;
  const week = /^(\d{4})-W53$/.exec(period);
  return week === null || isoWeeksInYear(Number(week[1])) === 53;
}

/** The scheme's id rule (domain/scheme.ts): ids go into keys, sources and file names, so no spaces or dots. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
