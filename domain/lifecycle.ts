// Notification lifecycle: open → acknowledged → resolved, open → escalated (level k) → …; SLA-driven
// escalation (提级) decided from data and a given clock, so running it twice changes nothing.
import { parseDuration } from './duration.ts';
import type { LocalizedText, Notification } from './notifications.ts';
import type { Scheme } from './scheme.ts';
import type { Severity } from './slips.ts';

export const NOTIFICATION_STATUSES = ['open', 'acknowledged', 'escalated', 'resolved', 'silenced'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export interface LifecycleEntry {
  at: string;
  action: 'opened' | 'acknowledged' | 'escalated' | 'resolved' | 'silenced' | 'closed';
  by?: string;
  note?: string;
  level?: number;
  reason?: string;
}

export interface NotificationState {
  notification: Notification;
  status: NotificationStatus;
  /** 0 = not escalated. */
  level: number;
  /** 1 at open, +1 per change (the store's optimistic-concurrency check). */
  version: number;
  acknowledged?: { by: string; at: string; note?: string };
  resolved?: { at: string; reason: 'recovered' | 'closed'; by?: string; note?: string };
  history: LifecycleEntry[];
}

export interface EscalationLevel {
  id: string;
  name: LocalizedText;
  subscribers: string[];
}

export interface EscalationPolicy {
  /** Acknowledgement SLA per severity, in milliseconds. */
  sla: Record<Severity, number>;
  /** The same SLAs as the scheme wrote them (ISO-8601), for messages and events. */
  slaIso: Record<Severity, string>;
  levels: EscalationLevel[];
}

export type TransitionResult =
  | { ok: true; state: NotificationState }
  | {
      ok: false;
      code: 'already_acknowledged' | 'resolved' | 'silenced' | 'invalid';
      reason: LocalizedText;
    };

export const DEFAULT_SLA: Record<Severity, string> = { critical: 'PT4H', warning: 'P1D', info: 'P3D' };

export const DEFAULT_LEVELS: EscalationLevel[] = [
  { id: 'section', name: { zh: '科室负责人', en: 'section head' }, subscribers: [] },
  { id: 'deputy', name: { zh: '分管领导', en: 'deputy director in charge' }, subscribers: [] },
  { id: 'director', name: { zh: '局长', en: 'director' }, subscribers: [] },
  { id: 'inspection', name: { zh: '市政府督查', en: 'city government inspection' }, subscribers: [] },
];

/** The state of a new notification: status 'silenced' when a silence matched it. */
export function openState(n: Notification): NotificationState {
  const silenced = n.silencedBy !== undefined;
  const entry: LifecycleEntry = { at: n.openedAt, action: silenced ? 'silenced' : 'opened' };
  if (silenced) entry.reason = n.silencedBy!;
  return { notification: n, status: silenced ? 'silenced' : 'open', level: 0, version: 1, history: [entry] };
}

function next(
  s: NotificationState,
  patch: Partial<NotificationState>,
  entry: LifecycleEntry,
): NotificationState {
  return { ...s, ...patch, version: s.version + 1, history: [...s.history, entry] };
}

function refuse(
  code: Exclude<TransitionResult, { ok: true }>['code'],
  reason: LocalizedText,
): TransitionResult {
  return { ok: false, code, reason };
}

/** Acknowledging stops escalation; an escalated notification may still be acknowledged (at its level). */
export function acknowledge(
  s: NotificationState,
  input: { by: string; at: string; note?: string },
): TransitionResult {
  if (typeof input.by !== 'string' || input.by.trim() === '')
    return refuse('invalid', { zh: 'by：须注明确认人', en: 'by: must name who acknowledges' });
  if (Number.isNaN(Date.parse(input.at)))
    return refuse('invalid', { zh: 'at：时间格式无效', en: `at: "${input.at}" is not an ISO timestamp` });
  if (s.status === 'acknowledged') {
    const a = s.acknowledged!;
    return refuse('already_acknowledged', {
      zh: `该提醒已由${a.by}于${a.at}确认`,
      en: `already acknowledged by ${a.by} at ${a.at}`,
    });
  }
  if (s.status === 'resolved')
    return refuse('resolved', {
      zh: '该提醒已解除，无需确认',
      en: 'already resolved; nothing to acknowledge',
    });
  const acknowledged: NotificationState['acknowledged'] = { by: input.by.trim(), at: input.at };
  const entry: LifecycleEntry = { at: input.at, action: 'acknowledged', by: input.by.trim() };
  if (input.note !== undefined && input.note !== '') {
    acknowledged.note = input.note;
    entry.note = input.note;
  }
  if (s.level > 0) entry.level = s.level;
  return { ok: true, state: next(s, { status: 'acknowledged', acknowledged }, entry) };
}

/** Recovery (all alert keys resolved) or closing by hand. Resolving twice is refused. */
export function resolve(
  s: NotificationState,
  input: { at: string; reason: 'recovered' | 'closed'; by?: string; note?: string },
): TransitionResult {
  if (s.status === 'resolved') return refuse('resolved', { zh: '该提醒已解除', en: 'already resolved' });
  if (input.reason === 'closed' && (input.by === undefined || input.by.trim() === ''))
    return refuse('invalid', { zh: 'by：关闭须注明关闭人', en: 'by: closing needs who closes it' });
  const resolved: NotificationState['resolved'] = { at: input.at, reason: input.reason };
  const entry: LifecycleEntry = {
    at: input.at,
    action: input.reason === 'closed' ? 'closed' : 'resolved',
    reason: input.reason,
  };
  if (input.by !== undefined) {
    resolved.by = input.by;
    entry.by = input.by;
  }
  if (input.note !== undefined) {
    resolved.note = input.note;
    entry.note = input.note;
  }
  return { ok: true, state: next(s, { status: 'resolved', resolved }, entry) };
}

/** Whether a notification resolves by recovery: every one of its alert keys has resolved. */
export function recoveredBy(s: NotificationState, resolvedKeys: ReadonlySet<string>): boolean {
  return s.notification.alertKeys.length > 0 && s.notification.alertKeys.every((k) => resolvedKeys.has(k));
}

type EscalationConfig = {
  sla?: Partial<Record<Severity, string>>;
  levels?: EscalationLevel[];
};

/** The scheme's escalation policy (defaults where it says nothing). */
export function escalationPolicy(
  scheme: Pick<Scheme, 'rules'> | { rules: { escalation?: EscalationConfig } },
): EscalationPolicy {
  const cfg = (scheme.rules as { escalation?: EscalationConfig }).escalation ?? {};
  const slaIso = { ...DEFAULT_SLA, ...(cfg.sla ?? {}) } as Record<Severity, string>;
  const sla = {
    critical: parseDuration(slaIso.critical, 'rules.escalation.sla.critical'),
    warning: parseDuration(slaIso.warning, 'rules.escalation.sla.warning'),
    info: parseDuration(slaIso.info, 'rules.escalation.sla.info'),
  };
  return { sla, slaIso, levels: cfg.levels && cfg.levels.length > 0 ? cfg.levels : DEFAULT_LEVELS };
}

/** When level k (1-based) falls due: openedAt + k × sla[severity]. */
export function levelDueAt(s: NotificationState, policy: EscalationPolicy, k: number): string {
  const sla = policy.sla[s.notification.severity];
  return new Date(Date.parse(s.notification.openedAt) + k * sla).toISOString();
}

export interface DueEscalation {
  level: number;
  dueAt: string;
  levelInfo: EscalationLevel;
}

/**
 * The levels passed by `now` beyond the current one (current + 1 …), capped at the chain's length.
 * Nothing for acknowledged, resolved or silenced notifications. Monotone in `now`; after applying them
 * with `escalate`, asking again at the same `now` gives [].
 */
export function dueEscalations(s: NotificationState, policy: EscalationPolicy, now: string): DueEscalation[] {
  if (s.status !== 'open' && s.status !== 'escalated') return [];
  const t = Date.parse(now);
  const out: DueEscalation[] = [];
  for (let k = s.level + 1; k <= policy.levels.length; k++) {
    const dueAt = levelDueAt(s, policy, k);
    if (Date.parse(dueAt) > t) break;
    out.push({ level: k, dueAt, levelInfo: policy.levels[k - 1]! });
  }
  return out;
}

/** Escalates to `level` (must be above the current one). */
export function escalate(s: NotificationState, level: number, at: string): NotificationState {
  if (!Number.isInteger(level) || level <= s.level)
    throw new RangeError(`level: must be an integer above the current level ${s.level} (got ${level})`);
  if (s.status !== 'open' && s.status !== 'escalated')
    throw new RangeError(`status: a ${s.status} notification is not escalated`);
  return next(s, { status: 'escalated', level }, { at, action: 'escalated', level });
}

/**
 * Whether a recovery of the rule keys in `recovered` resolves this notification: it holds one of them, is not
 * resolved yet, and none of its rules' keys is still firing.
 */
export function recoveryResolves(
  s: NotificationState,
  recovered: ReadonlySet<string>,
  firing: ReadonlySet<string>,
): boolean {
  const keys = s.notification.rules.map((r) => r.key);
  return s.status !== 'resolved' && keys.some((k) => recovered.has(k)) && !keys.some((k) => firing.has(k));
}
