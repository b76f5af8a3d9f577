// A snapshot's overall ranking as rows (best first, ties by entity id so exports are stable), optionally
// with each indicator's value, score, rank and carry-forward flag: what the query API returns and exports.
import type { SnapshotBody } from '../../domain/snapshot.ts';

export interface IndicatorCell {
  value: number | null;
  score: number | null;
  rank: number | null;
  tied: boolean;
  carried: boolean;
}

export interface RankingRow {
  entity: string;
  /** null when unranked (see `unranked`). */
  rank: number | null;
  tied: boolean;
  score: number | null;
  unranked?: string;
  indicators?: Record<string, IndicatorCell>;
}

/** The overall ranking of a snapshot, best first (unranked entities last, by id). */
export function rankingRows(body: SnapshotBody, withIndicators: boolean): RankingRow[] {
  const { inputs, results } = body;
  const reasons = new Map(results.unranked.map((u) => [u.entity, u.reason]));
  const rows = inputs.entities.map((entity, e): RankingRow => {
    const rank = results.overall.rank[e] ?? 0;
    const row: RankingRow = {
      entity,
      rank: rank > 0 ? rank : null,
      tied: results.overall.tied[e] === 1,
      score: results.overall.score[e] ?? null,
    };
    if (rank === 0) row.unranked = reasons.get(entity) ?? 'not ranked';
    if (withIndicators) {
      row.indicators = {};
      inputs.indicators.forEach((id, j) => {
        const r = results.indicatorRanks[j]?.[e] ?? 0;
        row.indicators![id] = {
          value: inputs.values[j]?.[e] ?? null,
          score: results.indicatorScores[j]?.[e] ?? null,
          rank: r > 0 ? r : null,
          tied: results.indicatorTied[j]?.[e] === 1,
          carried: results.carried[j]?.[e] === 1,
        };
      });
    }
    return row;
  });
  return rows.sort(
    (a, b) =>
      (a.rank ?? Number.POSITIVE_INFINITY) - (b.rank ?? Number.POSITIVE_INFINITY) ||
      (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0),
  );
}
