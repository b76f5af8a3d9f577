import { describe, expect, it } from 'vitest';
import { RankingReachedFirstDetail, rankingReachedFirst } from '../../events/ranking-reached-first.ts';
import { readSample } from '../../events/samples.ts';

const detail = (readSample(rankingReachedFirst) as { detail: Record<string, unknown> }).detail;

describe('Ranking.ReachedFirst', () => {
  it('comes from a rank below first', () => {
    expect(RankingReachedFirstDetail.safeParse({ ...detail, fromRank: 2 }).success).toBe(true);
    expect(RankingReachedFirstDetail.safeParse({ ...detail, fromRank: 1 }).success).toBe(false);
  });

  it('says whether first place is shared', () => {
    const { tied: _, ...withoutTied } = detail;
    expect(RankingReachedFirstDetail.safeParse(withoutTied).success).toBe(false);
  });
});
