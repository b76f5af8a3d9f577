// Alert state per key: `for: n` pending counts, firing once per key, recovery and reached-first —
// the decisions that turn each snapshot's slips into at most one alert per key.
import { hasRecovered, type Slip, type Transition } from './slips.ts';
import { OVERALL, type Standings } from './standings.ts';

export interface AlertState {
  /** The alert key, or `pending|<series>` for a `for: n` count that spans periods. */
  key: string;
  status: 'pending' | 'firing' | 'resolved';
  /** Consecutive snapshots in which the slip held (for `for: n`). */
  count: number;
  slip: Slip;
  firedAt?: string;
  resolvedAt?: string;
}

export type AlertEvent =
  | { kind: 'slipped'; key: string; slip: Slip }
  | { kind: 'recovered'; key: string; slip: Slip; rank: number }
  | { kind: 'reachedFirst'; key: string; transition: Transition };

export interface AlertStep {
  /** States that changed (to be written with the snapshot). Deleted pending states have status 'resolved' and count 0. */
  changed: AlertState[];
  events: AlertEvent[];
}

/**
 * The series a slip belongs to: its alert key without the period. `for: n` counts consecutive snapshots of
 * the series, so a rule that must hold in two snapshots fires in the second week even with one snapshot a week.
 */
export function pendingKey(alertKey: string): string {
  const [scheme, , ...rest] = alertKey.split('|');
  return ['pending', scheme, ...rest].join('|');
}

/**
 * Advances alert states with one snapshot's slips and transitions. `states` holds the open (pending or
 * firing) states and any state whose key appears in `slips`; `sent` answers whether a reached-first key
 * was already announced.
 */
export function stepAlerts(
  states: ReadonlyMap<string, AlertState>,
  slips: readonly Slip[],
  transitions: readonly Transition[],
  now: Standings,
  at: string,
  sent: (key: string) => boolean = () => false,
): AlertStep {
  const changed: AlertState[] = [];
  const events: AlertEvent[] = [];
  const holding = new Set<string>();
  // A key can appear twice (provisional and period-over-period comparisons): one decision per key.
  const byKey = new Map<string, Slip>();
  for (const s of slips) if (!byKey.has(s.key)) byKey.set(s.key, s);
  for (const [key, slip] of byKey) {
    holding.add(key);
    let count = 1;
    if (slip.for > 1) {
      const pk = pendingKey(key);
      holding.add(pk);
      count = (states.get(pk)?.count ?? 0) + 1;
      changed.push({ key: pk, status: 'pending', count, slip });
    }
    const prev = states.get(key);
    if (prev?.status === 'firing' || prev?.status === 'resolved') continue; // one alert per key
    if (count >= slip.for) {
      changed.push({ key, status: 'firing', count, slip, firedAt: at });
      events.push({ kind: 'slipped', key, slip });
    }
  }
  for (const [key, state] of states) {
    if (holding.has(key)) continue;
    if (state.status === 'pending') {
      changed.push({ ...state, status: 'resolved', count: 0, resolvedAt: at });
    } else if (state.status === 'firing') {
      const scope = state.slip.scope === 'overall' ? OVERALL : `indicator:${state.slip.indicator}`;
      const standing = now.entities[state.slip.entity]?.[scope];
      if (hasRecovered(state.slip, standing)) {
        changed.push({ ...state, status: 'resolved', resolvedAt: at });
        events.push({ kind: 'recovered', key, slip: state.slip, rank: standing!.rank });
      }
    }
  }
  for (const t of transitions) {
    if (sent(t.key)) continue;
    events.push({ kind: 'reachedFirst', key: t.key, transition: t });
  }
  return { changed, events };
}
