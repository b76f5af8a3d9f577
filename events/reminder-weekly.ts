/** `Reminder.Weekly`: 周提醒, one per owner department each week — what is still open, escalated or silenced. */
import { NotificationId } from './alert-base.ts';
import { defineEvent, ENGINE_PRODUCER } from './envelope.ts';
import {
  DepartmentId,
  EntityId,
  EventId,
  IndicatorId,
  LocalizedText,
  PeriodId,
  Rank,
  SchemaVersion1,
  SchemeId,
  Severity,
  SlipRule,
  Timestamp,
} from './fields.ts';
import { ENGINE_SOURCE } from './sources.ts';
import * as z from './zod.ts';
import { described } from './zod.ts';

export const REMINDER_WEEKLY = 'Reminder.Weekly';
export const REMINDER_WEEKLY_SOURCE = ENGINE_SOURCE;

/** Items per list the event carries; the counts are always complete (the text says when a list was cut). */
export const REMINDER_ITEMS_MAX = 200;

const ReminderItem = described(
  z.object({
    notificationId: NotificationId,
    status: described(
      z.enum(['open', 'escalated', 'silenced']),
      'Its lifecycle state: open (unacknowledged), escalated (提级, see level) or silenced (recorded, not sent).',
    ),
    level: described(z.int().check(z.gte(0)), 'Escalation level reached (0: not escalated).'),
    entity: EntityId,
    indicator: described(z.optional(IndicatorId), 'Absent for an overall notification.'),
    period: PeriodId,
    rule: SlipRule,
    severity: Severity,
    openedAt: Timestamp,
    ageHours: described(z.int().check(z.gte(0)), 'Whole hours between openedAt and the reminder.'),
  }),
  'One notification of the department, as it stands at the reminder.',
);

const RankMove = described(
  z.object({ entity: EntityId, indicator: IndicatorId, fromRank: Rank, toRank: Rank }),
  'A rank change on one of the department’s indicators since the last reminder.',
);

const count = (what: string) => described(z.int().check(z.gte(0)), `How many ${what}.`);
const counts = z.object({
  open: count('open notifications'),
  escalated: count('escalated notifications'),
  silenced: count('silenced notifications'),
  moves: count('rank moves'),
});

export const ReminderWeeklyDetail = described(
  z.object({
    schemaVersion: SchemaVersion1,
    eventId: EventId,
    scheme: SchemeId,
    owner: described(DepartmentId, 'The department reminded (each department’s subscription filters on it).'),
    week: described(
      z.string().check(z.regex(/^\d{4}-W\d{2}$/)),
      'ISO week of the reminder in the scheme’s time zone: one reminder per department and week.',
    ),
    at: described(Timestamp, 'When the reminder was composed.'),
    timeZone: described(
      z.string().check(z.minLength(1)),
      'The scheme’s IANA time zone (Asia/Shanghai by default).',
    ),
    lastReminderAt: described(
      z.optional(Timestamp),
      'The previous reminder, which the moves are counted from.',
    ),
    comparedPeriods: described(
      z.optional(z.object({ from: PeriodId, to: PeriodId })),
      'The periods whose final standings the moves compare.',
    ),
    counts: described(counts, 'How many items each list has (complete even when a list below is cut).'),
    items: described(
      z.array(ReminderItem).check(z.maxLength(REMINDER_ITEMS_MAX)),
      'Open, escalated and silenced notifications, oldest first within each status.',
    ),
    moves: described(
      z.array(RankMove).check(z.maxLength(REMINDER_ITEMS_MAX)),
      'Rank changes since the last reminder.',
    ),
    message: described(
      LocalizedText,
      'The reminder as plain text, Chinese then English (readable in any e-mail).',
    ),
  }),
  'A department’s weekly reminder (周提醒).',
);
export type ReminderWeeklyDetail = z.infer<typeof ReminderWeeklyDetail>;

export const reminderWeekly = defineEvent({
  detailType: REMINDER_WEEKLY,
  version: 1,
  description:
    'The weekly reminder (周提醒) of one owner department: its open, escalated and silenced notifications with their age, and the rank moves on its indicators since the last reminder.',
  producer: ENGINE_PRODUCER,
  detail: ReminderWeeklyDetail,
});
export const ReminderWeeklyEvent = reminderWeekly.envelope;
export type ReminderWeeklyEvent = z.infer<typeof ReminderWeeklyEvent>;
