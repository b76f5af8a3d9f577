import { describe, expect, it } from 'vitest';
import { rankedOrder, toMatrix, UnknownReferenceError } from '../../domain/evaluate.ts';
import type { SchemeInput } from '../../domain/scheme.ts';
import { compileScheme } from '../../domain/tree.ts';
import {
  carriedOf,
  compositeOf,
  indicator,
  ranks,
  run,
  scheme,
  scoreOf,
  tiedOf,
  valueAt,
  valueRankOf,
} from './fixtures.ts';

const two = (extra: Partial<SchemeInput> = {}) =>
  scheme({ indicators: [indicator('x'), indicator('y')], ...extra });

describe('evaluating one period', () => {
  it('scores, aggregates and ranks: goalpost and minmax into a weighted composite', () => {
    const s = scheme({
      entities: [
        { id: 'A', name: { zh: '甲' } },
        { id: 'B', name: { zh: '乙' } },
        { id: 'C', name: { zh: '丙' } },
      ],
      indicators: [
        indicator('rate', { weight: 3, normalise: { method: 'goalpost', best: 100, worst: 50 } }),
        indicator('wait', { weight: 1, direction: 'lower', normalise: { method: 'minmax' } }),
      ],
    });
    // rate → (x − 50)/50·100: A 90 → 80, B 75 → 50, C 100 → 100
    // wait (lower, minmax over 10..30): A 10 → 100, B 20 → 50, C 30 → 0
    // composite = (3·rate + wait)/4: A (240 + 100)/4 = 85, B (150 + 50)/4 = 50, C 300/4 = 75
    const ev = run(s, { rate: { A: 90, B: 75, C: 100 }, wait: { A: 10, B: 20, C: 30 } });
    expect([compositeOf(ev, 'A'), compositeOf(ev, 'B'), compositeOf(ev, 'C')]).toEqual([85, 50, 75]);
    expect(ranks(ev)).toEqual({ A: 1, B: 3, C: 2 });
    expect(valueRankOf(ev, 'A', 'wait')).toBe(1);
    expect(valueRankOf(ev, 'C', 'rate')).toBe(1);
  });

  it('ranks indicator values rounded to the indicator precision, in its direction', () => {
    const s = scheme({
      indicators: [indicator('t', { direction: 'lower', precision: 1, normalise: { method: 'minmax' } })],
    });
    // 1.24 and 1.16 both round to 1.2 (tied first); 1.26 → 1.3; 0.96 → 1.0 is best
    const ev = run(s, { t: { A: 1.24, B: 1.16, C: 1.26, D: 0.96 } });
    expect(['A', 'B', 'C', 'D'].map((e) => valueRankOf(ev, e, 't'))).toEqual([2, 2, 4, 1]);
  });

  it('ties composites equal at composite.precision while reporting them at full precision', () => {
    const s = scheme({ composite: { precision: 0 } });
    // 70.04 and 69.96 both round to 70 → 并列第1; 69.4 rounds to 69 → rank 3
    const ev = run(s, { x: { A: 70.04, B: 69.96, C: 69.4, D: 10 } });
    expect(ranks(ev)).toEqual({ A: 1, B: 1, C: 3, D: 4 });
    expect(tiedOf(ev, 'A') && tiedOf(ev, 'B')).toBe(true);
    expect(tiedOf(ev, 'C')).toBe(false);
    expect(compositeOf(ev, 'A')).toBe(70.04);
    expect(compositeOf(ev, 'B')).toBe(69.96);
  });

  it('lists ranked entities best first with ties in scheme order', () => {
    const s = scheme({ composite: { precision: 0 } });
    const ev = run(s, { x: { A: 10, B: 69.96, C: 70.04 } });
    expect(rankedOrder(ev).map((e) => ev.compiled.entityIds[e])).toEqual(['B', 'C', 'A']);
  });

  it('rescales composites by minmax: leader 1, last 0, keeping the raw scores', () => {
    const s = scheme({ composite: { aggregate: 'arithmetic', rescale: 'minmax' } });
    // 20, 50, 80, 65 → (s − 20)/60: 0, 0.5, 1, 0.75
    const ev = run(s, { x: { A: 20, B: 50, C: 80, D: 65 } });
    expect(['A', 'B', 'C', 'D'].map((e) => compositeOf(ev, e))).toEqual([0, 0.5, 1, 0.75]);
    expect([...ev.rawComposite]).toEqual([20, 50, 80, 65]);
    expect(ev.rescale).toEqual({ min: 20, max: 80 });
    expect(ranks(ev)).toEqual({ A: 4, B: 3, C: 1, D: 2 });
  });

  it('rounds rescaled composites for ranking: 0.504 and 0.496 tie at one decimal, not at three', () => {
    // raw 0, 50.4, 49.6, 100 → rescaled 0, 0.504, 0.496, 1; at precision 1 both are 0.5
    const at = (precision: number) =>
      ranks(
        run(scheme({ composite: { aggregate: 'arithmetic', rescale: 'minmax', precision } }), {
          x: { A: 0, B: 50.4, C: 49.6, D: 100 },
        }),
      );
    expect(at(1)).toEqual({ A: 4, B: 2, C: 2, D: 1 });
    expect(at(3)).toEqual({ A: 4, B: 2, C: 3, D: 1 });
  });

  it('gives every ranked entity 1 when rescaled composites are all equal, leaving unranked ones out', () => {
    const s = scheme({ composite: { aggregate: 'arithmetic', rescale: 'minmax' } });
    // A and B both 40: range 0 → both 1 and tied first; C and D have no values and stay unranked.
    const ev = run(s, { x: { A: 40, B: 40 } });
    expect(compositeOf(ev, 'A')).toBe(1);
    expect(compositeOf(ev, 'B')).toBe(1);
    expect(compositeOf(ev, 'C')).toBeNaN();
    expect(ranks(ev)).toEqual({ A: 1, B: 1, C: 0, D: 0 });
  });

  it('scores a geometric composite as zero when one indicator scores zero, unless a floor lifts it', () => {
    const geo = (floor?: number) =>
      two({ composite: { aggregate: 'geometric', ...(floor !== undefined ? { floor } : {}) } });
    // A: √(0·100) = 0; with floor 4: √(4·100) = 20. B: √(25·64) = 40
    const values = { x: { A: 0, B: 25 }, y: { A: 100, B: 64 } };
    expect(compositeOf(run(geo(), values), 'A')).toBe(0);
    expect(compositeOf(run(geo(4), values), 'A')).toBeCloseTo(20, 12);
    expect(compositeOf(run(geo(4), values), 'B')).toBeCloseTo(40, 12);
  });

  it('rejects values for unknown indicators and entities, naming them', () => {
    const c = compileScheme(scheme());
    expect(() => toMatrix(c, '2026-01', { nope: { A: 1 } })).toThrow(UnknownReferenceError);
    expect(() => toMatrix(c, '2026-01', { x: { Z: 1 } })).toThrow('unknown entity "Z" in 2026-01');
  });
});

describe('missing values', () => {
  it('carries the last value forward up to carryForward periods, flagged as carried', () => {
    const s = two({ missing: { carryForward: 2, otherwise: 'unranked' } });
    // A reported y in 2026-01 only; in 2026-03 the value is two periods old: still carried.
    const ev = run(s, { x: { A: 50, B: 40 }, y: { B: 40 } }, '2026-03', [
      { period: '2026-01', values: { x: { A: 1 }, y: { A: 70 } } },
      { period: '2026-02', values: {} },
    ]);
    expect(valueAt(ev, 'A', 'y')).toBe(70);
    expect(carriedOf(ev, 'A', 'y')).toBe(true);
    expect(carriedOf(ev, 'A', 'x')).toBe(false);
    // (50 + 70)/2 = 60 beats B's 40
    expect(compositeOf(ev, 'A')).toBe(60);
    expect(ranks(ev)).toMatchObject({ A: 1, B: 2 });
  });

  it('carries the most recent earlier value, not an older one', () => {
    const s = two({ missing: { carryForward: 3, otherwise: 'unranked' } });
    const ev = run(s, { x: { A: 50 } }, '2026-03', [
      { period: '2026-01', values: { y: { A: 10 } } },
      { period: '2026-02', values: { y: { A: 20 } } },
      { period: '2026-04', values: { y: { A: 99 } } }, // later than the period: never carried back
    ]);
    expect(valueAt(ev, 'A', 'y')).toBe(20);
  });

  it('does not carry a value older than carryForward periods; the otherwise policy applies', () => {
    const s = two({ missing: { carryForward: 1, otherwise: 'unranked' } });
    const ev = run(s, { x: { A: 50, B: 40 }, y: { B: 40 } }, '2026-03', [
      { period: '2026-01', values: { y: { A: 70 } } },
    ]);
    expect(valueAt(ev, 'A', 'y')).toBeNaN();
    expect(carriedOf(ev, 'A', 'y')).toBe(false);
    expect(ranks(ev)).toMatchObject({ A: 0, B: 1 });
    expect(ev.unranked).toContainEqual({ entity: 'A', reason: 'missing values: y' });
  });

  it('counts carry-forward age in ISO weeks across a 53-week year', () => {
    const s = scheme({
      periodKind: 'week',
      indicators: [indicator('x'), indicator('y')],
      missing: { carryForward: 1, otherwise: 'unranked' },
    });
    // 2026-W53 is one week before 2027-W01
    const ev = run(s, { x: { A: 5 } }, '2027-W01', [{ period: '2026-W53', values: { y: { A: 7 } } }]);
    expect(carriedOf(ev, 'A', 'y')).toBe(true);
  });

  it('reweights over the indicators present under reweight', () => {
    const s = scheme({
      indicators: [indicator('x', { weight: 1 }), indicator('y', { weight: 3 })],
      missing: { carryForward: 0, otherwise: 'reweight' },
    });
    // A has only x → composite 40; B (1·20 + 3·60)/4 = 50
    const ev = run(s, { x: { A: 40, B: 20 }, y: { B: 60 } });
    expect(compositeOf(ev, 'A')).toBe(40);
    expect(compositeOf(ev, 'B')).toBe(50);
    expect(scoreOf(ev, 'A', 'y')).toBeNaN();
  });

  it('scores a missing value as 0 under zero', () => {
    const s = scheme({
      indicators: [indicator('x', { weight: 1 }), indicator('y', { weight: 3 })],
      missing: { carryForward: 0, otherwise: 'zero' },
    });
    // A: (1·40 + 3·0)/4 = 10
    const ev = run(s, { x: { A: 40, B: 20 }, y: { B: 60 } });
    expect(compositeOf(ev, 'A')).toBe(10);
    expect(ranks(ev)).toMatchObject({ A: 2, B: 1 });
  });

  it('leaves an entity with a missing value unranked under unranked, saying which', () => {
    const s = two({ missing: { carryForward: 0, otherwise: 'unranked' } });
    const ev = run(s, { x: { A: 40, B: 20, C: 10 }, y: { B: 60, C: 30 } });
    expect(ranks(ev)).toMatchObject({ A: 0, B: 1, C: 2 });
    expect(compositeOf(ev, 'A')).toBeNaN();
    expect(ev.unranked).toEqual([
      { entity: 'A', reason: 'missing values: y' },
      { entity: 'D', reason: 'no values for this period' },
    ]);
    // The value A did report still ranks on its indicator.
    expect(valueRankOf(ev, 'A', 'x')).toBe(1);
  });

  it('leaves an entity with no values at all unranked under reweight and zero too', () => {
    for (const otherwise of ['reweight', 'zero'] as const) {
      const ev = run(two({ missing: { carryForward: 0, otherwise } }), { x: { A: 1, B: 2 }, y: { A: 3 } });
      expect(ranks(ev)).toMatchObject({ C: 0, D: 0 });
      expect(ev.unranked).toEqual([
        { entity: 'C', reason: 'no values for this period' },
        { entity: 'D', reason: 'no values for this period' },
      ]);
    }
  });

  it('makes a topic with no indicator present missing, and its sibling carries the composite', () => {
    const s = scheme({
      topics: [
        { id: 'p', name: { en: 'p' }, weight: 3 },
        { id: 'q', name: { en: 'q' }, weight: 1 },
      ],
      indicators: [indicator('x', { topic: 'p' }), indicator('y', { topic: 'q' })],
    });
    // A has no p value (landlocked, as in the EPI): composite = q = 30; B: (3·80 + 1·40)/4 = 70
    const ev = run(s, { y: { A: 30, B: 40 }, x: { B: 80 } });
    expect(compositeOf(ev, 'A')).toBe(30);
    expect(compositeOf(ev, 'B')).toBe(70);
  });
});
