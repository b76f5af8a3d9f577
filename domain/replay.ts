// An observation series recorded offline as the engine would store it: one period-final snapshot per
// period (each period's observations applied at once, in time order), hash-chained, with the alerts each
// snapshot sends — what `rankwatch bulletin` reports from when there is no engine.
import type { AlertEvent, AlertState } from './alerts.ts';
import type { StoredSnapshot } from './bulletin.ts';
import { canonicalJson, chainHash, jsonSafe } from './chain.ts';
import type { Observation } from './observations.ts';
import { sortPeriods } from './period.ts';
import { recordAssessment } from './record.ts';
import type { Scheme } from './scheme.ts';
import type { SnapshotInputs } from './snapshot.ts';
import type { Standings } from './standings.ts';

export interface Replay {
  snapshots: StoredSnapshot[];
  alerts: { period: string; events: AlertEvent[] }[];
}

export function replaySeries(scheme: Scheme, observations: readonly Observation[]): Replay {
  const byPeriod = new Map<string, Observation[]>();
  for (const o of observations) {
    const list = byPeriod.get(o.period) ?? [];
    list.push(o);
    byPeriod.set(o.period, list);
  }
  const snapshots: StoredSnapshot[] = [];
  const alerts: Replay['alerts'] = [];
  const history: Standings[] = [];
  const earlier: { period: string; inputs: SnapshotInputs }[] = [];
  const states = new Map<string, AlertState>();
  const announced = new Set<string>();
  let previousHash: string | null = null;
  for (const period of sortPeriods(scheme.periodKind, byPeriod.keys())) {
    const obs = byPeriod.get(period)!;
    // Recorded when its last observation was made, so a replay is the same on every run.
    // A loop, not Math.max(...times): 600,000 arguments (3,000 × 200) overflow the call stack.
    let latest = 0;
    for (const o of obs) {
      const t = o.observedAt ? Date.parse(o.observedAt) : 0;
      if (Number.isFinite(t) && t > latest) latest = t;
    }
    const now = new Date(latest).toISOString();
    const r = recordAssessment({
      scheme,
      period,
      head: null,
      earlier: earlier.slice(-Math.max(1, scheme.missing.carryForward)),
      history: [...history],
      alertStates: states,
      announced: (k) => announced.has(k),
      observations: obs,
      now,
    });
    if (r.kind !== 'recorded') continue;
    for (const s of r.alertChanges) {
      if (s.status === 'resolved' && s.count === 0) states.delete(s.key);
      else states.set(s.key, s);
    }
    for (const ev of r.alertEvents) if (ev.kind === 'reachedFirst') announced.add(ev.key);
    const hash = chainHash(canonicalJson(jsonSafe(r.body)), previousHash);
    snapshots.push({ body: r.body, hash, previousHash });
    alerts.push({ period, events: r.alertEvents });
    previousHash = hash;
    history.push(r.standings);
    earlier.push({ period, inputs: r.body.inputs });
  }
  return { snapshots, alerts };
}
