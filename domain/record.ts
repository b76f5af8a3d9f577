// Recording an assessment: new observations merged into the period's standings, evaluated, compared with
// the previous snapshot of the period and the last of the previous period, turned into alert decisions.
// Pure: the ingest function loads the state, calls this, and writes what it returns in one transaction.
import { type AlertEvent, type AlertState, stepAlerts } from './alerts.ts';
import { assessPeriod } from './assessment.ts';
import type { Diagnosis } from './diagnosis.ts';
import type { GapAnalysis } from './gap.ts';
import type { Observation } from './observations.ts';
import type { Scheme } from './scheme.ts';
import { detectSlips, detectTransitions, type Slip, type Transition } from './slips.ts';
import {
  emptyInputs,
  inputsToMatrix,
  mergeObservations,
  resultsOf,
  type SnapshotBody,
  type SnapshotInputs,
} from './snapshot.ts';
import { type Standings, standingsOf, watchedEntities } from './standings.ts';
import { compileScheme } from './tree.ts';

/** What is known of a period's head snapshot. */
export interface PeriodHead {
  period: string;
  seq: number;
  hash: string;
  inputs: SnapshotInputs;
  /** Watched entities' standings in that snapshot. */
  standings: Standings;
}

export interface RecordInput {
  scheme: Scheme;
  period: string;
  /** The period's current head, or null for its first snapshot. */
  head: PeriodHead | null;
  /** Earlier periods' inputs within the carry-forward window. */
  earlier: readonly { period: string; inputs: SnapshotInputs }[];
  /** Period-final standings of earlier periods, oldest first (the last is the previous period). */
  history: readonly Standings[];
  /** Open alert states and any states whose keys may recur. */
  alertStates: ReadonlyMap<string, AlertState>;
  /** Whether a reached-first key was already announced. */
  announced?: (key: string) => boolean;
  observations: readonly Observation[];
  now: string;
  /**
   * Re-assess even when no value changed: an earlier period changed after this one was assessed, so its
   * carried values, history, slips and diagnosis may be stale.
   */
  force?: boolean;
}

export interface Recorded {
  kind: 'recorded';
  body: SnapshotBody;
  standings: Standings;
  slips: Slip[];
  transitions: Transition[];
  alertChanges: AlertState[];
  alertEvents: AlertEvent[];
  gap: Record<string, GapAnalysis>;
  diagnosis: Record<string, Diagnosis>;
  rankedCount: number;
}

export type RecordResult = { kind: 'unchanged' } | Recorded;

/** Merges, evaluates and compares; `unchanged` when the observations change no value (redelivery, late duplicates). */
export function recordAssessment(input: RecordInput): RecordResult {
  const { scheme, period, head } = input;
  const c = compileScheme(scheme);
  const base = head?.inputs ?? emptyInputs(c);
  const { inputs, changed } = mergeObservations(c, base, input.observations);
  if (head && changed === 0 && !input.force) return { kind: 'unchanged' };
  const current = inputsToMatrix(c, period, inputs);
  const earlier = input.earlier.map((e) => inputsToMatrix(c, e.period, e.inputs));
  const history = [...input.history];
  const a = assessPeriod(scheme, current, { history, earlier });
  const watched = watchedEntities(a.evaluation);
  const standings = standingsOf(a.evaluation, watched);
  // Period over period comes from assessPeriod; the provisional comparison is with this period's head.
  const slips = [...a.slips];
  const transitions = [...a.transitions];
  if (head) {
    const common = {
      scheme,
      watched,
      from: head.standings,
      to: standings,
      comparison: 'provisional' as const,
    };
    slips.push(...detectSlips({ ...common, periodHistory: history }));
    const seen = new Set(transitions.map((t) => t.key));
    for (const t of detectTransitions(common)) if (!seen.has(t.key)) transitions.push(t);
  }
  const step = stepAlerts(input.alertStates, slips, transitions, standings, input.now, input.announced);
  const seq = (head?.seq ?? 0) + 1;
  const applied = [...new Set(input.observations.map((o) => o.eventId ?? ''))]
    .filter((id) => id !== '')
    .sort();
  const body: SnapshotBody = {
    scheme: { id: scheme.id, version: scheme.version },
    period,
    seq,
    recordedAt: input.now,
    applied,
    inputs,
    results: resultsOf(a.evaluation, { gap: a.gap, diagnosis: a.diagnosis, slips, standings }),
  };
  let rankedCount = 0;
  for (let e = 0; e < a.evaluation.n; e++) if (a.evaluation.rank[e]! > 0) rankedCount++;
  return {
    kind: 'recorded',
    body,
    standings,
    slips,
    transitions,
    alertChanges: step.changed,
    alertEvents: step.events,
    gap: a.gap,
    diagnosis: a.diagnosis,
    rankedCount,
  };
}

/**
 * The alert-state changes to commit with a recorded snapshot: the slips' changes, plus each reached-first
 * announcement remembered as a resolved state, so its key is never announced twice.
 */
export function alertStateChanges(r: Recorded): AlertState[] {
  const changes = [...r.alertChanges];
  for (const ev of r.alertEvents)
    if (ev.kind === 'reachedFirst')
      changes.push({
        key: ev.key,
        status: 'resolved',
        count: 1,
        slip: reachedFirstPlaceholder(ev.transition),
        firedAt: r.body.recordedAt,
      });
  return changes;
}

/** Alert state of a reached-first announcement; only its key and transition matter. */
function reachedFirstPlaceholder(t: Transition): Slip {
  return {
    key: t.key,
    entity: t.entity,
    scope: t.scope,
    ...(t.indicator ? { indicator: t.indicator } : {}),
    rule: 'lostFirst',
    severity: 'info',
    for: 1,
    comparison: t.comparison,
    fromPeriod: t.fromPeriod,
    toPeriod: t.period,
    fromRank: t.fromRank,
    toRank: 1,
    fromMargin: 0,
    toMargin: 0,
    score: 0,
    mean: 0,
  };
}
