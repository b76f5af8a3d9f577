// Outgoing engine events for the transactional outbox: built from a recorded assessment, validated by their
// contracts before they are stored, each with a stable id derived from what it announces.
import { createHash } from 'node:crypto';
import { escalationMessage } from '../../domain/alert-messages.ts';
import type { AlertEvent } from '../../domain/alerts.ts';
import {
  type DueEscalation,
  type EscalationPolicy,
  type NotificationState,
  openState,
} from '../../domain/lifecycle.ts';
import {
  RULE_NAMES,
  reachedFirstMessage,
  recoveredMessage,
  schemeNames,
  slipMessage,
} from '../../domain/messages.ts';
import {
  groupNotifications,
  type Notification,
  type NotificationContext,
  schemeGroupContext,
} from '../../domain/notifications.ts';
import type { Recorded } from '../../domain/record.ts';
import { type Reminder, reminderText } from '../../domain/reminder.ts';
import type { Scheme } from '../../domain/scheme.ts';
import type { Silence } from '../../domain/silences.ts';
import type { Slip, Transition } from '../../domain/slips.ts';
import { OVERALL } from '../../domain/standings.ts';
import {
  alertEscalated,
  assessmentRecorded,
  DEPARTMENT_ID_PATTERN,
  ENGINE_SOURCE,
  type EventContract,
  observationRejected,
  REMINDER_ITEMS_MAX,
  rankingReachedFirst,
  rankingRecovered,
  rankingSlipped,
  reminderWeekly,
} from '../../events/index.ts';

export interface OutboxEvent {
  /** Stable id: a re-sent copy carries the same one. */
  id: string;
  detailType: string;
  source: string;
  detail: Record<string, unknown>;
  /**
   * A notification this event announces: the relay stores its first state (idempotently) before sending, so
   * every notification leaders receive can be acknowledged and escalated. Not part of what is sent.
   */
  opens?: NotificationState;
  /** A silence covers the notification this event announces: the relay records it (`opens`) and sends nothing. */
  silenced?: string;
}

/** A stable event id from its parts (hex, 32 chars). */
export function stableId(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

function build(contract: EventContract, detail: Record<string, unknown>): OutboxEvent {
  const parsed = contract.detail.parse(detail) as Record<string, unknown>;
  return {
    id: String(parsed.eventId),
    detailType: contract.detailType,
    source: ENGINE_SOURCE,
    detail: parsed,
  };
}

function gapFor(r: Recorded, entity: string, scope: 'overall' | 'indicator', indicator?: string) {
  const g = r.gap[entity];
  if (scope === 'overall' || !indicator) {
    const leader = g?.position === 'first' ? entity : (g?.versus ?? entity);
    return { leader, scoreGap: g?.scoreGap ?? 0 };
  }
  const ig = g?.indicators[indicator];
  return {
    leader: ig?.leaders[0] ?? entity,
    scoreGap: ig?.scoreGap ?? 0,
    ...(ig ? { valueGap: ig.valueGap } : {}),
  };
}

function prescriptionsFor(r: Recorded, entity: string) {
  return (r.diagnosis[entity]?.prescriptions ?? []).slice(0, 3).map((p) => ({
    indicator: p.indicator,
    requiredValue: p.requiredValue,
    delta: p.delta,
    deltaPct: Number.isFinite(p.movePct) ? p.movePct : null,
    points: p.points,
    quickWin: p.quickWin,
    passes: p.passes,
    rankAfter: p.rankAfter,
  }));
}

/** Assessment.Recorded plus one event per alert decision, for a recorded snapshot with the given hashes. */
export function eventsForRecorded(
  scheme: Scheme,
  r: Recorded,
  hash: string,
  previousHash: string | null,
  silences: readonly Silence[] = [],
): OutboxEvent[] {
  const names = schemeNames(scheme);
  const { body } = r;
  const base = { schemaVersion: 1 as const, scheme: scheme.id, period: body.period, sequence: body.seq };
  const owners = new Map(scheme.indicators.map((i) => [i.id, i.owner]));
  // Owners are free strings in a scheme; only department ids travel as the events' routing `owner`.
  const ownerOf = (indicator?: string) => {
    const owner = indicator ? owners.get(indicator) : undefined;
    return owner && DEPARTMENT_ID_PATTERN.test(owner) ? { owner } : {};
  };
  const events: OutboxEvent[] = [];
  const overall = body.results.standings.entities;
  events.push(
    build(assessmentRecorded, {
      ...base,
      eventId: stableId('recorded', scheme.id, body.period, body.seq),
      schemeVersion: scheme.version,
      hash,
      previousHash,
      recordedAt: body.recordedAt,
      rankedCount: r.rankedCount,
      ranks: Object.entries(overall).map(([entity, scopes]) => {
        const s = scopes[OVERALL]!;
        const unranked = body.results.unranked.find((u) => u.entity === entity);
        return s.rank > 0
          ? { entity, rank: s.rank, tied: s.tied, score: s.score }
          : { entity, rank: null, tied: false, score: null, unranked: unranked?.reason ?? 'not ranked' };
      }),
    }),
  );
  // What is sent for slips: one Ranking.Slipped per notification (the rules that hold for one entity,
  // scope and period, after inhibition), not one per rule; every rule keeps its own alert state and key.
  const notifications = groupNotifications(
    r.alertEvents,
    schemeGroupContext(scheme, { seq: body.seq, at: body.recordedAt }, silences),
  );
  // A silenced notification is recorded (its state, status silenced) but not sent.
  for (const n of notifications) events.push(notificationEvent(n));
  for (const a of r.alertEvents) if (a.kind !== 'slipped') events.push(alertEvent(a));
  return events;

  function notificationEvent(n: Notification): OutboxEvent {
    const top = n.rules.find((s) => s.rule === n.rule)!;
    const message = slipMessage(top, names);
    const others = n.rules.filter((s) => s !== top).map((s) => slipMessage(s, names));
    const inhibited = n.inhibited.map((i) => ({ zh: RULE_NAMES[i.rule].zh, en: RULE_NAMES[i.rule].en }));
    const text = (lang: 'zh' | 'en') =>
      [
        message[lang],
        ...others.map((o) => o[lang]),
        ...(inhibited.length
          ? [
              lang === 'zh'
                ? `（已合并：${inhibited.map((i) => i.zh).join('、')}）`
                : `(also held, merged: ${inhibited.map((i) => i.en).join(', ')})`,
            ]
          : []),
      ].join('\n');
    const event = build(rankingSlipped, {
      ...alertFields('slipped', top.key, top),
      rule: top.rule,
      severity: n.severity,
      toRank: top.toRank,
      gap: gapFor(r, top.entity, top.scope, top.indicator),
      prescriptions: prescriptionsFor(r, top.entity),
      message: { zh: text('zh'), en: text('en') },
      notificationId: n.id,
      rules: [top, ...n.rules.filter((s) => s !== top)].map((s) => ({
        rule: s.rule,
        severity: s.severity,
        alertKey: s.key,
      })),
      inhibited: n.inhibited.map((i) => ({ rule: i.rule, alertKey: i.key, by: i.by })),
    });
    const context = {
      gap: event.detail.gap,
      prescriptions: event.detail.prescriptions,
    } as NotificationContext;
    return {
      ...event,
      opens: openState({ ...n, context }),
      ...(n.silencedBy === undefined ? {} : { silenced: n.silencedBy }),
    };
  }

  /** Fields every alert event shares: ids, where, and what was compared. */
  function alertFields(kind: string, key: string, x: Slip | Transition) {
    return {
      ...base,
      eventId: stableId(kind, key),
      alertKey: key,
      entity: x.entity,
      scope: x.scope,
      ...(x.indicator ? { indicator: x.indicator } : {}),
      comparison: x.comparison,
      fromPeriod: x.fromPeriod,
      fromRank: x.fromRank,
      ...ownerOf(x.indicator),
    };
  }

  function alertEvent(a: Exclude<AlertEvent, { kind: 'slipped' }>): OutboxEvent {
    if (a.kind === 'reachedFirst') {
      const t = a.transition;
      return build(rankingReachedFirst, {
        ...alertFields('reachedFirst', a.key, t),
        tied: t.tied,
        message: reachedFirstMessage(t, names),
      });
    }
    const s = a.slip;
    return build(rankingRecovered, {
      ...alertFields(a.kind, a.key, s),
      rule: s.rule,
      severity: s.severity,
      toRank: s.toRank,
      gap: gapFor(r, s.entity, s.scope, s.indicator),
      rank: a.rank,
      message: recoveredMessage(s, a.rank, names),
    });
  }
}

/** One Alert.Escalated per level a notification passed (its state already escalated to the last of them). */
export function escalationEvents(
  scheme: Scheme,
  state: NotificationState,
  due: readonly DueEscalation[],
  policy: EscalationPolicy,
  at: string,
): OutboxEvent[] {
  const names = schemeNames(scheme);
  const n = state.notification;
  const top = n.rules.find((s) => s.rule === n.rule) ?? n.rules[0]!;
  const owner = n.owner && DEPARTMENT_ID_PATTERN.test(n.owner) ? { owner: n.owner } : {};
  const prescriptions = n.context?.prescriptions ?? [];
  return due.map((d) => {
    const message = escalationMessage(
      n,
      {
        level: d.level,
        levelInfo: d.levelInfo,
        slaMs: policy.sla[n.severity],
        escalatedAt: at,
        gapToFirst: n.context?.gap.scoreGap ?? 0,
        prescriptions: prescriptions.map((p) => {
          const ind = names.indicator(p.indicator);
          return {
            zh: `「${ind.zh}」调整 ${p.delta} 至 ${p.requiredValue}`,
            en: `move “${ind.en}” by ${p.delta} to ${p.requiredValue}`,
          };
        }),
      },
      names,
    );
    return build(alertEscalated, {
      schemaVersion: 1,
      eventId: stableId('escalated', n.id, d.level),
      alertKey: top.key,
      scheme: n.scheme,
      period: n.period,
      entity: n.entity,
      scope: n.scope,
      ...(n.indicator ? { indicator: n.indicator } : {}),
      ...owner,
      rule: n.rule,
      severity: n.severity,
      level: d.level,
      openedAt: n.openedAt,
      slaHours: policy.sla[n.severity] / 3_600_000,
      escalatedAt: at,
      message: message.body,
      notificationId: n.id,
      levelName: d.levelInfo.name.zh,
      sla: policy.slaIso[n.severity],
      slip: {
        comparison: top.comparison,
        fromPeriod: top.fromPeriod,
        fromRank: top.fromRank,
        toRank: top.toRank,
        sequence: n.seq,
      },
      ...(n.context ? { gap: n.context.gap, prescriptions: n.context.prescriptions } : {}),
    });
  });
}

/** The Reminder.Weekly of one department (lists cut at REMINDER_ITEMS_MAX; the counts stay complete). */
export function reminderEvent(
  r: Reminder,
  scheme: string,
  week: string,
  compared?: { from: string; to: string },
): OutboxEvent {
  const items = [...r.open, ...r.escalated, ...r.silenced].map((i) => ({
    notificationId: i.id,
    status: i.status,
    level: i.level,
    entity: i.entity,
    ...(i.indicator === undefined ? {} : { indicator: i.indicator }),
    period: i.period,
    rule: i.rule,
    severity: i.severity,
    openedAt: i.openedAt,
    ageHours: i.ageHours,
  }));
  return build(reminderWeekly, {
    schemaVersion: 1,
    eventId: stableId('reminder', scheme, r.department, week),
    scheme,
    owner: r.department,
    week,
    at: r.at,
    timeZone: r.tz,
    ...(r.lastReminderAt === undefined ? {} : { lastReminderAt: r.lastReminderAt }),
    ...(compared ? { comparedPeriods: compared } : {}),
    counts: {
      open: r.open.length,
      escalated: r.escalated.length,
      silenced: r.silenced.length,
      moves: r.moves.length,
    },
    items: items.slice(0, REMINDER_ITEMS_MAX),
    moves: r.moves.slice(0, REMINDER_ITEMS_MAX),
    message: reminderText(r),
  });
}

export interface Rejection {
  originalEventId: string;
  originalDetailType?: string;
  originalSource?: string;
  department: string | null;
  cause: 'validation' | 'authorisation';
  reasons: { path: string; code: string; message: { zh: string; en: string } }[];
  receivedAt: string;
}

export function rejectionEvent(r: Rejection): OutboxEvent {
  return build(observationRejected, {
    schemaVersion: 1,
    eventId: stableId('rejected', r.originalEventId),
    ...r,
  });
}
