// The replay job's unit of work: one period re-evaluated under a scheme version and appended to that period's
// chain (next seq, previous hash = the old head's), with the diff against the version it replaces. The old
// snapshots stay as they are. Idempotent: a period whose head is already under the version is skipped, so a
// redelivered message, or replaying again, writes nothing.
import { methodologyDiff, type PeriodDiff } from '../../domain/methodology-diff.ts';
import { replayAssessment } from '../../domain/methodology-replay.ts';
import { periodOrdinal } from '../../domain/period.ts';
import type { Scheme } from '../../domain/scheme.ts';
import { type DynamoAssessmentStore, HeadConflictError } from './dynamo-store.ts';
import { eventsForRecorded } from './outbox.ts';

export interface ReplayDeps {
  store: DynamoAssessmentStore;
  now(): Date;
  /** Attempts on a lost head race (an ingest writing the same period) before the error is thrown. */
  attempts?: number;
}

/** One replay message: what the fan-out sends per period. */
export interface ReplayRequest {
  scheme: string;
  version: string;
  period: string;
}

export type PeriodReplay =
  | {
      period: string;
      status: 'replayed';
      seq: number;
      hash: string;
      /** The old head the new snapshot links to. */
      previousHash: string;
      fromVersion: string;
      diff: PeriodDiff;
    }
  | { period: string; status: 'skipped'; reason: string };

/**
 * Replays one period: reads its head (the period's stored inputs) and context, evaluates under the version,
 * commits the snapshot through the store's one transaction (its outbox carries Assessment.Recorded only: a
 * replay decides no alert) and returns the diff against the head's version.
 */
export async function replayPeriod(req: ReplayRequest, deps: ReplayDeps): Promise<PeriodReplay> {
  const target = await deps.store.schemeVersion(req.scheme, req.version);
  for (let attempt = 1; ; attempt++) {
    try {
      return await replayOnce(target, req.period, deps);
    } catch (e) {
      if (!(e instanceof HeadConflictError) || attempt >= (deps.attempts ?? 3)) throw e;
    }
  }
}

async function replayOnce(target: Scheme, period: string, deps: ReplayDeps): Promise<PeriodReplay> {
  const { store } = deps;
  const headItem = await store.readHead(target.id, period);
  if (!headItem) return { period, status: 'skipped', reason: 'no snapshot' };
  if (headItem.schemeVersion === target.version)
    return { period, status: 'skipped', reason: `head already under version ${target.version}` };
  const source = await store.schemeVersion(target.id, headItem.schemeVersion);
  // Carry-forward inputs wide enough for both versions (evaluate keeps only those within each one's window).
  const wider = source.missing.carryForward > target.missing.carryForward ? source : target;
  const ctx = await store.loadContext(wider, period);
  if (!ctx.head || ctx.head.seq !== headItem.seq)
    throw new HeadConflictError(`${target.id} ${period}: head moved`);
  const now = deps.now().toISOString();
  const recorded = replayAssessment({
    scheme: target,
    period,
    head: ctx.head,
    earlier: ctx.earlier,
    history: ctx.history,
    // The chain's recording times never go backwards, even if this clock is behind the head's.
    now: [now, ctx.head.recordedAt].sort()[1]!,
  });
  const previousHash = ctx.head.hash;
  const { hash } = await store.commit({
    scheme: target,
    body: recorded.body,
    standings: recorded.standings,
    previousHash,
    expectedSeq: ctx.head.seq,
    alertChanges: [],
    alerts: ctx.alerts,
    events: (h) => eventsForRecorded(target, recorded, h, previousHash),
  });
  return {
    period,
    status: 'replayed',
    seq: recorded.body.seq,
    hash,
    previousHash,
    fromVersion: source.version,
    diff: methodologyDiff(source, target, { period, inputs: ctx.head.inputs, earlier: ctx.earlier }),
  };
}

/** The periods a replay covers: those with a snapshot, in time order, within [from, to] when given. */
export async function replayPeriods(
  store: DynamoAssessmentStore,
  scheme: Scheme,
  range: { from?: string; to?: string } = {},
): Promise<string[]> {
  const ord = (p: string) => periodOrdinal(scheme.periodKind, p);
  const lo = range.from === undefined ? Number.NEGATIVE_INFINITY : ord(range.from);
  const hi = range.to === undefined ? Number.POSITIVE_INFINITY : ord(range.to);
  return (await store.periods(scheme.id))
    .filter((p) => ord(p) >= lo && ord(p) <= hi)
    .sort((a, b) => ord(a) - ord(b));
}
