// Slip rules (排名下滑) comparing two assessments, per scope, for watched entities — exactly as SPEC
// "Slips and alerts" defines them — plus reached-first transitions and deterministic alert keys.
import type { Scheme, SlipRuleConfig } from './scheme.ts';
import { OVERALL, parseScope, type ScopeKey, type ScopeStanding, type Standings } from './standings.ts';

export type SlipRule = SlipRuleConfig['rule'];
export type Severity = SlipRuleConfig['severity'];
export type Comparison = 'period' | 'provisional';

export interface Slip {
  key: string;
  entity: string;
  scope: 'overall' | 'indicator';
  indicator?: string;
  rule: SlipRule;
  severity: Severity;
  /** How many consecutive snapshots the rule must hold before an alert fires (Prometheus `for`). */
  for: number;
  comparison: Comparison;
  fromPeriod: string;
  toPeriod: string;
  fromRank: number;
  toRank: number;
  /** Score margin over the best other entity before and after (marginErosion, recovery checks). */
  fromMargin: number;
  toMargin: number;
  score: number;
  mean: number;
}

export interface Transition {
  key: string;
  kind: 'reachedFirst';
  entity: string;
  scope: 'overall' | 'indicator';
  indicator?: string;
  fromRank: number;
  toRank: number;
  /** Whether first place is shared (并列第一). */
  tied: boolean;
  period: string;
  fromPeriod: string;
  comparison: Comparison;
}

/** Deterministic alert key: (scheme, period, scope, entity, rule). */
export function alertKey(
  schemeId: string,
  period: string,
  scope: ScopeKey,
  entity: string,
  rule: string,
): string {
  return [schemeId, period, scope, entity, rule].join('|');
}

function ruleApplies(rule: SlipRuleConfig, scope: ScopeKey): boolean {
  if (rule.scope === 'all') return true;
  if (rule.scope === 'overall') return scope === OVERALL;
  if (rule.scope === 'indicators') return scope !== OVERALL;
  return scope === `indicator:${rule.scope}`;
}

/** Whether one rule holds between two standings of a scope (history: earlier period-final ranks, oldest first). */
export function ruleHolds(
  rule: SlipRuleConfig,
  from: ScopeStanding,
  to: ScopeStanding,
  periodRanks: readonly number[],
): boolean {
  const ranked = from.rank > 0 && to.rank > 0;
  switch (rule.rule) {
    case 'rankDrop':
      return ranked && to.rank - from.rank >= rule.min;
    case 'lostFirst':
      return ranked && from.rank === 1 && to.rank > 1;
    case 'leftTopN':
      return ranked && from.rank <= rule.n && rule.n < to.rank;
    case 'belowAverage':
      return ranked && from.score >= from.mean && to.score < to.mean;
    case 'consecutiveDeclines': {
      // periodRanks ends with the current rank; need k strictly-worse steps in a row at the end.
      const k = rule.periods;
      if (periodRanks.length < k + 1) return false;
      for (let i = periodRanks.length - k; i < periodRanks.length; i++) {
        const prev = periodRanks[i - 1]!;
        const cur = periodRanks[i]!;
        if (!(prev > 0 && cur > 0 && cur > prev)) return false;
      }
      return true;
    }
    case 'marginErosion':
      return ranked && from.margin - to.margin > rule.points;
  }
}

export interface SlipInput {
  scheme: Scheme;
  watched: readonly string[];
  /** The compared-with assessment (previous snapshot of the period, or last of the previous period). */
  from: Standings;
  to: Standings;
  comparison: Comparison;
  /** Final standings of earlier periods, oldest first, not including `to`'s period. */
  periodHistory?: readonly Standings[];
}

/** Every slip rule that holds for `to` compared with `from`. */
export function detectSlips(input: SlipInput): Slip[] {
  const { scheme, watched, from, to, comparison } = input;
  const history = input.periodHistory ?? [];
  const slips: Slip[] = [];
  for (const entity of watched) {
    const toScopes = to.entities[entity];
    const fromScopes = from.entities[entity];
    if (!toScopes || !fromScopes) continue;
    for (const [scope, t] of Object.entries(toScopes)) {
      const f = fromScopes[scope];
      if (!f) continue;
      const periodRanks = [...history.map((h) => h.entities[entity]?.[scope]?.rank ?? 0), t.rank];
      for (const rule of scheme.rules.slip) {
        if (!ruleApplies(rule, scope)) continue;
        if (!ruleHolds(rule, f, t, periodRanks)) continue;
        const parsed = parseScope(scope);
        let fromRank = f.rank;
        if (rule.rule === 'consecutiveDeclines')
          fromRank = periodRanks[periodRanks.length - 1 - rule.periods]!;
        slips.push({
          key: alertKey(scheme.id, to.period, scope, entity, rule.rule),
          entity,
          ...parsed,
          rule: rule.rule,
          severity: rule.severity,
          for: rule.for,
          comparison,
          fromPeriod: from.period,
          toPeriod: to.period,
          fromRank,
          toRank: t.rank,
          fromMargin: f.margin,
          toMargin: t.margin,
          score: t.score,
          mean: t.mean,
        });
      }
    }
  }
  return slips;
}

/** Scopes in which a watched entity became first. */
export function detectTransitions(input: Omit<SlipInput, 'periodHistory'>): Transition[] {
  const out: Transition[] = [];
  for (const entity of input.watched) {
    const toScopes = input.to.entities[entity];
    const fromScopes = input.from.entities[entity];
    if (!toScopes || !fromScopes) continue;
    for (const [scope, t] of Object.entries(toScopes)) {
      const f = fromScopes[scope];
      if (!f || t.rank !== 1 || !(f.rank > 1)) continue;
      out.push({
        key: alertKey(input.scheme.id, input.to.period, scope, entity, 'reachedFirst'),
        kind: 'reachedFirst',
        entity,
        ...parseScope(scope),
        fromRank: f.rank,
        toRank: 1,
        tied: t.tied,
        period: input.to.period,
        fromPeriod: input.from.period,
        comparison: input.comparison,
      });
    }
  }
  return out;
}

/** Whether a firing slip has cleared: the lost position is regained (or the score is back at/above the mean). */
export function hasRecovered(
  slip: Pick<Slip, 'rule' | 'fromRank' | 'fromMargin'>,
  now: ScopeStanding | undefined,
): boolean {
  if (!now || now.rank === 0) return false;
  switch (slip.rule) {
    case 'belowAverage':
      return now.score >= now.mean;
    case 'marginErosion':
      return now.margin >= slip.fromMargin;
    default:
      return now.rank <= slip.fromRank;
  }
}
