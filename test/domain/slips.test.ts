import { describe, expect, it } from 'vitest';
import type { SlipRuleConfig } from '../../domain/scheme.ts';
import { alertKey, detectSlips, detectTransitions, hasRecovered, ruleHolds } from '../../domain/slips.ts';
import { type ScopeStanding, type Standings, watchedEntities } from '../../domain/standings.ts';
import { indicator, run, scheme } from './fixtures.ts';

/** A scope standing with neutral score, mean and margin unless given. */
const st = (rank: number, extra: Partial<ScopeStanding> = {}): ScopeStanding => ({
  rank,
  tied: false,
  score: 50,
  mean: 50,
  margin: 0,
  ...extra,
});

/** One validated slip rule (defaults: scope all, severity warning, for 1). */
const rule = (r: Record<string, unknown>): SlipRuleConfig =>
  scheme({ rules: { slip: [r as never] } }).rules.slip[0]!;

const holds = (r: Record<string, unknown>, from: ScopeStanding, to: ScopeStanding, ranks: number[] = []) =>
  ruleHolds(rule(r), from, to, ranks);

describe('rankDrop {min}', () => {
  it('fires when toRank − fromRank reaches min exactly: 3 → 5 with min 2', () => {
    expect(holds({ rule: 'rankDrop', min: 2 }, st(3), st(5))).toBe(true);
  });
  it('does not fire one short of min: 3 → 4 with min 2', () => {
    expect(holds({ rule: 'rankDrop', min: 2 }, st(3), st(4))).toBe(false);
  });
  it('fires past min and not on a rise', () => {
    expect(holds({ rule: 'rankDrop', min: 2 }, st(1), st(6))).toBe(true);
    expect(holds({ rule: 'rankDrop', min: 1 }, st(5), st(3))).toBe(false);
  });
  it('does not compare with an unranked side', () => {
    expect(holds({ rule: 'rankDrop', min: 1 }, st(0), st(5))).toBe(false);
    expect(holds({ rule: 'rankDrop', min: 1 }, st(2), st(0))).toBe(false);
  });
});

describe('lostFirst', () => {
  it('fires from 1 to anything worse', () => {
    expect(holds({ rule: 'lostFirst' }, st(1), st(2))).toBe(true);
  });
  it('does not fire while still first, even when the first place becomes shared', () => {
    expect(holds({ rule: 'lostFirst' }, st(1), st(1, { tied: true }))).toBe(false);
  });
  it('does not fire for a drop that never involved first', () => {
    expect(holds({ rule: 'lostFirst' }, st(2), st(3))).toBe(false);
  });
});

describe('leftTopN {n}', () => {
  const top3 = { rule: 'leftTopN', n: 3 };
  it('fires at the boundary fromRank = n < toRank = n + 1: 3 → 4', () => {
    expect(holds(top3, st(3), st(4))).toBe(true);
  });
  it('fires from well inside: 1 → 5', () => {
    expect(holds(top3, st(1), st(5))).toBe(true);
  });
  it('does not fire when already outside: 4 → 5', () => {
    expect(holds(top3, st(4), st(5))).toBe(false);
  });
  it('does not fire when staying inside: 1 → 3', () => {
    expect(holds(top3, st(1), st(3))).toBe(false);
  });
});

describe('belowAverage', () => {
  it('fires when the score falls below the mean having been above it', () => {
    expect(
      holds({ rule: 'belowAverage' }, st(2, { score: 60, mean: 55 }), st(3, { score: 50, mean: 55 })),
    ).toBe(true);
  });
  it('counts exactly at the mean as at or above', () => {
    expect(
      holds({ rule: 'belowAverage' }, st(2, { score: 55, mean: 55 }), st(3, { score: 54, mean: 55 })),
    ).toBe(true);
  });
  it('does not fire when it was already below', () => {
    expect(
      holds({ rule: 'belowAverage' }, st(3, { score: 54, mean: 55 }), st(3, { score: 50, mean: 55 })),
    ).toBe(false);
  });
  it('does not fire when it lands exactly on the mean', () => {
    expect(
      holds({ rule: 'belowAverage' }, st(2, { score: 60, mean: 55 }), st(3, { score: 55, mean: 55 })),
    ).toBe(false);
  });
});

describe('consecutiveDeclines {periods}', () => {
  const k4 = { rule: 'consecutiveDeclines', periods: 4 };
  it('holds after 4 strictly worse ranks in a row', () => {
    expect(holds(k4, st(4), st(5), [1, 2, 3, 4, 5])).toBe(true);
  });
  it('holds in both of the last two periods of a run of 5 declines', () => {
    // ranks 1 … 6: five declines; the period ending at 5 and the one ending at 6 both end a run of ≥ 4
    expect(holds(k4, st(4), st(5), [1, 2, 3, 4, 5])).toBe(true);
    expect(holds(k4, st(5), st(6), [1, 2, 3, 4, 5, 6])).toBe(true);
  });
  it('does not hold after 3 declines', () => {
    expect(holds(k4, st(3), st(4), [1, 2, 3, 4])).toBe(false);
    expect(holds(k4, st(4), st(5), [2, 2, 3, 4, 5])).toBe(false);
  });
  it('is broken by an unchanged or better rank', () => {
    expect(holds(k4, st(5), st(6), [1, 2, 3, 3, 5, 6])).toBe(false);
    expect(holds(k4, st(5), st(6), [1, 2, 3, 2, 5, 6])).toBe(false);
  });
  it('is broken by a period without a rank', () => {
    expect(holds(k4, st(5), st(6), [2, 3, 0, 5, 6, 7])).toBe(false);
  });
});

describe('marginErosion {points}', () => {
  const five = { rule: 'marginErosion', points: 5 };
  it('fires when the lead over second shrank by more than points: 10 → 4', () => {
    expect(holds(five, st(1, { margin: 10 }), st(1, { margin: 4 }))).toBe(true);
  });
  it('does not fire for a shrink of exactly points: 10 → 5', () => {
    expect(holds(five, st(1, { margin: 10 }), st(1, { margin: 5 }))).toBe(false);
  });
  it('fires when the gap to first grew by more than points: −2 → −8', () => {
    expect(holds(five, st(3, { margin: -2 }), st(3, { margin: -8 }))).toBe(true);
    expect(holds(five, st(3, { margin: -2 }), st(3, { margin: -7 }))).toBe(false);
  });
});

/** Standings of one period: entity → scope → standing. */
const standings = (period: string, entities: Standings['entities']): Standings => ({ period, entities });

describe('detecting slips between two assessments', () => {
  const twoScopes = (overall: number, x: number, y: number) => ({
    overall: st(overall),
    'indicator:x': st(x),
    'indicator:y': st(y),
  });
  const from = standings('2026-01', { C: twoScopes(2, 2, 2), A: twoScopes(1, 1, 1) });
  const to = standings('2026-02', { C: twoScopes(3, 3, 3), A: twoScopes(4, 4, 4) });
  const withRules = (...slip: Record<string, unknown>[]) =>
    scheme({ indicators: [indicator('x'), indicator('y')], rules: { slip: slip as never } });
  const detect = (...slip: Record<string, unknown>[]) =>
    detectSlips({ scheme: withRules(...slip), watched: ['C'], from, to, comparison: 'period' }).map(
      (s) => s.key,
    );

  it('applies a rule scoped overall to the overall rank only', () => {
    expect(detect({ rule: 'rankDrop', min: 1, scope: 'overall' })).toEqual(['s|2026-02|overall|C|rankDrop']);
  });

  it('applies a rule scoped to indicators to each indicator', () => {
    expect(detect({ rule: 'rankDrop', min: 1, scope: 'indicators' })).toEqual([
      's|2026-02|indicator:x|C|rankDrop',
      's|2026-02|indicator:y|C|rankDrop',
    ]);
  });

  it('applies a rule scoped to one indicator id to that indicator only', () => {
    expect(detect({ rule: 'rankDrop', min: 1, scope: 'y' })).toEqual(['s|2026-02|indicator:y|C|rankDrop']);
  });

  it('applies an unscoped rule everywhere', () => {
    expect(detect({ rule: 'rankDrop', min: 1 })).toHaveLength(3);
  });

  it('lists every rule that holds, each once per scope', () => {
    expect(
      detect({ rule: 'rankDrop', min: 1, scope: 'overall' }, { rule: 'leftTopN', n: 2, scope: 'overall' }),
    ).toEqual(['s|2026-02|overall|C|rankDrop', 's|2026-02|overall|C|leftTopN']);
  });

  it('reports only watched entities: A fell further but is not watched', () => {
    const slips = detectSlips({
      scheme: withRules({ rule: 'lostFirst' }),
      watched: ['C'],
      from,
      to,
      comparison: 'period',
    });
    expect(slips).toEqual([]);
    const all = detectSlips({
      scheme: withRules({ rule: 'lostFirst' }),
      watched: ['C', 'A'],
      from,
      to,
      comparison: 'period',
    });
    expect(all.map((s) => s.entity)).toEqual(['A', 'A', 'A']);
  });

  it('carries the rule settings and both sides of the comparison', () => {
    const [slip] = detectSlips({
      scheme: withRules({ rule: 'rankDrop', min: 1, scope: 'x', severity: 'critical', for: 2 }),
      watched: ['C'],
      from,
      to,
      comparison: 'provisional',
    });
    expect(slip).toEqual({
      key: 's|2026-02|indicator:x|C|rankDrop',
      entity: 'C',
      scope: 'indicator',
      indicator: 'x',
      rule: 'rankDrop',
      severity: 'critical',
      for: 2,
      comparison: 'provisional',
      fromPeriod: '2026-01',
      toPeriod: '2026-02',
      fromRank: 2,
      toRank: 3,
      fromMargin: 0,
      toMargin: 0,
      score: 50,
      mean: 50,
    });
  });

  it('skips an entity or scope missing from the earlier assessment', () => {
    const slips = detectSlips({
      scheme: withRules({ rule: 'rankDrop', min: 1 }),
      watched: ['C', 'D'],
      from: standings('2026-01', { C: { overall: st(1) } }),
      to: standings('2026-02', { C: twoScopes(3, 3, 3), D: twoScopes(4, 4, 4) }),
      comparison: 'period',
    });
    expect(slips.map((s) => s.key)).toEqual(['s|2026-02|overall|C|rankDrop']);
  });

  it('checks consecutive declines over the period history and reports the rank k periods ago', () => {
    // overall ranks by month: 1, 2, 3, 4 (history) and 5 now: four declines
    const hist = [1, 2, 3, 4].map((r, i) => standings(`2026-0${i + 1}`, { C: { overall: st(r) } }));
    const slips = detectSlips({
      scheme: withRules({ rule: 'consecutiveDeclines', periods: 4, scope: 'overall' }),
      watched: ['C'],
      from: hist[3]!,
      to: standings('2026-05', { C: { overall: st(5) } }),
      comparison: 'period',
      periodHistory: hist,
    });
    expect(slips).toHaveLength(1);
    expect(slips[0]).toMatchObject({ rule: 'consecutiveDeclines', fromRank: 1, toRank: 5 });
  });

  it('makes keys from (scheme, period, scope, entity, rule)', () => {
    expect(alertKey('gansu', '2026-W05', 'indicator:x', 'lz', 'lostFirst')).toBe(
      'gansu|2026-W05|indicator:x|lz|lostFirst',
    );
  });
});

describe('reaching first', () => {
  const s = scheme({ indicators: [indicator('x')] });
  const detect = (fromRank: number, toRank: number, tied = false) =>
    detectTransitions({
      scheme: s,
      watched: ['C'],
      from: standings('2026-01', { C: { overall: st(fromRank) } }),
      to: standings('2026-02', { C: { overall: st(toRank, { tied }) } }),
      comparison: 'period',
    });

  it('reports a watched entity that became first', () => {
    expect(detect(3, 1)).toEqual([
      {
        key: 's|2026-02|overall|C|reachedFirst',
        kind: 'reachedFirst',
        entity: 'C',
        scope: 'overall',
        fromRank: 3,
        toRank: 1,
        tied: false,
        period: '2026-02',
        fromPeriod: '2026-01',
        comparison: 'period',
      },
    ]);
  });

  it('marks a shared first place as tied', () => {
    expect(detect(2, 1, true)[0]?.tied).toBe(true);
  });

  it('reports nothing for staying first, or for a first ranking after being unranked', () => {
    expect(detect(1, 1)).toEqual([]);
    expect(detect(0, 1)).toEqual([]);
  });
});

describe('recovery', () => {
  it('clears a rank slip when the lost position is regained', () => {
    const slip = { rule: 'rankDrop' as const, fromRank: 2, fromMargin: 0 };
    expect(hasRecovered(slip, st(2))).toBe(true);
    expect(hasRecovered(slip, st(1))).toBe(true);
    expect(hasRecovered(slip, st(3))).toBe(false);
    expect(hasRecovered(slip, st(0))).toBe(false);
    expect(hasRecovered(slip, undefined)).toBe(false);
  });

  it('clears belowAverage when the score is back at the mean', () => {
    const slip = { rule: 'belowAverage' as const, fromRank: 2, fromMargin: 0 };
    expect(hasRecovered(slip, st(5, { score: 55, mean: 55 }))).toBe(true);
    expect(hasRecovered(slip, st(1, { score: 54, mean: 55 }))).toBe(false);
  });

  it('clears marginErosion when the margin is back', () => {
    const slip = { rule: 'marginErosion' as const, fromRank: 1, fromMargin: 10 };
    expect(hasRecovered(slip, st(1, { margin: 10 }))).toBe(true);
    expect(hasRecovered(slip, st(1, { margin: 9 }))).toBe(false);
  });
});

describe('watched entities', () => {
  it('are the focus entities by default', () => {
    const ev = run(scheme({ focus: ['B'] }), { x: { A: 1, B: 2 } });
    expect(watchedEntities(ev)).toEqual(['B']);
  });

  it('are every entity with watch: all', () => {
    const ev = run(scheme({ focus: ['B'], watch: 'all' }), { x: { A: 1, B: 2 } });
    expect(watchedEntities(ev)).toEqual(['A', 'B', 'C', 'D']);
  });
});
