/** Every event contract in one place: constants, schemas and the registry the relay, runtime, CDK and generator walk. */
import { type AlertEscalatedEvent, alertEscalated } from './alert-escalated.ts';
import { type AssessmentRecordedEvent, assessmentRecorded } from './assessment-recorded.ts';
import { type BulletinPublishedEvent, bulletinPublished } from './bulletin-published.ts';
import type { EventContract } from './envelope.ts';
import {
  type IndicatorResultsPublishedEvent,
  indicatorResultsPublished,
} from './indicator-results-published.ts';
import { type IndicatorValueReportedEvent, indicatorValueReported } from './indicator-value-reported.ts';
import { type ObservationRejectedEvent, observationRejected } from './observation-rejected.ts';
import { type RankingReachedFirstEvent, rankingReachedFirst } from './ranking-reached-first.ts';
import { type RankingRecoveredEvent, rankingRecovered } from './ranking-recovered.ts';
import { type RankingSlippedEvent, rankingSlipped } from './ranking-slipped.ts';
import { type ReminderWeeklyEvent, reminderWeekly } from './reminder-weekly.ts';

export * from './alert-escalated.ts';
export * from './assessment-recorded.ts';
export * from './bulletin-published.ts';
export * from './envelope.ts';
export * from './fields.ts';
export * from './indicator-results-published.ts';
export * from './indicator-value-reported.ts';
export * from './issues.ts';
export * from './json-schema.ts';
export * from './limits.ts';
export * from './observation-rejected.ts';
export * from './ranking-reached-first.ts';
export * from './ranking-recovered.ts';
export * from './ranking-slipped.ts';
export * from './reminder-weekly.ts';
export * from './sources.ts';

/** Every published contract, each version its own entry. Order: inputs, then what the engine emits. */
export const EVENT_CONTRACTS = [
  indicatorValueReported,
  indicatorResultsPublished,
  observationRejected,
  assessmentRecorded,
  rankingSlipped,
  rankingRecovered,
  rankingReachedFirst,
  alertEscalated,
  reminderWeekly,
  bulletinPublished,
] as const;

export type AnyEventContract = (typeof EVENT_CONTRACTS)[number];
export type DetailType = AnyEventContract['detailType'];

/** Events departments put on the bus (what the ingest rule matches). */
export const DEPARTMENT_EVENT_CONTRACTS = EVENT_CONTRACTS.filter((c) => c.producer.kind === 'department');
/** Events the engine publishes through its outbox (what the relay sends). */
export const ENGINE_EVENT_CONTRACTS = EVENT_CONTRACTS.filter((c) => c.producer.kind === 'engine');

/** Any rankwatch event, discriminated by `detail-type`. */
export type RankwatchEvent =
  | IndicatorValueReportedEvent
  | IndicatorResultsPublishedEvent
  | ObservationRejectedEvent
  | AssessmentRecordedEvent
  | RankingSlippedEvent
  | RankingRecoveredEvent
  | RankingReachedFirstEvent
  | AlertEscalatedEvent
  | ReminderWeeklyEvent
  | BulletinPublishedEvent;

/** The contract for a detail-type and schema version (v1 by default), or undefined when there is none. */
export function findContract(detailType: string, version = 1): EventContract | undefined {
  return EVENT_CONTRACTS.find((c) => c.detailType === detailType && c.version === version);
}

/** The contract for an incoming detail-type, chosen by the `schemaVersion` its detail declares. */
export function contractForEvent(event: {
  'detail-type'?: unknown;
  detail?: unknown;
}): EventContract | undefined {
  if (typeof event['detail-type'] !== 'string') return undefined;
  const detail = event.detail;
  const version =
    detail !== null && typeof detail === 'object' && 'schemaVersion' in detail ? detail.schemaVersion : 1;
  return typeof version === 'number' ? findContract(event['detail-type'], version) : undefined;
}
