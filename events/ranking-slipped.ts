/** `Ranking.Slipped`: a watched entity's rank slipped under one of the scheme's rules; alerts leaders. */
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
import * as z from './zod.ts';
import { described } from './zod.ts';

export const RANKING_SLIPPED = 'Ranking.Slipped';
export const RANKING_SLIPPED_SOURCE = ENGINE_SOURCE;

export const GapToFirst = described(
  z.object({
    leader: described(
      EntityId,
      'An entity ranked first in this scope (the first by id when several tie); the entity itself when it leads.',
    ),
    scoreGap: described(
      z.number(),
      'Score of the leader minus the entity’s, at full precision, in this scope; when the entity itself leads, its lead over the second.',
    ),
    valueGap: described(
      z.optional(z.number()),
      'Indicator scope only: d·(x_leader − x_entity) in the indicator’s unit (d = +1 higher-is-better, −1 lower).',
    ),
  }),
  'How far the entity is from first place (与第一名差距).',
);
export type GapToFirst = z.infer<typeof GapToFirst>;

export const Prescription = described(
  z.object({
    indicator: IndicatorId,
    requiredValue: described(
      z.number(),
      'Value the indicator must reach (everything else fixed) to pass the next entity up.',
    ),
    delta: described(z.number(), 'requiredValue minus the current value, in the indicator’s unit.'),
    deltaPct: described(
      z.nullable(z.number()),
      '|delta| as a percentage of |current value| (the relative effort); null when the current value is 0.',
    ),
    points: described(z.number(), 'Composite points recovered by that move.'),
    quickWin: described(z.boolean(), 'Whether a move of at most 5% passes an entity (quick win).'),
    passes: described(z.optional(EntityId), 'The entity just above that this move passes.'),
    rankAfter: described(z.optional(Rank), 'Overall rank the entity would have after the move.'),
  }),
  'One prescription (精准治疗): the smallest move on one indicator that gains a rank.',
);
export type Prescription = z.infer<typeof Prescription>;

export const RankingSlippedDetail = described(
  z
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
      fromPeriod: described(
        PeriodId,
        'Period of the snapshot compared against: the previous period, or this period for a provisional comparison.',
      ),
      fromRank: described(Rank, 'Rank in the snapshot compared against.'),
      toRank: described(Rank, 'Rank now.'),
      owner: described(
        z.optional(DepartmentId),
        'Indicator scope: the department owning the indicator, for routing.',
      ),
      gap: GapToFirst,
      prescriptions: described(
        z.array(Prescription).check(z.maxLength(5)),
        'The top prescriptions, best first (by composite points per unit of relative effort).',
      ),
      message: described(LocalizedText, 'The alert as leaders read it, in Chinese and English.'),
    })
    .check(z.superRefine(checkScopedIndicator)),
  'A ranking slip (排名下滑).',
);
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
