import { describe, expect, it } from 'vitest';
import { evaluateInputs, methodologyDiff } from '../../domain/methodology-diff.ts';
import { replayAssessment } from '../../domain/methodology-replay.ts';
import type { SnapshotInputs } from '../../domain/snapshot.ts';
import { entities, indicator, scheme } from './fixtures.ts';

/** Inputs for A, B, C on x and y (no events). */
function inputs(x: number[], y: number[]): SnapshotInputs {
  return {
    entities: ['A', 'B', 'C'],
    indicators: ['x', 'y'],
    events: [],
    values: [x, y],
    cellEvents: [
      [null, null, null],
      [null, null, null],
    ],
  };
}

const ABC = entities('A', 'B', 'C');
const v1 = scheme({ entities: ABC, indicators: [indicator('x'), indicator('y')] });
// A = (100, 40), B = (30, 95), C = (60, 60): composites 70, 62.5, 60 under equal weights.
const period = { period: '2026-01', inputs: inputs([100, 30, 60], [40, 95, 60]) };

describe('methodologyDiff', () => {
  it('ranks A, B, C 1, 2, 3 under equal weights and B, C, A under y weighted 3', () => {
    const v2 = scheme({
      version: '2',
      entities: ABC,
      indicators: [indicator('x'), indicator('y', { weight: 3 })],
    });
    const d = methodologyDiff(v1, v2, period);
    expect(d.from).toEqual({ id: 's', version: '1' });
    expect(d.to).toEqual({ id: 's', version: '2' });
    expect(d.entities.map((e) => [e.entity, e.fromRank, e.toRank, e.delta])).toEqual([
      ['B', 2, 1, 1],
      ['C', 3, 2, 1],
      ['A', 1, 3, -2],
    ]);
    // New composites: A 25 + 30 = 55, B 7.5 + 71.25 = 78.75, C 15 + 45 = 60.
    expect(d.entities.map((e) => e.toScore)).toEqual([78.75, 60, 55]);
    expect(d.changed.map((e) => e.entity)).toEqual(['B', 'C', 'A']);
  });

  it("blames A's fall on x's weight: its contribution 50 → 25, 9.17 points worse than the field's mean −15.83", () => {
    const v2 = scheme({
      version: '2',
      entities: ABC,
      indicators: [indicator('x'), indicator('y', { weight: 3 })],
    });
    const a = methodologyDiff(v1, v2, period).entities.find((e) => e.entity === 'A')!;
    const x = a.effects[0]!;
    expect(x).toMatchObject({
      indicator: 'x',
      fromWeight: 0.5,
      toWeight: 0.25,
      fromScore: 100,
      toScore: 100,
      fromContribution: 50,
      toContribution: 25,
      change: -25,
      normalisation: 0,
    });
    // The field's mean weight effect on x: (−25 − 7.5 − 15)/3 = −15.8333.
    expect(x.weight).toBeCloseTo(-25 + 47.5 / 3, 10);
    expect(x.relative).toBeCloseTo(-9.1667, 4);
    // y: +10 for A, against a mean of (10 + 23.75 + 15)/3 = 16.25.
    expect(a.effects[1]!.relative).toBeCloseTo(-6.25, 10);
    expect(a.driver).toEqual({ indicator: 'x', cause: 'weight', relative: x.relative });
    // Σ relative = A's composite change less the mean change: −15 − (−15 + 16.25 + 0)/3.
    expect(a.effects.reduce((s, e) => s + e.relative, 0)).toBeCloseTo(-15 - 1.25 / 3, 10);
  });

  it('names a normalisation change as the cause when only a goalpost moved', () => {
    // y as goalpost best 100, worst 50: A 40 → 0, B 95 → 90, C 60 → 20; composites A 50, B 60, C 40.
    const v2 = scheme({
      version: '2',
      entities: ABC,
      indicators: [
        indicator('x'),
        indicator('y', { normalise: { method: 'goalpost', best: 100, worst: 50 } }),
      ],
    });
    const d = methodologyDiff(v1, v2, period);
    expect(d.entities.map((e) => [e.entity, e.fromRank, e.toRank])).toEqual([
      ['B', 2, 1],
      ['A', 1, 2],
      ['C', 3, 3],
    ]);
    const mean = (-20 - 2.5 - 20) / 3;
    const a = d.entities.find((e) => e.entity === 'A')!;
    const b = d.entities.find((e) => e.entity === 'B')!;
    expect(a.driver?.indicator).toBe('y');
    expect(a.driver?.cause).toBe('normalisation');
    expect(a.driver?.relative).toBeCloseTo(-20 - mean, 10);
    expect(b.driver).toEqual({
      indicator: 'y',
      cause: 'normalisation',
      relative: expect.closeTo(-2.5 - mean, 10),
    });
    expect(a.effects.find((e) => e.indicator === 'x')).toMatchObject({ change: 0, weight: 0, relative: 0 });
    const c = d.entities.find((e) => e.entity === 'C')!;
    expect(c.delta).toBe(0);
    expect(c.driver).toBeNull();
    expect(d.changed.map((e) => e.entity)).toEqual(['B', 'A']);
  });

  it('reports no change at all for the same scheme', () => {
    const d = methodologyDiff(v1, v1, period);
    expect(d.changed).toEqual([]);
    for (const e of d.entities) for (const f of e.effects) expect(f.relative).toBe(0);
  });

  it("gives each version's ranks as evaluate does, for an indicator the new version drops", () => {
    const v2 = scheme({ version: '2', entities: ABC, indicators: [indicator('y')] });
    const d = methodologyDiff(v1, v2, period);
    const ev = evaluateInputs(v2, period);
    for (const e of d.entities) expect(e.toRank).toBe(ev.rank[['A', 'B', 'C'].indexOf(e.entity)]);
    expect(d.entities.map((e) => e.entity)).toEqual(['B', 'C', 'A']);
    const x = d.entities.find((e) => e.entity === 'B')!.effects.find((f) => f.indicator === 'x')!;
    expect(x).toMatchObject({ fromWeight: 0.5, toWeight: 0, toScore: null, toContribution: 0 });
  });
});

describe('replayAssessment', () => {
  it('records the next snapshot of the period under the version, applying no event and deciding no alert', () => {
    const v2 = scheme({
      version: '2',
      entities: ABC,
      indicators: [indicator('x'), indicator('y', { weight: 3 })],
    });
    const r = replayAssessment({
      scheme: v2,
      period: '2026-01',
      head: { seq: 4, inputs: period.inputs },
      earlier: [],
      history: [],
      now: '2026-02-01T00:00:00.000Z',
    });
    expect(r.body).toMatchObject({
      scheme: { id: 's', version: '2' },
      period: '2026-01',
      seq: 5,
      applied: [],
      recordedAt: '2026-02-01T00:00:00.000Z',
      inputs: period.inputs,
    });
    expect(r.body.results.overall.rank).toEqual([3, 1, 2]);
    expect(r.alertChanges).toEqual([]);
    expect(r.alertEvents).toEqual([]);
    expect(r.rankedCount).toBe(3);
  });
});
