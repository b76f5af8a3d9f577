// Period ids (2026-W33, 2026-08, 2026-Q3, 2026-H1, 2026): parsing, validation and time ordering.

export const PERIOD_KINDS = ['week', 'month', 'quarter', 'half', 'year'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

export class PeriodError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeriodError';
  }
}

const PATTERNS: Record<PeriodKind, RegExp> = {
  week: /^(\d{4})-W(\d{2})$/,
  month: /^(\d{4})-(\d{2})$/,
  quarter: /^(\d{4})-Q([1-4])$/,
  half: /^(\d{4})-H([12])$/,
  year: /^(\d{4})$/,
};

const EXAMPLES: Record<PeriodKind, string> = {
  week: '2026-W33',
  month: '2026-08',
  quarter: '2026-Q3',
  half: '2026-H1',
  year: '2026',
};

/** Number of ISO weeks (52 or 53) in an ISO week-numbering year. */
export function isoWeeksInYear(year: number): number {
  const p = (y: number) => (y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400)) % 7;
  return p(year) === 4 || p(year - 1) === 3 ? 53 : 52;
}

/** Monday of ISO week 1 of `year`, as days since the Unix epoch. */
function isoWeekOneMonday(year: number): number {
  const jan4 = Date.UTC(year, 0, 4) / 86_400_000;
  const dow = (new Date(Date.UTC(year, 0, 4)).getUTCDay() + 6) % 7; // Monday = 0
  return jan4 - dow;
}

/**
 * A period's position on its kind's time line: consecutive periods differ by exactly 1
 * (weeks count ISO weeks across years), so ordinals order periods and measure distances.
 */
export function periodOrdinal(kind: PeriodKind, period: string): number {
  const m = PATTERNS[kind].exec(period);
  if (!m) throw new PeriodError(`"${period}" is not a ${kind} period id (expected e.g. ${EXAMPLES[kind]})`);
  const year = Number(m[1]);
  const n = Number(m[2] ?? 0);
  switch (kind) {
    case 'week':
      if (n < 1 || n > isoWeeksInYear(year))
        throw new PeriodError(`"${period}": week must be 01–${isoWeeksInYear(year)} in ${year}`);
      return Math.round((isoWeekOneMonday(year) - isoWeekOneMonday(1970)) / 7) + n - 1;
    case 'month':
      if (n < 1 || n > 12) throw new PeriodError(`"${period}": month must be 01–12`);
      return year * 12 + n - 1;
    case 'quarter':
      return year * 4 + n - 1;
    case 'half':
      return year * 2 + n - 1;
    case 'year':
      return year;
  }
}

export function isValidPeriod(kind: PeriodKind, period: string): boolean {
  try {
    periodOrdinal(kind, period);
    return true;
  } catch {
    return false;
  }
}

/** The period id at an ordinal (inverse of periodOrdinal). */
export function periodAt(kind: PeriodKind, ordinal: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  switch (kind) {
    case 'week': {
      const monday = isoWeekOneMonday(1970) + ordinal * 7;
      const thursday = new Date((monday + 3) * 86_400_000);
      const year = thursday.getUTCFullYear();
      const week = Math.round((monday - isoWeekOneMonday(year)) / 7) + 1;
      return `${year}-W${pad(week)}`;
    }
    case 'month':
      return `${Math.floor(ordinal / 12)}-${pad((ordinal % 12) + 1)}`;
    case 'quarter':
      return `${Math.floor(ordinal / 4)}-Q${(ordinal % 4) + 1}`;
    case 'half':
      return `${Math.floor(ordinal / 2)}-H${(ordinal % 2) + 1}`;
    case 'year':
      return String(ordinal);
  }
}

export function comparePeriods(kind: PeriodKind, a: string, b: string): number {
  return periodOrdinal(kind, a) - periodOrdinal(kind, b);
}

/** Sorts distinct period ids by time. */
export function sortPeriods(kind: PeriodKind, periods: Iterable<string>): string[] {
  return [...new Set(periods)]
    .map((p) => [p, periodOrdinal(kind, p)] as const)
    .sort((a, b) => a[1] - b[1])
    .map(([p]) => p);
}

/** The last period of the year that `period` belongs to (used as a default target horizon). */
export function lastPeriodOfYear(kind: PeriodKind, period: string): string {
  const year = Number(period.slice(0, 4));
  switch (kind) {
    case 'week':
      return `${year}-W${String(isoWeeksInYear(year)).padStart(2, '0')}`;
    case 'month':
      return `${year}-12`;
    case 'quarter':
      return `${year}-Q4`;
    case 'half':
      return `${year}-H2`;
    case 'year':
      return String(year);
  }
}

/** The day after a period ends, 00:00 UTC, as ISO text: when an offline evaluation treats it as assessed. */
export function periodEndInstant(kind: PeriodKind, period: string): string {
  const m = PATTERNS[kind].exec(period);
  if (!m) throw new PeriodError(`period "${period}" is not a ${kind} (e.g. ${EXAMPLES[kind]})`);
  const year = Number(m[1]);
  const n = Number(m[2] ?? 1);
  let end: number;
  if (kind === 'week') {
    // ISO week 1 holds 4 January; its Monday is 4 January minus (weekday − 1).
    const jan4 = Date.UTC(year, 0, 4);
    const monday1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86_400_000;
    end = monday1 + n * 7 * 86_400_000;
  } else if (kind === 'month') end = Date.UTC(year, n, 1);
  else if (kind === 'quarter') end = Date.UTC(year, n * 3, 1);
  else if (kind === 'half') end = Date.UTC(year, n * 6, 1);
  else end = Date.UTC(year + 1, 0, 1);
  return new Date(end).toISOString();
}
