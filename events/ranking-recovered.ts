/** `Ranking.Recovered`: the slip behind an alert no longer holds. */

import { AlertBase, comparedFields } from './alert-base.ts';
import { defineEvent, ENGINE_PRODUCER } from './envelope.ts';
import {
  AlertKey,
  checkScopedIndicator,
  LocalizedText,
  PeriodId,
  Rank,
  Severity,
  SlipRule,
} from './fields.ts';
import { GapToFirst } from './ranking-slipped.ts';
import { ENGINE_SOURCE } from './sources.ts';
import * as z from './zod.ts';
import { described } from './zod.ts';

export const RANKING_RECOVERED = 'Ranking.Recovered';
export const RANKING_RECOVERED_SOURCE = ENGINE_SOURCE;

export const RankingRecoveredDetail = described(
  z
    .extend(AlertBase, {
      alertKey: described(AlertKey, 'Key of the alert that clears (the one its Ranking.Slipped carried).'),
      ...comparedFields,
      rule: described(SlipRule, 'The rule of the slip that cleared.'),
      severity: described(
        Severity,
        'Severity of the alert that clears, so the recovery reaches the same channel.',
      ),
      fromPeriod: described(PeriodId, 'As in the Ranking.Slipped that opened the alert.'),
      fromRank: described(Rank, 'As in the Ranking.Slipped that opened the alert: the rank before the slip.'),
      toRank: described(Rank, 'As in the Ranking.Slipped that opened the alert: the rank it slipped to.'),
      rank: described(Rank, 'Rank now, with the slip cleared.'),
      gap: GapToFirst,
      message: described(LocalizedText, 'The recovery as leaders read it, in Chinese and English.'),
    })
    .check(z.superRefine(checkScopedIndicator)),
  'A slip cleared.',
);
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
