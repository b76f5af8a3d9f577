import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { periodMatrices } from '../../domain/assessment.ts';
import { evaluate } from '../../domain/evaluate.ts';
import { parseObservationsCsv } from '../../domain/observations.ts';
import {
  makeSampler,
  type RobustnessOptions,
  rankRobustness,
  robustnessConfig,
  schemeForDraw,
} from '../../domain/robustness.ts';
import { loadSchemeText, SchemeValidationError } from '../../domain/scheme.ts';
import { compileScheme } from '../../domain/tree.ts';
import { OBSERVATIONS_PATH, SCHEME_PATH } from '../../scenarios/gansu/generate.ts';
import { entities, indicator, run, scheme, schemeInput } from './fixtures.ts';

const goal = { method: 'goalpost' as const, best: 10, worst: 0 };

describe('rank robustness on hand-computed examples', () => {
  it('puts A first in half the draws when A and B each lead one of two equally weighted indicators', () => {
    // A = 100·w_x/(w_x + w_y), B = 100·w_y/(w_x + w_y), C = 20: A leads iff w_x > w_y, which has probability ½
    // for independent U(0.5, 1.5) weights; A and B never fall below 25, so C is always third.
    const s = scheme({ entities: entities('A', 'B', 'C'), indicators: [indicator('x'), indicator('y')] });
    const ev = run(s, { x: { A: 100, B: 0, C: 20 }, y: { A: 0, B: 100, C: 20 } });
    const r = rankRobustness(ev, { draws: 4000, seed: 3, weights: { spread: 0.5 } });
    const by = Object.fromEntries(r.entities.map((d) => [d.entity, d]));
    // Standard error √(¼/4000) ≈ 0.008.
    expect(by.A!.pFirst).toBeCloseTo(0.5, 1);
    expect(by.B!.pFirst).toBeCloseTo(1 - by.A!.pFirst, 12);
    expect(by.C).toMatchObject({ pFirst: 0, median: 3, p05: 3, p95: 3, counts: [0, 0, 4000] });
    expect(by.A!.p05).toBe(1);
    expect(by.A!.p95).toBe(2);
  });

  it('splits the draws between the declared normalisation and its alternative exactly as the sampler chose', () => {
    // Goalpost on both: x scores A 100, B 80, C 0; y scores A 0, B 50, C 100 → A 50, B 65, C 50: B first,
    // A and C tied second. With x scored by rank instead (A 100, B 50, C 0) all three have 50 and tie first,
    // so each gets a third of those draws.
    const s = scheme({
      entities: entities('A', 'B', 'C'),
      indicators: [indicator('x', { normalise: goal }), indicator('y', { normalise: goal })],
      composite: { aggregate: 'arithmetic', precision: 2 },
    });
    const ev = run(s, { x: { A: 10, B: 8, C: 0 }, y: { A: 0, B: 5, C: 10 } });
    const options: RobustnessOptions = {
      draws: 600,
      seed: 11,
      weights: { spread: 0 },
      alternatives: [{ indicator: 'x', normalise: { method: 'rank' } }],
    };
    const sampler = makeSampler(compileScheme(s), robustnessConfig(s, options));
    let declared = 0;
    for (let d = 0; d < 600; d++) {
      sampler.next();
      if (sampler.choice[0] === -1) declared++;
    }
    expect(declared).toBeGreaterThan(240);
    expect(declared).toBeLessThan(360);
    const r = rankRobustness(ev, options);
    const by = Object.fromEntries(r.entities.map((d) => [d.entity, d]));
    const alt = 600 - declared;
    expect(by.B!.pFirst).toBeCloseTo((declared + alt / 3) / 600, 12);
    expect(by.A!.pFirst).toBeCloseTo(alt / 3 / 600, 12);
    expect(by.A!.counts).toEqual([alt, declared, 0]);
    expect(by.B!.counts).toEqual([600, 0, 0]);
    expect(r.alternatives).toEqual([{ indicator: 'x', method: 'rank' }]);
  });

  it('reports the declared ranks in every draw when nothing is uncertain', () => {
    const s = scheme({ indicators: [indicator('x'), indicator('y', { weight: 3 })] });
    const ev = run(s, { x: { A: 90, B: 50, C: 70, D: 10 }, y: { A: 10, B: 60, C: 40, D: 80 } });
    const r = rankRobustness(ev, { draws: 50, weights: { spread: 0 } });
    for (const d of r.entities) {
      expect(d.counts[d.rank - 1]).toBe(50);
      expect([d.median, d.p05, d.p95]).toEqual([d.rank, d.rank, d.rank]);
    }
  });

  it('leaves unranked entities out of every draw', () => {
    const s = scheme({ indicators: [indicator('x'), indicator('y')] });
    const ev = run(s, { x: { A: 90, B: 50, C: 70 }, y: { A: 10, B: 60, C: 40 } });
    const r = rankRobustness(ev, { draws: 100 });
    expect(r.entities.map((d) => d.entity).sort()).toEqual(['A', 'B', 'C']);
    expect(r.entities.every((d) => d.counts.length === 3)).toBe(true);
  });
});

describe('rank robustness against a full evaluation of every draw', () => {
  const gansu = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
  const matrices = periodMatrices(
    gansu,
    parseObservationsCsv(readFileSync(OBSERVATIONS_PATH, 'utf8'), gansu, OBSERVATIONS_PATH),
  );
  const c = compileScheme(gansu);
  const ev = evaluate(c, matrices.at(-1)!, matrices.slice(0, -1));

  it.each([
    ['uniform weights', { weights: { distribution: 'uniform', spread: 0.3 } }],
    [
      'Dirichlet weights and alternative normalisations',
      {
        weights: { distribution: 'dirichlet', concentration: 20 },
        alternatives: [
          { normalise: { method: 'minmax' } },
          { indicator: 'biz_permit_days', normalise: { method: 'rank' } },
          { indicator: 'hotline_satisfaction', normalise: { method: 'goalpost', best: 100, worst: 60 } },
        ],
      },
    ],
  ] as [string, RobustnessOptions][])('counts the same ranks on Gansu W26 with %s', (_name, opts) => {
    const options = { ...opts, draws: 60, seed: 5 };
    const fast = rankRobustness(ev, options);
    const config = robustnessConfig(gansu, options);
    const sampler = makeSampler(c, config);
    const counts = new Map<string, number[]>(fast.entities.map((d) => [d.entity, new Array(14).fill(0)]));
    for (let d = 0; d < 60; d++) {
      sampler.next();
      const drawn = schemeForDraw(c, config, sampler);
      const full = evaluate(compileScheme(drawn), { period: ev.period, values: ev.values });
      full.rank.forEach((r, e) => {
        if (r > 0) counts.get(c.entityIds[e]!)![r - 1]!++;
      });
    }
    for (const d of fast.entities) expect(d.counts, d.entity).toEqual(counts.get(d.entity));
  });

  it('gives probabilities of being first that sum to 1 over the 14 entities at 1,000 draws', () => {
    const r = rankRobustness(ev, { draws: 1000 });
    expect(r.entities).toHaveLength(14);
    expect(r.entities.reduce((a, d) => a + d.pFirst, 0)).toBeCloseTo(1, 12);
    expect(r.focus).toEqual(['lanzhou']);
    expect(r.seed).toBe(1);
  });
});

describe('rank robustness properties', () => {
  const arb = fc.record({
    n: fc.integer({ min: 2, max: 6 }),
    m: fc.integer({ min: 1, max: 4 }),
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    spread: fc.double({ min: 0, max: 0.9, noNaN: true }),
    dirichlet: fc.boolean(),
    cells: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 24, maxLength: 24 }),
    withAlt: fc.boolean(),
  });
  const build = (p: typeof arb extends fc.Arbitrary<infer T> ? T : never) => {
    const ids = ['A', 'B', 'C', 'D', 'E', 'F'].slice(0, p.n);
    const inds = Array.from({ length: p.m }, (_, j) =>
      indicator(`i${j}`, { weight: j + 1, normalise: { method: 'minmax' } }),
    );
    const s = scheme({
      entities: entities(...ids),
      indicators: inds,
      composite: { aggregate: 'arithmetic', precision: 1 },
    });
    const values = Object.fromEntries(
      inds.map((ind, j) => [ind.id, Object.fromEntries(ids.map((id, e) => [id, p.cells[j * 6 + e]!]))]),
    );
    const options: RobustnessOptions = {
      draws: 40,
      seed: p.seed,
      weights: { distribution: p.dirichlet ? 'dirichlet' : 'uniform', spread: p.spread, concentration: 10 },
      alternatives: p.withAlt ? [{ normalise: { method: 'rank' } }] : [],
    };
    return { ev: run(s, values), options };
  };

  it('sums P(first) to 1, keeps p05 ≤ median ≤ p95 within the ranks and counts every draw once', () => {
    fc.assert(
      fc.property(arb, (p) => {
        const { ev, options } = build(p);
        const r = rankRobustness(ev, options);
        const sum = r.entities.reduce((a, d) => a + d.pFirst, 0);
        if (Math.abs(sum - 1) > 1e-9) return false;
        return r.entities.every(
          (d) =>
            d.p05 >= 1 &&
            d.p05 <= d.median &&
            d.median <= d.p95 &&
            d.p95 <= r.entities.length &&
            d.counts.reduce((a, k) => a + k, 0) === 40,
        );
      }),
      { numRuns: 150 },
    );
  });

  it('repeats itself exactly for the same seed', () => {
    fc.assert(
      fc.property(arb, (p) => {
        const { ev, options } = build(p);
        expect(rankRobustness(ev, options)).toEqual(rankRobustness(ev, options));
      }),
      { numRuns: 50 },
    );
  });
});

describe('the scheme robustness settings', () => {
  it('reads draws, seed, weights and alternatives with defaults', () => {
    const s = scheme({
      robustness: { draws: 2000, alternatives: [{ indicator: 'x', normalise: { method: 'zscore' } }] },
    });
    expect(s.robustness).toEqual({
      draws: 2000,
      seed: 1,
      weights: { distribution: 'uniform', spread: 0.2, concentration: 100 },
      alternatives: [{ indicator: 'x', normalise: { method: 'zscore' } }],
    });
  });

  it.each([
    [
      { alternatives: [{ indicator: 'nope', normalise: { method: 'minmax' } }] },
      /robustness\.alternatives\[0\]\.indicator: unknown indicator "nope"/,
    ],
    [
      { alternatives: [{ normalise: { method: 'goalpost', best: 1, worst: 0 } }] },
      /robustness\.alternatives\[0\]\.normalise\.method: goalpost needs an indicator/,
    ],
    [{ weights: { spread: 1.5 } }, /robustness\.weights\.spread/],
    [{ draws: 0 }, /robustness\.draws/],
  ])('rejects %j naming the field', (robustness, message) => {
    expect(() => scheme({ robustness } as never)).toThrow(SchemeValidationError);
    expect(() => scheme({ robustness } as never)).toThrow(message);
  });

  it('rejects a goalpost alternative whose bounds run against the indicator direction', () => {
    const input = schemeInput({
      indicators: [indicator('x', { direction: 'lower', normalise: { method: 'minmax' } })],
      robustness: {
        alternatives: [{ indicator: 'x', normalise: { method: 'goalpost', best: 10, worst: 0 } }],
      },
    });
    expect(() => scheme(input)).toThrow(
      /robustness\.alternatives\[0\]\.normalise\.best: must be less than worst/,
    );
  });
});
