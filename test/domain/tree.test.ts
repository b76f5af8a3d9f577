import { describe, expect, it } from 'vitest';
import type { SchemeInput } from '../../domain/scheme.ts';
import { aggregateEntity, compileScheme, effectiveWeights, rootWithScore } from '../../domain/tree.ts';
import { indicator, scheme } from './fixtures.ts';

const NaN_ = Number.NaN;

/** Root value, node values by topic id, and effective weights by indicator id, for one score row. */
function aggregate(input: Partial<SchemeInput>, scores: number[]) {
  const c = compileScheme(scheme(input));
  const nodeValues = new Float64Array(c.nodes.length);
  const root = aggregateEntity(c, scores, nodeValues);
  const nodes = Object.fromEntries(c.nodes.map((n, i) => [n.id || 'root', nodeValues[i]!]));
  const w = effectiveWeights(c, nodeValues, scores);
  const weights = Object.fromEntries(c.indicators.map((ind, j) => [ind.id, w[j]!]));
  return { c, root, nodes, weights, nodeValues };
}

const flat = (weights: number[], composite?: SchemeInput['composite']): Partial<SchemeInput> => ({
  indicators: weights.map((w, j) => indicator(`i${j}`, { weight: w })),
  ...(composite ? { composite } : {}),
});

/*
 * root ─┬─ econ (w 2) ─┬─ growth (w 1) ─┬─ a (w 1)
 *       │              │                └─ b (w 3)
 *       │              └─ d (w 1)
 *       └─ social (w 1) ── c (w 1)
 */
const threeLevels: Partial<SchemeInput> = {
  topics: [
    { id: 'econ', name: { en: 'economy' }, weight: 2 },
    { id: 'growth', name: { en: 'growth' }, weight: 1, parent: 'econ' },
    { id: 'social', name: { en: 'social' }, weight: 1 },
  ],
  indicators: [
    indicator('a', { topic: 'growth', weight: 1 }),
    indicator('b', { topic: 'growth', weight: 3 }),
    indicator('d', { topic: 'econ', weight: 1 }),
    indicator('c', { topic: 'social', weight: 1 }),
  ],
};

describe('arithmetic aggregation', () => {
  it('takes the weighted mean: 40 (w 1) and 80 (w 3) → 70', () => {
    // (1·40 + 3·80)/4 = 280/4
    expect(aggregate(flat([1, 3]), [40, 80]).root).toBe(70);
  });

  it('renormalises the weights over the children present', () => {
    // i1 missing: (1·40 + 2·10)/3 = 20
    expect(aggregate(flat([1, 3, 2]), [40, NaN_, 10]).root).toBe(20);
  });

  it('is missing when no child is present', () => {
    expect(aggregate(flat([1, 1]), [NaN_, NaN_]).root).toBeNaN();
  });
});

describe('geometric aggregation', () => {
  it('takes the weighted geometric mean: 16 (w 1) and 81 (w 3) → 54', () => {
    // 16^(1/4) · 81^(3/4) = 2 · 27
    expect(aggregate(flat([1, 3], { aggregate: 'geometric' }), [16, 81]).root).toBeCloseTo(54, 12);
  });

  it('gives zero when a child scores zero', () => {
    expect(aggregate(flat([1, 1], { aggregate: 'geometric' }), [0, 100]).root).toBe(0);
  });

  it('lifts scores to the floor before the product: 0 with floor 1 and 100 → 10', () => {
    // √(1 · 100)
    expect(aggregate(flat([1, 1], { aggregate: 'geometric', floor: 1 }), [0, 100]).root).toBeCloseTo(10, 12);
  });

  it('renormalises over present children: 25 and missing and 100 (equal weights) → 50', () => {
    // √(25 · 100)
    expect(aggregate(flat([1, 1, 1], { aggregate: 'geometric' }), [25, NaN_, 100]).root).toBeCloseTo(50, 12);
  });

  it('aggregates arithmetically inside topics and geometrically across them (HDI)', () => {
    const input: Partial<SchemeInput> = {
      topics: [
        { id: 'health', name: { en: 'health' }, weight: 1 },
        { id: 'education', name: { en: 'education' }, weight: 1 },
      ],
      indicators: [
        indicator('life', { topic: 'health' }),
        indicator('mys', { topic: 'education' }),
        indicator('eys', { topic: 'education' }),
      ],
      composite: { aggregate: 'geometric' },
    };
    // health = 72; education = (16 + 48)/2 = 32; root = √(72 · 32) = √2304 = 48
    const r = aggregate(input, [72, 16, 48]);
    expect(r.nodes.education).toBe(32);
    expect(r.root).toBeCloseTo(48, 12);
  });
});

describe('multi-level topics', () => {
  it('aggregates three levels: growth 50, econ 65, root 60', () => {
    // growth = (1·20 + 3·60)/4 = 50; econ = (50 + 80)/2 = 65; root = (2·65 + 1·50)/3 = 60
    const r = aggregate(threeLevels, [20, 60, 80, 50]);
    expect(r.nodes).toEqual({ econ: 65, growth: 50, social: 50, root: 60 });
  });

  it('multiplies the weight shares along each path into effective weights summing to 1', () => {
    // econ 2/3 → growth 2/3·1/2 = 1/3 → a 1/3·1/4 = 1/12, b 1/3·3/4 = 1/4; d 2/3·1/2 = 1/3; c 1/3
    const { weights } = aggregate(threeLevels, [20, 60, 80, 50]);
    expect(weights.a).toBeCloseTo(1 / 12, 15);
    expect(weights.b).toBeCloseTo(1 / 4, 15);
    expect(weights.d).toBeCloseTo(1 / 3, 15);
    expect(weights.c).toBeCloseTo(1 / 3, 15);
  });

  it('treats a topic with no child present as missing and renormalises its parent', () => {
    // a, b missing → growth missing → econ = d = 80 → root = (2·80 + 1·50)/3 = 70
    const r = aggregate(threeLevels, [NaN_, NaN_, 80, 50]);
    expect(r.nodes.growth).toBeNaN();
    expect(r.nodes.econ).toBe(80);
    expect(r.root).toBe(70);
    // d now carries all of econ's 2/3.
    expect(r.weights).toEqual({ a: 0, b: 0, d: 2 / 3, c: 1 / 3 });
  });

  it('drops a whole top-level topic when its only indicator is missing', () => {
    // c missing → social missing → root = econ = 65; weights: a 1/8, b 3/8, d 1/2
    const r = aggregate(threeLevels, [20, 60, 80, NaN_]);
    expect(r.root).toBe(65);
    expect(r.weights).toEqual({ a: 1 / 8, b: 3 / 8, d: 1 / 2, c: 0 });
  });

  it('gives all-zero effective weights when nothing is present', () => {
    const r = aggregate(threeLevels, [NaN_, NaN_, NaN_, NaN_]);
    expect(r.root).toBeNaN();
    expect(Object.values(r.weights)).toEqual([0, 0, 0, 0]);
  });
});

describe('recomputing one path', () => {
  it('gives the root as if one indicator score were replaced', () => {
    // b 60 → 100: growth = (20 + 300)/4 = 80; econ = (80 + 80)/2 = 80; root = (160 + 50)/3 = 70
    const r = aggregate(threeLevels, [20, 60, 80, 50]);
    expect(rootWithScore(r.c, [20, 60, 80, 50], r.nodeValues, 1, 100)).toBe(70);
  });

  it('makes a missing indicator present again along the path', () => {
    // a, b missing; give a 40 → growth 40, econ (40 + 80)/2 = 60, root (120 + 50)/3
    const scores = [NaN_, NaN_, 80, 50];
    const r = aggregate(threeLevels, scores);
    expect(rootWithScore(r.c, scores, r.nodeValues, 0, 40)).toBeCloseTo(170 / 3, 12);
  });
});

describe('compiling a scheme', () => {
  it('orders nodes children before parents with the root last', () => {
    const c = compileScheme(scheme(threeLevels));
    const ids = [...c.order].map((n) => c.nodes[n]!.id);
    expect(ids.indexOf('growth')).toBeLessThan(ids.indexOf('econ'));
    expect(ids[ids.length - 1]).toBe('');
    expect([...c.arithmeticPath]).toEqual([1, 1, 1, 1]);
  });

  it('marks indicators under a geometric node as off the arithmetic path', () => {
    const c = compileScheme(
      scheme({
        topics: [
          { id: 'g', name: { en: 'g' }, weight: 1, aggregate: 'geometric' },
          { id: 'h', name: { en: 'h' }, weight: 1 },
        ],
        indicators: [indicator('a', { topic: 'g' }), indicator('b', { topic: 'h' })],
      }),
    );
    expect([...c.arithmeticPath]).toEqual([0, 1]);
  });

  it('compiles each scheme object once', () => {
    const s = scheme();
    expect(compileScheme(s)).toBe(compileScheme(s));
  });
});
