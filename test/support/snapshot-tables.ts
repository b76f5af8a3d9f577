// Comparing a stored snapshot with what `rankwatch evaluate` (assessSeries) computes for the same period:
// shared by the pipeline tests (DynamoDB Local) and the local engine tests (bundled functions).
import { expect } from 'vitest';
import type { PeriodAssessment } from '../../domain/assessment.ts';
import { jsonSafe } from '../../domain/chain.ts';
import type { SnapshotBody } from '../../domain/snapshot.ts';

/** The ranks and tables of a stored snapshot in the shape `assessSeries` reports them (carried values null). */
export function tablesOfBody(body: SnapshotBody) {
  const { entities, indicators } = body.inputs;
  const r = body.results;
  const order = (a: { rank: number; entity: string }, b: { rank: number; entity: string }) =>
    a.rank - b.rank || entities.indexOf(a.entity) - entities.indexOf(b.entity);
  const overall = entities
    .map((entity, e) => ({
      entity,
      score: r.overall.score[e],
      rank: r.overall.rank[e]!,
      tied: r.overall.tied[e] === 1,
    }))
    .filter((row) => row.rank > 0)
    .sort(order);
  const byIndicator = Object.fromEntries(
    indicators.map((id, j) => [
      id,
      entities
        .map((entity, e) => ({
          entity,
          value: body.inputs.values[j]![e] ?? null,
          rank: r.indicatorRanks[j]![e]!,
          tied: r.indicatorTied[j]![e] === 1,
          carried: r.carried[j]![e] === 1,
          score: r.indicatorScores[j]![e],
        }))
        .filter((row) => row.rank > 0)
        .sort(order),
    ]),
  );
  return { overall, byIndicator };
}

/** Asserts a stored snapshot holds the ranks, ties, scores, gaps, diagnosis and slips `assessSeries` computed. */
export function expectSnapshotMatches(body: SnapshotBody, expected: PeriodAssessment): void {
  const label = body.period;
  const got = tablesOfBody(body);
  expect(got.overall, label).toEqual(
    expected.overall.map((o) => ({ entity: o.entity, score: o.score, rank: o.rank, tied: o.tied })),
  );
  for (const [id, list] of Object.entries(expected.indicators))
    expect(got.byIndicator[id], `${label} ${id}`).toEqual(
      // stored inputs hold only observed values: a carried value is derived again from earlier periods
      list.map((o) => ({
        entity: o.entity,
        value: o.carried ? null : o.value,
        rank: o.rank,
        tied: o.tied,
        carried: o.carried,
        score: o.score,
      })),
    );
  expect(body.results.unranked, label).toEqual(expected.unranked);
  expect(body.results.gap, label).toEqual(jsonSafe(expected.gap));
  expect(body.results.diagnosis, label).toEqual(jsonSafe(expected.diagnosis));
  expect(body.results.slips, label).toEqual(jsonSafe(expected.slips));
}
