import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assessSeries } from '../../domain/assessment.ts';
import {
  BulletinInputError,
  buildBulletin,
  monthOfWeek,
  type StoredSnapshot,
} from '../../domain/bulletin.ts';
import { type Observation, parseObservationsCsv } from '../../domain/observations.ts';
import { replaySeries } from '../../domain/replay.ts';
import { loadSchemeText } from '../../domain/scheme.ts';
import { OBSERVATIONS_PATH, SCHEME_PATH } from '../../scenarios/gansu/generate.ts';
import { entities, indicator, scheme } from './fixtures.ts';

const gansu = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const gansuObs = parseObservationsCsv(readFileSync(OBSERVATIONS_PATH, 'utf8'), gansu, OBSERVATIONS_PATH);
const replay = replaySeries(gansu, gansuObs);
const series = assessSeries(gansu, gansuObs);
const copy = (s: StoredSnapshot[]): StoredSnapshot[] => JSON.parse(JSON.stringify(s));

describe('the month of an ISO week', () => {
  it.each([
    ['2026-W01', '2026-01'], // Thursday 1 January 2026
    ['2025-W01', '2025-01'], // Thursday 2 January 2025 (the week starts on 30 December 2024)
    ['2026-W05', '2026-01'], // Thursday 29 January
    ['2026-W14', '2026-04'], // Monday 30 March, Thursday 2 April
    ['2026-W53', '2026-12'], // Thursday 31 December
    ['2020-W53', '2020-12'], // Thursday 31 December 2020
    ['2021-W52', '2021-12'], // Thursday 30 December 2021; the week ends on 2 January 2022
  ])('puts %s in %s', (week, month) => {
    expect(monthOfWeek(week)).toBe(month);
  });
});

describe('a weekly bulletin of the Gansu scenario', () => {
  const b = buildBulletin(gansu, replay.snapshots, { alerts: replay.alerts });
  const w26 = series.periods.at(-1)!;

  it('reports the latest week against the week before', () => {
    expect(b.kind).toBe('weekly');
    expect(b.period).toBe('2026-W26');
    expect(b.periods).toEqual(['2026-W26']);
    expect(b.compareTo).toBe('2026-W25');
  });

  it('ranks the 14 entities as the evaluation does, with the previous week for arrows', () => {
    expect(b.ranking.map((r) => [r.entity, r.rank, r.tied])).toEqual(
      w26.overall.map((r) => [r.entity, r.rank, r.tied]),
    );
    const w25 = new Map(series.periods.at(-2)!.overall.map((r) => [r.entity, r.rank]));
    for (const r of b.ranking) {
      expect(r.previousRank).toBe(w25.get(r.entity));
      expect(r.change).toBe(w25.get(r.entity)! - r.rank);
    }
    expect(b.ranking.filter((r) => r.focus).map((r) => r.entity)).toEqual(['lanzhou']);
  });

  it("heads with Lanzhou's rank and the stored gap to Jiayuguan, reachable by one indicator", () => {
    const gap = w26.gap.lanzhou!;
    expect(b.headline).toEqual([
      expect.objectContaining({
        entity: 'lanzhou',
        rank: 2,
        previousRank: 2,
        change: 0,
        position: 'behind',
        versus: 'jiayuguan',
        scoreGap: gap.scoreGap,
      }),
    ]);
    const feasible = Object.values(gap.toFirst).filter((s) => s.feasible && s.delta !== 0);
    expect(b.headline[0]!.race.status).toBe('reachable');
    expect(b.headline[0]!.race.feasibleMoves).toBe(feasible.length);
    const easiest = Math.min(...feasible.map((s) => s.deltaPct ?? Number.POSITIVE_INFINITY));
    expect(b.headline[0]!.race.easiest!.deltaPct).toBe(easiest);
  });

  it('draws a waterfall whose bars sum to the gap, the smaller contributions in one bar', () => {
    const [w] = b.waterfalls;
    expect(w!.bars).toHaveLength(12);
    expect(w!.bars.at(-1)).toMatchObject({ indicator: null, count: 23 - 11 });
    const sum = w!.bars.reduce((a, bar) => a + bar.contribution, 0);
    expect(sum).toBeCloseTo(w26.gap.lanzhou!.scoreGap, 10);
    expect(w!.total).toBeCloseTo(w!.scoreGap, 10);
    const three = buildBulletin(gansu, replay.snapshots, { waterfallBars: 3, robustness: false })
      .waterfalls[0]!;
    expect(three.bars.map((x) => x.count)).toEqual([1, 1, 21]);
    expect(three.bars.reduce((a, bar) => a + bar.contribution, 0)).toBeCloseTo(w26.gap.lanzhou!.scoreGap, 10);
  });

  it('follows the overall rank over the last 8 weeks, and each of the 5 topics', () => {
    const [t] = b.trajectories;
    const last8 = series.periods.slice(-8);
    expect(t!.periods).toEqual(last8.map((p) => p.period));
    expect(t!.series.map((s) => s.scope)).toEqual([
      'overall',
      'digital_gov',
      'data_sharing',
      'hotline',
      'business_env',
      'digital_economy',
    ]);
    expect(t!.series[0]!.ranks).toEqual(
      last8.map((p) => p.overall.find((r) => r.entity === 'lanzhou')!.rank),
    );
    for (const s of t!.series) for (const r of s.ranks) expect(r).toBeGreaterThanOrEqual(1);
  });

  it('maps 14 entities × 23 indicators in the heat map with the stored indicator ranks', () => {
    const h = b.heatmap;
    expect(h.entities).toEqual(w26.overall.map((r) => r.entity));
    expect(h.indicators).toHaveLength(23);
    expect(h.ranks.flat()).toHaveLength(14 * 23);
    expect(h.limited).toBe(false);
    h.indicators.forEach((id, i) => {
      const stored = new Map(w26.indicators[id]!.map((r) => [r.entity, r.rank]));
      h.entities.forEach((e, k) => {
        expect(h.ranks[i]![k]).toBe(stored.get(e));
      });
    });
  });

  it("lists Lanzhou's best and worst indicator ranks on 红榜 and 黑榜", () => {
    const [board] = b.boards;
    const mine = Object.entries(w26.indicators)
      .map(([id, rows]) => [id, rows.find((r) => r.entity === 'lanzhou')!.rank] as const)
      .sort((x, y) => x[1] - y[1]);
    expect(board!.red.map((r) => r.rank)).toEqual(mine.slice(0, 5).map(([, r]) => r));
    expect(board!.black.map((r) => r.rank)).toEqual(
      mine
        .slice(-5)
        .reverse()
        .map(([, r]) => r),
    );
    expect(board!.red.every((r) => Number.isFinite(r.value))).toBe(true);
  });

  it('carries the stored prescriptions with their owners, the coaching pairs and 五降一升', () => {
    const [tr] = b.treatments;
    const d = w26.diagnosis.lanzhou!;
    expect(tr!.prescriptions.map((p) => p.indicator)).toEqual(
      d.prescriptions.slice(0, 5).map((p) => p.indicator),
    );
    for (const p of tr!.prescriptions)
      expect(p.owner).toBe(gansu.indicators.find((i) => i.id === p.indicator)!.owner);
    expect(tr!.coaching).toEqual(d.coaching);
    expect(tr!.patterns.map((p) => p.id)).toEqual(['hotline-five-down-one-up']);
    expect(tr!.patterns[0]!.members).toHaveLength(6);
  });

  it('has the alerts sent in the week and no notification records unless given', () => {
    expect(b.alerts.sent!.map((s) => s.event.kind)).toEqual(w26.alerts.map((a) => a.kind));
    expect(b.alerts.notifications).toBeNull();
    const given = buildBulletin(gansu, replay.snapshots, {
      robustness: false,
      notifications: [{ entity: 'lanzhou', severity: 'critical', status: 'escalated', level: 1 }],
    });
    expect(given.alerts.notifications).toEqual([
      { entity: 'lanzhou', severity: 'critical', status: 'escalated', level: 1 },
    ]);
  });

  it('analyses rank robustness with P(first) summing to 1', () => {
    const r = b.robustness!;
    expect(r.draws).toBe(1000);
    expect(r.entities).toHaveLength(14);
    expect(r.entities.reduce((a, d) => a + d.pFirst, 0)).toBeCloseTo(1, 12);
  });

  it('cites the scheme version and the hash-chained snapshots it read', () => {
    expect(b.scheme).toEqual({ id: 'gansu-weekly-2026', version: '1' });
    // The trajectories' 8 weeks, which hold the week compared with and the carry-forward window.
    expect(b.snapshots.map((s) => s.period)).toEqual(series.periods.slice(-8).map((p) => p.period));
    b.snapshots.forEach((s, i) => {
      expect(s.hash).toMatch(/^[0-9a-f]{64}$/);
      if (i > 0) expect(s.previousHash).toBe(b.snapshots[i - 1]!.hash);
    });
  });
});

describe('a monthly bulletin of the Gansu scenario', () => {
  it('covers the weeks whose Thursday falls in June, compared with the last week of May', () => {
    const m = buildBulletin(gansu, replay.snapshots, {
      kind: 'monthly',
      robustness: false,
      alerts: replay.alerts,
    });
    expect(m.period).toBe('2026-06');
    expect(m.periods).toEqual(['2026-W23', '2026-W24', '2026-W25', '2026-W26']);
    expect(m.compareTo).toBe('2026-W22');
    expect(m.trajectories[0]!.periods).toEqual(m.periods);
    const w22 = new Map(
      series.periods.find((p) => p.period === '2026-W22')!.overall.map((r) => [r.entity, r.rank]),
    );
    expect(m.headline[0]!.previousRank).toBe(w22.get('lanzhou'));
    const sentPeriods = new Set(m.alerts.sent!.map((s) => s.period));
    for (const p of sentPeriods) expect(m.periods).toContain(p);
  });

  it('reports April of the scenario on request', () => {
    const m = buildBulletin(gansu, replay.snapshots, {
      kind: 'monthly',
      period: '2026-04',
      robustness: false,
    });
    expect(m.periods).toEqual(['2026-W14', '2026-W15', '2026-W16', '2026-W17', '2026-W18']);
  });
});

describe('bulletins on hand-made snapshots', () => {
  // Two topics: t1 = x (weight 1), t2 = y and z (weights 1 and 1); root weights 1 and 1.
  const s = scheme({
    periodKind: 'week',
    entities: entities('A', 'B', 'C'),
    focus: ['C'],
    topics: [
      { id: 't1', name: { en: 'T1' }, weight: 1 },
      { id: 't2', name: { en: 'T2' }, weight: 1 },
    ],
    indicators: [
      indicator('x', { topic: 't1' }),
      indicator('y', { topic: 't2' }),
      indicator('z', { topic: 't2' }),
    ],
    composite: { aggregate: 'arithmetic', precision: 1 },
  });
  const obs = (period: string, rows: Record<string, [number, number, number]>): Observation[] =>
    Object.entries(rows).flatMap(([entity, [x, y, z]]) =>
      (
        [
          ['x', x],
          ['y', y],
          ['z', z],
        ] as const
      ).map(([ind, value]) => ({
        period,
        entity,
        indicator: ind,
        value,
        eventId: `${period}-${entity}-${ind}`,
      })),
    );
  // W01: A = (90 + (10 + 30)/2)/2 = 55, B = (50 + 60)/2 = 55, C = (20 + 80)/2 = 50 → A, B tied first, C 3rd.
  // W02: C = (70 + 80)/2 = 75 first; A 55, B 55 tied second.
  const r = replaySeries(s, [
    ...obs('2026-W01', { A: [90, 10, 30], B: [50, 60, 60], C: [20, 80, 80] }),
    ...obs('2026-W02', { A: [90, 10, 30], B: [50, 60, 60], C: [70, 80, 80] }),
  ]);

  it('shows ties as 并列 with shared ranks and the arrows from the week before', () => {
    const b = buildBulletin(s, r.snapshots, { robustness: false });
    expect(b.ranking.map((x) => [x.entity, x.rank, x.tied, x.previousRank, x.change])).toEqual([
      ['C', 1, false, 3, 2],
      ['A', 2, true, 1, -1],
      ['B', 2, true, 1, -1],
    ]);
    expect(b.headline[0]).toMatchObject({
      rank: 1,
      position: 'first',
      versus: 'A',
      race: { status: 'first' },
    });
    expect(b.headline[0]!.scoreGap).toBeCloseTo(20, 12);
  });

  it('ranks topics from the stored indicator scores', () => {
    // t1 (x): W01 A 90, B 50, C 20 → C 3rd; W02 C 70 → 2nd. t2 (mean of y, z): A 20, B 60, C 80 → C 1st.
    const b = buildBulletin(s, r.snapshots, { robustness: false });
    expect(b.trajectories[0]!.series).toEqual([
      { scope: 'overall', ranks: [3, 1] },
      { scope: 't1', ranks: [3, 2] },
      { scope: 't2', ranks: [1, 1] },
    ]);
  });

  it('refuses snapshots whose stored scores the scheme does not reproduce', () => {
    const tampered = copy(r.snapshots);
    tampered[1]!.body.results.overall.score[0] = 99;
    expect(() => buildBulletin(s, tampered, { robustness: false })).toThrow(BulletinInputError);
    expect(() => buildBulletin(s, tampered, { robustness: false })).toThrow(
      /does not give its stored score of A/,
    );
  });

  it('refuses a snapshot whose inputs re-evaluate to other ranks than it stored', () => {
    const tampered = copy(r.snapshots);
    tampered[1]!.body.results.overall.rank[2] = 2;
    expect(() => buildBulletin(s, tampered)).toThrow(
      /re-evaluating its inputs ranks C 1, the snapshot says 2/,
    );
  });

  it('refuses another scheme version, an unknown period and an empty store', () => {
    expect(() => buildBulletin({ ...s, version: '2' }, r.snapshots)).toThrow(
      /computed with scheme version 1, not 2/,
    );
    expect(() => buildBulletin(s, r.snapshots, { period: '2026-W09' })).toThrow(/"2026-W09" has no snapshot/);
    expect(() => buildBulletin(s, [])).toThrow(/no snapshots/);
  });

  it("limits the heat map to the focus entity's neighbours and the leader in a large field", () => {
    const ids = Array.from({ length: 60 }, (_, i) => `E${String(i).padStart(2, '0')}`);
    const big = scheme({
      periodKind: 'week',
      entities: entities(...ids),
      focus: ['E30'],
      indicators: [indicator('x'), indicator('y')],
    });
    // E00 best … E59 worst on both indicators.
    const o: Observation[] = ids.flatMap((entity, i) =>
      ['x', 'y'].map((ind) => ({
        period: '2026-W01',
        entity,
        indicator: ind,
        value: 100 - i,
        eventId: `${entity}${ind}`,
      })),
    );
    const b = buildBulletin(big, replaySeries(big, o).snapshots, { robustness: false });
    expect(b.heatmap.limited).toBe(true);
    expect(b.heatmap.entities).toEqual(['E00', ...ids.slice(20, 41)]);
    expect(b.heatmap.ranks.flat()).toHaveLength(2 * 22);
    expect(b.ranking).toHaveLength(60);
  });
});
