import { describe, expect, it } from 'vitest';
import { RankingRecoveredDetail, rankingRecovered } from '../../events/ranking-recovered.ts';
import { readSample } from '../../events/samples.ts';

const detail = (readSample(rankingRecovered) as { detail: Record<string, unknown> }).detail;

describe('Ranking.Recovered', () => {
  it('says the rank now beside the ranks of the slip it clears', () => {
    expect(RankingRecoveredDetail.parse(detail)).toMatchObject({ fromRank: 3, toRank: 5, rank: 2 });
    const { rank: _, ...withoutRank } = detail;
    expect(RankingRecoveredDetail.safeParse(withoutRank).success).toBe(false);
  });

  it('carries no prescriptions', () => {
    expect(RankingRecoveredDetail.parse({ ...detail, prescriptions: [] })).not.toHaveProperty(
      'prescriptions',
    );
  });

  it('needs an indicator exactly when the scope is one indicator', () => {
    expect(RankingRecoveredDetail.safeParse({ ...detail, scope: 'overall' }).success).toBe(false);
  });
});
