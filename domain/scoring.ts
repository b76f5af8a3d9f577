// Indicator scores from values: goalpost, minmax, zscore, rank (with points), none — per SPEC "Scoring".
import { competitionRanks, roundTo } from './ranking.ts';
import type { Indicator } from './scheme.ts';

type Goalpost = Extract<Indicator['normalise'], { method: 'goalpost' }>;

function transform(n: Goalpost, x: number): number {
  return n.transform === 'log' ? Math.log(x + (n.offset ?? 0)) : x;
}

/** Goalpost score of one value (bounds fixed across periods), clamped to [0, 100]. */
export function goalpostScore(n: Goalpost, x: number): number {
  const t = transform(n, x);
  const lo = transform(n, n.worst);
  const hi = transform(n, n.best);
  const s = ((t - lo) / (hi - lo)) * 100;
  if (Number.isNaN(s)) return 0; // log of a non-positive value: the worst possible
  return Math.min(100, Math.max(0, s));
}

/** The value whose goalpost score is `s` (inverse of goalpostScore inside the bounds). */
export function goalpostValue(n: Goalpost, s: number): number {
  const lo = transform(n, n.worst);
  const hi = transform(n, n.best);
  const t = lo + (s / 100) * (hi - lo);
  return n.transform === 'log' ? Math.exp(t) - (n.offset ?? 0) : t;
}

/** minmax score of x given the period's lowest and highest values (all equal → 100). */
export function minmaxScore(x: number, lo: number, hi: number, higher: boolean): number {
  const range = hi - lo;
  if (range === 0) return 100;
  return higher ? ((x - lo) / range) * 100 : ((hi - x) / range) * 100;
}

/** Whether an indicator's score depends on other entities' values in the same period. */
export function isRelative(ind: Indicator): boolean {
  const m = ind.normalise.method;
  return m === 'minmax' || m === 'zscore' || m === 'rank';
}

/**
 * Scores one indicator for every entity: `values[e]` (NaN = missing) → `out[e]` (NaN = missing).
 * `stride`/`offset` let callers read and write entity-major matrices in place.
 */
export function scoreColumn(
  ind: Indicator,
  values: ArrayLike<number>,
  out: Float64Array,
  n: number,
  stride = 1,
  offset = 0,
): void {
  const higher = ind.direction === 'higher';
  const norm = ind.normalise;
  const at = (e: number) => values[e * stride + offset]!;
  switch (norm.method) {
    case 'goalpost':
      for (let e = 0; e < n; e++) {
        const x = at(e);
        out[e * stride + offset] = Number.isNaN(x) ? Number.NaN : goalpostScore(norm, x);
      }
      return;
    case 'none':
      for (let e = 0; e < n; e++) out[e * stride + offset] = at(e);
      return;
    case 'minmax': {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let e = 0; e < n; e++) {
        const x = at(e);
        if (Number.isNaN(x)) continue;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      for (let e = 0; e < n; e++) {
        const x = at(e);
        out[e * stride + offset] = Number.isNaN(x) ? Number.NaN : minmaxScore(x, lo, hi, higher);
      }
      return;
    }
    case 'zscore': {
      let count = 0;
      let sum = 0;
      for (let e = 0; e < n; e++) {
        const x = at(e);
        if (Number.isNaN(x)) continue;
        count++;
        sum += x;
      }
      const mean = sum / count;
      let ss = 0;
      for (let e = 0; e < n; e++) {
        const x = at(e);
        if (!Number.isNaN(x)) ss += (x - mean) * (x - mean);
      }
      const sd = Math.sqrt(ss / count);
      const d = higher ? 1 : -1;
      for (let e = 0; e < n; e++) {
        const x = at(e);
        out[e * stride + offset] = Number.isNaN(x)
          ? Number.NaN
          : sd === 0
            ? 50
            : 50 + (10 * d * (x - mean)) / sd;
      }
      return;
    }
    case 'rank': {
      const keys = new Float64Array(n);
      let count = 0;
      for (let e = 0; e < n; e++) {
        const x = at(e);
        keys[e] = Number.isNaN(x) ? Number.NaN : roundTo(x, ind.precision);
        if (!Number.isNaN(x)) count++;
      }
      const { rank } = competitionRanks(keys, higher);
      for (let e = 0; e < n; e++) {
        const r = rank[e]!;
        let s: number;
        if (r === 0) s = Number.NaN;
        else if (norm.points) s = norm.points[r - 1] ?? 0;
        else s = count === 1 ? 100 : (100 * (count - r)) / (count - 1);
        out[e * stride + offset] = s;
      }
      return;
    }
  }
}
