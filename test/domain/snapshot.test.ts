import { describe, expect, it } from 'vitest';
import { assessSeries } from '../../domain/assessment.ts';
import type { Observation } from '../../domain/observations.ts';
import { recordAssessment } from '../../domain/record.ts';
import { periodFromSnapshot } from '../../domain/snapshot.ts';
import { indicator, scheme } from './fixtures.ts';

const s = scheme({
  focus: ['C'],
  indicators: [
    indicator('x', { normalise: { method: 'minmax' }, precision: 1 }),
    indicator('y', { direction: 'lower', normalise: { method: 'goalpost', best: 0, worst: 10 } }),
  ],
});
const obs: Observation[] = [
  ['A', 'x', 10],
  ['B', 'x', 8],
  ['C', 'x', 8],
  ['A', 'y', 5],
  ['B', 'y', 1],
  ['C', 'y', 2],
].map(([entity, ind, value], k) => ({
  period: '2026-03',
  entity: entity as string,
  indicator: ind as string,
  value: value as number,
  eventId: `e${k}`,
}));

describe('a stored snapshot read back as a period of the evaluate contract', () => {
  it('has the ranking, indicator tables, gaps and diagnosis that assessSeries reports for the same data', () => {
    const recorded = recordAssessment({
      scheme: s,
      period: '2026-03',
      head: null,
      earlier: [],
      history: [],
      alertStates: new Map(),
      observations: obs,
      now: '2026-04-01T00:00:00Z',
    });
    if (recorded.kind !== 'recorded') throw new Error('expected a snapshot');
    const fromSnapshot = periodFromSnapshot(JSON.parse(JSON.stringify(recorded.body)));
    const expected = assessSeries(s, obs).periods[0]!;
    expect(fromSnapshot.overall).toEqual(expected.overall);
    expect(fromSnapshot.indicators).toEqual(expected.indicators);
    expect(fromSnapshot.unranked).toEqual(expected.unranked);
    expect(fromSnapshot.gap).toEqual(JSON.parse(JSON.stringify(expected.gap)));
    // D is unranked (no values): it appears in no table
    expect(fromSnapshot.overall.map((r) => r.entity)).not.toContain('D');
  });
});
