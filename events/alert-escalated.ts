/** `Alert.Escalated`: an alert passed its SLA without acknowledgement and goes up a level (提级). */
import { defineEvent, ENGINE_PRODUCER } from './envelope.ts';
import {
  AlertKey,
  checkScopedIndicator,
  DepartmentId,
  EntityId,
  EventId,
  LocalizedText,
  PeriodId,
  SchemaVersion1,
  SchemeId,
  Scope,
  ScopedIndicator,
  Severity,
  SlipRule,
  Timestamp,
} from './fields.ts';
import { ENGINE_SOURCE } from './sources.ts';
import * as z from './zod.ts';
import { described } from './zod.ts';

export const ALERT_ESCALATED = 'Alert.Escalated';
export const ALERT_ESCALATED_SOURCE = ENGINE_SOURCE;

export const AlertEscalatedDetail = described(
  z
    .object({
      schemaVersion: SchemaVersion1,
      eventId: EventId,
      alertKey: AlertKey,
      scheme: SchemeId,
      period: PeriodId,
      entity: EntityId,
      scope: Scope,
      indicator: ScopedIndicator,
      rule: SlipRule,
      severity: Severity,
      owner: described(
        z.optional(DepartmentId),
        'Indicator scope: the department owning the indicator, for routing.',
      ),
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
