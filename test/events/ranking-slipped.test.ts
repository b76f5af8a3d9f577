import { describe, expect, it } from 'vitest';
import { RankingSlippedDetail, rankingSlipped } from '../../events/ranking-slipped.ts';
import { readSample } from '../../events/samples.ts';

const detail = (readSample(rankingSlipped) as { detail: Record<string, unknown> }).detail;

describe('Ranking.Slipped', () => {
  it('needs an indicator exactly when the scope is one indicator', () => {
    expect(detail.scope).toBe('overall');
    const indicatorScope = {
      ...detail,
      scope: 'indicator',
      indicator: 'hotline_connection_rate',
      owner: 'hotline12345',
    };
    expect(RankingSlippedDetail.safeParse(indicatorScope).success).toBe(true);
    const missing = RankingSlippedDetail.safeParse({ ...detail, scope: 'indicator' });
    expect(missing.error?.issues.map((i) => i.path)).toEqual([['indicator']]);
    const stray = RankingSlippedDetail.safeParse({ ...detail, indicator: 'hotline_connection_rate' });
    expect(stray.error?.issues.map((i) => i.path)).toEqual([['indicator']]);
  });

  it('carries at most five prescriptions', () => {
    const prescriptions = detail.prescriptions as unknown[];
    const six = Array.from({ length: 6 }, (_, i) => prescriptions[i % prescriptions.length]);
    expect(RankingSlippedDetail.safeParse({ ...detail, prescriptions: six }).success).toBe(false);
    expect(RankingSlippedDetail.safeParse({ ...detail, prescriptions: [] }).success).toBe(true);
  });

  it('knows only the six slip rules and three severities', () => {
    expect(RankingSlippedDetail.safeParse({ ...detail, rule: 'reachedFirst' }).success).toBe(false);
    expect(RankingSlippedDetail.safeParse({ ...detail, severity: 'fatal' }).success).toBe(false);
  });

  it('needs its message in both Chinese and English', () => {
    expect(RankingSlippedDetail.safeParse({ ...detail, message: { en: 'only English' } }).success).toBe(
      false,
    );
  });
});
