// The 3,000 × 200 scale case (mixed methods in four weighted topics) and its published tables, shared by the
// scale test and bench/ingest.

import { mulberry32 } from '../../domain/random.ts';
import { parseScheme, type Scheme } from '../../domain/scheme.ts';
import { INDICATOR_RESULTS_PUBLISHED } from '../../events/index.ts';
import { type BusEvent, envelope, uuidOf } from './pipeline.ts';

export const SCALE_ENTITIES = 3_000;
export const SCALE_INDICATORS = 200;

const pad = (k: number, w: number) => String(k).padStart(w, '0');
const methods = [
  { method: 'minmax' },
  { method: 'zscore' },
  { method: 'goalpost', best: 100, worst: 0 },
  { method: 'rank' },
] as const;

export function scaleScheme(id: string, name: { zh: string; en: string }): Scheme {
  return parseScheme({
    id,
    version: '1',
    name,
    periodKind: 'week',
    entities: Array.from({ length: SCALE_ENTITIES }, (_, e) => ({
      id: `e${pad(e, 4)}`,
      name: { en: `E${e}` },
    })),
    focus: ['e0000'],
    topics: Array.from({ length: 4 }, (_, t) => ({ id: `t${t}`, name: { en: `T${t}` }, weight: t + 1 })),
    indicators: Array.from({ length: SCALE_INDICATORS }, (_, j) => ({
      id: `i${pad(j, 3)}`,
      name: { en: `I${j}` },
      topic: `t${j % 4}`,
      weight: 1 + (j % 3),
      direction: 'higher',
      unit: '',
      owner: 'bureau',
      precision: 2,
      normalise: methods[j % methods.length],
    })),
    composite: { aggregate: 'arithmetic', precision: 2 },
    rules: { slip: [{ rule: 'rankDrop', min: 1 }, { rule: 'lostFirst' }, { rule: 'belowAverage' }] },
  });
}

/** One `Indicator.ResultsPublished` per indicator, seeded values 0–100 with two decimals. */
export function scaleTables(
  scheme: Scheme,
  opts: { period: string; seed: number; observedAt: string; eventIdParts: (indicator: string) => string[] },
): BusEvent[] {
  const rand = mulberry32(opts.seed);
  return scheme.indicators.map((ind) =>
    envelope(
      INDICATOR_RESULTS_PUBLISHED,
      'dept.bureau',
      {
        schemaVersion: 1,
        scheme: scheme.id,
        indicator: ind.id,
        period: opts.period,
        observedAt: opts.observedAt,
        values: scheme.entities.map((e) => ({ entity: e.id, value: Math.round(rand() * 10_000) / 100 })),
      },
      uuidOf(...opts.eventIdParts(ind.id)),
    ),
  );
}
