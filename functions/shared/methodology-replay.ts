// The replay job's unit of work: one period re-evaluated under a scheme version and appended to that period's
// chain (next seq, previous hash = the old head's), with the diff against the version it replaces. The old
// snapshots stay as they are. Idempotent: a period whose head is already under the version is skipped, so a
// redelivered message, or replaying again, writes nothing. Also the job's chaining (replayJobStep: replay, then
// queue the next stored period) and the report read back from the store once a period is replayed.
import { methodologyDiff, type PeriodDiff } from '../../domain/methodology-diff.ts';
import { replayAssessment } from '../../domain/methodology-replay.ts';
import { periodOrdinal } from '../../domain/period.ts';
import type { Scheme } from '../../domain/scheme.ts';
import type { SnapshotInputs } from '../../domain/snapshot.ts';
import { type DynamoAssessmentStore, HeadConflictError } from './dynamo-store.ts';
import { eventsForRecorded } from './outbox.ts';

/** Environment variable naming the replay job's queue, where the worker sends each next period's message. */
export const REPLAY_QUEUE_ENV = 'REPLAY_QUEUE_URL';

export interface ReplayDeps {
  store: DynamoAssessmentStore;
  now(): Date;
  /** Attempts on a lost head race (an ingest writing the same period) before the error is thrown. */
  attempts?: number;
}

/** One period to replay under a version (the in-process replay and each step of the replay job). */
export interface ReplayRequest {
  scheme: string;
  version: string;
  period: string;
}

/**
 * One message of the replay job (the chained SQS job): the period to replay now, the last period of the job
 * (`to`, inclusive; absent: the last stored period) and the job's id, carried along for the logs.
 */
export interface ReplayJobMessage extends ReplayRequest {
  to?: string;
  job?: string;
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

/** The period the job replays after `period`: the next stored one in time order, none past `to`. */
export async function nextReplayPeriod(
  store: Pick<DynamoAssessmentStore, 'periods'>,
  scheme: Pick<Scheme, 'id' | 'periodKind'>,
  period: string,
  to?: string,
): Promise<string | undefined> {
  const ord = (p: string) => periodOrdinal(scheme.periodKind, p);
  const after = ord(period);
  const hi = to === undefined ? Number.POSITIVE_INFINITY : ord(to);
  return (await store.periods(scheme.id))
    .map((p) => ({ p, o: ord(p) }))
    .filter(({ o }) => o > after && o <= hi)
    .sort((a, b) => a.o - b.o)[0]?.p;
}

export interface ReplayJobDeps {
  store: Pick<DynamoAssessmentStore, 'schemeVersion' | 'periods'>;
  /** Replays one period (replayPeriod over the store). */
  replay(req: ReplayRequest): Promise<PeriodReplay>;
  /** Sends the job's next message to the job's own queue. */
  send(message: ReplayJobMessage): Promise<void>;
}

/**
 * One step of the replay job: replays the message's period, then hands the job on to the next stored period
 * (≤ `to`) by sending its message — one bounded invocation per period, in time order, because the next
 * message exists only once this period's head is under the version. A skipped period (already under the
 * version: a message redelivered after a crash between the commit and the send, or a duplicate) still hands
 * the job on, so the chain never breaks and a duplicate costs one more skip per later period, nothing else.
 * A failed replay throws before anything is sent: SQS retries the message, then keeps it in the DLQ.
 */
export async function replayJobStep(
  message: ReplayJobMessage,
  deps: ReplayJobDeps,
): Promise<{ result: PeriodReplay; next: ReplayJobMessage | undefined }> {
  const result = await deps.replay({
    scheme: message.scheme,
    version: message.version,
    period: message.period,
  });
  const scheme = await deps.store.schemeVersion(message.scheme, message.version);
  const period = await nextReplayPeriod(deps.store, scheme, message.period, message.to);
  if (period === undefined) return { result, next: undefined };
  const next: ReplayJobMessage = { ...message, period };
  await deps.send(next);
  return { result, next };
}

/**
 * A period's replay as the store keeps it, once its head is under the target version: the snapshot the
 * replay wrote (the first of the chain under the version), the old head it links to, and the diff between
 * the two versions on the old head's inputs — what replayPeriod returned when it wrote them. Undefined while
 * the head is not under the version; skipped when no snapshot of the chain under it follows another version.
 */
export async function storedReplay(
  store: DynamoAssessmentStore,
  target: Scheme,
  period: string,
): Promise<PeriodReplay | undefined> {
  const head = await store.readHead(target.id, period);
  if (!head || head.schemeVersion !== target.version) return undefined;
  const manifests = await store.manifests(target.id, period);
  const byHash = new Map(manifests.map((m) => [m.hash, m]));
  // Back along the chain past later snapshots under the version (an ingest after the replay) to the replay's.
  let replayed = manifests.find((m) => m.seq === head.seq);
  let old = replayed?.previousHash ? byHash.get(replayed.previousHash) : undefined;
  while (replayed && old && old.schemeVersion === target.version) {
    replayed = old;
    old = old.previousHash ? byHash.get(old.previousHash) : undefined;
  }
  if (!replayed || !old)
    return { period, status: 'skipped', reason: `head already under version ${target.version}` };
  const source = await store.schemeVersion(target.id, old.schemeVersion);
  const wider = source.missing.carryForward > target.missing.carryForward ? source : target;
  // A replay keeps every period's inputs, so the earlier heads carry the inputs the replay read.
  const [inputs, ctx] = await Promise.all([
    store.readText(old.inputChunks),
    store.loadContext(wider, period),
  ]);
  return {
    period,
    status: 'replayed',
    seq: replayed.seq,
    hash: replayed.hash,
    previousHash: old.hash,
    fromVersion: source.version,
    diff: methodologyDiff(source, target, {
      period,
      inputs: JSON.parse(inputs) as SnapshotInputs,
      earlier: ctx.earlier,
    }),
  };
}
