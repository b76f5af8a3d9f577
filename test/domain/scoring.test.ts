import { describe, expect, it } from 'vitest';
import type { Indicator } from '../../domain/scheme.ts';
import { goalpostScore, goalpostValue, isRelative, scoreColumn } from '../../domain/scoring.ts';
import { indicator, scheme } from './fixtures.ts';

/** A validated indicator with the given normalisation, direction and precision. */
function ind(normalise: unknown, direction: 'higher' | 'lower' = 'higher', precision?: number): Indicator {
  return scheme({
    indicators: [
      indicator('x', {
        normalise: normalise as Indicator['normalise'],
        direction,
        ...(precision !== undefined ? { precision } : {}),
      }),
    ],
  }).indicators[0]!;
}

function score(i: Indicator, values: number[]): number[] {
  const out = new Float64Array(values.length);
  scoreColumn(i, values, out, values.length);
  return [...out];
}

const NaN_ = Number.NaN;

describe('goalpost scores (distance to frontier)', () => {
  const up = { method: 'goalpost', best: 100, worst: 0 } as const;

  it('scores the share of the way from worst to best: 75 of 0..100 is 75', () => {
    expect(goalpostScore(ind(up).normalise as never, 75)).toBe(75);
  });

  it('clamps beyond the goalposts to 0 and 100', () => {
    expect(score(ind(up), [120, -5, 100, 0])).toEqual([100, 0, 100, 0]);
  });

  it('scores lower-is-better with best < worst: 4 between best 2 and worst 10 is 75', () => {
    // (4 − 10)/(2 − 10) = −6/−8 = 0.75
    expect(score(ind({ method: 'goalpost', best: 2, worst: 10 }, 'lower'), [4, 1, 12])).toEqual([75, 100, 0]);
  });

  it('uses ln(x) under the log transform: 10 between 1 and 100 is halfway', () => {
    // (ln 10 − ln 1)/(ln 100 − ln 1) = 0.5
    const [s] = score(ind({ method: 'goalpost', best: 100, worst: 1, transform: 'log' }), [10]);
    expect(s).toBeCloseTo(50, 12);
  });

  it('adds the offset before the log: 9 with offset 1 between 0 and 99 is halfway', () => {
    // ln(9 + 1)/ln(99 + 1) = 0.5, since ln(0 + 1) = 0
    const i = ind({ method: 'goalpost', best: 99, worst: 0, transform: 'log', offset: 1 });
    const [s, below, above] = score(i, [9, 0, 999]);
    expect(s).toBeCloseTo(50, 12);
    expect(below).toBe(0);
    expect(above).toBe(100);
  });

  it('gives 0 to values whose log is undefined or −∞', () => {
    // x + offset = −1 → ln undefined; x + offset = 0 → ln = −∞: both the worst possible.
    const i = ind({ method: 'goalpost', best: 99, worst: 0, transform: 'log', offset: 1 });
    expect(score(i, [-2, -1])).toEqual([0, 0]);
  });

  it('inverts a score back to the value: 50 on a log goalpost is 10', () => {
    const n = ind({ method: 'goalpost', best: 100, worst: 1, transform: 'log' }).normalise as never;
    expect(goalpostValue(n, 50)).toBeCloseTo(10, 10);
    expect(goalpostValue(ind(up).normalise as never, 75)).toBe(75);
  });

  it('keeps missing values missing', () => {
    expect(score(ind(up), [NaN_, 50])).toEqual([NaN_, 50]);
  });
});

describe('minmax scores (relative to the period)', () => {
  it('puts the best at 100 and the worst at 0: 10, 20, 40 → 0, 33.3, 100', () => {
    // (20 − 10)/(40 − 10) = 1/3
    const [a, b, c] = score(ind({ method: 'minmax' }), [10, 20, 40]);
    expect([a, c]).toEqual([0, 100]);
    expect(b).toBeCloseTo(100 / 3, 12);
  });

  it('reverses for lower-is-better: 10, 20, 40 → 100, 66.7, 0', () => {
    // (40 − 20)/(40 − 10) = 2/3
    const [a, b, c] = score(ind({ method: 'minmax' }, 'lower'), [10, 20, 40]);
    expect([a, c]).toEqual([100, 0]);
    expect(b).toBeCloseTo(200 / 3, 12);
  });

  it('gives everyone 100 when all values are equal', () => {
    expect(score(ind({ method: 'minmax' }), [7, 7, 7])).toEqual([100, 100, 100]);
  });

  it('ignores missing values when finding the bounds', () => {
    expect(score(ind({ method: 'minmax' }), [NaN_, 10, 30, 20])).toEqual([NaN_, 0, 100, 50]);
  });
});

describe('z-scores (standard scores)', () => {
  // 2, 4, 4, 4, 5, 5, 7, 9: μ = 5, population σ = 2.
  const xs = [2, 4, 4, 4, 5, 5, 7, 9];

  it('centres on 50 with 10 points per population σ: 9 → 70, 2 → 35', () => {
    // 50 + 10·(9 − 5)/2 = 70; 50 + 10·(2 − 5)/2 = 35
    const s = score(ind({ method: 'zscore' }), xs);
    expect(s[7]).toBe(70);
    expect(s[0]).toBe(35);
    expect(s[4]).toBe(50);
  });

  it('flips the sign for lower-is-better: 9 → 30', () => {
    expect(score(ind({ method: 'zscore' }, 'lower'), xs)[7]).toBe(30);
  });

  it('gives 50 to everyone when σ = 0', () => {
    expect(score(ind({ method: 'zscore' }), [3, 3, NaN_])).toEqual([50, 50, NaN_]);
  });

  it('leaves missing values out of μ and σ', () => {
    // 1 and 3: μ = 2, σ = 1 → 40 and 60
    expect(score(ind({ method: 'zscore' }), [1, NaN_, 3])).toEqual([40, NaN_, 60]);
  });
});

describe('rank scores', () => {
  it('scores 100·(n − r)/(n − 1): ranks 1, 4, 2, 2 of 4 → 100, 0, 66.7, 66.7', () => {
    const s = score(ind({ method: 'rank' }), [30, 10, 20, 20]);
    expect(s[0]).toBe(100);
    expect(s[1]).toBe(0);
    expect(s[2]).toBeCloseTo(200 / 3, 12);
    expect(s[3]).toBe(s[2]);
  });

  it('ranks lower-is-better values with the smallest first', () => {
    expect(score(ind({ method: 'rank' }, 'lower'), [30, 10, 20])).toEqual([0, 100, 50]);
  });

  it('reads points[r − 1] from a points table, ties sharing their rank’s points', () => {
    // ranks 1, 4, 2, 2 → points 10, 1, 6, 6
    expect(score(ind({ method: 'rank', points: [10, 6, 3, 1] }), [30, 10, 20, 20])).toEqual([10, 1, 6, 6]);
  });

  it('gives 0 points to ranks past the end of the table', () => {
    expect(score(ind({ method: 'rank', points: [10, 6] }), [30, 10, 20])).toEqual([10, 0, 6]);
  });

  it('ranks on values rounded to the indicator precision: 1.04 and 0.96 tie at one decimal', () => {
    expect(score(ind({ method: 'rank' }, 'higher', 1), [1.04, 0.96, 0.5])).toEqual([100, 100, 0]);
  });

  it('counts only present values in n, and gives a lone value 100', () => {
    expect(score(ind({ method: 'rank' }), [NaN_, 5, 3])).toEqual([NaN_, 100, 0]);
    expect(score(ind({ method: 'rank' }), [NaN_, 5])).toEqual([NaN_, 100]);
  });
});

describe('method none and matrix layout', () => {
  it('takes the value itself as the score', () => {
    expect(score(ind({ method: 'none' }), [42.5, NaN_, -3])).toEqual([42.5, NaN_, -3]);
  });

  it('knows which methods depend on the other entities', () => {
    expect(isRelative(ind({ method: 'minmax' }))).toBe(true);
    expect(isRelative(ind({ method: 'zscore' }))).toBe(true);
    expect(isRelative(ind({ method: 'rank' }))).toBe(true);
    expect(isRelative(ind({ method: 'none' }))).toBe(false);
    expect(isRelative(ind({ method: 'goalpost', best: 1, worst: 0 }))).toBe(false);
  });

  it('reads and writes one column of an entity-major matrix in place', () => {
    // Two entities × two indicators; score column 1 only: [a0, x0, a1, x1].
    const matrix = [1, 10, 2, 30];
    const out = new Float64Array(4).fill(-1);
    scoreColumn(ind({ method: 'minmax' }), matrix, out, 2, 2, 1);
    expect([...out]).toEqual([-1, 0, -1, 100]);
  });
});
