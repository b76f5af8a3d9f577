// Acceptance: `rankwatch evaluate` reproduces the published InCiSE 2019 index (min-max rescaled weighted sum
// of 12 indicator scores, weights from the data-quality table) and its ranking, for all 38 countries.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PeriodAssessment } from '../../domain/assessment.ts';
import { evaluateViaCli, FIXTURES, type ObservationRow, readTable } from './evaluate-cli.ts';

/** Indicator names in the weight table → their code in the results table (`ind_<code>`). */
const CODES: Record<string, string> = {
  Capabilities: 'cap',
  'Crisis & risk management': 'crm',
  'Digital services': 'dig',
  'Fiscal and financial management': 'ffm',
  'HR management': 'hrm',
  Inclusiveness: 'inc',
  Integrity: 'int',
  Openness: 'opn',
  'Policy making': 'pol',
  Procurement: 'pro',
  Regulation: 'reg',
  'Tax administration': 'tax',
};

/** The data-quality sums per indicator from the technical report's table 2.7-A (pipe-separated text). */
function dqaSums(): { name: string; code: string; dqa: number }[] {
  const text = readFileSync(new URL('incise2019/table_2-7-A_indicator_weights.txt', FIXTURES), 'utf8');
  return text
    .split('\n')
    .slice(2)
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .filter((cells) => cells.length >= 2 && cells[0] !== '' && cells[0] !== 'Overall')
    .map(([name, dqa]) => ({ name: name!, code: CODES[name!]!, dqa: Number(dqa) }));
}

/** The total the report divides by (its "Overall" row; the rounded sums add up to 301.750). */
const DQA_TOTAL = 301.749;

const results = readTable('incise2019/incise_results.csv');

function inciseScheme() {
  const indicators = dqaSums().map(({ name, code, dqa }) => ({
    id: code,
    name: { en: name },
    // w_i = (2/3)(1/12) + (1/3) dqa_i / 301.749: two thirds equal, one third by data quality.
    weight: (2 / 3) * (1 / 12) + (1 / 3) * (dqa / DQA_TOTAL),
    direction: 'higher',
    unit: 'score',
    owner: 'incise',
    normalise: { method: 'none' },
  }));
  return {
    id: 'incise',
    version: '2019',
    name: { zh: '国际公务员效能指数', en: 'International Civil Service Effectiveness Index' },
    periodKind: 'year',
    entities: results.map((r) => ({ id: r.cc_iso3c!, name: { en: r.cc_name! } })),
    indicators,
    composite: { aggregate: 'arithmetic', rescale: 'minmax' },
  };
}

/** Competition ranks ("1224") of the published index, higher is better. */
function publishedRanks(): Map<string, number> {
  const index = results.map((r) => Number(r.incise_index));
  return new Map(results.map((r, i) => [r.cc_iso3c!, 1 + index.filter((x) => x > index[i]!).length]));
}

describe('InCiSE 2019 reproduced through rankwatch evaluate', () => {
  let period: PeriodAssessment;
  let ours: Map<string, PeriodAssessment['overall'][number]>;

  beforeAll(async () => {
    const scheme = inciseScheme();
    const observations: ObservationRow[] = results.flatMap((r) =>
      scheme.indicators.map((ind) => ({
        period: '2019',
        entity: r.cc_iso3c!,
        indicator: ind.id,
        value: r[`ind_${ind.id}`]!,
      })),
    );
    period = (await evaluateViaCli(scheme, observations)).periods[0]!;
    ours = new Map(period.overall.map((o) => [o.entity, o]));
  });

  it('reads all 12 weights and all 38 countries', () => {
    expect(dqaSums().map((d) => d.code)).toEqual(Object.values(CODES));
    expect(results).toHaveLength(38);
    expect(period.unranked).toEqual([]);
    expect(period.overall).toHaveLength(38);
  });

  it('gives every published index value (within 2e-6: the dqa sums are published to 3 decimals)', () => {
    const wrong = results
      .map((r) => ({
        iso: r.cc_iso3c,
        published: Number(r.incise_index),
        ours: ours.get(r.cc_iso3c!)!.score,
      }))
      .filter((x) => !(Math.abs(x.published - x.ours) < 2e-6));
    expect(wrong).toEqual([]);
  });

  it('rescales the leader to exactly 1 and the last to exactly 0', () => {
    expect(period.overall[0]).toMatchObject({ entity: 'GBR', score: 1, rank: 1 });
    expect(period.overall.at(-1)!.score).toBe(0);
  });

  it('ranks every country as the published index does', () => {
    const expected = publishedRanks();
    const wrong = results
      .map((r) => ({
        iso: r.cc_iso3c,
        published: expected.get(r.cc_iso3c!),
        ours: ours.get(r.cc_iso3c!)!.rank,
      }))
      .filter((x) => x.published !== x.ours);
    expect(wrong).toEqual([]);
    expect(period.overall.some((o) => o.tied)).toBe(false);
  });
});
