// Grouping one snapshot's slipped alerts into notifications per (entity, scope, indicator, period), with
// inhibition and silences — what is sent, as distinct from the alert state each rule key keeps.
import { createHash } from 'node:crypto';
import type { AlertEvent } from './alerts.ts';
import type { Scheme } from './scheme.ts';
import { matchSilence, type Silence } from './silences.ts';
import type { Severity, Slip, SlipRule } from './slips.ts';

export type SlipRuleName = SlipRule;
export type LocalizedText = { zh: string; en: string };

export interface InhibitRule {
  source: SlipRuleName;
  target: SlipRuleName[];
}

export const DEFAULT_INHIBIT: readonly InhibitRule[] = [
  { source: 'lostFirst', target: ['rankDrop', 'leftTopN'] },
];

export interface Notification {
  /** Deterministic: 'N' + first 20 hex of sha256(`${scheme}|${period}|${entity}|${scope}|${indicator ?? ''}|${seq}`). */
  id: string;
  scheme: string;
  period: string;
  /** Snapshot sequence that raised it. */
  seq: number;
  entity: string;
  scope: 'overall' | 'indicator';
  indicator?: string;
  /** Indicator scope: the indicator's owner department; overall: undefined (leaders only). */
  owner?: string;
  /** Highest of `rules`. */
  severity: Severity;
  /** The most severe rule names it (ties: order of scheme.rules.slip). */
  rule: SlipRuleName;
  /** Every rule that holds after inhibition (each keeps its own alert key). */
  rules: Slip[];
  inhibited: { rule: SlipRuleName; key: string; by: SlipRuleName }[];
  /** Keys of `rules`. */
  alertKeys: string[];
  /** The snapshot's recordedAt. */
  openedAt: string;
  /** Silence id when a silence matched: recorded, not sent. */
  silencedBy?: string;
  /** The gap to first and the top prescriptions when it opened, for escalations and reminders. */
  context?: NotificationContext;
}

export interface NotificationContext {
  gap: { leader: string; scoreGap: number; valueGap?: number };
  prescriptions: {
    indicator: string;
    requiredValue: number;
    delta: number;
    deltaPct: number | null;
    points: number;
    quickWin: boolean;
    passes?: string;
    rankAfter?: number;
  }[];
}

export interface GroupContext {
  scheme: string;
  seq: number;
  /** The snapshot's recordedAt. */
  at: string;
  /** Scheme `rules.inhibit`; default lostFirst ⊳ rankDrop, leftTopN. */
  inhibit?: readonly InhibitRule[];
  silences?: readonly Silence[];
  /** Indicator id → owner department. */
  owners?: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** Rule order of scheme.rules.slip (severity ties); default: the order the slips arrive in. */
  ruleOrder?: readonly SlipRuleName[];
}

export const SEVERITY_RANK: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };

export function notificationId(
  scheme: string,
  period: string,
  entity: string,
  scope: 'overall' | 'indicator',
  indicator: string | undefined,
  seq: number,
): string {
  const h = createHash('sha256')
    .update(`${scheme}|${period}|${entity}|${scope}|${indicator ?? ''}|${seq}`)
    .digest('hex');
  return `N${h.slice(0, 20)}`;
}

function ownerOf(owners: GroupContext['owners'], indicator: string | undefined): string | undefined {
  if (indicator === undefined || owners === undefined) return undefined;
  if (owners instanceof Map) return owners.get(indicator);
  return (owners as Readonly<Record<string, string>>)[indicator];
}

/**
 * One notification per (entity, scope, indicator, period) of the snapshot's 'slipped' events (others are
 * ignored). Inhibition drops target rules from a group holding the source rule; an inhibited rule keeps its
 * alert state, it is only not listed. Order: as the groups first appear in `events`.
 */
export function groupNotifications(events: readonly AlertEvent[], ctx: GroupContext): Notification[] {
  const inhibit = ctx.inhibit ?? DEFAULT_INHIBIT;
  const groups = new Map<string, Slip[]>();
  for (const e of events) {
    if (e.kind !== 'slipped') continue;
    const s = e.slip;
    const g = [ctx.scheme, s.toPeriod, s.entity, s.scope, s.indicator ?? ''].join('|');
    const list = groups.get(g) ?? [];
    // The same key from provisional and period comparisons counts once.
    if (!list.some((x) => x.key === s.key)) list.push(s);
    groups.set(g, list);
  }
  const out: Notification[] = [];
  for (const slips of groups.values()) {
    const present = new Set(slips.map((s) => s.rule));
    const inhibitedBy = new Map<SlipRuleName, SlipRuleName>();
    for (const r of inhibit)
      if (present.has(r.source))
        for (const t of r.target) if (t !== r.source && !inhibitedBy.has(t)) inhibitedBy.set(t, r.source);
    // A rule inhibited only by rules that are themselves inhibited still stands if nothing would list it:
    // guard against mutual inhibition leaving an empty notification.
    let rules = slips.filter((s) => !inhibitedBy.has(s.rule));
    if (rules.length === 0) rules = slips;
    const kept = new Set(rules.map((s) => s.key));
    const order = ctx.ruleOrder ?? slips.map((s) => s.rule);
    const pos = (r: SlipRuleName) => {
      const i = order.indexOf(r);
      return i < 0 ? order.length : i;
    };
    const top = [...rules].sort(
      (a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || pos(a.rule) - pos(b.rule),
    )[0]!;
    const first = slips[0]!;
    const n: Notification = {
      id: notificationId(ctx.scheme, first.toPeriod, first.entity, first.scope, first.indicator, ctx.seq),
      scheme: ctx.scheme,
      period: first.toPeriod,
      seq: ctx.seq,
      entity: first.entity,
      scope: first.scope,
      severity: top.severity,
      rule: top.rule,
      rules,
      inhibited: slips
        .filter((s) => !kept.has(s.key))
        .map((s) => ({ rule: s.rule, key: s.key, by: inhibitedBy.get(s.rule)! })),
      alertKeys: rules.map((s) => s.key),
      openedAt: ctx.at,
    };
    if (first.indicator !== undefined) n.indicator = first.indicator;
    const owner = ownerOf(ctx.owners, first.indicator);
    if (owner !== undefined) n.owner = owner;
    const silence = matchSilence(n, ctx.silences ?? [], ctx.at);
    if (silence) n.silencedBy = silence.id;
    out.push(n);
  }
  return out;
}

/** The grouping context a scheme declares: its inhibition, indicator owners and rule order. */
export function schemeGroupContext(
  scheme: Pick<Scheme, 'id' | 'indicators' | 'rules'>,
  snapshot: { seq: number; at: string },
  silences: readonly Silence[] = [],
): GroupContext {
  return {
    scheme: scheme.id,
    seq: snapshot.seq,
    at: snapshot.at,
    inhibit: scheme.rules.inhibit,
    silences,
    owners: new Map(scheme.indicators.map((i) => [i.id, i.owner])),
    ruleOrder: [...new Set(scheme.rules.slip.map((r) => r.rule))],
  };
}
