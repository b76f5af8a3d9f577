import { describe, expect, it } from 'vitest';
import { competitionRanks, rankAmong, roundTo } from '../../domain/ranking.ts';

const ranksOf = (keys: number[], higher = true) => {
  const r = competitionRanks(keys, higher);
  return { rank: [...r.rank], tied: [...r.tied] };
};

describe('competition ranking (1224)', () => {
  it('ranks tied entities 1, 1, 3', () => {
    expect(ranksOf([7, 7, 5])).toEqual({ rank: [1, 1, 3], tied: [1, 1, 0] });
  });

  it('skips the ranks a tie takes: 1, 2, 2, 4', () => {
    // 20 beats all; the two 10s each have one better (20); 5 has three better.
    expect(ranksOf([10, 20, 10, 5])).toEqual({ rank: [2, 1, 2, 4], tied: [1, 0, 1, 0] });
  });

  it('ranks lower-is-better keys with the smallest first', () => {
    expect(ranksOf([3, 1, 1, 2], false)).toEqual({ rank: [4, 1, 1, 3], tied: [0, 1, 1, 0] });
  });

  it('gives everyone rank 1 and 并列 when all keys are equal', () => {
    expect(ranksOf([4, 4, 4])).toEqual({ rank: [1, 1, 1], tied: [1, 1, 1] });
  });

  it('leaves NaN keys unranked (rank 0) and does not count them', () => {
    expect(ranksOf([Number.NaN, 2, 9])).toEqual({ rank: [0, 2, 1], tied: [0, 0, 0] });
  });

  it('ranks a three-way tie below a leader as 2, 2, 2, then 5', () => {
    expect(ranksOf([9, 5, 5, 5, 1]).rank).toEqual([1, 2, 2, 2, 5]);
  });
});

describe('rounding before comparison', () => {
  it('rounds half away from zero', () => {
    expect(roundTo(2.5, 0)).toBe(3);
    expect(roundTo(-2.5, 0)).toBe(-3);
    expect(roundTo(1.25, 1)).toBe(1.3);
  });

  it('absorbs binary representation error: 1.005 and 0.9625 round up', () => {
    // 1.005 is stored as 1.00499999999999989…, 0.9625·1000 as 962.4999999999999.
    expect(roundTo(1.005, 2)).toBe(1.01);
    expect(roundTo(0.9625, 3)).toBe(0.963);
  });

  it('keeps the value when no precision is given, and keeps NaN', () => {
    expect(roundTo(1.23456789, undefined)).toBe(1.23456789);
    expect(roundTo(Number.NaN, 2)).toBeNaN();
  });

  it('ties values that agree at the published precision: 3.04 and 2.96 at one decimal', () => {
    // Both round to 3.0, so they share rank 1; 2.94 rounds to 2.9 and is third.
    const keys = [3.04, 2.96, 2.94].map((x) => roundTo(x, 1));
    expect(ranksOf(keys)).toEqual({ rank: [1, 1, 3], tied: [1, 1, 0] });
  });

  it('separates the same values at two decimals', () => {
    const keys = [3.04, 2.96, 2.94].map((x) => roundTo(x, 2));
    expect(ranksOf(keys).rank).toEqual([1, 2, 3]);
  });

  it('ties lower-is-better values after rounding: 1.24 and 1.16 are both 1.2', () => {
    const keys = [1.24, 1.16, 1.26].map((x) => roundTo(x, 1));
    expect(ranksOf(keys, false)).toEqual({ rank: [1, 1, 3], tied: [1, 1, 0] });
  });
});

describe('rank among others', () => {
  it('is 1 + the number of others strictly better', () => {
    expect(rankAmong(5, [9, 5, 3], true)).toBe(2);
    expect(rankAmong(5, [9, 5, 3], false)).toBe(2);
    expect(rankAmong(10, [9, 5, 3], true)).toBe(1);
  });
});
