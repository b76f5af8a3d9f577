/** `Ranking.Recovered`: the slip behind an alert no longer holds. */
import * as z from 'zod';
import { defineEvent, ENGINE_PRODUCER } from './envelope.ts';
import {
  AlertKey,
  Comparison,
  checkScopedIndicator,
  DepartmentId,
  EntityId,
  EventId,
  LocalizedText,
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
import { GapToFirst } from './ranking-slipped.ts';
import { ENGINE_SOURCE } from './sources.ts';

export const RANKING_RECOVERED = 'Ranking.Recovered';
export const RANKING_RECOVERED_SOURCE = ENGINE_SOURCE;

export const RankingRecoveredDetail = z
  .object({
    schemaVersion: SchemaVersion1,
    eventId: EventId,
    alertKey: AlertKey.describe('Key of the alert that clears (the one its Ranking.Slipped carried).'),
    scheme: SchemeId,
    period: PeriodId,
    sequence: SnapshotSequence,
    entity: EntityId,
    scope: Scope,
    indicator: ScopedIndicator,
    rule: SlipRule.describe('The rule of the slip that cleared.'),
    severity: Severity.describe(
      'Severity of the alert that clears, so the recovery reaches the same channel.',
    ),
    comparison: Comparison,
    fromPeriod: PeriodId.describe('As in the Ranking.Slipped that opened the alert.'),
    fromRank: Rank.describe('As in the Ranking.Slipped that opened the alert: the rank before the slip.'),
    toRank: Rank.describe('As in the Ranking.Slipped that opened the alert: the rank it slipped to.'),
    rank: Rank.describe('Rank now, with the slip cleared.'),
    owner: DepartmentId.optional().describe(
      'Indicator scope: the department owning the indicator, for routing.',
    ),
    gap: GapToFirst,
    message: LocalizedText.describe('The recovery as leaders read it, in Chinese and English.'),
  })
  .superRefine(checkScopedIndicator)
  .describe('A slip cleared.');
export type RankingRecoveredDetail = z.infer<typeof RankingRecoveredDetail>;

export const rankingRecovered = defineEvent({
  detailType: RANKING_RECOVERED,
  version: 1,
  description: 'The slip behind an open alert no longer holds; the alert is resolved.',
  producer: ENGINE_PRODUCER,
  detail: RankingRecoveredDetail,
});
export const RankingRecoveredEvent = rankingRecovered.envelope;
export type RankingRecoveredEvent = z.infer<typeof RankingRecoveredEvent>;
