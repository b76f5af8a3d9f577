/** `Alert.Escalated`: an alert passed its SLA without acknowledgement and goes up a level (提级). */
import { AlertBase, NotificationId, slipRuleFields } from './alert-base.ts';
import { defineEvent, ENGINE_PRODUCER } from './envelope.ts';
import {
  Comparison,
  checkScopedIndicator,
  LocalizedText,
  PeriodId,
  Rank,
  SnapshotSequence,
  Timestamp,
} from './fields.ts';
import { GapToFirst, Prescription } from './ranking-slipped.ts';
import { ENGINE_SOURCE } from './sources.ts';
import * as z from './zod.ts';
import { described } from './zod.ts';

export const ALERT_ESCALATED = 'Alert.Escalated';
export const ALERT_ESCALATED_SOURCE = ENGINE_SOURCE;

export const AlertEscalatedDetail = described(
  z
    .extend(AlertBase, {
      ...slipRuleFields,
      level: described(
        z.int().check(z.gte(1)),
        'Escalation level reached: 1 for the first escalation, 2 for the next, ...',
      ),
      openedAt: described(Timestamp, 'When the alert fired (its Ranking.Slipped).'),
      slaHours: described(
        z.number().check(z.positive()),
        'Hours allowed for acknowledgement at the previous level.',
      ),
      escalatedAt: described(Timestamp, 'When the engine escalated the alert.'),
      message: described(LocalizedText, 'The escalation as leaders read it, in Chinese and English.'),
      // Optional in v1 only because v1 was published before the lifecycle sent them; the engine always does.
      notificationId: described(z.optional(NotificationId), 'The notification escalated.'),
      levelName: described(
        z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
        'Name of the level reached (e.g. 分管领导).',
      ),
      sla: described(
        z.optional(z.string().check(z.regex(/^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/))),
        'The acknowledgement SLA that ran out, as an ISO-8601 duration (slaHours in hours).',
      ),
      slip: described(
        z.optional(
          z.object({
            comparison: Comparison,
            fromPeriod: PeriodId,
            fromRank: Rank,
            toRank: Rank,
            sequence: SnapshotSequence,
          }),
        ),
        'The original slip: what was compared and the ranks before and after.',
      ),
      gap: described(z.optional(GapToFirst), 'The gap to first when the notification opened.'),
      prescriptions: described(
        z.optional(z.array(Prescription).check(z.maxLength(5))),
        'The top prescriptions when it opened.',
      ),
    })
    .check(z.superRefine(checkScopedIndicator)),
  'An unacknowledged alert escalated (提级).',
);
export type AlertEscalatedDetail = z.infer<typeof AlertEscalatedDetail>;

export const alertEscalated = defineEvent({
  detailType: ALERT_ESCALATED,
  version: 1,
  description: 'An alert was not acknowledged within its SLA and is escalated to the next level (提级).',
  producer: ENGINE_PRODUCER,
  detail: AlertEscalatedDetail,
});
export const AlertEscalatedEvent = alertEscalated.envelope;
export type AlertEscalatedEvent = z.infer<typeof AlertEscalatedEvent>;
