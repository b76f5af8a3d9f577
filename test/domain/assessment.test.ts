import { describe, expect, it } from 'vitest';
import { assessPeriod, assessSeries, periodMatrices, tablesOf, toJson } from '../../domain/assessment.ts';
import type { Observation } from '../../domain/observations.ts';
import { entities, indicator, run, scheme } from './fixtures.ts';

const s = scheme({
  entities: entities('A', 'B', 'C'),
  focus: ['C'],
  indicators: [indicator('x', { precision: 0 })],
  missing: { carryForward: 1, otherwise: 'unranked' },
  rules: {
    slip: [
      { rule: 'rankDrop', min: 1, scope: 'overall', severity: 'critical' },
      { rule: 'lostFirst', scope: 'overall' },
    ],
  },
});

const obs = (period: string, values: Record<string, number>): Observation[] =>
  Object.entries(values).map(([entity, value]) => ({ period, entity, indicator: 'x', value }));

/** C first in January, second in February, first again in March. */
const series = [
  ...obs('2026-03', { A: 5, B: 1, C: 6 }),
  ...obs('2026-01', { A: 5, B: 1, C: 10 }),
  ...obs('2026-02', { A: 5, B: 1, C: 4 }),
];

describe('assessing a series of periods', () => {
  const result = assessSeries(s, series);

  it('assesses every period in time order with the scheme id and version', () => {
    expect(result.scheme).toEqual({ id: 's', version: '1' });
    expect(result.periods.map((p) => p.period)).toEqual(['2026-01', '2026-02', '2026-03']);
    expect(result.periods[1]?.overall.map((r) => [r.entity, r.rank])).toEqual([
      ['A', 1],
      ['C', 2],
      ['B', 3],
    ]);
  });

  it('detects the slips of February against January and alerts once per key', () => {
    const feb = result.periods[1]!;
    expect(feb.slips.map((x) => x.key)).toEqual([
      's|2026-02|overall|C|rankDrop',
      's|2026-02|overall|C|lostFirst',
    ]);
    expect(feb.alerts.map((a) => [a.kind, a.key])).toEqual([
      ['slipped', 's|2026-02|overall|C|rankDrop'],
      ['slipped', 's|2026-02|overall|C|lostFirst'],
    ]);
  });

  it('recovers both alerts and announces reaching first in March', () => {
    const mar = result.periods[2]!;
    expect(mar.slips).toEqual([]);
    // first overall and on x, its only indicator
    expect(mar.transitions.map((t) => t.key)).toEqual([
      's|2026-03|overall|C|reachedFirst',
      's|2026-03|indicator:x|C|reachedFirst',
    ]);
    expect(mar.alerts.map((a) => a.kind)).toEqual(['recovered', 'recovered', 'reachedFirst', 'reachedFirst']);
  });

  it('computes the gap and diagnosis of the focus entity each period', () => {
    const feb = result.periods[1]!;
    // February: C 4 vs A 5 → gap 1; C needs x = 5 to tie first
    expect(feb.gap.C).toMatchObject({ position: 'behind', versus: 'A', scoreGap: 1 });
    expect(feb.gap.C?.toFirst.x?.requiredValue).toBe(5);
    expect(feb.diagnosis.C?.indicators.x?.change).toEqual({ value: -6, score: -6, rank: 1 });
  });

  it('carries a missing value forward from the previous period, flagged', () => {
    const r = assessSeries(s, [...obs('2026-01', { A: 5, B: 1, C: 10 }), ...obs('2026-02', { A: 6, B: 2 })]);
    const c = r.periods[1]?.indicators.x?.find((row) => row.entity === 'C');
    expect(c).toEqual({ entity: 'C', value: 10, score: 10, rank: 1, tied: false, carried: true });
  });
});

describe('building blocks', () => {
  it('builds one matrix per period in time order, latest value winning', () => {
    const m = periodMatrices(s, [
      ...obs('2026-02', { A: 1 }),
      { period: '2026-01', entity: 'A', indicator: 'x', value: 1, observedAt: '2026-02-01T00:00:00Z' },
      { period: '2026-01', entity: 'A', indicator: 'x', value: 2, observedAt: '2026-01-15T00:00:00Z' },
    ]);
    expect(m.map((p) => p.period)).toEqual(['2026-01', '2026-02']);
    expect(m[0]?.values[0]).toBe(1);
  });

  it('lists indicator rows best first with ties in scheme order, unranked entities left out', () => {
    const ev = run(s, { x: { A: 5, C: 5 } });
    expect(tablesOf(ev).indicators.x?.map((r) => [r.entity, r.rank, r.tied])).toEqual([
      ['A', 1, true],
      ['C', 1, true],
    ]);
    expect(tablesOf(ev).unranked).toEqual([{ entity: 'B', reason: 'no values for this period' }]);
  });

  it('assesses one period without history: no slips, no transitions', () => {
    const [m] = periodMatrices(s, obs('2026-01', { A: 5, B: 1, C: 10 }));
    const a = assessPeriod(s, m!);
    expect(a.slips).toEqual([]);
    expect(a.transitions).toEqual([]);
    expect(a.gap.C?.position).toBe('first');
  });

  it('writes NaN and infinities as null in JSON', () => {
    expect(toJson({ a: Number.NaN, b: Number.POSITIVE_INFINITY, c: 1 }, 0)).toBe('{"a":null,"b":null,"c":1}');
  });
});
