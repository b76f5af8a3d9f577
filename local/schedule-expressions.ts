// EventBridge Scheduler expressions (rate, at, cron without L/W/#) and their next fire time in the schedule's IANA zone.

import { zonedInstant, zonedParts } from '../domain/zoned-time.ts';

export type ScheduleExpression =
  | { kind: 'rate'; everyMs: number }
  | {
      kind: 'cron';
      minutes: Set<number>;
      hours: Set<number>;
      dom?: Set<number>;
      months: Set<number>;
      dow?: Set<number>;
      years?: Set<number>;
    }
  | { kind: 'at'; year: number; month: number; day: number; hour: number; minute: number; second: number };

const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

// Errors name the schedule so a bad template points at the resource to fix.
export function parseScheduleExpression(schedule: string, text: string): ScheduleExpression {
  const rate = /^rate\((\d+) ([a-z]+)\)$/.exec(text);
  if (rate) {
    const n = Number(rate[1]);
    const unit = UNIT_MS[rate[2] ?? ''];
    if (!unit || n < 1) throw new Error(`schedule ${schedule}: bad rate expression ${text}`);
    return { kind: 'rate', everyMs: n * unit };
  }
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(text);
  if (at) {
    const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = at.slice(1).map(Number);
    return { kind: 'at', year, month, day, hour, minute, second };
  }
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) return parseCron(schedule, text, (cron[1] ?? '').trim().split(/\s+/));
  throw new Error(`schedule ${schedule}: unrecognised expression ${text}`);
}

// Rate schedules count from their start (the engine's start locally); at() fires once, or never if past.
export function nextFire(
  expr: ScheduleExpression,
  afterMs: number,
  startMs: number,
  tz: string,
): number | undefined {
  if (expr.kind === 'cron') return nextCron(expr, afterMs, tz);
  if (expr.kind === 'rate') {
    const k = Math.floor((afterMs - startMs) / expr.everyMs) + 1;
    return startMs + Math.max(k, 1) * expr.everyMs;
  }
  const t = zonedInstant(tz, expr.year, expr.month, expr.day, expr.hour, expr.minute) + expr.second * 1000;
  return t > afterMs ? t : undefined;
}

const DOW: Record<string, number> = { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 };
const MON: Record<string, number> = {
  JAN: 1,
  FEB: 2,
  MAR: 3,
  APR: 4,
  MAY: 5,
  JUN: 6,
  JUL: 7,
  AUG: 8,
  SEP: 9,
  OCT: 10,
  NOV: 11,
  DEC: 12,
};

// One field to its allowed values; undefined for '?' (the other day field decides).
function field(
  schedule: string,
  text: string,
  lo: number,
  hi: number,
  names: Record<string, number> = {},
  dow = false,
): Set<number> | undefined {
  if (text === '?') return undefined;
  if (/[LW#]/.test(text.replace(/[A-Z]{3}/g, '')))
    throw new Error(`schedule ${schedule}: cron L, W and # are not supported: ${text}`);
  const value = (v: string): number => {
    // EventBridge numbers days of the week 1 = Sunday … 7 = Saturday; stored as ISO (Monday = 1, Sunday = 7).
    const n = names[v] ?? Number(v);
    if (!Number.isInteger(n) || n < lo || n > hi)
      throw new Error(`schedule ${schedule}: cron value ${v} out of range`);
    return n;
  };
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`schedule ${schedule}: bad cron step ${part}`);
    const [a, b] =
      range === '*'
        ? [lo, hi]
        : range.includes('-')
          ? range.split('-').map(value)
          : [value(range), stepText === undefined ? value(range) : hi];
    for (let n = a ?? lo; n <= (b ?? hi); n += step) out.add(dow ? ((n + 5) % 7) + 1 : n);
  }
  return out;
}

function parseCron(schedule: string, text: string, f: string[]): ScheduleExpression {
  if (f.length !== 6) throw new Error(`schedule ${schedule}: cron needs 6 fields, got ${f.length}: ${text}`);
  const [mi = '', h = '', dom = '', mo = '', dw = '', y = ''] = f;
  if ((dom === '?') === (dw === '?'))
    throw new Error(`schedule ${schedule}: exactly one of day-of-month and day-of-week must be ?: ${text}`);
  return {
    kind: 'cron',
    minutes: field(schedule, mi, 0, 59) ?? new Set(),
    hours: field(schedule, h, 0, 23) ?? new Set(),
    dom: field(schedule, dom, 1, 31),
    months: field(schedule, mo, 1, 12, MON) ?? new Set(),
    dow: dw === '*' ? undefined : field(schedule, dw, 1, 7, DOW, true),
    years: y === '*' ? undefined : field(schedule, y, 1970, 2199),
  };
}

// Walks wall-clock days in the zone (at most ~5 years); a wall time skipped by a DST jump maps to zonedInstant's instant.
export function nextCron(
  expr: Extract<ScheduleExpression, { kind: 'cron' }>,
  afterMs: number,
  tz: string,
): number | undefined {
  const p = zonedParts(new Date(afterMs).toISOString(), tz);
  for (let i = 0; i < 366 * 5; i++) {
    const d = new Date(Date.UTC(p.year, p.month - 1, p.day + i));
    const [year, month, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    const weekday = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
    if (!expr.months.has(month) || (expr.years && !expr.years.has(year))) continue;
    if (expr.dom && !expr.dom.has(day)) continue;
    if (expr.dow && !expr.dow.has(weekday)) continue;
    for (const hour of [...expr.hours].sort((a, b) => a - b))
      for (const minute of [...expr.minutes].sort((a, b) => a - b)) {
        const t = zonedInstant(tz, year, month, day, hour, minute);
        if (t > afterMs) return t;
      }
  }
  return undefined;
}
