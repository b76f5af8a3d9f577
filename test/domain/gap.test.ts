import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../../domain/evaluate.ts';
import {
  analyseGap,
  decompose,
  marginalGain,
  type Solution,
  solveForRank,
  whatIf,
} from '../../domain/gap.ts';
import { roundTo } from '../../domain/ranking.ts';
import type { SchemeInput } from '../../domain/scheme.ts';
import { entities, idx, indicator, run, scheme } from './fixtures.ts';

const ABC = entities('A', 'B', 'C');
const goal = { method: 'goalpost', best: 100, worst: 0 } as const;
const sum = (xs: Record<string, number>) => Object.values(xs).reduce((a, b) => a + b, 0);

/** Overall rank of `entity` after moving one of its values (a what-if re-assessment). */
function rankAfter(ev: Evaluation, entity: string, ind: string, value: number): number {
  return whatIf(ev, [{ entity, indicator: ind, value }]).evaluation.rank[idx(ev, entity)]!;
}

/**
 * Checks a solver answer by re-assessment: the required value reaches the target rank, and one precision
 * unit less (in the indicator's improving direction) does not.
 */
function verify(ev: Evaluation, entity: string, ind: string, sol: Solution | undefined, target: number) {
  expect(sol?.feasible).toBe(true);
  const indicatorDef = ev.compiled.indicators[ev.compiled.indicatorIndex.get(ind)!]!;
  const p = indicatorDef.precision;
  const d = indicatorDef.direction === 'higher' ? 1 : -1;
  const x = sol!.requiredValue!;
  const unit = p === undefined ? Math.max(Math.abs(x), 1) * 1e-9 : 10 ** -p;
  const r = rankAfter(ev, entity, ind, x);
  expect(r).toBeGreaterThan(0);
  expect(r).toBeLessThanOrEqual(target);
  expect(sol!.rank).toBe(r);
  expect(rankAfter(ev, entity, ind, roundTo(x - d * unit, p))).toBeGreaterThan(target);
}

/*
 * G1: two goalpost indicators (0..100, equal weights, whole numbers).
 *        a    b   composite
 *   A   90   70     80
 *   B   60   80     70
 *   C   50   70     60   ← focus
 */
const g1Input = (extra: Partial<SchemeInput> = {}): Partial<SchemeInput> => ({
  entities: ABC,
  focus: ['C'],
  indicators: [
    indicator('a', { normalise: goal, precision: 0 }),
    indicator('b', { normalise: goal, precision: 0 }),
  ],
  ...extra,
});
const g1Values = { a: { A: 90, B: 60, C: 50 }, b: { A: 70, B: 80, C: 70 } };

describe('score gap and its decomposition', () => {
  it('measures the gap to the leader: 80 − 60 = 20, all of it on a', () => {
    const ev = run(scheme(g1Input()), g1Values);
    const g = analyseGap(ev, 'C');
    expect(g).toMatchObject({ entity: 'C', rank: 3, position: 'behind', versus: 'A', scoreGap: 20 });
    // C_a = ½·90 − ½·50 = 20; C_b = ½·70 − ½·70 = 0
    expect(g.contributions).toEqual({ a: 20, b: 0 });
  });

  it('reports per indicator the leaders, value gap, score gap, rank and effective weight', () => {
    const g = analyseGap(run(scheme(g1Input()), g1Values), 'C');
    expect(g.indicators.a).toMatchObject({
      value: 50,
      score: 50,
      rank: 3,
      leaders: ['A'],
      leaderValue: 90,
      valueGap: 40,
      scoreGap: 40,
      effectiveWeight: 0.5,
      carried: false,
    });
    // On b, B leads with 80; A and C tie second with 70.
    expect(g.indicators.b).toMatchObject({ rank: 2, tied: true, leaders: ['B'], valueGap: 10, scoreGap: 10 });
  });

  it('computes headroom H_j = w′_j·(100 − s_j): ½·50 = 25 on a, ½·30 = 15 on b', () => {
    const g = analyseGap(run(scheme(g1Input()), g1Values), 'C');
    expect(g.indicators.a?.headroom).toBe(25);
    expect(g.indicators.b?.headroom).toBe(15);
  });

  it('uses each entity’s own renormalised weights so that Σ C_j = G exactly', () => {
    const s = scheme({
      entities: ABC,
      focus: ['C'],
      indicators: [indicator('a'), indicator('b'), indicator('c', { weight: 2 })],
    });
    // A lacks b: w′_A = (⅓, 0, ⅔), S_A = (80 + 180)/3 = 86.67; C: w′_C = (¼, ¼, ½), S_C = (40 + 60 + 140)/4 = 60
    const ev = run(s, { a: { A: 80, B: 50, C: 40 }, b: { B: 50, C: 60 }, c: { A: 90, B: 50, C: 70 } });
    const g = analyseGap(ev, 'C');
    expect(g.scoreGap).toBeCloseTo(80 / 3, 12);
    // C_a = 80/3 − 10 = 16.67; C_b = 0 − 15 = −15 (C beats the leader there); C_c = 60 − 35 = 25
    expect(g.contributions.a).toBeCloseTo(50 / 3, 12);
    expect(g.contributions.b).toBeCloseTo(-15, 12);
    expect(g.contributions.c).toBeCloseTo(25, 12);
    expect(sum(g.contributions)).toBeCloseTo(g.scoreGap, 12);
    expect(g.indicators.a?.effectiveWeight).toBe(0.25);
  });

  it('decomposes across topics where the leader misses an indicator inside a topic', () => {
    const s = scheme({
      entities: ABC,
      focus: ['C'],
      topics: [
        { id: 'p', name: { en: 'p' }, weight: 1 },
        { id: 'q', name: { en: 'q' }, weight: 1 },
      ],
      indicators: [
        indicator('a', { topic: 'p' }),
        indicator('b', { topic: 'p' }),
        indicator('c', { topic: 'q' }),
      ],
    });
    // A: p = 100 (a only), q = 50 → 75; C: p = (40 + 60)/2 = 50, q = 90 → 70; G = 5
    const ev = run(s, { a: { A: 100, B: 0, C: 40 }, b: { B: 0, C: 60 }, c: { A: 50, B: 0, C: 90 } });
    const g = analyseGap(ev, 'C');
    expect(g.scoreGap).toBe(5);
    // w′_A = (½, 0, ½), w′_C = (¼, ¼, ½): C_a = 50 − 10 = 40, C_b = −15, C_c = 25 − 45 = −20
    expect(g.contributions).toEqual({ a: 40, b: -15, c: -20 });
  });

  it('splits a geometric gap by log contributions: √(100·25) − √(25·25) = 25, all on a', () => {
    const s = scheme({
      entities: ABC,
      focus: ['C'],
      indicators: [indicator('a'), indicator('b')],
      composite: { aggregate: 'geometric' },
    });
    const ev = run(s, { a: { A: 100, B: 36, C: 25 }, b: { A: 25, B: 36, C: 25 } });
    const g = analyseGap(ev, 'C');
    expect(g.scoreGap).toBeCloseTo(25, 12);
    expect(g.contributions.a).toBeCloseTo(25, 12);
    expect(g.contributions.b).toBeCloseTo(0, 12);
  });

  it('divides the decomposition by the range under rescale', () => {
    // raw 80, 70, 60 → rescaled 1, 0.5, 0: G = 1, of which a = 20/20 = 1
    const ev = run(scheme(g1Input({ composite: { aggregate: 'arithmetic', rescale: 'minmax' } })), g1Values);
    const g = analyseGap(ev, 'C');
    expect(g.scoreGap).toBe(1);
    expect(g.contributions).toEqual({ a: 1, b: 0 });
    // headroom and marginal gain are in rescaled points too: ½·50/20 = 1.25, ½/20 = 0.025
    expect(g.indicators.a?.headroom).toBe(1.25);
    expect(g.indicators.a?.marginalGain).toBeCloseTo(0.025, 12);
  });

  it('gives the leader its lead over second, decomposed against the runner-up', () => {
    const ev = run(scheme(g1Input({ focus: ['A'] })), g1Values);
    const g = analyseGap(ev, 'A');
    // lead = 80 − 70 = 10: C_a = 45 − 30 = 15, C_b = 35 − 40 = −5
    expect(g).toMatchObject({ position: 'first', versus: 'B', scoreGap: 10, next: null });
    expect(g.contributions).toEqual({ a: 15, b: -5 });
    expect(g.toFirst.a).toEqual({ requiredValue: 90, delta: 0, deltaPct: 0, feasible: true, rank: 1 });
    expect(g.toNext).toEqual({});
  });

  it('decompose(a, b) is the negative of decompose(b, a)', () => {
    const ev = run(scheme(g1Input()), g1Values);
    const ab = [...decompose(ev, 0, 2)];
    const ba = [...decompose(ev, 2, 0)];
    expect(ab.map((x, i) => x + ba[i]!)).toEqual([0, 0]);
  });

  it('says an unranked entity has no gap', () => {
    const ev = run(scheme(g1Input()), { a: { A: 90, B: 60 }, b: { A: 70, B: 80 } });
    expect(analyseGap(ev, 'C')).toMatchObject({ position: 'unranked', rank: 0, versus: null, scoreGap: 0 });
  });
});

describe('marginal gain ∂S/∂x', () => {
  it('is w′·100/(best − worst) for a linear goalpost: ½·100/100 = 0.5 per unit', () => {
    const g = analyseGap(run(scheme(g1Input()), g1Values), 'C');
    expect(g.indicators.a?.marginalGain).toBe(0.5);
  });

  it('is per unit of improvement for lower-is-better: ½·100/50 = 1 per unit less', () => {
    const s = scheme({
      entities: ABC,
      focus: ['C'],
      indicators: [
        indicator('a', { normalise: goal }),
        indicator('w', { direction: 'lower', normalise: { method: 'goalpost', best: 0, worst: 50 } }),
      ],
    });
    const ev = run(s, { a: { A: 90, B: 60, C: 50 }, w: { A: 10, B: 20, C: 30 } });
    expect(marginalGain(ev, idx(ev, 'C'), 1)).toBe(1);
  });

  it('is w′·100/(x + offset)/(ln(best + offset) − ln(worst + offset)) under the log transform', () => {
    const s = scheme({
      entities: ABC,
      indicators: [
        indicator('a', { normalise: goal }),
        indicator('w', {
          direction: 'lower',
          normalise: { method: 'goalpost', best: 0, worst: 99, transform: 'log', offset: 1 },
        }),
      ],
    });
    // at x = 9: ½·100·(1/10)/|ln 1 − ln 100| = 5/4.60517 = 1.08574
    const ev = run(s, { a: { A: 90, B: 60, C: 50 }, w: { A: 1, B: 9, C: 50 } });
    expect(marginalGain(ev, idx(ev, 'B'), 1)).toBeCloseTo(5 / Math.log(100), 12);
  });

  it('is 0 once the value is clamped at the best goalpost', () => {
    const ev = run(scheme(g1Input()), { a: { A: 100, B: 60, C: 50 }, b: { A: 70, B: 80, C: 70 } });
    expect(marginalGain(ev, idx(ev, 'A'), 0)).toBe(0);
  });

  it('is a finite difference for a relative method: B moving from 6 to 6.1 on minmax', () => {
    // a minmax over 2..10: B = (x − 2)/8·100; composite ½·s_a + ½·b → ½·100/8 = 6.25 per unit
    const ev = run(scheme(mInput()), mValues);
    expect(marginalGain(ev, idx(ev, 'B'), 0)).toBeCloseTo(6.25, 6);
  });
});

describe('solving for the single-indicator move (closed form)', () => {
  it('finds a = 90 to reach first: s* = 50 + (80 − 60)/½, and b cannot (it would need 110)', () => {
    const ev = run(scheme(g1Input()), g1Values);
    const g = analyseGap(ev, 'C');
    expect(g.toFirst.a).toEqual({ requiredValue: 90, delta: 40, deltaPct: 80, feasible: true, rank: 1 });
    verify(ev, 'C', 'a', g.toFirst.a, 1);
    expect(g.toFirst.b).toEqual({ requiredValue: null, delta: null, deltaPct: null, feasible: false });
  });

  it('finds the move to the next rank up: B at 70 needs a = 70 or b = 90', () => {
    const ev = run(scheme(g1Input()), g1Values);
    const g = analyseGap(ev, 'C');
    expect(g.next).toEqual({ entity: 'B', rank: 2 });
    expect(g.toNext.a).toMatchObject({ requiredValue: 70, delta: 20, deltaPct: 40, rank: 2 });
    expect(g.toNext.b).toMatchObject({ requiredValue: 90, delta: 20, rank: 2 });
    expect(g.toNext.b?.deltaPct).toBeCloseTo((20 / 70) * 100, 12);
    verify(ev, 'C', 'a', g.toNext.a, 2);
    verify(ev, 'C', 'b', g.toNext.b, 2);
  });

  it('aims at the rounded composite: with composite precision 1, a = 89.9 ties at 80.0', () => {
    const s = scheme(
      g1Input({
        composite: { aggregate: 'arithmetic', precision: 1 },
        indicators: [
          indicator('a', { normalise: goal, precision: 1 }),
          indicator('b', { normalise: goal, precision: 1 }),
        ],
      }),
    );
    const ev = run(s, g1Values);
    // C = ½·89.9 + 35 = 79.95 → rounds to 80.0 = A's: 并列第一; 89.8 gives 79.9
    const sol = analyseGap(ev, 'C').toFirst.a;
    expect(sol?.requiredValue).toBe(89.9);
    verify(ev, 'C', 'a', sol, 1);
  });

  it('inverts a log goalpost for lower-is-better: wait 100 → 3.9', () => {
    const s = scheme({
      entities: ABC,
      focus: ['C'],
      indicators: [
        indicator('a', { normalise: goal, precision: 0 }),
        indicator('w', {
          direction: 'lower',
          precision: 1,
          normalise: { method: 'goalpost', best: 1, worst: 100, transform: 'log' },
        }),
      ],
    });
    // s_w = 100·(1 − ln x/ln 100): A 10 → 50, C 100 → 0. S_A = 65, S_C = 30.
    // C needs s_w = (65 − 30)/½ = 70 → x = 100^0.3 = 3.98 → 3.9 on the grid (4.0 scores 69.9: 64.95 < 65)
    const ev = run(s, { a: { A: 80, B: 70, C: 60 }, w: { A: 10, B: 40, C: 100 } });
    const sol = analyseGap(ev, 'C').toFirst.w;
    expect(sol?.requiredValue).toBe(3.9);
    expect(sol?.delta).toBeCloseTo(-96.1, 9);
    expect(sol?.deltaPct).toBeCloseTo(96.1, 9);
    verify(ev, 'C', 'w', sol, 1);
  });

  it('solves method none without bounds: a = 120 lifts C to 80', () => {
    const s = scheme({ entities: ABC, focus: ['C'], indicators: [indicator('a'), indicator('b')] });
    // S_A = 80, S_C = (60 + 40)/2 = 50: s* = 60 + 30/½ = 120
    const ev = run(s, { a: { A: 80, B: 55, C: 60 }, b: { A: 80, B: 55, C: 40 } });
    const sol = analyseGap(ev, 'C').toFirst.a;
    expect(sol).toMatchObject({ requiredValue: 120, delta: 60, deltaPct: 100, feasible: true, rank: 1 });
    verify(ev, 'C', 'a', sol, 1);
  });

  it('is infeasible for an indicator the entity has no value for', () => {
    const ev = run(scheme(g1Input()), { a: { A: 90, B: 60, C: 50 }, b: { A: 70, B: 80 } });
    expect(analyseGap(ev, 'C').toFirst.b?.feasible).toBe(false);
  });
});

/*
 * M: a is minmax (precision 1), b is the score itself.
 *        a    s_a    b   composite
 *   A   10   100    90     95
 *   B    6    50    70     60
 *   C    2     0    60     30   ← focus
 */
function mInput(method: 'minmax' | 'zscore' | 'rank' = 'minmax', bWeight = 1): Partial<SchemeInput> {
  return {
    entities: ABC,
    focus: ['C'],
    indicators: [
      indicator('a', { normalise: { method }, precision: method === 'rank' ? 0 : 1 }),
      indicator('b', { weight: bWeight }),
    ],
  };
}
const mValues = { a: { A: 10, B: 6, C: 2 }, b: { A: 90, B: 70, C: 60 } };

describe('solving for the single-indicator move (numeric, relative methods)', () => {
  it('solves minmax to first: a = 11.8, where A’s score drops as C becomes the new maximum', () => {
    // x > 10: C → 100 (S_C = 80), B → 0, A → (10 − 6)/(x − 6)·100; C ≥ A needs s_A ≤ 70 → x ≥ 11.714
    // 11.7 leaves A at 80.09 > 80; 11.8 gives A 79.48
    const ev = run(scheme(mInput()), mValues);
    const g = analyseGap(ev, 'C');
    expect(g.toFirst.a?.requiredValue).toBe(11.8);
    verify(ev, 'C', 'a', g.toFirst.a, 1);
  });

  it('reports a minmax move needing more than one field range beyond the best as infeasible', () => {
    // B holds the minimum (2). Past 10, C scores 100 (S_C = 70) and A = (800/(x − 2) + 99)/2, which falls
    // to 70 only at x ≥ 21.51: reachable in arithmetic, but beyond 10 + (10 − 2) = 18, so not a target
    const s = scheme({
      entities: ABC,
      focus: ['C'],
      indicators: [indicator('a', { normalise: { method: 'minmax' }, precision: 1 }), indicator('b')],
    });
    const ev = run(s, { a: { A: 10, B: 2, C: 6 }, b: { A: 99, B: 0, C: 40 } });
    expect(rankAfter(ev, 'C', 'a', 21.4)).toBe(2);
    expect(rankAfter(ev, 'C', 'a', 21.6)).toBe(1);
    expect(analyseGap(ev, 'C').toFirst.a).toEqual({
      requiredValue: null,
      delta: null,
      deltaPct: null,
      feasible: false,
    });
  });

  it('solves minmax to the next rank up: a = 6.4 ties B at 35', () => {
    // x > 6: B becomes the minimum (0, S_B = 35) and C = (x − 6)/4·100; ½·s_C + 30 ≥ 35 → s_C ≥ 10 → x ≥ 6.4
    const ev = run(scheme(mInput()), mValues);
    const g = analyseGap(ev, 'C');
    expect(g.toNext.a?.requiredValue).toBe(6.4);
    verify(ev, 'C', 'a', g.toNext.a, 2);
  });

  it('solves an absolute indicator next to a relative one in closed form: b = 190', () => {
    // 60 + (95 − 30)/½ = 190
    const ev = run(scheme(mInput()), mValues);
    const sol = analyseGap(ev, 'C').toFirst.b;
    expect(sol?.requiredValue).toBe(190);
    verify(ev, 'C', 'b', sol, 1);
  });

  it('solves zscore with two entities: the score jumps from 40 to 50 only when C reaches A’s 10', () => {
    const s = scheme({
      entities: entities('A', 'C'),
      focus: ['C'],
      indicators: [indicator('a', { normalise: { method: 'zscore' }, precision: 1 }), indicator('b')],
    });
    // two values: ±1σ → 60 and 40; S_A = (60 + 50)/2 = 55, S_C = (40 + 55)/2 = 47.5.
    // At x = 10 both score 50: S_C = 52.5 > S_A = 50. Just below 10 nothing changes.
    const ev = run(s, { a: { A: 10, C: 2 }, b: { A: 50, C: 55 } });
    const sol = analyseGap(ev, 'C').toFirst.a;
    expect(sol?.requiredValue).toBe(10);
    verify(ev, 'C', 'a', sol, 1);
  });

  it('solves zscore with more entities, verified by re-assessment', () => {
    const s = scheme({
      entities: entities('A', 'B', 'C', 'D'),
      focus: ['C'],
      indicators: [indicator('a', { normalise: { method: 'zscore' }, precision: 1 }), indicator('b')],
    });
    const ev = run(s, { a: { A: 12, B: 9, C: 3, D: 5 }, b: { A: 55, B: 52, C: 50, D: 30 } });
    const g = analyseGap(ev, 'C');
    verify(ev, 'C', 'a', g.toFirst.a, 1);
    verify(ev, 'C', 'a', g.toNext.a, g.next!.rank);
  });

  it('solves rank scoring: C must pass A (rounded 11 > 10) to be first, and pass B (6 > 5) for second', () => {
    const ev = run(scheme(mInput('rank')), { a: { A: 10, B: 5, C: 1 }, b: { A: 80, B: 75, C: 70 } });
    // ranks on a 1, 2, 3 → 100, 50, 0: S = 90, 62.5, 35. At a = 11: C 100 → 85, A 50 → 65.
    // At a = 10 (tied first): both 100 → C 85 < A 90.
    const g = analyseGap(ev, 'C');
    expect(g.toFirst.a?.requiredValue).toBe(11);
    expect(g.toNext.a?.requiredValue).toBe(6);
    verify(ev, 'C', 'a', g.toFirst.a, 1);
    verify(ev, 'C', 'a', g.toNext.a, 2);
  });

  it('reports infeasible when even first place on a relative indicator is not enough', () => {
    // b weighs 3: best S_C = (100 + 3·10)/4 = 32.5 < S_A's minimum (0 + 3·90)/4 = 67.5
    const values = { a: { A: 10, B: 6, C: 2 }, b: { A: 90, B: 70, C: 10 } };
    for (const method of ['rank', 'minmax', 'zscore'] as const) {
      const ev = run(scheme(mInput(method, 3)), values);
      expect(analyseGap(ev, 'C').toFirst.a).toEqual({
        requiredValue: null,
        delta: null,
        deltaPct: null,
        feasible: false,
      });
    }
  });

  it('solves numerically under rescale and agrees with the closed form: a = 90', () => {
    const ev = run(scheme(g1Input({ composite: { aggregate: 'arithmetic', rescale: 'minmax' } })), g1Values);
    const g = analyseGap(ev, 'C');
    expect(g.toFirst.a?.requiredValue).toBe(90);
    verify(ev, 'C', 'a', g.toFirst.a, 1);
    expect(g.toFirst.b?.feasible).toBe(false);
  });

  it('solves on a geometric path numerically: a = 64 ties √(64·100) = 80 with A', () => {
    const s = scheme({
      entities: ABC,
      focus: ['C'],
      indicators: [indicator('a', { normalise: goal, precision: 0 }), indicator('b', { normalise: goal })],
      composite: { aggregate: 'geometric' },
    });
    // A √(64·100) = 80, B √(49·100) = 70, C √(25·100) = 50
    const ev = run(s, { a: { A: 64, B: 49, C: 25 }, b: { A: 100, B: 100, C: 100 } });
    const sol = solveForRank(ev, idx(ev, 'C'), 0, 1);
    expect(sol.requiredValue).toBe(64);
    verify(ev, 'C', 'a', sol, 1);
  });
});

describe('what-if', () => {
  it('re-assesses with changed values and lists every rank change', () => {
    const ev = run(scheme(g1Input()), g1Values);
    // C a = 95 → ½·95 + 35 = 82.5 > 80 > 70
    const r = whatIf(ev, [{ entity: 'C', indicator: 'a', value: 95 }]);
    expect(r.rankChanges).toEqual([
      { entity: 'A', from: 1, to: 2 },
      { entity: 'B', from: 2, to: 3 },
      { entity: 'C', from: 3, to: 1 },
    ]);
    expect(r.evaluation.composite[idx(ev, 'C')]).toBe(82.5);
    // the original evaluation is untouched
    expect(ev.rank[idx(ev, 'C')]).toBe(3);
  });

  it('lists no changes when the ranks stay', () => {
    const ev = run(scheme(g1Input()), g1Values);
    expect(whatIf(ev, [{ entity: 'C', indicator: 'a', value: 51 }]).rankChanges).toEqual([]);
  });

  it('shows a z-score improvement can cost a rank: A raising a from 2 to 4 falls from 1 to 2', () => {
    // a = 2, 0, 1, 1: μ = 1, σ = √0.5 → z-scores 64.14, 35.86, 50, 50
    // a = 4, 0, 1, 1: μ = 1.5, σ = 1.5 → 66.67, 40, 46.67, 46.67: the low outlier B gains more than A
    // composites (z + b)/2 with b = 50, 77.5, 0, 0: A 57.07 → 58.33, B 56.68 → 58.75
    const s = scheme({
      indicators: [indicator('a', { normalise: { method: 'zscore' } }), indicator('b')],
    });
    const ev = run(s, { a: { A: 2, B: 0, C: 1, D: 1 }, b: { A: 50, B: 77.5, C: 0, D: 0 } });
    expect(ev.rank[idx(ev, 'A')]).toBe(1);
    const r = whatIf(ev, [{ entity: 'A', indicator: 'a', value: 4 }]);
    expect(r.evaluation.composite[idx(ev, 'A')]).toBeCloseTo(175 / 3, 12);
    expect(r.evaluation.composite[idx(ev, 'B')]).toBeCloseTo(58.75, 12);
    expect(r.rankChanges).toEqual([
      { entity: 'A', from: 1, to: 2 },
      { entity: 'B', from: 2, to: 1 },
    ]);
  });

  it('rejects unknown entities and indicators', () => {
    const ev = run(scheme(g1Input()), g1Values);
    expect(() => whatIf(ev, [{ entity: 'Z', indicator: 'a', value: 1 }])).toThrow('unknown entity "Z"');
    expect(() => whatIf(ev, [{ entity: 'C', indicator: 'z', value: 1 }])).toThrow('unknown indicator "z"');
  });
});
