// EventBridge Scheduler expressions (rate and at; cron not yet) and their next fire time in the schedule's IANA zone.

import { zonedInstant } from '../domain/zoned-time.ts';

export type ScheduleExpression =
  | { kind: 'rate'; everyMs: number }
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
  if (text.startsWith('cron('))
    throw new Error(`schedule ${schedule}: cron expressions are not supported yet: ${text}`);
  throw new Error(`schedule ${schedule}: unrecognised expression ${text}`);
}

// Rate schedules count from their start (the engine's start locally); at() fires once, or never if past.
export function nextFire(
  expr: ScheduleExpression,
  afterMs: number,
  startMs: number,
  tz: string,
): number | undefined {
  if (expr.kind === 'rate') {
    const k = Math.floor((afterMs - startMs) / expr.everyMs) + 1;
    return startMs + Math.max(k, 1) * expr.everyMs;
  }
  const t = zonedInstant(tz, expr.year, expr.month, expr.day, expr.hour, expr.minute) + expr.second * 1000;
  return t > afterMs ? t : undefined;
}
