// Rank robustness (COINr-style uncertainty analysis): seeded Monte Carlo over the scheme's weights and its
// declared alternative normalisations; per entity the distribution of its overall rank (median, 5–95%
// interval, probability of being first). Reuses the evaluation's values and scores: a draw re-aggregates
// precomputed score columns with its own weights instead of re-running the assessment.
import { type Evaluation, rankedOrder } from './evaluate.ts';
import { gamma, mulberry32 } from './random.ts';
import { competitionRanks, roundTo } from './ranking.ts';
import type { Indicator, RobustnessConfig, Scheme } from './scheme.ts';
import { scoreColumn } from './scoring.ts';
import type { CompiledScheme } from './tree.ts';

export const DEFAULT_ROBUSTNESS: RobustnessConfig = {
  draws: 1000,
  seed: 1,
  weights: { distribution: 'uniform', spread: 0.2, concentration: 100 },
  alternatives: [],
};

export interface RobustnessOptions {
  draws?: number;
  seed?: number;
  weights?: Partial<RobustnessConfig['weights']>;
  alternatives?: RobustnessConfig['alternatives'];
}

/** The scheme's `robustness` settings with defaults, overridden field by field by `options`. */
export function robustnessConfig(scheme: Scheme, options: RobustnessOptions = {}): RobustnessConfig {
  const base = scheme.robustness ?? DEFAULT_ROBUSTNESS;
  return {
    draws: options.draws ?? base.draws,
    seed: options.seed ?? base.seed,
    weights: { ...base.weights, ...options.weights },
    alternatives: options.alternatives ?? base.alternatives,
  };
}

export interface RankDistribution {
  entity: string;
  /** The rank under the scheme as declared (the evaluation's own). */
  rank: number;
  /** Nearest-rank quantiles of the drawn ranks. */
  median: number;
  p05: number;
  p95: number;
  mean: number;
  /** Share of draws in which the entity is first; entities tied for first share that draw equally. */
  pFirst: number;
  /** counts[r − 1]: draws in which the entity ranked r. */
  counts: number[];
}

export interface RobustnessResult {
  period: string;
  draws: number;
  seed: number;
  weights: RobustnessConfig['weights'];
  alternatives: { indicator: string | null; method: string }[];
  /** Every ranked entity, in the evaluation's rank order (Σ pFirst = 1). */
  entities: RankDistribution[];
  focus: string[];
}

/**
 * One draw's uncertain inputs. `weights` holds every tree node's child weights, node after node (node k's
 * children at `slotStart[k]…`); `choice[j]` is the alternative normalisation used for indicator j (an index
 * into the config's alternatives), or −1 for the scheme's own.
 */
export interface Sampler {
  readonly weights: Float64Array;
  readonly choice: Int32Array;
  readonly slotStart: Int32Array;
  next(): void;
}

/**
 * Draws the uncertain inputs in a fixed order (normalisation choices, then weights node by node), so that
 * the fast path, tests and the benchmark's baseline see the same draws for the same seed.
 */
export function makeSampler(c: CompiledScheme, config: RobustnessConfig): Sampler {
  const rand = mulberry32(config.seed);
  const { distribution, spread, concentration } = config.weights;
  const slotStart = new Int32Array(c.nodes.length + 1);
  c.nodes.forEach((node, k) => {
    slotStart[k + 1] = slotStart[k]! + node.children.length;
  });
  const base = new Float64Array(slotStart[c.nodes.length]!);
  c.nodes.forEach((node, k) => {
    base.set(node.weights, slotStart[k]!);
  });
  const weights = base.slice();
  // One uncertain choice per target (an indicator, or every indicator): the scheme's own or one of its
  // alternatives, uniformly. An indicator's own choice, when not the scheme's, wins over a choice for all.
  const groups = new Map<number, number[]>(); // target (−1 = every indicator) → alternative indices
  config.alternatives.forEach((alt, a) => {
    const target = alt.indicator === undefined ? -1 : c.indicatorIndex.get(alt.indicator)!;
    const list = groups.get(target) ?? [];
    list.push(a);
    groups.set(target, list);
  });
  const targets = [...groups.keys()].sort((x, y) => x - y);
  const picked = new Int32Array(targets.length);
  const choice = new Int32Array(c.indicators.length).fill(-1);
  const next = () => {
    targets.forEach((t, g) => {
      const alts = groups.get(t)!;
      const k = Math.floor(rand() * (alts.length + 1));
      picked[g] = k === 0 ? -1 : alts[k - 1]!;
    });
    choice.fill(-1);
    targets.forEach((t, g) => {
      if (t === -1 && picked[g]! >= 0) choice.fill(picked[g]!);
    });
    targets.forEach((t, g) => {
      if (t >= 0 && picked[g]! >= 0) choice[t] = picked[g]!;
    });
    if (distribution === 'uniform') {
      for (let s = 0; s < base.length; s++) weights[s] = base[s]! * (1 + spread * (2 * rand() - 1));
      return;
    }
    for (let k = 0; k < c.nodes.length; k++) {
      const from = slotStart[k]!;
      const to = slotStart[k + 1]!;
      let total = 0;
      for (let s = from; s < to; s++) total += base[s]!;
      let drawn = 0;
      for (let s = from; s < to; s++) {
        weights[s] = gamma(rand, (concentration * base[s]!) / total);
        drawn += weights[s]!;
      }
      // Shapes far below 1 can underflow every draw to 0: keep the scheme's shares for that node then.
      if (!(drawn > 0)) for (let s = from; s < to; s++) weights[s] = base[s]!;
    }
  };
  return { weights, choice, slotStart, next };
}

/**
 * The scheme one draw stands for (the sampler's current weights and normalisations), for tests and for the
 * benchmark's baseline, which assess it in full.
 */
export function schemeForDraw(c: CompiledScheme, config: RobustnessConfig, sampler: Sampler): Scheme {
  const scheme = c.scheme;
  const topicIndex = new Map((scheme.topics ?? []).map((t, i) => [t.id, i]));
  const slotOf = (parent: number, slot: number) => sampler.weights[sampler.slotStart[parent]! + slot]!;
  return {
    ...scheme,
    topics: scheme.topics?.map((t) => {
      const k = topicIndex.get(t.id)!;
      return { ...t, weight: slotOf(c.nodes[k]!.parent, c.nodeSlot[k]!) };
    }),
    indicators: scheme.indicators.map((ind, j) => {
      const a = sampler.choice[j]!;
      return {
        ...ind,
        weight: slotOf(c.leafParent[j]!, c.leafSlot[j]!),
        normalise: a >= 0 ? config.alternatives[a]!.normalise : ind.normalise,
      };
    }),
  };
}

/**
 * Score columns per indicator and normalisation option (contiguous, n long): option 0 is the evaluation's
 * own score, option a + 1 alternative a where it applies. Missing values score as the evaluation treats
 * them (NaN, or 0 under `missing.otherwise: zero` for ranked entities).
 */
function scoreOptions(ev: Evaluation, config: RobustnessConfig): Float64Array[][] {
  const { n, m, compiled: c } = ev;
  const zero = c.scheme.missing.otherwise === 'zero';
  const values = new Float64Array(n);
  return c.indicators.map((ind, j) => {
    const own = new Float64Array(n);
    for (let e = 0; e < n; e++) own[e] = ev.scores[e * m + j]!;
    const options = [own];
    for (let e = 0; e < n; e++) values[e] = ev.values[e * m + j]!;
    config.alternatives.forEach((alt) => {
      if (alt.indicator !== undefined && alt.indicator !== ind.id) {
        options.push(own);
        return;
      }
      const out = new Float64Array(n);
      scoreColumn({ ...ind, normalise: alt.normalise } as Indicator, values, out, n);
      if (zero) for (let e = 0; e < n; e++) if (Number.isNaN(out[e]!) && ev.rank[e]! > 0) out[e] = 0;
      options.push(out);
    });
    return options;
  });
}

/** Quantile by the nearest-rank method from rank counts (counts[r − 1]). */
function quantile(counts: Int32Array | number[], total: number, p: number): number {
  const target = Math.max(1, Math.ceil(p * total));
  let cum = 0;
  for (let r = 0; r < counts.length; r++) {
    cum += counts[r]!;
    if (cum >= target) return r + 1;
  }
  return counts.length;
}

/** Monte Carlo rank distributions for the evaluation's ranked entities under the configured uncertainty. */
export function rankRobustness(ev: Evaluation, options: RobustnessOptions = {}): RobustnessResult {
  const c = ev.compiled;
  const scheme = c.scheme;
  const config = robustnessConfig(scheme, options);
  if (!(Number.isInteger(config.draws) && config.draws >= 1))
    throw new RangeError(`robustness.draws must be a whole number ≥ 1 (got ${config.draws})`);
  const ranked = rankedOrder(ev);
  const nr = ranked.length;
  const result: RobustnessResult = {
    period: ev.period,
    draws: config.draws,
    seed: config.seed,
    weights: config.weights,
    alternatives: config.alternatives.map((a) => ({
      indicator: a.indicator ?? null,
      method: a.normalise.method,
    })),
    entities: [],
    focus: scheme.focus.filter((f) => ev.rank[c.entityIndex.get(f)!]! > 0),
  };
  if (nr === 0) return result;
  const sampler = makeSampler(c, config);
  const columns = scoreOptions(ev, config);
  const { slotStart, weights, choice } = sampler;
  // The tree flattened: node k's children are codes[slotStart[k]…] (−(j + 1) for indicator j).
  const codes = new Int32Array(slotStart[c.nodes.length]!);
  c.nodes.forEach((node, k) => {
    codes.set(node.children, slotStart[k]!);
  });
  const geometric = Uint8Array.from(c.nodes, (nd) => (nd.aggregate === 'geometric' ? 1 : 0));
  const floors = Float64Array.from(c.nodes, (nd) => nd.floor ?? Number.NEGATIVE_INFINITY);
  const order = c.order;
  const nodeValue = new Float64Array(c.nodes.length);
  const current: Float64Array[] = columns.map((opts) => opts[0]!);
  const composite = new Float64Array(nr);
  const keys = new Float64Array(nr);
  const counts = new Int32Array(nr * nr);
  const firstShare = new Float64Array(nr);
  const rescale = scheme.composite.rescale === 'minmax';
  const precision = scheme.composite.precision;

  for (let d = 0; d < config.draws; d++) {
    sampler.next();
    for (let j = 0; j < current.length; j++) current[j] = columns[j]![choice[j]! + 1]!;
    for (let i = 0; i < nr; i++) {
      const e = ranked[i]!;
      for (let k = 0; k < order.length; k++) {
        const node = order[k]!;
        const from = slotStart[node]!;
        const to = slotStart[node + 1]!;
        let wsum = 0;
        let acc = 0;
        let zeroChild = false;
        const geo = geometric[node] === 1;
        for (let s = from; s < to; s++) {
          const code = codes[s]!;
          let v = code < 0 ? current[-code - 1]![e]! : nodeValue[code]!;
          if (Number.isNaN(v)) continue;
          const w = weights[s]!;
          wsum += w;
          if (!geo) acc += w * v;
          else {
            if (v < floors[node]!) v = floors[node]!;
            if (v <= 0) zeroChild = true;
            else acc += w * Math.log(v);
          }
        }
        nodeValue[node] = wsum === 0 ? Number.NaN : !geo ? acc / wsum : zeroChild ? 0 : Math.exp(acc / wsum);
      }
      composite[i] = nodeValue[c.root]!;
    }
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    if (rescale)
      for (let i = 0; i < nr; i++) {
        if (composite[i]! < min) min = composite[i]!;
        if (composite[i]! > max) max = composite[i]!;
      }
    const range = max - min;
    for (let i = 0; i < nr; i++) {
      const v = rescale ? (range === 0 ? 1 : (composite[i]! - min) / range) : composite[i]!;
      keys[i] = roundTo(v, precision);
    }
    const { rank } = competitionRanks(keys, true);
    let firsts = 0;
    for (let i = 0; i < nr; i++) if (rank[i] === 1) firsts++;
    for (let i = 0; i < nr; i++) {
      const r = rank[i]!;
      counts[i * nr + r - 1]!++;
      if (r === 1) firstShare[i]! += 1 / firsts;
    }
  }

  for (let i = 0; i < nr; i++) {
    const e = ranked[i]!;
    const own = Array.from(counts.subarray(i * nr, i * nr + nr));
    let sum = 0;
    own.forEach((k, r) => {
      sum += k * (r + 1);
    });
    result.entities.push({
      entity: c.entityIds[e]!,
      rank: ev.rank[e]!,
      median: quantile(own, config.draws, 0.5),
      p05: quantile(own, config.draws, 0.05),
      p95: quantile(own, config.draws, 0.95),
      mean: sum / config.draws,
      pFirst: firstShare[i]! / config.draws,
      counts: own,
    });
  }
  return result;
}
