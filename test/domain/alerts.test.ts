import { describe, expect, it } from 'vitest';
import { type AlertState, pendingKey, stepAlerts } from '../../domain/alerts.ts';
import type { Slip, Transition } from '../../domain/slips.ts';
import type { ScopeStanding, Standings } from '../../domain/standings.ts';

const KEY = 's|2026-02|overall|C|rankDrop';
const PENDING = 'pending|s|overall|C|rankDrop';

/** C fell from 2 to 4 overall (rankDrop), to fire after `forN` consecutive snapshots. */
const slip = (forN = 1, extra: Partial<Slip> = {}): Slip => ({
  key: KEY,
  entity: 'C',
  scope: 'overall',
  rule: 'rankDrop',
  severity: 'warning',
  for: forN,
  comparison: 'provisional',
  fromPeriod: '2026-02',
  toPeriod: '2026-02',
  fromRank: 2,
  toRank: 4,
  fromMargin: -5,
  toMargin: -12,
  score: 40,
  mean: 50,
  ...extra,
});

/** Standings where C has the given overall rank. */
const now = (rank: number): Standings => {
  const overall: ScopeStanding = { rank, tied: false, score: 50, mean: 50, margin: 0 };
  return { period: '2026-02', entities: { C: { overall } } };
};

/** Runs snapshots in order, feeding each step's changed states into the next, as the store would. */
function replay(snapshots: { slips: Slip[]; rank: number; transitions?: Transition[] }[]) {
  const states = new Map<string, AlertState>();
  const sent = new Set<string>();
  return snapshots.map((snap, i) => {
    const step = stepAlerts(states, snap.slips, snap.transitions ?? [], now(snap.rank), `t${i}`, (k) =>
      sent.has(k),
    );
    for (const s of step.changed) {
      if (s.status === 'resolved' && s.count === 0) states.delete(s.key);
      else states.set(s.key, s);
    }
    for (const e of step.events) if (e.kind === 'reachedFirst') sent.add(e.key);
    return { ...step, states: new Map(states) };
  });
}

describe('for: n', () => {
  it('fires at once with for: 1', () => {
    const [s1] = replay([{ slips: [slip(1)], rank: 4 }]);
    expect(s1?.events).toEqual([{ kind: 'slipped', key: KEY, slip: slip(1) }]);
    expect(s1?.changed).toEqual([{ key: KEY, status: 'firing', count: 1, slip: slip(1), firedAt: 't0' }]);
  });

  it('is pending for n − 1 snapshots, then fires on the n-th', () => {
    const steps = replay([
      { slips: [slip(3)], rank: 4 },
      { slips: [slip(3)], rank: 4 },
      { slips: [slip(3)], rank: 4 },
    ]);
    expect(steps.map((s) => s.events.map((e) => e.kind))).toEqual([[], [], ['slipped']]);
    expect(steps.map((s) => s.states.get(PENDING)?.count)).toEqual([1, 2, 3]);
    expect(steps.map((s) => s.states.get(KEY)?.status)).toEqual([undefined, undefined, 'firing']);
    expect(steps[2]?.states.get(KEY)?.count).toBe(3);
  });

  it('counts consecutive snapshots across periods, so for: 2 fires in the second week', () => {
    const w2 = slip(2, { key: 's|2026-W02|overall|C|rankDrop', toPeriod: '2026-W02' });
    const w3 = slip(2, { key: 's|2026-W03|overall|C|rankDrop', toPeriod: '2026-W03' });
    expect(pendingKey(w2.key)).toBe(pendingKey(w3.key));
    const steps = replay([
      { slips: [w2], rank: 4 },
      { slips: [w3], rank: 4 },
    ]);
    expect(steps.map((s) => s.events.map((e) => e.key))).toEqual([[], [w3.key]]);
  });

  it('resets a pending count when the slip stops holding', () => {
    const steps = replay([
      { slips: [slip(2)], rank: 4 },
      { slips: [], rank: 2 },
      { slips: [slip(2)], rank: 4 },
    ]);
    // the second snapshot clears the pending state (count 0), so the third starts again at 1
    expect(steps[1]?.changed).toEqual([
      { key: PENDING, status: 'resolved', count: 0, slip: slip(2), resolvedAt: 't1' },
    ]);
    expect(steps[1]?.events).toEqual([]);
    expect(steps[2]?.states.get(PENDING)).toMatchObject({ status: 'pending', count: 1 });
    expect(steps.flatMap((s) => s.events)).toEqual([]);
  });
});

describe('one alert per key', () => {
  it('does not re-send a firing slip', () => {
    const steps = replay([
      { slips: [slip()], rank: 4 },
      { slips: [slip()], rank: 4 },
      { slips: [slip()], rank: 5 },
    ]);
    expect(steps.map((s) => s.events.length)).toEqual([1, 0, 0]);
    expect(steps[1]?.changed).toEqual([]);
  });

  it('decides once for a key that holds in both the provisional and the period comparison', () => {
    const [s1] = replay([{ slips: [slip(1), slip(1, { comparison: 'period' })], rank: 4 }]);
    expect(s1?.events).toHaveLength(1);
    expect(s1?.changed).toHaveLength(1);
  });

  it('does not fire again for a key that already recovered', () => {
    const steps = replay([
      { slips: [slip()], rank: 4 },
      { slips: [], rank: 2 },
      { slips: [slip()], rank: 4 },
    ]);
    expect(steps.map((s) => s.events.map((e) => e.kind))).toEqual([['slipped'], ['recovered'], []]);
  });
});

describe('recovery', () => {
  it('sends Recovered when the lost position is regained', () => {
    const steps = replay([
      { slips: [slip()], rank: 4 },
      { slips: [], rank: 2 },
    ]);
    expect(steps[1]?.events).toEqual([{ kind: 'recovered', key: KEY, slip: slip(), rank: 2 }]);
    expect(steps[1]?.states.get(KEY)).toMatchObject({ status: 'resolved', resolvedAt: 't1', count: 1 });
  });

  it('keeps firing while the slip no longer holds but the position is not regained', () => {
    // 4 → 3: no new rankDrop, but still below the rank 2 it fell from
    const steps = replay([
      { slips: [slip()], rank: 4 },
      { slips: [], rank: 3 },
    ]);
    expect(steps[1]?.events).toEqual([]);
    expect(steps[1]?.states.get(KEY)?.status).toBe('firing');
  });
});

describe('reaching first', () => {
  const t: Transition = {
    key: 's|2026-02|overall|C|reachedFirst',
    kind: 'reachedFirst',
    entity: 'C',
    scope: 'overall',
    fromRank: 2,
    toRank: 1,
    tied: false,
    period: '2026-02',
    fromPeriod: '2026-02',
    comparison: 'provisional',
  };

  it('announces reaching first once per key', () => {
    const steps = replay([
      { slips: [], rank: 1, transitions: [t] },
      { slips: [], rank: 1, transitions: [t] },
    ]);
    expect(steps[0]?.events).toEqual([{ kind: 'reachedFirst', key: t.key, transition: t }]);
    expect(steps[1]?.events).toEqual([]);
  });
});
