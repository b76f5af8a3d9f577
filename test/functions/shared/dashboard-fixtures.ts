// Hand-made snapshots and notifications for the dashboard's tests: four entities, two tied for first.
import { type NotificationState, openState } from '../../../domain/lifecycle.ts';
import type { Notification } from '../../../domain/notifications.ts';
import type { SnapshotBody } from '../../../domain/snapshot.ts';
import type { CheckedSnapshot, HeadSummary, SchemeView } from '../../../functions/shared/dashboard-data.ts';

export const SCHEME: SchemeView = {
  id: 'gansu',
  version: '3',
  name: { zh: '甘肃周考核', en: 'Gansu weekly' },
  entities: [
    { id: 'tianshui', name: { zh: '天水市', en: 'Tianshui' } },
    { id: 'lanzhou', name: { zh: '兰州市', en: 'Lanzhou' } },
    { id: 'jiuquan', name: { zh: '酒泉市', en: 'Jiuquan' } },
    { id: 'gannan', name: { zh: '甘南州', en: 'Gannan' } },
  ],
  indicators: [
    { id: 'hotline', name: { zh: '12345满意度', en: 'hotline satisfaction' } },
    { id: 'online', name: { zh: '网办率', en: 'online rate' } },
  ] as SchemeView['indicators'],
  focus: ['jiuquan'],
};

/**
 * Four entities in this order: tianshui and lanzhou tie for first (80.4 and 80.1, equal once rounded),
 * jiuquan third with `score`, gannan unranked. No stored gap unless given.
 */
export function body(
  period: string,
  seq: number,
  score = 60,
  gap: SnapshotBody['results']['gap'] = {},
): SnapshotBody {
  return {
    scheme: { id: 'gansu', version: '3' },
    period,
    seq,
    recordedAt: `2026-02-0${seq}T01:00:00.000Z`,
    applied: [],
    inputs: {
      entities: ['tianshui', 'lanzhou', 'jiuquan', 'gannan'],
      indicators: ['hotline', 'online'],
      events: [],
      values: [],
      cellEvents: [],
    },
    results: {
      overall: { score: [80.4, 80.1, score, null], rank: [1, 1, 3, 0], tied: [1, 1, 0, 0] },
      unranked: [{ entity: 'gannan', reason: 'no value for any indicator' }],
      indicatorScores: [],
      indicatorRanks: [],
      indicatorTied: [],
      carried: [],
      gap,
      diagnosis: {},
      slips: [],
      standings: { period, entities: {} },
    },
  } as unknown as SnapshotBody;
}

export const snapshot = (b: SnapshotBody, hash = `h-${b.period}-${b.seq}`): CheckedSnapshot => ({
  manifest: { period: b.period, seq: b.seq, hash, recordedAt: b.recordedAt, schemeVersion: '3' },
  body: b,
});
export const head = (period: string, seq: number, hash = `h-${period}-${seq}`): HeadSummary => ({
  period,
  seq,
  hash,
  recordedAt: '2026-02-01T01:00:00.000Z',
});

export const notification = (id: string, owner: string | undefined, severity = 'warning'): Notification =>
  ({
    id,
    scheme: 'gansu',
    period: '2026-W05',
    seq: 1,
    entity: 'jiuquan',
    scope: owner ? 'indicator' : 'overall',
    ...(owner ? { indicator: 'hotline', owner } : {}),
    severity,
    rule: 'rankDrop',
    rules: [
      {
        key: `k-${id}`,
        entity: 'jiuquan',
        scope: owner ? 'indicator' : 'overall',
        ...(owner ? { indicator: 'hotline' } : {}),
        rule: 'rankDrop',
        severity,
        comparison: 'periodOverPeriod',
        fromPeriod: '2026-W04',
        toPeriod: '2026-W05',
        fromRank: 2,
        toRank: 3,
      },
    ],
    inhibited: [],
    alertKeys: [`k-${id}`],
    openedAt: `2026-02-0${id.slice(-1)}T01:00:00.000Z`,
  }) as unknown as Notification;

export const HOTLINE = 'N00000000000000000001';
export const OVERALL = 'N00000000000000000002';
export const RESOLVED = 'N00000000000000000003';
export const DATA = 'N00000000000000000004';
export const states = (): NotificationState[] => [
  openState(notification(HOTLINE, 'hotline12345')),
  openState(notification(OVERALL, undefined, 'critical')),
  { ...openState(notification(RESOLVED, 'hotline12345')), status: 'resolved' },
  {
    ...openState(notification(DATA, 'datasharing')),
    status: 'acknowledged',
    acknowledged: { by: '王局长', at: '2026-02-05T02:00:00.000Z' },
  },
];
