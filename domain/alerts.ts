// Alert state per key: `for: n` pending counts, firing once per key, recovery and reached-first —
// the decisions that turn each snapshot's slips into at most one alert per key.
import { hasRecovered, type Slip, type Transition } from './slips.ts';
import { OVERALL, type Standings } from './standings.ts';

export interface AlertState {
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
    const prev = states.get(key);
    if (prev?.status === 'firing' || prev?.status === 'resolved') continue; // one alert per key
    const count = (prev?.count ?? 0) + 1;
    if (count >= slip.for) {
      changed.push({ key, status: 'firing', count, slip, firedAt: at });
      events.push({ kind: 'slipped', key, slip });
    } else {
      changed.push({ key, status: 'pending', count, slip });
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
