/** `Ranking.ReachedFirst`: a watched entity became first (争第一 achieved) in a scope. */

import { AlertBase, comparedFields } from './alert-base.ts';
import { defineEvent, ENGINE_PRODUCER } from './envelope.ts';
import { checkScopedIndicator, LocalizedText, PeriodId, Rank } from './fields.ts';
import { ENGINE_SOURCE } from './sources.ts';
import * as z from './zod.ts';
import { described } from './zod.ts';

export const RANKING_REACHED_FIRST = 'Ranking.ReachedFirst';
export const RANKING_REACHED_FIRST_SOURCE = ENGINE_SOURCE;

export const RankingReachedFirstDetail = described(
  z
    .extend(AlertBase, {
      ...comparedFields,
      fromPeriod: described(PeriodId, 'Period of the snapshot compared against.'),
      fromRank: described(Rank.check(z.gte(2)), 'Rank in the snapshot compared against (at least 2).'),
      tied: described(z.boolean(), 'Whether first place is shared (并列第一).'),
      message: described(LocalizedText, 'The news as leaders read it, in Chinese and English.'),
    })
    .check(z.superRefine(checkScopedIndicator)),
  'An entity reached rank 1.',
);
export type RankingReachedFirstDetail = z.infer<typeof RankingReachedFirstDetail>;

export const rankingReachedFirst = defineEvent({
  detailType: RANKING_REACHED_FIRST,
  version: 1,
  description: 'A watched entity’s rank became 1 in a scope (overall or one indicator).',
  producer: ENGINE_PRODUCER,
  detail: RankingReachedFirstDetail,
});
export const RankingReachedFirstEvent = rankingReachedFirst.envelope;
export type RankingReachedFirstEvent = z.infer<typeof RankingReachedFirstEvent>;
