/** `Ranking.Slipped`: a watched entity's rank slipped under one of the scheme's rules; alerts leaders. */

import { AlertBase, comparedFields, NotificationId, NotificationRule, slipRuleFields } from './alert-base.ts';
import { defineEvent, ENGINE_PRODUCER } from './envelope.ts';
import {
  AlertKey,
  checkScopedIndicator,
  EntityId,
  IndicatorId,
  LocalizedText,
  Rank,
  SlipRule,
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
    .extend(AlertBase, {
      ...slipRuleFields,
      ...comparedFields,
      toRank: described(Rank, 'Rank now.'),
      gap: GapToFirst,
      prescriptions: described(
        z.array(Prescription).check(z.maxLength(5)),
        'The top prescriptions, best first (by composite points per unit of relative effort).',
      ),
      message: described(LocalizedText, 'The alert as leaders read it, in Chinese and English.'),
      notificationId: described(
        z.optional(NotificationId),
        'Sent by the engine with every notification (optional in v1 only for compatibility).',
      ),
      rules: described(
        z.optional(z.array(NotificationRule).check(z.minLength(1))),
        'Every rule that holds for this entity, scope and period after inhibition, most severe first; `rule` is the first. One notification is sent for them all.',
      ),
      inhibited: described(
        z.optional(z.array(z.object({ rule: SlipRule, alertKey: AlertKey, by: SlipRule }))),
        'Rules that also hold but are inhibited by a more telling one (e.g. lostFirst ⊳ rankDrop): recorded, not announced.',
      ),
    })
    .check(z.superRefine(checkScopedIndicator)),
  'A ranking slip (排名下滑).',
);
export type RankingSlippedDetail = z.infer<typeof RankingSlippedDetail>;

export const rankingSlipped = defineEvent({
  detailType: RANKING_SLIPPED,
  version: 1,
  description:
    'A watched entity’s rank slipped under scheme rules (排名下滑). One per notification: the rules that hold for one entity, scope and period in one snapshot, after inhibition, named by the most severe; each rule still fires once per alert key. Carries the gap to first and the top prescriptions, and is routed by indicator owner.',
  producer: ENGINE_PRODUCER,
  detail: RankingSlippedDetail,
});
export const RankingSlippedEvent = rankingSlipped.envelope;
export type RankingSlippedEvent = z.infer<typeof RankingSlippedEvent>;
