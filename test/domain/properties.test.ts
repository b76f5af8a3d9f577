// Property-based tests (fast-check) of the invariants STYLE.md lists for the domain.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assessSeries, toJson } from '../../domain/assessment.ts';
import { evaluate, type PeriodValues, toMatrix } from '../../domain/evaluate.ts';
import { analyseGap, makeMover, whatIf } from '../../domain/gap.ts';
import type { Observation } from '../../domain/observations.ts';
import { competitionRanks, roundTo } from '../../domain/ranking.ts';
import { parseScheme, type Scheme, type SchemeInput } from '../../domain/scheme.ts';
import { scoreColumn } from '../../domain/scoring.ts';
import { compileScheme } from '../../domain/tree.ts';
import { entities } from './fixtures.ts';

const RUNS = { numRuns: 100 };

type Method = 'goalpost' | 'minmax' | 'zscore' | 'rank' | 'none';

/** A random scheme: 3–6 entities, 1–5 indicators under a random topic tree (0–3 topics, any depth). */
function arbScheme(opts: {
  methods: Method[];
  geometric: boolean;
  zeroPolicy: boolean;
  roundRescaled?: boolean;
}) {
  return fc
    .record({
      n: fc.integer({ min: 3, max: 6 }),
      topics: fc.array(
        fc.record({ weight: fc.integer({ min: 1, max: 5 }), parentPick: fc.nat(), geo: fc.boolean() }),
        { maxLength: 3 },
      ),
      indicators: fc.array(
        fc.record({
          weight: fc.integer({ min: 1, max: 5 }),
          topicPick: fc.nat(),
          method: fc.constantFrom(...opts.methods),
          higher: fc.boolean(),
          points: fc.option(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 6 })),
          precision: fc.option(fc.integer({ min: 0, max: 1 })),
        }),
        { minLength: 1, maxLength: 5 },
      ),
      rootGeo: fc.boolean(),
      rescale: fc.boolean(),
      precision: fc.option(fc.integer({ min: 0, max: 3 })),
      zero: fc.boolean(),
    })
    .map((r): Scheme => {
      const topics = r.topics.map((t, i) => ({
        id: `t${i}`,
        name: { en: `t${i}` },
        weight: t.weight,
        // a parent among the earlier topics (or the root): always a tree
        ...(i > 0 && t.parentPick % (i + 1) < i ? { parent: `t${t.parentPick % (i + 1)}` } : {}),
        aggregate: opts.geometric && t.geo ? ('geometric' as const) : ('arithmetic' as const),
      }));
      const indicators: SchemeInput['indicators'] = r.indicators.map((ind, j) => {
        // `none` values already are scores, so they are higher-is-better (the scheme insists)
        const higher = ind.higher || ind.method === 'none';
        const normalise =
          ind.method === 'goalpost'
            ? { method: 'goalpost' as const, best: higher ? 100 : 0, worst: higher ? 0 : 100 }
            : ind.method === 'rank'
              ? {
                  method: 'rank' as const,
                  // points tables fall with rank, as published ones do
                  ...(ind.points ? { points: [...ind.points].sort((a, b) => b - a) } : {}),
                }
              : { method: ind.method };
        return {
          id: `i${j}`,
          name: { en: `i${j}` },
          weight: ind.weight,
          direction: higher ? 'higher' : 'lower',
          unit: '',
          owner: 'd',
          normalise,
          ...(ind.precision !== null ? { precision: ind.precision } : {}),
          ...(topics.length ? { topic: `t${ind.topicPick % topics.length}` } : {}),
        };
      });
      return parseScheme({
        id: 'p',
        version: '1',
        name: { en: 'p' },
        periodKind: 'month',
        entities: entities(...Array.from({ length: r.n }, (_, e) => `E${e}`)),
        focus: ['E0'],
        topics: topics.length ? topics : undefined,
        indicators,
        composite: {
          aggregate: opts.geometric && r.rootGeo ? 'geometric' : 'arithmetic',
          ...(r.rescale ? { rescale: 'minmax' as const } : {}),
          ...(r.precision !== null && (opts.roundRescaled !== false || !r.rescale)
            ? { precision: r.precision }
            : {}),
        },
        missing: { carryForward: 0, otherwise: opts.zeroPolicy && r.zero ? 'zero' : 'reweight' },
      });
    });
}

/** A scheme with values for every (indicator, entity): whole numbers 0–100, some missing. */
function arbCase(opts: {
  methods: Method[];
  geometric: boolean;
  zeroPolicy: boolean;
  missing: boolean;
  roundRescaled?: boolean;
}) {
  return arbScheme(opts).chain((s) =>
    fc
      .array(
        fc.array(
          opts.missing
            ? fc.option(fc.integer({ min: 0, max: 100 }), { freq: 5 })
            : fc.integer({ min: 0, max: 100 }),
          {
            minLength: s.entities.length,
            maxLength: s.entities.length,
          },
        ),
        { minLength: s.indicators.length, maxLength: s.indicators.length },
      )
      .map((cols) => {
        const values: PeriodValues = {};
        s.indicators.forEach((ind, j) => {
          const col: Record<string, number> = {};
          s.entities.forEach((e, i) => {
            const v = cols[j]![i];
            if (v !== null && v !== undefined) col[e.id] = v;
          });
          values[ind.id] = col;
        });
        return { s, values };
      }),
  );
}

const evalOf = (s: Scheme, values: PeriodValues) => {
  const c = compileScheme(s);
  return evaluate(c, toMatrix(c, '2026-01', values));
};

/** Checks that ranks are 1 + the number strictly better, and that ties are exactly the shared keys. */
function expectCompetitionRanks(
  keys: number[],
  rank: ArrayLike<number>,
  tied: ArrayLike<number>,
  higher: boolean,
) {
  const present = keys.filter((k) => !Number.isNaN(k));
  keys.forEach((k, i) => {
    if (Number.isNaN(k)) {
      expect(rank[i]).toBe(0);
      return;
    }
    const better = present.filter((o) => (higher ? o > k : o < k)).length;
    const same = present.filter((o) => o === k).length;
    expect(rank[i]).toBe(1 + better);
    expect(tied[i]).toBe(same > 1 ? 1 : 0);
  });
  // A permutation with ties: sorted, every rank equals 1 + the position where its tie group starts.
  const sorted = keys
    .map((_, i) => rank[i]!)
    .filter((r) => r > 0)
    .sort((a, b) => a - b);
  for (const r of sorted) expect(r).toBe(sorted.indexOf(r) + 1);
}

describe('ranks are a permutation with ties', () => {
  it('for any keys, in either direction, NaN left unranked', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant(Number.NaN), fc.double({ noNaN: true })),
          {
            maxLength: 40,
          },
        ),
        fc.boolean(),
        (keys, higher) => {
          const r = competitionRanks(keys, higher);
          expectCompetitionRanks(keys, r.rank, r.tied, higher);
        },
      ),
      RUNS,
    );
  });

  it('for the overall ranks of any evaluation', () => {
    const all: Method[] = ['goalpost', 'minmax', 'zscore', 'rank', 'none'];
    fc.assert(
      fc.property(
        arbCase({ methods: all, geometric: true, zeroPolicy: true, missing: true }),
        ({ s, values }) => {
          const ev = evalOf(s, values);
          // ranks and 并列 come from the composites rounded to composite.precision; unranked ones are NaN
          const keys = [...ev.composite].map((x) => roundTo(x, s.composite.precision));
          expectCompetitionRanks(keys, ev.rank, ev.tied, true);
          expect(ev.unranked.length).toBe(keys.filter((k) => Number.isNaN(k)).length);
        },
      ),
      RUNS,
    );
  });
});

describe('contributions add up to the gap on arithmetic trees', () => {
  it('Σ C_j = G for the focus entity, whatever is missing, with or without rescale', () => {
    const all: Method[] = ['goalpost', 'minmax', 'zscore', 'rank', 'none'];
    fc.assert(
      fc.property(
        arbCase({ methods: all, geometric: false, zeroPolicy: true, missing: true }),
        ({ s, values }) => {
          const ev = evalOf(s, values);
          const g = analyseGap(ev, 'E0');
          fc.pre(g.position !== 'unranked' && g.versus !== null);
          const total = Object.values(g.contributions).reduce((a, b) => a + b, 0);
          expect(Math.abs(total - g.scoreGap)).toBeLessThan(1e-9 * Math.max(1, Math.abs(g.scoreGap)));
        },
      ),
      RUNS,
    );
  });
});

describe('bounded scores stay in [0, 100]', () => {
  const values = fc.array(
    fc.oneof(
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.integer({ min: -3, max: 3 }),
      fc.constant(Number.NaN),
    ),
    { minLength: 1, maxLength: 30 },
  );
  const check = (normalise: unknown, direction: 'higher' | 'lower', xs: number[]) => {
    const s = parseScheme({
      id: 'p',
      version: '1',
      name: { en: 'p' },
      periodKind: 'month',
      entities: entities('A'),
      indicators: [{ id: 'x', name: { en: 'x' }, weight: 1, direction, unit: '', owner: 'd', normalise }],
    });
    const out = new Float64Array(xs.length);
    scoreColumn(s.indicators[0]!, xs, out, xs.length);
    out.forEach((v, i) => {
      if (Number.isNaN(xs[i]!)) expect(v).toBeNaN();
      else {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(100);
      }
    });
  };

  it('goalpost, linear or log, in either direction', () => {
    fc.assert(
      fc.property(
        values,
        fc.double({ min: 0.001, max: 1e4, noNaN: true }),
        fc.double({ min: 0.001, max: 1e4, noNaN: true }),
        fc.boolean(),
        fc.double({ min: 0, max: 10, noNaN: true }),
        (xs, p, q, log, offset) => {
          fc.pre(p !== q);
          const higher = p > q;
          check(
            { method: 'goalpost', best: p, worst: q, ...(log ? { transform: 'log', offset } : {}) },
            higher ? 'higher' : 'lower',
            xs,
          );
        },
      ),
      RUNS,
    );
  });

  it('minmax and rank, in either direction', () => {
    fc.assert(
      fc.property(values, fc.boolean(), fc.constantFrom('minmax', 'rank'), (xs, higher, method) => {
        check({ method }, higher ? 'higher' : 'lower', xs);
      }),
      RUNS,
    );
  });
});

describe('improving a value never lowers a rank', () => {
  // Two exclusions, both consequences of SPEC's definitions rather than of the code:
  // - zscore: raising a value far above the mean widens σ and lifts the others' below-mean scores, which can
  //   cost a rank (see the zscore example in gap.test.ts);
  // - rescale: minmax with a coarse composite.precision: passing the leader on a relative indicator can lower
  //   the leader's score, shrink the rescale range and round a tied entity up past the one that improved.
  const methods: Method[] = ['goalpost', 'minmax', 'rank', 'none'];
  it('for goalpost, minmax, rank and none, on any tree, with rescale or precision', () => {
    fc.assert(
      fc.property(
        arbCase({ methods, geometric: true, zeroPolicy: true, missing: true, roundRescaled: false }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 60 }),
        ({ s, values }, ePick, jPick, step) => {
          const ev = evalOf(s, values);
          const e = ePick % ev.n;
          const j = jPick % ev.m;
          const x = ev.values[e * ev.m + j]!;
          fc.pre(!Number.isNaN(x) && ev.rank[e]! > 0);
          const ind = s.indicators[j]!;
          const better = ind.direction === 'higher' ? x + step : x - step;
          const after = whatIf(ev, [{ entity: s.entities[e]!.id, indicator: ind.id, value: better }]);
          expect(after.evaluation.rank[e]).toBeGreaterThan(0);
          expect(after.evaluation.rank[e]).toBeLessThanOrEqual(ev.rank[e]!);
        },
      ),
      RUNS,
    );
  });
});

describe('the single-indicator solver agrees with re-assessment', () => {
  // Monotone methods only (see above); every indicator on a precision grid so "one unit less" is defined.
  const methods: Method[] = ['goalpost', 'minmax', 'rank', 'none'];
  it('reaches the target rank at the required value and not one unit before it', () => {
    fc.assert(
      fc.property(
        arbCase({ methods, geometric: true, zeroPolicy: false, missing: true, roundRescaled: false }),
        ({ s: raw, values }) => {
          // Published composites are rounded; without a composite precision an exact tie depends on the last
          // bit of two float paths (the solver's incremental A + B·s and the full re-aggregation).
          const s = parseScheme({
            ...raw,
            // (no rescale: rounding rescaled composites is not monotone, see above)
            composite: { aggregate: raw.composite.aggregate, precision: raw.composite.precision ?? 2 },
            indicators: raw.indicators.map((i) => ({ ...i, precision: i.precision ?? 0 })),
          });
          const ev = evalOf(s, values);
          const g = analyseGap(ev, 'E0');
          fc.pre(g.position === 'behind');
          const e = 0;
          for (const [target, sols] of [
            [1, g.toFirst],
            [g.next!.rank, g.toNext],
          ] as const) {
            for (const ind of s.indicators) {
              const sol = sols[ind.id]!;
              if (!sol.feasible) continue;
              const d = ind.direction === 'higher' ? 1 : -1;
              const unit = 10 ** -ind.precision!;
              const at = (v: number) =>
                whatIf(ev, [{ entity: 'E0', indicator: ind.id, value: v }]).evaluation.rank[e]!;
              const x = sol.requiredValue!;
              expect(at(x)).toBeGreaterThan(0);
              expect(at(x)).toBeLessThanOrEqual(target);
              // Far out (minmax can need 10^13 to squeeze a rival's score below a rounding half), one unit
              // is below the float noise of the composite; the "not one unit before" check needs a sane scale.
              if (Math.abs(x) > 1e6) continue;
              const before = roundTo(x - d * unit, ind.precision);
              if (d * (before - ev.values[e * ev.m + s.indicators.indexOf(ind)]!) >= 0)
                expect(at(before)).toBeGreaterThan(target);
            }
          }
        },
      ),
      RUNS,
    );
  });
});

describe('evaluation is independent of input order', () => {
  const all: Method[] = ['goalpost', 'minmax', 'zscore', 'rank', 'none'];

  it('gives every entity the same rank and score whatever order the scheme lists them in', () => {
    fc.assert(
      fc.property(
        arbCase({ methods: all, geometric: true, zeroPolicy: true, missing: true }).chain((c) =>
          fc
            .shuffledSubarray(c.s.entities, {
              minLength: c.s.entities.length,
              maxLength: c.s.entities.length,
            })
            .map((order) => ({ ...c, order })),
        ),
        ({ s, values, order }) => {
          const a = evalOf(s, values);
          const b = evalOf({ ...s, entities: order }, values);
          for (const id of s.entities.map((e) => e.id)) {
            const ea = a.compiled.entityIndex.get(id)!;
            const eb = b.compiled.entityIndex.get(id)!;
            expect(b.rank[eb]).toBe(a.rank[ea]);
            expect(b.tied[eb]).toBe(a.tied[ea]);
            const [ca, cb] = [a.composite[ea]!, b.composite[eb]!];
            if (Number.isNaN(ca)) expect(cb).toBeNaN();
            else expect(Math.abs(ca - cb)).toBeLessThan(1e-9);
          }
        },
      ),
      RUNS,
    );
  });

  it('gives the same assessment series whatever order the observations arrive in', () => {
    const s = parseScheme({
      id: 'p',
      version: '1',
      name: { en: 'p' },
      periodKind: 'month',
      entities: entities('A', 'B', 'C'),
      focus: ['A'],
      indicators: [
        {
          id: 'x',
          name: { en: 'x' },
          weight: 1,
          direction: 'higher',
          unit: '',
          owner: 'd',
          normalise: { method: 'minmax' },
        },
        {
          id: 'y',
          name: { en: 'y' },
          weight: 2,
          direction: 'lower',
          unit: '',
          owner: 'd',
          normalise: { method: 'rank' },
        },
      ],
      missing: { carryForward: 1, otherwise: 'reweight' },
      rules: { slip: [{ rule: 'rankDrop', min: 1 }] },
    });
    const observation = fc.record({
      period: fc.constantFrom('2026-01', '2026-02', '2026-03'),
      entity: fc.constantFrom('A', 'B', 'C'),
      indicator: fc.constantFrom('x', 'y'),
      value: fc.integer({ min: 0, max: 20 }),
      observedAt: fc.integer({ min: 0, max: 5 }).map((h) => `2026-04-01T0${h}:00:00Z`),
    });
    fc.assert(
      fc.property(
        fc
          .array(observation, { minLength: 1, maxLength: 25 })
          // unique event ids break observedAt ties the same way in every order
          .map((obs) =>
            obs.map((o, i): Observation => ({ ...o, eventId: `evt-${String(i).padStart(3, '0')}` })),
          )
          .chain((obs) =>
            fc.shuffledSubarray(obs, { minLength: obs.length, maxLength: obs.length }).map((sh) => [obs, sh]),
          ),
        ([obs, shuffled]) => {
          expect(toJson(assessSeries(s, shuffled!))).toBe(toJson(assessSeries(s, obs!)));
        },
      ),
      RUNS,
    );
  });
});

describe('the fast paths agree with the plain definitions', () => {
  it('ranks of large fields (the bucket-sorted path) are 1 + the number strictly better', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.integer({ min: -50, max: 50 }), fc.constant(Number.NaN), fc.double({ noNaN: true })),
          {
            minLength: 300,
            maxLength: 3000,
          },
        ),
        fc.boolean(),
        (keys, higher) => {
          const r = competitionRanks(keys, higher);
          expectCompetitionRanks(keys, r.rank, r.tied, higher);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("a mover's rank for a probed value equals a full re-assessment with that value", () => {
    const all: Method[] = ['goalpost', 'minmax', 'zscore', 'rank', 'none'];
    fc.assert(
      fc.property(
        arbCase({ methods: all, geometric: true, zeroPolicy: false, missing: false }),
        fc.nat(),
        fc.double({ min: -50, max: 150, noNaN: true }),
        ({ s, values }, pick, x) => {
          const ev = evalOf(s, values);
          const e = 0;
          if (ev.rank[e] === 0) return;
          const j = pick % s.indicators.length;
          const ind = s.indicators[j]!;
          const probe = roundTo(x, ind.precision);
          const brute = whatIf(ev, [
            { entity: s.entities[e]!.id, indicator: ind.id, value: probe },
          ]).evaluation;
          expect(makeMover(ev, e, j).rank(probe)).toBe(brute.rank[e]);
        },
      ),
      RUNS,
    );
  });
});
