import { describe, expect, it } from 'vitest';
import type { SnapshotBody } from '../../../domain/snapshot.ts';
import {
  buildDashboard,
  bulletinEntry,
  type DashboardInput,
  headsVersion,
  trajectoryPeriods,
} from '../../../functions/shared/dashboard-data.ts';
import { body, DATA, HOTLINE, head, OVERALL, SCHEME, snapshot, states } from './dashboard-fixtures.ts';

const input = (over: Partial<DashboardInput> = {}): DashboardInput => ({
  schemeId: 'gansu',
  scheme: SCHEME,
  caller: { kind: 'leader' },
  heads: [head('2026-W04', 1), head('2026-W05', 2)],
  snapshots: [snapshot(body('2026-W04', 1, 81)), snapshot(body('2026-W05', 2))],
  notifications: states(),
  bulletins: { configured: false, items: [] },
  ...over,
});

describe('the dashboard ranking', () => {
  it('lists the current period’s ranking best first, ties sharing rank 1, the next rank skipped, names from the scheme', () => {
    const d = buildDashboard(input());
    expect(d.period).toBe('2026-W05');
    expect(d.ranking?.map((r) => [r.entity, r.rank, r.tied])).toEqual([
      ['lanzhou', 1, true],
      ['tianshui', 1, true],
      ['jiuquan', 3, false],
      ['gannan', null, false],
    ]);
    expect(d.ranking?.[0]?.name).toEqual({ zh: '兰州市', en: 'Lanzhou' });
    expect(d.ranking?.[3]?.unranked).toBe('no value for any indicator');
    expect(d.head).toEqual({
      period: '2026-W05',
      seq: 2,
      hash: 'h-2026-W05-2',
      recordedAt: '2026-02-02T01:00:00.000Z',
    });
    expect(d.scheme).toEqual({ id: 'gansu', version: '3', name: { zh: '甘肃周考核', en: 'Gansu weekly' } });
  });

  it('uses ids for names when the scheme is not known', () => {
    const d = buildDashboard(input({ scheme: undefined }));
    expect(d.ranking?.[0]?.name).toEqual({ zh: 'lanzhou', en: 'lanzhou' });
    expect(d.focus).toBeNull(); // no scheme focus and no stored gap to take it from
  });
});

describe('the focus entity’s gap', () => {
  it('is the first entity’s score minus the focus entity’s when the snapshot stores no gap (80.4 − 60 = 20.4)', () => {
    const g = buildDashboard(input()).focus!;
    expect(g).toMatchObject({ entity: 'jiuquan', rank: 3, position: 'behind', score: 60 });
    // The leader is the first rank-1 entity in the snapshot's order: tianshui, not lanzhou.
    expect(g.versus).toEqual({ entity: 'tianshui', name: { zh: '天水市', en: 'Tianshui' }, score: 80.4 });
    expect(g.scoreGap).toBeCloseTo(80.4 - 60, 12);
    expect(g.contributions).toEqual([]);
  });

  it('is the engine’s stored gap, with its contributions largest first, when the snapshot has one', () => {
    const stored = {
      jiuquan: {
        entity: 'jiuquan',
        rank: 3,
        score: 60,
        position: 'behind',
        versus: 'tianshui',
        scoreGap: 20.4,
        contributions: { hotline: 5.4, online: 15 },
      },
    } as unknown as SnapshotBody['results']['gap'];
    const d = buildDashboard(input({ snapshots: [snapshot(body('2026-W05', 2, 60, stored))] }));
    expect(d.focus?.scoreGap).toBe(20.4);
    expect(d.focus?.contributions).toEqual([
      { indicator: 'online', name: { zh: '网办率', en: 'online rate' }, value: 15 },
      { indicator: 'hotline', name: { zh: '12345满意度', en: 'hotline satisfaction' }, value: 5.4 },
    ]);
  });

  it('is the lead over the runner-up when the focus entity is first (80.4 − 80.1)', () => {
    const g = buildDashboard(input({ scheme: { ...SCHEME, focus: ['tianshui'] } })).focus!;
    expect(g).toMatchObject({ entity: 'tianshui', rank: 1, tied: true, position: 'first' });
    expect(g.versus?.entity).toBe('lanzhou');
    expect(g.scoreGap).toBeCloseTo(0.3, 12);
  });

  it('is 0 and unranked for an entity without a rank', () => {
    const g = buildDashboard(input({ scheme: { ...SCHEME, focus: ['gannan'] } })).focus!;
    expect(g).toMatchObject({ position: 'unranked', rank: null, scoreGap: 0, versus: null });
  });

  it('has a trajectory point per period read, oldest first, with the gap of each', () => {
    const t = buildDashboard(input()).trajectory!;
    expect(t.map((p) => [p.period, p.rank])).toEqual([
      ['2026-W04', 3],
      ['2026-W05', 3],
    ]);
    expect(t[0]!.scoreGap).toBeCloseTo(80.4 - 81, 12); // 81 is still ranked 3 in this hand-made body
    expect(t[1]!.scoreGap).toBeCloseTo(20.4, 12);
  });

  it('reads the last n periods that have a head, oldest first', () => {
    const heads = ['2026-W03', '2026-W01', '2026-W02', '2026-W04'].map((p) => head(p, 1));
    expect(trajectoryPeriods(heads, 3)).toEqual(['2026-W02', '2026-W03', '2026-W04']);
    expect(trajectoryPeriods(heads, 10)).toHaveLength(4);
  });
});

describe('the notifications on the dashboard', () => {
  it('shows a leader every live notification — open first, the critical one before the warning — and no resolved one', () => {
    const d = buildDashboard(input());
    expect(d.notifications.map((n) => [n.id, n.status])).toEqual([
      [OVERALL, 'open'],
      [HOTLINE, 'open'],
      [DATA, 'acknowledged'],
    ]);
    expect(d.canAcknowledge).toBe(true);
    const hotline = d.notifications.find((n) => n.id === HOTLINE)!;
    expect(hotline.text.zh).toBe('【警告】酒泉市 2026-W05 「12345满意度」排名由第2名变为第3名（排名下降）');
    expect(hotline.indicatorName).toEqual({ zh: '12345满意度', en: 'hotline satisfaction' });
    expect(d.notifications.find((n) => n.id === DATA)?.acknowledged?.by).toBe('王局长');
  });

  it('shows a department only its own indicators’ notifications', () => {
    const d = buildDashboard(input({ caller: { kind: 'department', department: 'hotline12345' } }));
    expect(d.notifications.map((n) => n.id)).toEqual([HOTLINE]);
    expect(d.canAcknowledge).toBe(true);
  });

  it('shows an auditor everything, read only', () => {
    const d = buildDashboard(input({ caller: { kind: 'auditor' } }));
    expect(d.notifications).toHaveLength(3);
    expect(d.canAcknowledge).toBe(false);
  });
});

describe('the version', () => {
  it('changes when any period gets a new snapshot, whatever order the heads come in', () => {
    const heads = [head('2026-W04', 1), head('2026-W05', 2)];
    expect(headsVersion(heads)).toMatch(/^[0-9a-f]{16}$/);
    expect(headsVersion([...heads].reverse())).toBe(headsVersion(heads));
    expect(headsVersion([head('2026-W04', 2), head('2026-W05', 2)])).not.toBe(headsVersion(heads));
    expect(headsVersion([head('2026-W04', 1), head('2026-W05', 2, 'other')])).not.toBe(headsVersion(heads));
  });

  it('leaves the ranking out for a caller that already has it, and still gives the head and notifications', () => {
    const since = headsVersion(input().heads);
    const d = buildDashboard(input({ since, snapshots: [] }));
    expect(d.changed).toBe(false);
    expect(d.ranking).toBeUndefined();
    expect(d.head).toMatchObject({ period: '2026-W05', seq: 2, hash: 'h-2026-W05-2' });
    expect(d.notifications).toHaveLength(3);
    expect(buildDashboard(input({ since: '0000000000000000' })).changed).toBe(true);
  });
});

describe('the bulletins list', () => {
  it('reads the period and kind from the bulletin function’s keys, and nothing from other keys', () => {
    expect(bulletinEntry('gansu', 'bulletins/gansu/2026-W26-weekly.html')).toEqual({
      key: 'bulletins/gansu/2026-W26-weekly.html',
      period: '2026-W26',
      kind: 'weekly',
    });
    expect(bulletinEntry('gansu', 'bulletins/gansu/2026-06-monthly.html')?.period).toBe('2026-06');
    expect(bulletinEntry('gansu', 'bulletins/other/2026-W26-weekly.html')).toBeUndefined();
    expect(bulletinEntry('gansu', 'bulletins/gansu/notes.txt')).toBeUndefined();
  });
});
