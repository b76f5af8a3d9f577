// Acceptance: `rankwatch evaluate` reproduces every published EPI 2020 value (1 decimal) and rank from the
// 32 full-precision indicator scores and the published weight tree, renormalising over missing children.
import { beforeAll, describe, expect, it } from 'vitest';
import type { PeriodAssessment } from '../../domain/assessment.ts';
import { evaluateViaCli, type ObservationRow, readTable } from './evaluate-cli.ts';

const weights = readTable('epi2020/2020-epi-6_EPI_Weights.csv');
const indicatorRows = readTable('epi2020/epi2020-indicators-2020.csv');
const results = readTable('epi2020/epi2020results20200604.csv');

/** The scheme, built from the published weight table: indicator → issue category → policy objective → EPI. */
function epiScheme() {
  const name = (r: Record<string, string>) => ({ en: r.Variable! });
  const topics = weights
    .filter((r) => r.Type === 'PolicyObjective' || r.Type === 'IssueCategory')
    .map((r) => ({
      id: r.Abbreviation!,
      name: name(r),
      weight: Number(r.Weight),
      ...(r.NextLevel === 'EPI' ? {} : { parent: r.NextLevel! }),
    }));
  const indicators = weights
    .filter((r) => r.Type === 'Indicator')
    .map((r) => ({
      id: r.Abbreviation!,
      name: name(r),
      topic: r.NextLevel!,
      weight: Number(r.Weight),
      direction: 'higher',
      unit: 'score',
      owner: 'yale-ycelp',
      // The indicator files already hold the 0-100 scores.
      normalise: { method: 'none' },
    }));
  return {
    id: 'epi',
    version: '2020',
    name: { zh: '环境绩效指数', en: 'Environmental Performance Index' },
    periodKind: 'year',
    entities: results.map((r) => ({ id: r.iso!, name: { en: r.country! } })),
    topics,
    indicators,
    composite: { aggregate: 'arithmetic', precision: 1 },
    // A country without an indicator (e.g. landlocked: no fisheries, no marine protected areas) is scored
    // on the indicators it has, its siblings' weights renormalised.
    missing: { carryForward: 0, otherwise: 'reweight' },
  };
}

describe('EPI 2020 reproduced through rankwatch evaluate', () => {
  let period: PeriodAssessment;
  let ours: Map<string, PeriodAssessment['overall'][number]>;
  let missingCount = 0;

  beforeAll(async () => {
    const scheme = epiScheme();
    const observations: ObservationRow[] = [];
    for (const r of indicatorRows) {
      for (const ind of scheme.indicators) {
        const value = r[`${ind.id}.ind.2020`]!;
        if (value === 'NA') {
          missingCount++;
          continue;
        }
        observations.push({ period: '2020', entity: r.iso!, indicator: ind.id, value });
      }
    }
    const result = await evaluateViaCli(scheme, observations);
    period = result.periods[0]!;
    ours = new Map(period.overall.map((o) => [o.entity, o]));
  });

  it('uses the published tree of 32 indicators in 13 topics, with missing values to renormalise over', () => {
    const scheme = epiScheme();
    expect(scheme.indicators).toHaveLength(32);
    expect(scheme.topics).toHaveLength(2 + 11); // policy objectives + issue categories
    expect(indicatorRows.map((r) => r.iso).sort()).toEqual(results.map((r) => r.iso).sort());
    expect(missingCount).toBeGreaterThan(0);
    // Landlocked countries have no fisheries at all, so the whole FSH category drops out and ECO renormalises.
    const seaOnly = weights.filter((r) => r.Type === 'Indicator' && r.MaterialityFilter === 'SEA');
    const landlocked = indicatorRows.filter((r) =>
      seaOnly.every((i) => r[`${i.Abbreviation}.ind.2020`] === 'NA'),
    );
    expect(landlocked.map((r) => r.iso)).toContain('AFG');
  });

  it('ranks all 180 countries, none unranked', () => {
    expect(results).toHaveLength(180);
    expect(period.unranked).toEqual([]);
    expect(period.overall).toHaveLength(180);
  });

  it('gives every published EPI value to 1 decimal', () => {
    const wrong = results
      .map((r) => ({
        iso: r.iso,
        published: Math.round(Number(r['EPI.new']) * 10),
        ours: Math.round(ours.get(r.iso!)!.score * 10),
      }))
      .filter((x) => x.published !== x.ours);
    expect(wrong).toEqual([]);
  });

  it('keeps every score clear of a rounding boundary, so the 1-decimal comparison is not luck', () => {
    for (const r of results) {
      const tenths = ours.get(r.iso!)!.score * 10;
      // The closest is Japan, 0.00026 points from a boundary; float error is ~1e-13.
      expect(Math.abs((tenths % 1) - 0.5), r.iso).toBeGreaterThan(1e-3);
    }
  });

  it('gives every published rank, as competition ranks on the 1-decimal EPI (22 tie groups)', () => {
    const wrong = results
      .map((r) => ({ iso: r.iso, published: Number(r['EPI.rnk.new']), ours: ours.get(r.iso!)!.rank }))
      .filter((x) => x.published !== x.ours);
    expect(wrong).toEqual([]);
    const perRank = new Map<string, number>();
    for (const r of results) perRank.set(r['EPI.rnk.new']!, (perRank.get(r['EPI.rnk.new']!) ?? 0) + 1);
    for (const r of results) expect(ours.get(r.iso!)!.tied, r.iso).toBe(perRank.get(r['EPI.rnk.new']!)! > 1);
    expect([...perRank.values()].filter((count) => count > 1)).toHaveLength(22);
  });
});
