// Replaying a period under another scheme version: the head snapshot's inputs evaluated under the version,
// recorded as the next snapshot of the same period's chain. Pure: the replay job loads the head and context,
// calls this, and commits what it returns. A replay is a methodology change, not news about performance:
// it decides no alert (no alert state changes, no Ranking.* event); its slips are period over period only.
import { assessPeriod } from './assessment.ts';
import type { PeriodHead, Recorded } from './record.ts';
import type { Scheme } from './scheme.ts';
import {
  alignInputs,
  inputsToMatrix,
  resultsOf,
  type SnapshotBody,
  type SnapshotInputs,
} from './snapshot.ts';
import { type Standings, standingsOf, watchedEntities } from './standings.ts';
import { compileScheme } from './tree.ts';

export interface ReplayInput {
  /** The version to replay under. */
  scheme: Scheme;
  period: string;
  /** The period's head (the snapshot the replay links to); its inputs are the period's stored standings. */
  head: Pick<PeriodHead, 'seq' | 'inputs'>;
  /** Earlier periods' inputs within the carry-forward window. */
  earlier: readonly { period: string; inputs: SnapshotInputs }[];
  /** Period-final standings of earlier periods, oldest first. */
  history: readonly Standings[];
  now: string;
}

/** The snapshot a replay records: seq = head + 1, no events applied, the head's inputs on the version's lists. */
export function replayAssessment(input: ReplayInput): Recorded {
  const { scheme, period } = input;
  const c = compileScheme(scheme);
  const inputs = alignInputs(c, input.head.inputs);
  const current = inputsToMatrix(c, period, inputs);
  const earlier = input.earlier.map((e) => inputsToMatrix(c, e.period, e.inputs));
  const a = assessPeriod(scheme, current, { history: [...input.history], earlier });
  const standings = standingsOf(a.evaluation, watchedEntities(a.evaluation));
  const body: SnapshotBody = {
    scheme: { id: scheme.id, version: scheme.version },
    period,
    seq: input.head.seq + 1,
    recordedAt: input.now,
    applied: [],
    inputs,
    results: resultsOf(a.evaluation, { gap: a.gap, diagnosis: a.diagnosis, slips: a.slips, standings }),
  };
  let rankedCount = 0;
  for (let e = 0; e < a.evaluation.n; e++) if (a.evaluation.rank[e]! > 0) rankedCount++;
  return {
    kind: 'recorded',
    body,
    standings,
    slips: a.slips,
    transitions: a.transitions,
    alertChanges: [],
    alertEvents: [],
    gap: a.gap,
    diagnosis: a.diagnosis,
    rankedCount,
  };
}
