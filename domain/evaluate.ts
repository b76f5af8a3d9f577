// Evaluates one period: carry-forward of missing values, indicator scores and ranks, the composite over
// the weight tree, optional rescale, and overall competition ranks. Index-based for speed at 3,000 × 200.
import { periodOrdinal } from './period.ts';
import { competitionRanks, competitionRanksInto, roundTo } from './ranking.ts';
import { scoreColumn } from './scoring.ts';
import { aggregateEntity, type CompiledScheme } from './tree.ts';

/** Values of one period: indicator id → entity id → value. */
export type PeriodValues = Record<string, Record<string, number>>;

export interface PeriodMatrix {
  period: string;
  /** Entity-major values, `values[e * m + j]`; NaN = no observation. */
  values: Float64Array;
}

export interface Evaluation {
  compiled: CompiledScheme;
  period: string;
  n: number;
  m: number;
  /** Entity-major matrices (n × m). */
  values: Float64Array;
  carried: Uint8Array;
  scores: Float64Array;
  valueRank: Int32Array;
  valueTied: Uint8Array;
  /** Node values per entity (n × nodes), for path recomputation. */
  nodeValues: Float64Array;
  rawComposite: Float64Array;
  composite: Float64Array;
  rank: Int32Array;
  tied: Uint8Array;
  unranked: { entity: string; reason: string }[];
  rescale: { min: number; max: number } | undefined;
}

export class UnknownReferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownReferenceError';
  }
}

/** Converts id-keyed values into an entity-major matrix (unknown ids are an error naming them). */
export function toMatrix(c: CompiledScheme, period: string, values: PeriodValues): PeriodMatrix {
  const n = c.entityIds.length;
  const m = c.indicators.length;
  const out = new Float64Array(n * m).fill(Number.NaN);
  for (const [indicator, byEntity] of Object.entries(values)) {
    const j = c.indicatorIndex.get(indicator);
    if (j === undefined) throw new UnknownReferenceError(`unknown indicator "${indicator}" in ${period}`);
    for (const [entity, v] of Object.entries(byEntity)) {
      const e = c.entityIndex.get(entity);
      if (e === undefined) throw new UnknownReferenceError(`unknown entity "${entity}" in ${period}`);
      out[e * m + j] = v;
    }
  }
  return { period, values: out };
}

/**
 * Evaluates `current` given earlier periods (`history`, any order) used only to carry missing values
 * forward at most `missing.carryForward` periods.
 */
export function evaluate(
  c: CompiledScheme,
  current: PeriodMatrix,
  history: readonly PeriodMatrix[] = [],
): Evaluation {
  const scheme = c.scheme;
  const n = c.entityIds.length;
  const m = c.indicators.length;
  const size = n * m;
  const values = Float64Array.from(current.values);
  const carried = new Uint8Array(size);
  const k = scheme.missing.carryForward;
  if (k > 0 && history.length > 0) {
    const now = periodOrdinal(scheme.periodKind, current.period);
    const earlier = history
      .map((h) => ({ h, age: now - periodOrdinal(scheme.periodKind, h.period) }))
      .filter((x) => x.age >= 1 && x.age <= k)
      .sort((a, b) => a.age - b.age);
    for (let i = 0; i < size; i++) {
      if (!Number.isNaN(values[i]!)) continue;
      for (const { h } of earlier) {
        const v = h.values[i]!;
        if (!Number.isNaN(v)) {
          values[i] = v;
          carried[i] = 1;
          break;
        }
      }
    }
  }

  const scores = new Float64Array(size);
  const valueRank = new Int32Array(size);
  const valueTied = new Uint8Array(size);
  const column = new Float64Array(n);
  for (let j = 0; j < m; j++) {
    const ind = c.indicators[j]!;
    scoreColumn(ind, values, scores, n, m, j);
    const p = c.precision[j];
    for (let e = 0; e < n; e++) column[e] = roundTo(values[e * m + j]!, p);
    competitionRanksInto(column, c.higher[j] === 1, valueRank, valueTied, m, j);
  }

  const policy = scheme.missing.otherwise;
  const unranked: Evaluation['unranked'] = [];
  const nodeCount = c.nodes.length;
  const nodeValues = new Float64Array(n * nodeCount);
  const rawComposite = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    const row = scores.subarray(e * m, e * m + m);
    let present = 0;
    for (let j = 0; j < m; j++) if (!Number.isNaN(row[j]!)) present++;
    const missingCount = m - present;
    if (present === 0) {
      rawComposite[e] = Number.NaN;
      nodeValues.fill(Number.NaN, e * nodeCount, (e + 1) * nodeCount);
      unranked.push({ entity: c.entityIds[e]!, reason: 'no values for this period' });
      continue;
    }
    if (missingCount > 0 && policy === 'unranked') {
      rawComposite[e] = Number.NaN;
      nodeValues.fill(Number.NaN, e * nodeCount, (e + 1) * nodeCount);
      const missing = c.indicators.filter((_, j) => Number.isNaN(row[j]!)).map((ind) => ind.id);
      unranked.push({ entity: c.entityIds[e]!, reason: `missing values: ${missing.join(', ')}` });
      continue;
    }
    if (missingCount > 0 && policy === 'zero') {
      for (let j = 0; j < m; j++) if (Number.isNaN(row[j]!)) row[j] = 0;
    }
    rawComposite[e] = aggregateEntity(c, row, nodeValues.subarray(e * nodeCount, (e + 1) * nodeCount));
  }

  let composite: Float64Array = rawComposite;
  let rescale: Evaluation['rescale'];
  if (scheme.composite.rescale === 'minmax') {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let e = 0; e < n; e++) {
      const s = rawComposite[e]!;
      if (Number.isNaN(s)) continue;
      if (s < min) min = s;
      if (s > max) max = s;
    }
    rescale = { min, max };
    composite = rescaleComposite(rawComposite, rescale);
  }
  const keys = new Float64Array(n);
  const precision = scheme.composite.precision;
  for (let e = 0; e < n; e++) keys[e] = roundTo(composite[e]!, precision);
  const { rank, tied } = competitionRanks(keys, true);
  return {
    compiled: c,
    period: current.period,
    n,
    m,
    values,
    carried,
    scores,
    valueRank,
    valueTied,
    nodeValues,
    rawComposite,
    composite,
    rank,
    tied,
    unranked,
    rescale,
  };
}

export function rescaleComposite(raw: Float64Array, r: { min: number; max: number }): Float64Array {
  const out = new Float64Array(raw.length);
  const range = r.max - r.min;
  // NaN (unranked) stays NaN even when every ranked composite is equal.
  for (let e = 0; e < raw.length; e++)
    out[e] = Number.isNaN(raw[e]!) ? Number.NaN : range === 0 ? 1 : (raw[e]! - r.min) / range;
  return out;
}

/** Entities ordered best first (ranked only), ties in scheme order. */
export function rankedOrder(ev: Evaluation): number[] {
  const order: number[] = [];
  for (let e = 0; e < ev.n; e++) if (ev.rank[e]! > 0) order.push(e);
  return order.sort((a, b) => ev.rank[a]! - ev.rank[b]! || a - b);
}
