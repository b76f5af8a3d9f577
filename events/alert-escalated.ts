/** `Alert.Escalated`: an alert passed its SLA without acknowledgement and goes up a level (提级). */
import * as z from 'zod';
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

export const ALERT_ESCALATED = 'Alert.Escalated';
export const ALERT_ESCALATED_SOURCE = ENGINE_SOURCE;

export const AlertEscalatedDetail = z
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
    owner: DepartmentId.optional().describe(
      'Indicator scope: the department owning the indicator, for routing.',
    ),
    level: z
      .int()
      .min(1)
      .describe('Escalation level reached: 1 for the first escalation, 2 for the next, ...'),
    openedAt: Timestamp.describe('When the alert fired (its Ranking.Slipped).'),
    slaHours: z.number().positive().describe('Hours allowed for acknowledgement at the previous level.'),
    escalatedAt: Timestamp.describe('When the engine escalated the alert.'),
    message: LocalizedText.describe('The escalation as leaders read it, in Chinese and English.'),
  })
  .superRefine(checkScopedIndicator)
  .describe('An unacknowledged alert escalated (提级).');
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
