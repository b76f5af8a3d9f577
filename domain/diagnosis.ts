// Diagnosis 精准治疗 for a focus entity over its assessment history: changes, moving averages, run rule,
// volatility, robust outliers, trajectory to target, classes, prescriptions, coaching pairs, patterns.
import type { Evaluation } from './evaluate.ts';
import { type GapAnalysis, makeMover } from './gap.ts';
import { lastPeriodOfYear, periodOrdinal } from './period.ts';
import { roundTo } from './ranking.ts';
import type { LocalisedName } from './scheme.ts';
import { indicatorScope, type Standings } from './standings.ts';

export const MA_WINDOW = 4;
export const EWMA_LAMBDA = 0.3;
export const RUN_LENGTH = 6;
export const OUTLIER_THRESHOLD = 3.5;
export const QUICK_WIN_PCT = 5;

export type IndicatorClass = 'strength' | 'weakness' | 'declining' | 'critical' | 'middle';
export type Trajectory = 'on-track' | 'slightly-off' | 'off-track' | 'wrong-direction';

export interface IndicatorDiagnosis {
  value: number;
  score: number;
  rank: number;
  contribution: number;
  headroom: number;
  change: { value: number; score: number; rank: number } | null;
  movingAverage: number;
  ewma: number;
  /** Consecutive declines of the value in its direction, ending now. */
  declineRun: number;
  runRule: boolean;
  volatility: number;
  robustZ: number | null;
  outlier: boolean;
  trajectory: Trajectory | null;
  class: IndicatorClass;
}

export interface Prescription {
  indicator: string;
  /** The entity just above on this indicator, whose value is the move's target. */
  passes: string;
  requiredValue: number;
  delta: number;
  movePct: number;
  /** Composite points gained by the move. */
  points: number;
  pointsPerPct: number;
  quickWin: boolean;
  /** Overall rank after the move. */
  rankAfter: number;
}

export interface CoachingPair {
  indicator: string;
  owner: string;
  ownerName?: LocalisedName;
  leader?: LocalisedName;
  learnFrom: string;
  theirValue: number;
  theirRank: number;
}

export interface PatternResult {
  id: string;
  name: LocalisedName;
  holds: boolean;
  members: {
    indicator: string;
    expected: 'up' | 'down';
    actual: 'up' | 'down' | 'flat' | null;
    ok: boolean;
  }[];
}

export interface Diagnosis {
  entity: string;
  period: string;
  rank: number;
  indicators: Record<string, IndicatorDiagnosis>;
  prescriptions: Prescription[];
  coaching: CoachingPair[];
  patterns: PatternResult[];
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function median(xs: readonly number[]): number {
  // A typed-array sort takes no comparator callback (this ran 3 times per indicator and was the diagnosis's
  // largest cost). It orders −0 before 0, which can change only the sign of a zero median, and every use
  // of the median goes through |x − median| or an equality test, where that sign does not show.
  const s = new Float64Array(xs).sort();
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Changes between consecutive values (one fewer than the values). */
function periodChanges(xs: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < xs.length; i++) out.push(xs[i]! - xs[i - 1]!);
  return out;
}

function sd(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const mu = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - mu) ** 2)));
}

export function ewma(xs: readonly number[], lambda = EWMA_LAMBDA): number {
  let z = xs[0] ?? Number.NaN;
  for (let i = 1; i < xs.length; i++) z = lambda * xs[i]! + (1 - lambda) * z;
  return z;
}

/** Robust z of the latest value: |x − median| / (1.4826·MAD); null when MAD is 0. */
export function robustZ(xs: readonly number[]): number | null {
  const med = median(xs);
  const mad = median(xs.map((x) => Math.abs(x - med)));
  if (mad === 0) return null;
  return Math.abs(xs[xs.length - 1]! - med) / (1.4826 * mad);
}

/** Consecutive declines (in the improving direction d) at the end of a series. */
export function declineRun(xs: readonly number[], d: 1 | -1): number {
  let run = 0;
  for (let i = xs.length - 1; i > 0; i--) {
    if (d * (xs[i]! - xs[i - 1]!) < 0) run++;
    else break;
  }
  return run;
}

/** Trajectory to a target by projecting the mean of the last 5 changes to the horizon. */
export function trajectory(
  xs: readonly number[],
  d: 1 | -1,
  target: number,
  periodsLeft: number,
): Trajectory {
  const x = xs[xs.length - 1]!;
  if (d * (x - target) >= 0) return 'on-track';
  const changes = periodChanges(xs.slice(-6));
  const step = changes.length ? mean(changes) : 0;
  if (d * step <= 0) return 'wrong-direction';
  const projected = x + step * Math.max(periodsLeft, 0);
  if (d * (projected - target) >= 0) return 'on-track';
  const covered = (d * (projected - x)) / (d * (target - x));
  return covered >= 0.8 ? 'slightly-off' : 'off-track';
}

/**
 * Diagnoses `entity` in the current evaluation, given its earlier period-final standings (oldest first)
 * and the current gap analysis.
 */
export function diagnose(
  ev: Evaluation,
  entity: string,
  history: readonly Standings[],
  gap: GapAnalysis,
): Diagnosis {
  const c = ev.compiled;
  const e = c.entityIndex.get(entity)!;
  const { m, n } = ev;
  const scheme = c.scheme;
  const range = ev.rescale ? ev.rescale.max - ev.rescale.min || 1 : 1;
  const indicators: Record<string, IndicatorDiagnosis> = {};
  const prescriptions: Prescription[] = [];
  const coaching: CoachingPair[] = [];
  const departments = new Map((scheme.departments ?? []).map((d) => [d.id, d]));
  // The entity's scopes in each earlier period, looked up once rather than once per indicator.
  const ownHistory = history.map((h) => h.entities[entity]);
  for (let j = 0; j < m; j++) {
    const ind = c.indicators[j]!;
    const x = ev.values[e * m + j]!;
    if (Number.isNaN(x)) continue;
    const scope = indicatorScope(ind.id);
    const d: 1 | -1 = ind.direction === 'higher' ? 1 : -1;
    const past = ownHistory
      .map((h) => h?.[scope])
      .filter(
        (s): s is NonNullable<typeof s> => s !== undefined && s.value !== undefined && !Number.isNaN(s.value),
      );
    const series = [...past.map((s) => s.value!), x];
    const prev = past[past.length - 1];
    const rank = ev.valueRank[e * m + j]!;
    const score = ev.scores[e * m + j]!;
    const change = prev
      ? { value: x - prev.value!, score: score - prev.score, rank: rank - prev.rank }
      : null;
    const run = declineRun(series, d);
    const rz = series.length >= 3 ? robustZ(series) : null;
    const outlier =
      series.length >= 3 &&
      (rz === null ? series[series.length - 1] !== median(series) : rz > OUTLIER_THRESHOLD);
    let traj: Trajectory | null = null;
    if (ind.target !== undefined) {
      const t = typeof ind.target === 'number' ? { value: ind.target, by: undefined } : ind.target;
      const horizon = t.by ?? lastPeriodOfYear(scheme.periodKind, ev.period);
      const left = periodOrdinal(scheme.periodKind, horizon) - periodOrdinal(scheme.periodKind, ev.period);
      traj = trajectory(series, d, t.value, left);
    }
    let ranked = 0;
    for (let o = 0; o < n; o++) if (ev.valueRank[o * m + j]! > 0) ranked++;
    const strength = rank <= ranked / 3;
    const weakness = rank > (2 * ranked) / 3;
    const declining = (prev !== undefined && prev.rank > 0 && rank > prev.rank) || run >= 2;
    const cls: IndicatorClass =
      weakness && declining
        ? 'critical'
        : weakness
          ? 'weakness'
          : declining
            ? 'declining'
            : strength
              ? 'strength'
              : 'middle';
    const g = gap.indicators[ind.id];
    indicators[ind.id] = {
      value: x,
      score,
      rank,
      contribution: g?.contribution ?? 0,
      headroom: g?.headroom ?? 0,
      change,
      movingAverage: mean(series.slice(-MA_WINDOW)),
      ewma: ewma(series),
      declineRun: run,
      runRule: run >= RUN_LENGTH,
      volatility: sd(periodChanges(series)),
      robustZ: rz,
      outlier,
      trajectory: traj,
      class: cls,
    };

    // The entity just above on this indicator: the better rank group nearest to ours.
    let above = -1;
    for (let o = 0; o < n; o++) {
      const r = ev.valueRank[o * m + j]!;
      if (r > 0 && r < rank && (above < 0 || r > ev.valueRank[above * m + j]!)) above = o;
    }
    if (above < 0) continue;
    const target = ev.values[above * m + j]!;
    const required = roundTo(target, ind.precision);
    const mover = makeMover(ev, e, j);
    const points = (mover.composite(required) - ev.rawComposite[e]!) / range;
    const movePct = x === 0 ? Number.POSITIVE_INFINITY : (Math.abs(required - x) / Math.abs(x)) * 100;
    if (ev.rank[e]! > 0 && points > 0) {
      prescriptions.push({
        indicator: ind.id,
        passes: c.entityIds[above]!,
        requiredValue: required,
        delta: required - x,
        movePct,
        points,
        pointsPerPct: movePct === 0 ? Number.POSITIVE_INFINITY : points / movePct,
        quickWin: movePct <= QUICK_WIN_PCT,
        rankAfter: mover.rank(required),
      });
    }
    if (cls === 'weakness' || cls === 'critical') {
      const dept = departments.get(ind.owner);
      coaching.push({
        indicator: ind.id,
        owner: ind.owner,
        ...(dept ? { ownerName: dept.name } : {}),
        ...(dept?.leader ? { leader: dept.leader } : {}),
        learnFrom: c.entityIds[above]!,
        theirValue: target,
        theirRank: ev.valueRank[above * m + j]!,
      });
    }
  }
  prescriptions.sort((a, b) => b.pointsPerPct - a.pointsPerPct || b.points - a.points);

  const prevStanding = history[history.length - 1]?.entities[entity];
  const patterns: PatternResult[] = scheme.rules.patterns.map((p) => {
    const members = p.members.map((mem) => {
      const j = c.indicatorIndex.get(mem.indicator)!;
      const now = ev.values[e * m + j]!;
      const before = prevStanding?.[indicatorScope(mem.indicator)]?.value;
      let actual: 'up' | 'down' | 'flat' | null = null;
      if (before !== undefined && !Number.isNaN(before) && !Number.isNaN(now))
        actual = now > before ? 'up' : now < before ? 'down' : 'flat';
      return { indicator: mem.indicator, expected: mem.expected, actual, ok: actual === mem.expected };
    });
    return { id: p.id, name: p.name, holds: members.every((x) => x.ok), members };
  });
  return {
    entity,
    period: ev.period,
    rank: ev.rank[e]!,
    indicators,
    prescriptions,
    coaching,
    patterns,
  };
}
