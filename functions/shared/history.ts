// The per-entity history projection: one small item per entity and snapshot (overall rank and score, each
// indicator's value, score and rank), built from a snapshot body. The `project` function writes these items;
// the auditors' history answers and `verify` rebuild them from the chained snapshots and compare.
import type { SnapshotBody } from '../../domain/snapshot.ts';
import { keys } from './table.ts';

export interface HistoryItem {
  PK: string;
  SK: string;
  scheme: string;
  entity: string;
  period: string;
  seq: number;
  recordedAt: string;
  hash: string;
  rank: number;
  tied: boolean;
  score: number | null;
  /** indicator id → [value, score, rank] (nulls where missing). */
  indicators: Record<string, [number | null, number | null, number]>;
}

/** The history item of the entity at index `e` of a snapshot. */
export function historyItem(body: SnapshotBody, hash: string, e: number): HistoryItem {
  const { inputs, results } = body;
  const entity = inputs.entities[e]!;
  const indicators: HistoryItem['indicators'] = {};
  inputs.indicators.forEach((id, j) => {
    indicators[id] = [
      inputs.values[j]?.[e] ?? null,
      results.indicatorScores[j]?.[e] ?? null,
      results.indicatorRanks[j]?.[e] ?? 0,
    ];
  });
  return {
    ...keys.history(body.scheme.id, entity, body.period, body.seq),
    scheme: body.scheme.id,
    entity,
    period: body.period,
    seq: body.seq,
    recordedAt: body.recordedAt,
    hash,
    rank: results.overall.rank[e] ?? 0,
    tied: results.overall.tied[e] === 1,
    score: results.overall.score[e] ?? null,
    indicators,
  };
}

/** The history items of every entity of one snapshot. */
export function historyItems(body: SnapshotBody, hash: string): HistoryItem[] {
  return body.inputs.entities.map((_, e) => historyItem(body, hash, e));
}

const FIELDS = [
  'PK',
  'SK',
  'scheme',
  'entity',
  'period',
  'seq',
  'recordedAt',
  'hash',
  'rank',
  'tied',
  'score',
] as const;

/**
 * The first difference between a stored history item and the one rebuilt from its snapshot, as
 * `field stored ≠ snapshot's` (e.g. `rank 9 ≠ 1`), or null when they agree. Attributes the projection never
 * writes count as differences too.
 */
export function historyDifference(stored: Record<string, unknown>, expected: HistoryItem): string | null {
  for (const f of FIELDS)
    if (stored[f] !== expected[f])
      return `${f} ${JSON.stringify(stored[f])} ≠ ${JSON.stringify(expected[f])}`;
  const storedIndicators = (stored.indicators ?? {}) as Record<string, unknown>;
  for (const [id, cell] of Object.entries(expected.indicators)) {
    const s = storedIndicators[id];
    if (!Array.isArray(s) || s.length !== 3 || s.some((v, k) => v !== cell[k]))
      return `indicators.${id} ${JSON.stringify(s)} ≠ ${JSON.stringify(cell)}`;
  }
  const extra = Object.keys(storedIndicators).find((id) => !(id in expected.indicators));
  if (extra !== undefined) return `indicators.${extra} is not in the snapshot`;
  const unknown = Object.keys(stored).find(
    (k) => k !== 'indicators' && !(FIELDS as readonly string[]).includes(k),
  );
  return unknown === undefined ? null : `${unknown} is not written by the projection`;
}
