/**
 * The fields every alert event shares (Ranking.Slipped, Ranking.Recovered, Ranking.ReachedFirst,
 * Alert.Escalated): which alert, of what, where, and who owns it. Each contract extends this one schema so
 * that a field means the same thing in all of them.
 */
import {
  AlertKey,
  Comparison,
  DepartmentId,
  EntityId,
  EventId,
  PeriodId,
  Rank,
  SchemaVersion1,
  SchemeId,
  Scope,
  ScopedIndicator,
  Severity,
  SlipRule,
  SnapshotSequence,
} from './fields.ts';
import * as z from './zod.ts';
import { described } from './zod.ts';

export const AlertBase = z.object({
  schemaVersion: SchemaVersion1,
  eventId: EventId,
  alertKey: AlertKey,
  scheme: SchemeId,
  period: PeriodId,
  entity: EntityId,
  scope: Scope,
  indicator: ScopedIndicator,
  owner: described(
    z.optional(DepartmentId),
    'Indicator scope: the department owning the indicator, for routing (each department’s subscription filters on it).',
  ),
});

/** The rule and severity of a slip (all but ReachedFirst). */
export const slipRuleFields = {
  rule: SlipRule,
  severity: Severity,
};

/** What a snapshot was compared against (all but Escalated, which comes from a schedule, not a snapshot). */
export const comparedFields = {
  sequence: SnapshotSequence,
  comparison: Comparison,
  fromPeriod: described(
    PeriodId,
    'Period of the snapshot compared against: the previous period, or this period for a provisional comparison.',
  ),
  fromRank: described(Rank, 'Rank in the snapshot compared against.'),
};

/** A rule of a notification: each keeps its own alert key and state. */
export const NotificationRule = described(
  z.object({ rule: SlipRule, severity: Severity, alertKey: AlertKey }),
  'One rule that holds for the notification.',
);

export const NotificationId = described(
  z.string().check(z.regex(/^N[0-9a-f]{20}$/)),
  'Id of the notification (one per entity, scope and period in one snapshot): what leaders acknowledge.',
);
