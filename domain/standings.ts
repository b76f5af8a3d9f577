// Compact per-entity, per-scope standings (rank, score, field mean, margin) extracted from an evaluation:
// what slip rules compare, what history projections store, and what diagnosis reads.
import type { Evaluation } from './evaluate.ts';

export const OVERALL = 'overall';
/** Scope key: `overall` or `indicator:<id>`. */
export type ScopeKey = string;

export function indicatorScope(id: string): ScopeKey {
  return `indicator:${id}`;
}

export function parseScope(key: ScopeKey): { scope: 'overall' | 'indicator'; indicator?: string } {
  return key === OVERALL
    ? { scope: 'overall' }
    : { scope: 'indicator', indicator: key.slice('indicator:'.length) };
}

export interface ScopeStanding {
  /** 0 when not ranked in this scope. */
  rank: number;
  tied: boolean;
  score: number;
  /** Mean score of the ranked entities in this scope. */
  mean: number;
  /** Own score minus the best other entity's score (positive: leading). */
  margin: number;
  /** Indicator scopes: the value (after carry-forward). */
  value?: number;
}

export interface Standings {
  period: string;
  /** entity → scope → standing. */
  entities: Record<string, Record<ScopeKey, ScopeStanding>>;
}

function scopeStats(n: number, rank: (e: number) => number, score: (e: number) => number) {
  let sum = 0;
  let count = 0;
  let best = Number.NEGATIVE_INFINITY;
  let second = Number.NEGATIVE_INFINITY;
  let bestAt = -1;
  for (let e = 0; e < n; e++) {
    if (rank(e) === 0) continue;
    const s = score(e);
    sum += s;
    count++;
    if (s > best) {
      second = best;
      best = s;
      bestAt = e;
    } else if (s > second) second = s;
  }
  return { mean: count === 0 ? Number.NaN : sum / count, best, second, bestAt };
}

/** Standings of the given entities (default: all) in every scope. */
export function standingsOf(ev: Evaluation, entities?: readonly string[]): Standings {
  const c = ev.compiled;
  const { n, m } = ev;
  const wanted = (entities ?? c.entityIds).map((id) => c.entityIndex.get(id)!).filter((e) => e !== undefined);
  const out: Standings = { period: ev.period, entities: {} };
  const overall = scopeStats(
    n,
    (e) => ev.rank[e]!,
    (e) => ev.composite[e]!,
  );
  const perIndicator = c.indicators.map((_, j) =>
    scopeStats(
      n,
      (e) => ev.valueRank[e * m + j]!,
      (e) => ev.scores[e * m + j]!,
    ),
  );
  const margin = (stats: ReturnType<typeof scopeStats>, e: number, s: number) =>
    stats.bestAt === e ? s - stats.second : s - stats.best;
  // Built once, not once per entity (3,000 × 200 string concatenations at full scale).
  const scopeKeys = c.indicators.map((ind) => indicatorScope(ind.id));
  for (const e of wanted) {
    const scopes: Record<ScopeKey, ScopeStanding> = {};
    const s = ev.composite[e]!;
    scopes[OVERALL] = {
      rank: ev.rank[e]!,
      tied: ev.tied[e] === 1,
      score: s,
      mean: overall.mean,
      margin: margin(overall, e, s),
    };
    for (let j = 0; j < m; j++) {
      const r = ev.valueRank[e * m + j]!;
      const sj = ev.scores[e * m + j]!;
      const stats = perIndicator[j]!;
      scopes[scopeKeys[j]!] = {
        rank: r,
        tied: ev.valueTied[e * m + j] === 1,
        score: sj,
        mean: stats.mean,
        margin: margin(stats, e, sj),
        value: ev.values[e * m + j]!,
      };
    }
    out.entities[c.entityIds[e]!] = scopes;
  }
  return out;
}

/** Entities whose slips are reported: the focus list, or everyone when `watch: all`. */
export function watchedEntities(ev: Evaluation): string[] {
  const s = ev.compiled.scheme;
  return s.watch === 'all' ? ev.compiled.entityIds : s.focus;
}
