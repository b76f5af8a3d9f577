// Wall-clock time in an IANA time zone (Intl.DateTimeFormat): weekly reminder instants and ISO weeks.

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday, Monday = 1 … Sunday = 7. */
  weekday: number;
  /** Offset of the zone from UTC at that instant, in minutes (Asia/Shanghai: 480). */
  offsetMinutes: number;
}

export interface WeeklyAt {
  weekday: number;
  time: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Whether Intl knows the time zone (scheme validation). */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

function instant(atIso: string, field = 'at'): number {
  const t = Date.parse(atIso);
  if (Number.isNaN(t)) throw new RangeError(`${field}: "${atIso}" is not an ISO timestamp`);
  return t;
}

function partsAt(t: number, tz: string): ZonedParts {
  const p: Record<string, number> = {};
  for (const x of formatter(tz).formatToParts(new Date(t)))
    if (x.type !== 'literal') p[x.type] = Number(x.value);
  const year = p.year!;
  const month = p.month!;
  const day = p.day!;
  const hour = p.hour!;
  const minute = p.minute!;
  const second = p.second!;
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const offsetMinutes = Math.round((asUtc - (t - (((t % 1000) + 1000) % 1000))) / 60_000);
  const dow = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return { year, month, day, hour, minute, second, weekday: dow === 0 ? 7 : dow, offsetMinutes };
}

/** The wall clock of `atIso` in `tz`. */
export function zonedParts(atIso: string, tz: string = DEFAULT_TIME_ZONE): ZonedParts {
  return partsAt(instant(atIso), tz);
}

/**
 * The UTC instant of a wall-clock time in `tz`. A time skipped by a DST jump resolves to the instant after
 * the jump (as cron does); a repeated time resolves to its first occurrence.
 */
export function zonedInstant(
  tz: string,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // Two passes: the offset at the guess, then at the corrected instant (enough for any real zone).
  let t = wall - partsAt(wall, tz).offsetMinutes * 60_000;
  t = wall - partsAt(t, tz).offsetMinutes * 60_000;
  const earlier = wall - partsAt(t - 3_600_000 * 3, tz).offsetMinutes * 60_000;
  const p = partsAt(earlier, tz);
  if (earlier < t && p.hour === hour && p.minute === minute && p.day === day) return earlier;
  return t;
}

function parseTime(time: string): [number, number] {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!m) throw new RangeError(`time: "${time}" must be HH:MM (24-hour)`);
  return [Number(m[1]), Number(m[2])];
}

/** The first instant strictly after `afterIso` at which the wall clock in `tz` reads weekday + time. */
export function nextWeekly(afterIso: string, tz: string, at: WeeklyAt): string {
  if (!Number.isInteger(at.weekday) || at.weekday < 1 || at.weekday > 7)
    throw new RangeError(`weekday: must be 1 (Monday) … 7 (Sunday) (got ${at.weekday})`);
  const [hour, minute] = parseTime(at.time);
  const after = instant(afterIso, 'after');
  const p = partsAt(after, tz);
  for (let k = 0; k <= 14; k++) {
    const d = new Date(Date.UTC(p.year, p.month - 1, p.day + k));
    const dow = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
    if (dow !== at.weekday) continue;
    const t = zonedInstant(tz, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), hour, minute);
    if (t > after) return new Date(t).toISOString();
  }
  throw new RangeError('nextWeekly: no instant found within two weeks');
}

/** The ISO week (e.g. "2026-W16") containing the wall-clock date of `atIso` in `tz`. */
export function weekOf(atIso: string, tz: string = DEFAULT_TIME_ZONE): string {
  const p = zonedParts(atIso, tz);
  const date = new Date(Date.UTC(p.year, p.month - 1, p.day + 4 - p.weekday)); // Thursday of that week
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.floor((date.getTime() - yearStart) / 86_400_000 / 7) + 1;
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
