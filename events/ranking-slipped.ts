/** `Ranking.Slipped`: a watched entity's rank slipped under one of the scheme's rules; alerts leaders. */
import * as z from 'zod';
import { defineEvent, ENGINE_PRODUCER } from './envelope.ts';
import {
  AlertKey,
  Comparison,
  checkScopedIndicator,
  DepartmentId,
  EntityId,
  EventId,
  IndicatorId,
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
import { ENGINE_SOURCE } from './sources.ts';

export const RANKING_SLIPPED = 'Ranking.Slipped';
export const RANKING_SLIPPED_SOURCE = ENGINE_SOURCE;

export const GapToFirst = z
  .object({
    leader: EntityId.describe(
      'An entity ranked first in this scope (the first by id when several tie); the entity itself when it leads.',
    ),
    scoreGap: z
      .number()
      .describe(
        'Score of the leader minus the entity’s, at full precision, in this scope; when the entity itself leads, its lead over the second.',
      ),
    valueGap: z
      .number()
      .optional()
      .describe(
        'Indicator scope only: d·(x_leader − x_entity) in the indicator’s unit (d = +1 higher-is-better, −1 lower).',
      ),
  })
  .describe('How far the entity is from first place (与第一名差距).');
export type GapToFirst = z.infer<typeof GapToFirst>;

export const Prescription = z
  .object({
    indicator: IndicatorId,
    requiredValue: z
      .number()
      .describe('Value the indicator must reach (everything else fixed) to pass the next entity up.'),
    delta: z.number().describe('requiredValue minus the current value, in the indicator’s unit.'),
    deltaPct: z
      .number()
      .nullable()
      .describe(
        '|delta| as a percentage of |current value| (the relative effort); null when the current value is 0.',
      ),
    points: z.number().describe('Composite points recovered by that move.'),
    quickWin: z.boolean().describe('Whether a move of at most 5% passes an entity (quick win).'),
    passes: EntityId.optional().describe('The entity just above that this move passes.'),
    rankAfter: Rank.optional().describe('Overall rank the entity would have after the move.'),
  })
  .describe('One prescription (精准治疗): the smallest move on one indicator that gains a rank.');
export type Prescription = z.infer<typeof Prescription>;

export const RankingSlippedDetail = z
  .object({
    schemaVersion: SchemaVersion1,
    eventId: EventId,
    alertKey: AlertKey,
    scheme: SchemeId,
    period: PeriodId,
    sequence: SnapshotSequence,
    entity: EntityId,
    scope: Scope,
    indicator: ScopedIndicator,
    rule: SlipRule,
    severity: Severity,
    comparison: Comparison,
    fromPeriod: PeriodId.describe(
      'Period of the snapshot compared against: the previous period, or this period for a provisional comparison.',
    ),
    fromRank: Rank.describe('Rank in the snapshot compared against.'),
    toRank: Rank.describe('Rank now.'),
    owner: DepartmentId.optional().describe(
      'Indicator scope: the department owning the indicator, for routing.',
    ),
    gap: GapToFirst,
    prescriptions: z
      .array(Prescription)
      .max(5)
      .describe('The top prescriptions, best first (by composite points per unit of relative effort).'),
    message: LocalizedText.describe('The alert as leaders read it, in Chinese and English.'),
  })
  .superRefine(checkScopedIndicator)
  .describe('A ranking slip (排名下滑).');
export type RankingSlippedDetail = z.infer<typeof RankingSlippedDetail>;

export const rankingSlipped = defineEvent({
  detailType: RANKING_SLIPPED,
  version: 1,
  description:
    'A watched entity’s rank slipped under a scheme rule (排名下滑). Sent once per alert key; carries the gap to first and the top prescriptions, and is routed by indicator owner.',
  producer: ENGINE_PRODUCER,
  detail: RankingSlippedDetail,
});
export const RankingSlippedEvent = rankingSlipped.envelope;
export type RankingSlippedEvent = z.infer<typeof RankingSlippedEvent>;
