// One assessment per period: evaluation, gap to first and diagnosis for focus entities, slips against the
// previous period and the alerts they cause — in the JSON contract that `rankwatch evaluate` prints.
import { type AlertEvent, type AlertState, stepAlerts } from './alerts.ts';
import { type Diagnosis, diagnose } from './diagnosis.ts';
import { type Evaluation, evaluate, type PeriodMatrix, rankedOrder, toMatrix } from './evaluate.ts';
import { analyseGap, type GapAnalysis } from './gap.ts';
import { groupNotifications, type Notification, schemeGroupContext } from './notifications.ts';
import { latestWins, type Observation } from './observations.ts';
import { periodEndInstant, sortPeriods } from './period.ts';
import type { Scheme } from './scheme.ts';
import { detectSlips, detectTransitions, type Slip, type Transition } from './slips.ts';
import { type Standings, standingsOf, watchedEntities } from './standings.ts';
import { compileScheme } from './tree.ts';

export interface OverallRow {
  entity: string;
  score: number;
  rank: number;
  tied: boolean;
}

export interface IndicatorRow {
  entity: string;
  value: number;
  score: number;
  rank: number;
  tied: boolean;
  carried: boolean;
}

export interface PeriodAssessment {
  period: string;
  overall: OverallRow[];
  unranked: { entity: string; reason: string }[];
  indicators: Record<string, IndicatorRow[]>;
  gap: Record<string, GapAnalysis>;
  diagnosis: Record<string, Diagnosis>;
  slips: Slip[];
  transitions: Transition[];
  alerts: AlertEvent[];
  /**
   * What would be sent (offline evaluation): the period's slipped alerts grouped per entity, scope and period
   * with the scheme's inhibition, as if assessed once the period ended. Absent for stored snapshots.
   */
  notifications?: Notification[];
}

export interface SeriesAssessment {
  scheme: { id: string; version: string };
  periods: PeriodAssessment[];
}

/** Overall rows best first, then indicator rows best first, from an evaluation. */
export function tablesOf(ev: Evaluation): Pick<PeriodAssessment, 'overall' | 'unranked' | 'indicators'> {
  const c = ev.compiled;
  const { m, n } = ev;
  const overall = rankedOrder(ev).map((e) => ({
    entity: c.entityIds[e]!,
    score: ev.composite[e]!,
    rank: ev.rank[e]!,
    tied: ev.tied[e] === 1,
  }));
  const indicators: Record<string, IndicatorRow[]> = {};
  c.indicators.forEach((ind, j) => {
    const rows: IndicatorRow[] = [];
    for (let e = 0; e < n; e++) {
      const r = ev.valueRank[e * m + j]!;
      if (r === 0) continue;
      rows.push({
        entity: c.entityIds[e]!,
        value: ev.values[e * m + j]!,
        score: ev.scores[e * m + j]!,
        rank: r,
        tied: ev.valueTied[e * m + j] === 1,
        carried: ev.carried[e * m + j] === 1,
      });
    }
    rows.sort((a, b) => a.rank - b.rank || c.entityIndex.get(a.entity)! - c.entityIndex.get(b.entity)!);
    indicators[ind.id] = rows;
  });
  return { overall, unranked: ev.unranked, indicators };
}

/** Matrices per period from observations, latest-wins, in time order. */
export function periodMatrices(scheme: Scheme, observations: Iterable<Observation>): PeriodMatrix[] {
  const c = compileScheme(scheme);
  const latest = latestWins(observations);
  return sortPeriods(scheme.periodKind, latest.keys()).map((period) => {
    const values: Record<string, Record<string, number>> = {};
    for (const [ind, byEnt] of latest.get(period)!) {
      const row: Record<string, number> = {};
      for (const [ent, o] of byEnt) row[ent] = o.value;
      values[ind] = row;
    }
    return toMatrix(c, period, values);
  });
}

export interface AssessOptions {
  /** Period-final standings of earlier periods (oldest first), for slips and diagnosis. */
  history?: Standings[];
  /** Earlier periods' values, for carry-forward. */
  earlier?: readonly PeriodMatrix[];
}

/** Assesses one period: evaluation, gap and diagnosis for focus entities, slips versus the last history entry. */
export function assessPeriod(scheme: Scheme, current: PeriodMatrix, options: AssessOptions = {}) {
  const c = compileScheme(scheme);
  const ev = evaluate(c, current, options.earlier ?? []);
  const history = options.history ?? [];
  const gap: Record<string, GapAnalysis> = {};
  const diagnosis: Record<string, Diagnosis> = {};
  for (const f of scheme.focus) {
    gap[f] = analyseGap(ev, f);
    if (ev.rank[c.entityIndex.get(f)!]! > 0) diagnosis[f] = diagnose(ev, f, history, gap[f]);
  }
  const standings = standingsOf(ev);
  const prev = history[history.length - 1];
  const watched = watchedEntities(ev);
  const slips = prev
    ? detectSlips({
        scheme,
        watched,
        from: prev,
        to: standings,
        comparison: 'period',
        periodHistory: history,
      })
    : [];
  const transitions = prev
    ? detectTransitions({ scheme, watched, from: prev, to: standings, comparison: 'period' })
    : [];
  return { evaluation: ev, standings, gap, diagnosis, slips, transitions };
}

/** Assesses every period in the observations, each against the previous one, simulating alert state. */
export function assessSeries(scheme: Scheme, observations: Iterable<Observation>): SeriesAssessment {
  const matrices = periodMatrices(scheme, observations);
  const history: Standings[] = [];
  const alertStates = new Map<string, AlertState>();
  const announced = new Set<string>();
  const periods: PeriodAssessment[] = matrices.map((current, i) => {
    const a = assessPeriod(scheme, current, { history: [...history], earlier: matrices.slice(0, i) });
    const step = stepAlerts(alertStates, a.slips, a.transitions, a.standings, current.period, (k) =>
      announced.has(k),
    );
    for (const s of step.changed) {
      if (s.status === 'resolved' && s.count === 0) alertStates.delete(s.key);
      else alertStates.set(s.key, s);
    }
    for (const ev of step.events) if (ev.kind === 'reachedFirst') announced.add(ev.key);
    history.push(a.standings);
    return {
      period: current.period,
      ...tablesOf(a.evaluation),
      gap: a.gap,
      diagnosis: a.diagnosis,
      slips: a.slips,
      transitions: a.transitions,
      alerts: step.events,
      notifications: groupNotifications(
        step.events,
        schemeGroupContext(scheme, { seq: 1, at: periodEndInstant(scheme.periodKind, current.period) }),
      ),
    };
  });
  return { scheme: { id: scheme.id, version: scheme.version }, periods };
}

/** JSON text with NaN/±Infinity as null (JSON has no such numbers). */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), indent);
}
