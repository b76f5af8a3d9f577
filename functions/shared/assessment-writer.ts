// Writing admitted reports: each (scheme, period) group recorded as one snapshot in one transaction (retried
// in-process on a lost head race), then the later periods re-assessed so late data reaches them.
import { canonicalJson, jsonSafe } from '../../domain/chain.ts';
import type { Observation } from '../../domain/observations.ts';
import { periodOrdinal } from '../../domain/period.ts';
import { alertStateChanges, recordAssessment } from '../../domain/record.ts';
import type { Scheme } from '../../domain/scheme.ts';
import type { Silence } from '../../domain/silences.ts';
import type { DepartmentReport } from './department-reports.ts';
import { type DynamoAssessmentStore, HeadConflictError } from './dynamo-store.ts';
import { eventsForRecorded } from './outbox.ts';
import { SilenceStore } from './silence-store.ts';

/** What writing needs: the store, the clock, logs, metrics and the in-process retry budget. */
export interface WriterDeps {
  store: DynamoAssessmentStore;
  now(): Date;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
  metric(
    name: 'ObservationsApplied' | 'ObservationsRejected' | 'SnapshotsWritten' | 'AlertsEmitted',
    value: number,
  ): void;
  /** In-process attempts of a group before it is handed back to SQS as a partial failure. */
  attempts?: number;
}

/**
 * Records every group (earlier periods first, as admitBatch orders them), then re-assesses later periods
 * per scheme. Returns the message ids to hand back to SQS: groups not applied, and groups whose later
 * periods could not be re-assessed.
 */
export async function recordGroups(
  groups: readonly DepartmentReport[][],
  schemes: ReadonlyMap<string, Scheme>,
  deps: WriterDeps,
): Promise<Set<string>> {
  const failures = new Set<string>();
  // The silences in force now, read once per scheme for the whole batch (a notification they cover is
  // recorded, not sent).
  const silencesBy = new Map<string, Promise<Silence[]>>();
  const silences = (schemeId: string) => {
    let held = silencesBy.get(schemeId);
    if (!held) {
      held = new SilenceStore(deps.store.db, deps.store.table).active(schemeId, deps.now().toISOString());
      silencesBy.set(schemeId, held);
    }
    return held;
  };
  for (const group of groups) {
    const scheme = schemes.get(group[0]!.scheme)!;
    const period = group[0]!.period;
    const observations = group.flatMap((a) => a.observations);
    const attempts = deps.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        const written = await applyGroup(scheme, period, observations, await silences(scheme.id), deps);
        deps.metric('ObservationsApplied', observations.length);
        if (written) {
          deps.metric('SnapshotsWritten', 1);
          deps.metric('AlertsEmitted', written.alerts);
        }
        break;
      } catch (e) {
        if (e instanceof HeadConflictError && attempt < attempts) continue;
        deps.log(
          e instanceof HeadConflictError ? 'warn' : 'error',
          'group not applied; its records will be retried',
          { scheme: scheme.id, period, error: String(e) },
        );
        for (const a of group) failures.add(a.messageId);
        break;
      }
    }
  }

  // Late data: periods after the earliest one touched may have used stale carried values or history.
  const bySchemeGroups = new Map<string, DepartmentReport[][]>();
  for (const g of groups) {
    if (g.some((a) => failures.has(a.messageId))) continue;
    const list = bySchemeGroups.get(g[0]!.scheme) ?? [];
    list.push(g);
    bySchemeGroups.set(g[0]!.scheme, list);
  }
  for (const [schemeId, applied] of bySchemeGroups) {
    const scheme = schemes.get(schemeId)!;
    const touched = applied.map((g) => g[0]!.period);
    try {
      const written = await propagate(scheme, touched, await silences(schemeId), deps);
      if (written) deps.metric('SnapshotsWritten', written);
    } catch (e) {
      deps.log('error', 'later periods not re-assessed; the records will be retried', {
        scheme: schemeId,
        error: String(e),
      });
      for (const g of applied) for (const a of g) failures.add(a.messageId);
    }
  }
  return failures;
}

/** Loads the period's state, records the assessment and commits it; null when nothing changed. */
async function applyGroup(
  scheme: Scheme,
  period: string,
  observations: Observation[],
  silences: readonly Silence[],
  deps: WriterDeps,
  force = false,
): Promise<{ seq: number; alerts: number } | null> {
  const ctx = await deps.store.loadContext(scheme, period);
  const result = recordAssessment({
    scheme,
    period,
    head: ctx.head,
    earlier: ctx.earlier,
    history: ctx.history,
    alertStates: ctx.alerts.states,
    announced: (key) => ctx.alerts.states.has(key),
    observations,
    now: deps.now().toISOString(),
    force,
  });
  if (result.kind === 'unchanged') return null;
  if (force && ctx.head) {
    // A re-assessment that reproduces the stored results writes nothing.
    const stored = await deps.store.snapshotBody((await deps.store.manifestAsOf(scheme.id, period))!);
    if (canonicalJson(jsonSafe(stored.results)) === canonicalJson(jsonSafe(result.body.results))) return null;
  }
  await deps.store.commit({
    scheme,
    body: result.body,
    standings: result.standings,
    previousHash: ctx.head?.hash ?? null,
    expectedSeq: ctx.head?.seq ?? 0,
    alertChanges: alertStateChanges(result),
    alerts: ctx.alerts,
    events: (hash) => eventsForRecorded(scheme, result, hash, ctx.head?.hash ?? null, silences),
  });
  return { seq: result.body.seq, alerts: result.alertEvents.length };
}

/**
 * Re-assesses the periods after the earliest touched one, in time order, so that correctness does not
 * depend on delivery order. Periods up to the last touched one are always re-assessed; after it, the
 * first period whose results come out unchanged ends the cascade. Returns the snapshots written.
 */
async function propagate(
  scheme: Scheme,
  touched: readonly string[],
  silences: readonly Silence[],
  deps: WriterDeps,
): Promise<number> {
  const kind = scheme.periodKind;
  const ord = (p: string) => periodOrdinal(kind, p);
  const first = Math.min(...touched.map(ord));
  const last = Math.max(...touched.map(ord));
  const later = (await deps.store.periods(scheme.id))
    .filter((p) => ord(p) > first)
    .sort((a, b) => ord(a) - ord(b));
  let written = 0;
  for (const q of later) {
    let result: { seq: number } | null = null;
    for (let attempt = 1; ; attempt++) {
      try {
        result = await applyGroup(scheme, q, [], silences, deps, true);
        break;
      } catch (e) {
        if (!(e instanceof HeadConflictError) || attempt >= (deps.attempts ?? 3)) throw e;
      }
    }
    if (result) written++;
    else if (ord(q) > last) break;
  }
  return written;
}
