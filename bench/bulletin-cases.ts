// The cases bench/robustness.ts and bench/bulletin.ts measure: 14 × 30 (mixed methods in three weighted
// topics, one geometric) and the 3,000 × 200 scale case of test/support/scale.ts, as seeded observations.
import type { Observation } from '../domain/observations.ts';
import { periodAt, periodOrdinal } from '../domain/period.ts';
import { mulberry32 } from '../domain/random.ts';
import { parseScheme, type Scheme } from '../domain/scheme.ts';
import { scaleScheme } from '../test/support/scale.ts';

export interface BenchCase {
  label: string;
  scheme: Scheme;
  observations: Observation[];
}

const METHODS = [
  { method: 'minmax' },
  { method: 'zscore' },
  { method: 'goalpost', best: 100, worst: 0 },
  { method: 'rank' },
  { method: 'none' },
] as const;

/** Weekly observations: each entity has a level of its own, and each week moves it a little. */
function observations(scheme: Scheme, weeks: number, seed: number): Observation[] {
  const rand = mulberry32(seed);
  const start = periodOrdinal('week', '2026-W01');
  const level = scheme.entities.map(() => scheme.indicators.map(() => 20 + rand() * 60));
  const out: Observation[] = [];
  for (let w = 0; w < weeks; w++) {
    const period = periodAt('week', start + w);
    scheme.entities.forEach((e, i) => {
      scheme.indicators.forEach((ind, j) => {
        const row = level[i]!;
        row[j] = Math.min(100, Math.max(0, row[j]! + (rand() - 0.5) * 6));
        out.push({
          period,
          entity: e.id,
          indicator: ind.id,
          value: Math.round(row[j]! * 100) / 100,
          eventId: `${period}/${e.id}/${ind.id}`,
        });
      });
    });
  }
  return out;
}

export function case14x30(weeks = 8): BenchCase {
  const scheme = parseScheme({
    id: 'bench-14x30',
    version: '1',
    name: { zh: '基准 14×30', en: 'Benchmark 14 × 30' },
    periodKind: 'week',
    entities: Array.from({ length: 14 }, (_, e) => ({
      id: `c${e}`,
      name: { zh: `城市${e}`, en: `City ${e}` },
    })),
    focus: ['c0'],
    topics: [
      { id: 't0', name: { zh: '类别0', en: 'Topic 0' }, weight: 3 },
      { id: 't1', name: { zh: '类别1', en: 'Topic 1' }, weight: 2 },
      { id: 't2', name: { zh: '类别2', en: 'Topic 2' }, weight: 2, aggregate: 'geometric', floor: 1 },
    ],
    indicators: Array.from({ length: 30 }, (_, j) => ({
      id: `i${j}`,
      name: { zh: `指标${j}`, en: `Indicator ${j}` },
      topic: `t${j % 3}`,
      weight: 1 + (j % 4),
      direction: 'higher',
      unit: '%',
      owner: `d${j % 5}`,
      precision: 2,
      normalise: METHODS[j % METHODS.length],
    })),
    composite: { aggregate: 'arithmetic', precision: 2 },
    rules: { slip: [{ rule: 'rankDrop', min: 1 }, { rule: 'lostFirst' }] },
    robustness: {
      draws: 1000,
      weights: { distribution: 'uniform', spread: 0.25 },
      alternatives: [{ normalise: { method: 'minmax' } }, { indicator: 'i1', normalise: { method: 'rank' } }],
    },
  });
  return { label: '14 × 30', scheme, observations: observations(scheme, weeks, 14_30) };
}

export function caseScale(weeks = 8): BenchCase {
  const scheme = scaleScheme('bench-scale', { zh: '基准 3000×200', en: 'Benchmark 3,000 × 200' });
  return { label: '3,000 × 200', scheme, observations: observations(scheme, weeks, 3_000_200) };
}
