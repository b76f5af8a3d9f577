// Gap to first (与第一名差距): score gaps, the decomposition C_j, headroom, marginal gain, the smallest
// single-indicator move that reaches rank 1 or the next rank up, and what-if re-assessment.
import { type Evaluation, evaluate, rankedOrder } from './evaluate.ts';
import { roundTo } from './ranking.ts';
import type { Indicator } from './scheme.ts';
import { goalpostValue, isRelative, minmaxScore, scoreColumn } from './scoring.ts';
import { type CompiledScheme, effectiveWeights, rootWithScore } from './tree.ts';

export interface Solution {
  /** Value the indicator must reach (rounded to its precision in the improving direction). */
  requiredValue: number | null;
  /** requiredValue − current value (signed, in the indicator's unit). */
  delta: number | null;
  /** |delta| as a percentage of |current value|; null when the current value is 0. */
  deltaPct: number | null;
  feasible: boolean;
  /** Overall rank the entity would have after the move. */
  rank?: number;
}

export interface IndicatorGap {
  value: number;
  score: number;
  rank: number;
  tied: boolean;
  carried: boolean;
  leaders: string[];
  leaderValue: number;
  /** d·(x_lead − x_c) ≥ 0: how far the value is behind the indicator's leader. */
  valueGap: number;
  scoreGap: number;
  /** C_j: this indicator's part of the overall score gap (negative: the entity beats the other here). */
  contribution: number;
  /** H_j = w'_j·(100 − s_j): composite points still available on this indicator. */
  headroom: number;
  /** ∂S/∂x_j per unit improvement of the value (in the indicator's improving direction). */
  marginalGain: number;
  effectiveWeight: number;
}

export interface GapAnalysis {
  entity: string;
  rank: number;
  score: number;
  /** `behind`: compared with the leader; `first`: compared with the runner-up (the lead). */
  position: 'first' | 'behind' | 'unranked';
  versus: string | null;
  /** S_first − S_c, or, when first, the lead over second (S_c − S_second). */
  scoreGap: number;
  contributions: Record<string, number>;
  indicators: Record<string, IndicatorGap>;
  toFirst: Record<string, Solution>;
  /** The better-ranked entity just above (null when first). */
  next: { entity: string; rank: number } | null;
  toNext: Record<string, Solution>;
}

/** Per-entity effective weights (n × m), computed once per evaluation. */
const weightCache = new WeakMap<Evaluation, Float64Array>();
export function allEffectiveWeights(ev: Evaluation): Float64Array {
  const hit = weightCache.get(ev);
  if (hit) return hit;
  const { n, m, compiled: c } = ev;
  const k = c.nodes.length;
  const out = new Float64Array(n * m);
  for (let e = 0; e < n; e++) {
    if (ev.rank[e] === 0) continue;
    out.set(
      effectiveWeights(c, ev.nodeValues.subarray(e * k, e * k + k), ev.scores.subarray(e * m, e * m + m)),
      e * m,
    );
  }
  weightCache.set(ev, out);
  return out;
}

/**
 * The other ranked entities' overall comparison keys (rounded raw composites, in entity order, without
 * rescale) and the same sorted, per evaluation and entity; undefined when a key is NaN.
 */
const keyCache = new WeakMap<
  Evaluation,
  Map<number, { keys: Float64Array; sorted: Float64Array } | undefined>
>();
function evaluatedKeys(ev: Evaluation, e: number): { keys: Float64Array; sorted: Float64Array } | undefined {
  let byEntity = keyCache.get(ev);
  if (!byEntity) {
    byEntity = new Map();
    keyCache.set(ev, byEntity);
  }
  if (byEntity.has(e)) return byEntity.get(e);
  const precision = ev.compiled.scheme.composite.precision;
  const list: number[] = [];
  for (let o = 0; o < ev.n; o++)
    if (o !== e && ev.rank[o]! > 0) list.push(roundTo(ev.rawComposite[o]!, precision));
  const keys = Float64Array.from(list);
  const out = keys.some(Number.isNaN) ? undefined : { keys, sorted: keys.slice().sort() };
  byEntity.set(e, out);
  return out;
}

/** Improving direction of an indicator's value for the composite: +1 higher-is-better, −1 lower. */
function improving(ind: Indicator): 1 | -1 {
  return ind.direction === 'higher' ? 1 : -1;
}

/**
 * Moves one entity's value on one indicator, everyone else fixed, and reports the resulting composite
 * and overall rank. Relative methods rescore the whole column; arithmetic paths update composites in O(1).
 */
export interface Mover {
  /** Raw (pre-rescale) composite of the moved entity at value x. */
  composite(x: number): number;
  /** Overall rank of the moved entity at value x (competition rank on rounded composites). */
  rank(x: number): number;
}

export function makeMover(ev: Evaluation, e: number, j: number): Mover {
  const { n, m, compiled: c } = ev;
  const ind = c.indicators[j]!;
  const k = c.nodes.length;
  const weights = allEffectiveWeights(ev);
  const arithmetic = c.arithmeticPath[j] === 1;
  const relative = isRelative(ind);
  const minmax = ind.normalise.method === 'minmax';
  const higher = ind.direction === 'higher';
  const precision = c.scheme.composite.precision;
  const rescale = c.scheme.composite.rescale === 'minmax';
  const ranked: number[] = [];
  const column = new Float64Array(n); // the indicator's values, contiguous (x in place only inside rescore)
  let newScores: Float64Array | undefined; // column scores after a rescore (zscore, rank)
  const raw = new Float64Array(n);
  // A_o + B_o·s_o,j on arithmetic paths. One pass over the (strided) evaluation matrices.
  const A = new Float64Array(n);
  const B = new Float64Array(n);
  for (let o = 0; o < n; o++) {
    column[o] = ev.values[o * m + j]!;
    if (!(ev.rank[o]! > 0 || o === e)) continue;
    ranked.push(o);
    const s = ev.scores[o * m + j]!;
    B[o] = Number.isNaN(s) ? 0 : weights[o * m + j]!;
    A[o] = ev.rawComposite[o]! - (Number.isNaN(s) ? 0 : B[o]! * s);
  }
  const scoreOf = (o: number, s: number): number => {
    if (Number.isNaN(s) || Number.isNaN(column[o]!)) return ev.rawComposite[o]!;
    if (arithmetic) return A[o]! + B[o]! * s;
    return rootWithScore(
      c,
      ev.scores.subarray(o * m, o * m + m),
      ev.nodeValues.subarray(o * k, o * k + k),
      j,
      s,
    );
  };
  // The column's lowest and highest values as scoreColumn folds them (first occurrence wins), split
  // around the moved entity, so the bounds with x in its place cost O(1) instead of a rescan.
  let loBefore = Number.POSITIVE_INFINITY;
  let hiBefore = Number.NEGATIVE_INFINITY;
  let loAfter = Number.POSITIVE_INFINITY;
  let hiAfter = Number.NEGATIVE_INFINITY;
  if (minmax)
    for (let o = 0; o < n; o++) {
      const v = column[o]!;
      if (o === e || Number.isNaN(v)) continue;
      if (o < e) {
        if (v < loBefore) loBefore = v;
        if (v > hiBefore) hiBefore = v;
      } else {
        if (v < loAfter) loAfter = v;
        if (v > hiAfter) hiAfter = v;
      }
    }
  // Not Math.min/max: like scoreColumn's fold, keep the first of equal values (0 and −0 differ there).
  let othersLo = loBefore;
  if (loAfter < othersLo) othersLo = loAfter;
  let othersHi = hiBefore;
  if (hiAfter > othersHi) othersHi = hiAfter;
  // While x stays strictly between the others' bounds, the column's bounds, hence every other entity's
  // minmax score and composite, do not depend on x: the solver's probes then cost O(1) for the entity
  // plus a count, not a rescoring.
  const inside = (x: number) => x > othersLo && x < othersHi;
  const othersFixed = (x: number) => !relative || (minmax && inside(x));
  const loWith = (x: number) => {
    let lo = loBefore;
    if (x < lo) lo = x;
    if (loAfter < lo) lo = loAfter;
    return lo;
  };
  const hiWith = (x: number) => {
    let hi = hiBefore;
    if (x > hi) hi = x;
    if (hiAfter > hi) hi = hiAfter;
    return hi;
  };
  /** Rescores the whole column with x in place of the entity's value (relative methods); own score. */
  const rescore = (x: number): number => {
    newScores ??= new Float64Array(n);
    column[e] = x;
    scoreColumn(ind, column, newScores, n);
    column[e] = ev.values[e * m + j]!;
    return newScores[e]!;
  };
  const ownScore = (x: number): number => {
    if (minmax && inside(x)) return minmaxScore(x, othersLo, othersHi, higher);
    if (relative) return rescore(x);
    const single = new Float64Array(1);
    scoreColumn(ind, [x], single, 1);
    return single[0]!;
  };
  const composites = (x: number): Float64Array => {
    if (minmax && !Number.isNaN(x)) {
      // scoreColumn's result for every entity, without rescanning the column for its bounds.
      const lo = loWith(x);
      const hi = hiWith(x);
      for (const o of ranked) {
        const v = o === e ? x : column[o]!;
        raw[o] = scoreOf(o, Number.isNaN(v) ? Number.NaN : minmaxScore(v, lo, hi, higher));
      }
      return raw;
    }
    const own = relative ? rescore(x) : ownScore(x); // rescore fills newScores for relative methods
    for (const o of ranked) {
      if (o === e) raw[o] = scoreOf(o, own);
      else raw[o] = relative ? scoreOf(o, newScores![o]!) : ev.rawComposite[o]!;
    }
    return raw;
  };
  const key = (v: number, min: number, range: number) =>
    roundTo(rescale ? (range === 0 ? 1 : (v - min) / range) : v, precision);

  // Others' composites and comparison keys wherever they are fixed, computed at the first such probe.
  // Without rescale their keys match the evaluation's own (bar last-bit differences, kept as corrections),
  // so a probe binary-searches the entity's sorted keys instead of scanning every other entity.
  let fixed:
    | { raw: Float64Array; min: number; max: number; keys: Float64Array; corrections: number[] | undefined }
    | undefined;
  const fixedOthers = (x: number) => {
    if (fixed) return fixed;
    const r = composites(x);
    const others = new Float64Array(ranked.length - 1);
    let i = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const o of ranked) {
      if (o === e) continue;
      const v = r[o]!;
      others[i++] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const keys = new Float64Array(others.length);
    for (let q = 0; q < others.length; q++) keys[q] = key(others[q]!, min, max - min);
    let corrections: number[] | undefined;
    const base = rescale ? undefined : evaluatedKeys(ev, e);
    if (base && base.keys.length === keys.length) {
      corrections = [];
      for (let q = 0; q < keys.length; q++)
        if (keys[q] !== base.keys[q]) corrections.push(base.keys[q]!, keys[q]!);
    }
    fixed = { raw: others, min, max, keys, corrections };
    return fixed;
  };
  const countAbove = (f: NonNullable<typeof fixed>, mine: number): number => {
    if (f.corrections) {
      if (Number.isNaN(mine)) return 0;
      const sorted = evaluatedKeys(ev, e)!.sorted;
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sorted[mid]! > mine) hi = mid;
        else lo = mid + 1;
      }
      let above = sorted.length - lo;
      const d = f.corrections;
      for (let q = 0; q < d.length; q += 2) {
        if (d[q]! > mine) above--;
        if (d[q + 1]! > mine) above++;
      }
      return above;
    }
    let above = 0;
    for (let q = 0; q < f.keys.length; q++) if (f.keys[q]! > mine) above++;
    return above;
  };
  const rankAt = (x: number): number => {
    if (othersFixed(x)) {
      const f = fixedOthers(x);
      const v = scoreOf(e, ownScore(x));
      let min = f.min;
      let max = f.max;
      if (rescale) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const range = max - min;
      const mine = key(v, min, range);
      if (!rescale || (min === f.min && max === f.max)) return countAbove(f, mine) + 1;
      let better = 0;
      for (let q = 0; q < f.raw.length; q++) if (key(f.raw[q]!, min, range) > mine) better++;
      return better + 1;
    }
    if (minmax && !rescale && !Number.isNaN(x)) {
      // As below, in one pass: the entity's key first, then each other's composite compared as it is made.
      const lo = loWith(x);
      const hi = hiWith(x);
      const mine = key(scoreOf(e, minmaxScore(x, lo, hi, higher)), 0, 0);
      let better = 0;
      for (const o of ranked) {
        if (o === e) continue;
        const v = column[o]!;
        const r = scoreOf(o, Number.isNaN(v) ? Number.NaN : minmaxScore(v, lo, hi, higher));
        if (key(r, 0, 0) > mine) better++;
      }
      return better + 1;
    }
    const r = composites(x);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    if (rescale)
      for (const o of ranked) {
        if (r[o]! < min) min = r[o]!;
        if (r[o]! > max) max = r[o]!;
      }
    const range = max - min;
    const mine = key(r[e]!, min, range);
    let better = 0;
    for (const o of ranked) if (o !== e && key(r[o]!, min, range) > mine) better++;
    return better + 1;
  };
  // Solves probe some values twice (both solves start at the same bound; the answer is probed again for
  // its rank): remember the last few ranks, exactly, by value.
  const memo: { x: number; rank: number }[] = [];
  return {
    composite(x) {
      return scoreOf(e, ownScore(x));
    },
    rank(x) {
      for (const hit of memo) if (Object.is(hit.x, x)) return hit.rank;
      const rank = rankAt(x);
      if (memo.length === 4) memo.shift();
      memo.push({ x, rank });
      return rank;
    },
  };
}

function unitOf(ind: Indicator, x: number): number {
  return ind.precision !== undefined ? 10 ** -ind.precision : Math.max(Math.abs(x), 1) * 1e-9;
}

/** Rounds a value to the indicator's precision grid in its improving direction. */
function roundImproving(ind: Indicator, x: number): number {
  if (ind.precision === undefined) return x;
  const f = 10 ** ind.precision;
  const scaled = x * f;
  const near = Math.round(scaled);
  // Values within float noise of the grid stay there instead of jumping a whole unit.
  if (Math.abs(scaled - near) < 1e-7) return near / f;
  return (improving(ind) === 1 ? Math.ceil(scaled) : Math.floor(scaled)) / f;
}

function solution(ind: Indicator, x0: number, x: number | null, rank?: number): Solution {
  if (x === null) return { requiredValue: null, delta: null, deltaPct: null, feasible: false };
  const delta = roundTo(x - x0, ind.precision !== undefined ? ind.precision + 6 : undefined);
  return {
    requiredValue: x,
    delta,
    deltaPct: x0 === 0 ? null : (Math.abs(delta) / Math.abs(x0)) * 100,
    feasible: true,
    ...(rank !== undefined ? { rank } : {}),
  };
}

/**
 * The furthest value the solver considers, or null when unbounded (`none`). goalpost stops at `best` and
 * rank just past the field's best value, where the own score saturates. For minmax and zscore a move past
 * the best still shrinks everyone else's scores; the search stops one field range (best − worst) beyond the
 * best value, so an answer needing an implausible outlier (10¹³ to push a rival below a rounding half) is
 * reported infeasible rather than as a target.
 */
function boundOf(ev: Evaluation, j: number, e: number): number | null {
  const ind = ev.compiled.indicators[j]!;
  const norm = ind.normalise;
  const d = improving(ind);
  if (norm.method === 'goalpost') return norm.best;
  if (norm.method === 'none') return null;
  const x0 = ev.values[e * ev.m + j]!;
  let best = x0;
  let worst = x0;
  for (let o = 0; o < ev.n; o++) {
    const v = ev.values[o * ev.m + j]!;
    if (Number.isNaN(v)) continue;
    if (d * (v - best) > 0) best = v;
    if (d * (v - worst) < 0) worst = v;
  }
  if (norm.method === 'rank') return best + d * unitOf(ind, best) * 2;
  const range = Math.max(Math.abs(best - worst), unitOf(ind, best));
  return best + d * range;
}

/**
 * Smallest move of x_j (only x_j, in its improving direction) at which entity e's overall rank reaches
 * `targetRank`. Closed form for absolute methods on arithmetic paths; bisection otherwise.
 */
export function solveForRank(
  ev: Evaluation,
  e: number,
  j: number,
  targetRank: number,
  mover?: Mover,
): Solution {
  const c = ev.compiled;
  const ind = c.indicators[j]!;
  const x0 = ev.values[e * ev.m + j]!;
  if (Number.isNaN(x0)) return solution(ind, x0, null);
  const mv = mover ?? makeMover(ev, e, j);
  const ok = (x: number) => mv.rank(x) <= targetRank;
  if (ev.rank[e]! <= targetRank) return solution(ind, x0, x0, ev.rank[e]);
  const d = improving(ind);
  const unit = unitOf(ind, x0);
  const bound = boundOf(ev, j, e);
  const finish = (x: number): Solution => {
    let v = roundImproving(ind, x);
    for (let i = 0; i < 4 && !ok(v); i++) v = roundTo(v + d * unit, ind.precision);
    if (!ok(v)) return solution(ind, x0, null);
    // Bisection stops within half a unit of the threshold; when the threshold sits exactly on the grid,
    // rounding in the improving direction lands one unit past it, so step back while that still works.
    for (let i = 0; i < 4; i++) {
      const back = roundTo(v - d * unit, ind.precision);
      if (d * (back - x0) < 0 || !ok(back)) break;
      v = back;
    }
    return solution(ind, x0, v, mv.rank(v));
  };

  // Closed form: absolute method, arithmetic path, no rescale — others stay fixed.
  if (!isRelative(ind) && c.arithmeticPath[j] === 1 && c.scheme.composite.rescale === undefined) {
    const closed = closedForm(ev, e, j, targetRank);
    if (closed === 'infeasible') return solution(ind, x0, null);
    if (closed !== null) return finish(closed);
  }

  // Numeric: find a feasible far point, then bisect on the distance t ≥ 0 moved.
  let hi: number;
  if (bound !== null) {
    hi = d * (bound - x0);
    if (hi <= 0 || !ok(x0 + d * hi)) return solution(ind, x0, null);
  } else {
    let spread = 0;
    for (let o = 0; o < ev.n; o++) {
      const v = ev.values[o * ev.m + j]!;
      if (!Number.isNaN(v)) spread = Math.max(spread, Math.abs(v - x0));
    }
    hi = Math.max(spread, Math.abs(x0) * 0.01, unit);
    let found = false;
    for (let i = 0; i < 64; i++) {
      if (ok(x0 + d * hi)) {
        found = true;
        break;
      }
      hi *= 2;
    }
    if (!found) return solution(ind, x0, null);
  }
  let lo = 0;
  for (let i = 0; i < 200 && hi - lo > unit / 2; i++) {
    const mid = (lo + hi) / 2;
    if (ok(x0 + d * mid)) hi = mid;
    else lo = mid;
  }
  return finish(x0 + d * hi);
}

/** x*_j in closed form, or 'infeasible', or null when the target cannot be expressed this way. */
function closedForm(ev: Evaluation, e: number, j: number, targetRank: number): number | 'infeasible' | null {
  const c = ev.compiled;
  const ind = c.indicators[j]!;
  const m = ev.m;
  const w = allEffectiveWeights(ev)[e * m + j]!;
  if (w === 0) return 'infeasible';
  const precision = c.scheme.composite.precision;
  // The rounded composite that must be reached: the targetRank-th best among the others.
  const others: number[] = [];
  for (let o = 0; o < ev.n; o++)
    if (o !== e && ev.rank[o]! > 0) others.push(roundTo(ev.rawComposite[o]!, precision));
  others.sort((a, b) => b - a);
  const needed = others[targetRank - 1];
  if (needed === undefined) return null;
  const threshold = precision !== undefined ? needed - 0.5 * 10 ** -precision : needed;
  const s0 = ev.scores[e * m + j]!;
  const sStar = s0 + (threshold - ev.rawComposite[e]!) / w;
  const norm = ind.normalise;
  if (norm.method === 'goalpost') {
    if (sStar > 100 + 1e-9) return 'infeasible';
    return goalpostValue(norm, Math.max(sStar, 0));
  }
  if (norm.method === 'none') return sStar;
  return null;
}

/** ∂S_c/∂x_j per unit of improvement (closed form for goalpost on arithmetic paths; finite difference otherwise). */
export function marginalGain(ev: Evaluation, e: number, j: number, mover?: Mover): number {
  const c = ev.compiled;
  const ind = c.indicators[j]!;
  const m = ev.m;
  const x = ev.values[e * m + j]!;
  if (Number.isNaN(x) || ev.rank[e] === 0) return 0;
  const range = ev.rescale ? ev.rescale.max - ev.rescale.min || 1 : 1;
  const norm = ind.normalise;
  if (norm.method === 'goalpost' && c.arithmeticPath[j] === 1) {
    const w = allEffectiveWeights(ev)[e * m + j]!;
    const clampedBest = improving(ind) * (x - norm.best) >= 0;
    const clampedWorst = improving(ind) * (x - norm.worst) < 0;
    if (clampedBest || clampedWorst) return 0;
    const T = (v: number) => (norm.transform === 'log' ? Math.log(v + (norm.offset ?? 0)) : v);
    const dT = norm.transform === 'log' ? 1 / (x + (norm.offset ?? 0)) : 1;
    return (w * 100 * dT) / Math.abs(T(norm.best) - T(norm.worst)) / range;
  }
  const mv = mover ?? makeMover(ev, e, j);
  const h = unitOf(ind, x);
  const d = improving(ind);
  return (mv.composite(x + d * h) - ev.rawComposite[e]!) / h / range;
}

/**
 * Splits the composite difference between entities a and b over indicators: Σ C_j = S_a − S_b exactly on
 * arithmetic trees (each entity with its own renormalised weights); geometric nodes split their share by
 * log contributions; a rescale divides by the range.
 */
export function decompose(ev: Evaluation, a: number, b: number): Float64Array {
  const c = ev.compiled;
  const { m } = ev;
  const k = c.nodes.length;
  const out = new Float64Array(m);
  const va = ev.nodeValues.subarray(a * k, a * k + k);
  const vb = ev.nodeValues.subarray(b * k, b * k + k);
  const sa = ev.scores.subarray(a * m, a * m + m);
  const sb = ev.scores.subarray(b * m, b * m + m);
  const val = (v: Float64Array, s: Float64Array, child: number) => (child < 0 ? s[-child - 1]! : v[child]!);
  const leafSpread = (node: number, amount: number) => {
    // Spread an amount over a subtree by entity a's effective weights inside it.
    const w = allEffectiveWeights(ev);
    let total = 0;
    const leaves: number[] = [];
    const collect = (nd: number) => {
      for (const ch of c.nodes[nd]!.children) {
        if (ch < 0) leaves.push(-ch - 1);
        else collect(ch);
      }
    };
    collect(node);
    for (const j of leaves) total += w[a * m + j]!;
    for (const j of leaves)
      out[j]! += total === 0 ? amount / leaves.length : (amount * w[a * m + j]!) / total;
  };
  const split = (node: number, ma: number, mb: number) => {
    const nd = c.nodes[node]!;
    const shares = (v: Float64Array, s: Float64Array) => {
      let wsum = 0;
      for (let i = 0; i < nd.children.length; i++)
        if (!Number.isNaN(val(v, s, nd.children[i]!))) wsum += nd.weights[i]!;
      return wsum;
    };
    const wa = shares(va, sa);
    const wb = shares(vb, sb);
    if (nd.aggregate === 'arithmetic') {
      for (let i = 0; i < nd.children.length; i++) {
        const ch = nd.children[i]!;
        const xa = val(va, sa, ch);
        const xb = val(vb, sb, ch);
        const fa = Number.isNaN(xa) || wa === 0 ? 0 : (ma * nd.weights[i]!) / wa;
        const fb = Number.isNaN(xb) || wb === 0 ? 0 : (mb * nd.weights[i]!) / wb;
        if (ch < 0) out[-ch - 1]! += (fa === 0 ? 0 : fa * xa) - (fb === 0 ? 0 : fb * xb);
        else split(ch, fa, fb);
      }
      return;
    }
    const total =
      (Number.isNaN(va[node]!) ? 0 : ma * va[node]!) - (Number.isNaN(vb[node]!) ? 0 : mb * vb[node]!);
    const floor = nd.floor;
    const lift = (x: number) => (floor !== undefined && x < floor ? floor : x);
    const terms = new Float64Array(nd.children.length);
    let sum = 0;
    let degenerate = false;
    for (let i = 0; i < nd.children.length; i++) {
      const ch = nd.children[i]!;
      const xa = lift(val(va, sa, ch));
      const xb = lift(val(vb, sb, ch));
      const ta = Number.isNaN(xa) ? 0 : (nd.weights[i]! / wa) * Math.log(xa);
      const tb = Number.isNaN(xb) ? 0 : (nd.weights[i]! / wb) * Math.log(xb);
      if (!Number.isFinite(ta) || !Number.isFinite(tb)) degenerate = true;
      terms[i] = ta - tb;
      sum += terms[i]!;
    }
    for (let i = 0; i < nd.children.length; i++) {
      const ch = nd.children[i]!;
      const part =
        degenerate || Math.abs(sum) < 1e-15 ? total / nd.children.length : (total * terms[i]!) / sum;
      if (ch < 0) {
        out[-ch - 1]! += part;
        continue;
      }
      const diff = va[ch]! - vb[ch]!;
      if (Number.isFinite(diff) && Math.abs(diff) > 1e-12) split(ch, part / diff, part / diff);
      else leafSpread(ch, part);
    }
  };
  split(c.root, 1, 1);
  if (ev.rescale) {
    const range = ev.rescale.max - ev.rescale.min;
    if (range !== 0) for (let j = 0; j < m; j++) out[j] = out[j]! / range;
  }
  return out;
}

/** Full gap-to-first analysis for one entity. */
export function analyseGap(ev: Evaluation, entity: string): GapAnalysis {
  const c = ev.compiled;
  const e = c.entityIndex.get(entity);
  if (e === undefined) throw new Error(`unknown entity "${entity}"`);
  const { m } = ev;
  const rank = ev.rank[e]!;
  const order = rankedOrder(ev);
  const empty: GapAnalysis = {
    entity,
    rank,
    score: ev.composite[e]!,
    position: 'unranked',
    versus: null,
    scoreGap: 0,
    contributions: {},
    indicators: {},
    toFirst: {},
    next: null,
    toNext: {},
  };
  if (rank === 0 || order.length === 0) return empty;
  const first = rank === 1;
  const versus = first ? order.find((o) => o !== e) : order[0];
  const scoreGap =
    versus === undefined
      ? 0
      : first
        ? ev.composite[e]! - ev.composite[versus]!
        : ev.composite[versus]! - ev.composite[e]!;
  const contrib =
    versus === undefined ? new Float64Array(m) : first ? decompose(ev, e, versus) : decompose(ev, versus, e);
  const weights = allEffectiveWeights(ev);
  const range = ev.rescale ? ev.rescale.max - ev.rescale.min || 1 : 1;
  // The rank group just above (the largest rank value smaller than ours).
  let nextRank = 0;
  let nextEntity = -1;
  for (const o of order) {
    const r = ev.rank[o]!;
    if (r < rank && r >= nextRank) {
      if (r > nextRank) nextEntity = o;
      nextRank = r;
    }
  }
  const out: GapAnalysis = {
    ...empty,
    position: first ? 'first' : 'behind',
    versus: versus === undefined ? null : c.entityIds[versus]!,
    scoreGap,
    next: nextEntity >= 0 ? { entity: c.entityIds[nextEntity]!, rank: nextRank } : null,
  };
  for (let j = 0; j < m; j++) {
    const ind = c.indicators[j]!;
    const x = ev.values[e * m + j]!;
    out.contributions[ind.id] = contrib[j]!;
    if (Number.isNaN(x)) {
      out.toFirst[ind.id] = solution(ind, x, null);
      if (!first) out.toNext[ind.id] = solution(ind, x, null);
      continue;
    }
    const leaders: string[] = [];
    let leaderValue = x;
    let leaderScore = ev.scores[e * m + j]!;
    for (let o = 0; o < ev.n; o++) {
      if (ev.valueRank[o * m + j] === 1) {
        leaders.push(c.entityIds[o]!);
        leaderValue = ev.values[o * m + j]!;
        leaderScore = ev.scores[o * m + j]!;
      }
    }
    const s = ev.scores[e * m + j]!;
    const mover = makeMover(ev, e, j);
    out.indicators[ind.id] = {
      value: x,
      score: s,
      rank: ev.valueRank[e * m + j]!,
      tied: ev.valueTied[e * m + j] === 1,
      carried: ev.carried[e * m + j] === 1,
      leaders,
      leaderValue,
      valueGap: improving(ind) * (leaderValue - x),
      scoreGap: leaderScore - s,
      contribution: contrib[j]!,
      headroom: (weights[e * m + j]! * (100 - s)) / range,
      marginalGain: marginalGain(ev, e, j, mover),
      effectiveWeight: weights[e * m + j]!,
    };
    out.toFirst[ind.id] = first ? solution(ind, x, x, 1) : solveForRank(ev, e, j, 1, mover);
    if (!first) out.toNext[ind.id] = solveForRank(ev, e, j, nextRank, mover);
  }
  return out;
}

export interface WhatIfChange {
  entity: string;
  indicator: string;
  value: number;
}

export interface WhatIfResult {
  evaluation: Evaluation;
  rankChanges: { entity: string; from: number; to: number }[];
}

/** Re-assesses the period with changed values (everything else as evaluated, carried values included). */
export function whatIf(ev: Evaluation, changes: readonly WhatIfChange[]): WhatIfResult {
  const c: CompiledScheme = ev.compiled;
  const values = Float64Array.from(ev.values);
  for (const ch of changes) {
    const e = c.entityIndex.get(ch.entity);
    const j = c.indicatorIndex.get(ch.indicator);
    if (e === undefined) throw new Error(`what-if: unknown entity "${ch.entity}"`);
    if (j === undefined) throw new Error(`what-if: unknown indicator "${ch.indicator}"`);
    values[e * ev.m + j] = ch.value;
  }
  const next = evaluate(c, { period: ev.period, values });
  const rankChanges: WhatIfResult['rankChanges'] = [];
  for (let e = 0; e < ev.n; e++) {
    if (ev.rank[e] !== next.rank[e])
      rankChanges.push({ entity: c.entityIds[e]!, from: ev.rank[e]!, to: next.rank[e]! });
  }
  return { evaluation: next, rankChanges };
}
