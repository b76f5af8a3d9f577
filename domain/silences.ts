// Silences: a window in which matching notifications are recorded but not sent (Alertmanager silences).
import type { Notification } from './notifications.ts';
import type { SlipRule } from './slips.ts';

export interface Silence {
  id: string;
  scheme: string;
  /** Undefined = any entity. */
  entity?: string;
  /** 'overall' or an indicator id, as in slip rules; undefined = any scope. */
  scope?: string;
  /** Undefined = any rule. */
  rule?: SlipRule;
  until: string;
  reason: string;
  by: string;
  createdAt: string;
}

export class SilenceValidationError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'SilenceValidationError';
    this.field = field;
  }
}

const RULES: readonly SlipRule[] = [
  'rankDrop',
  'lostFirst',
  'leftTopN',
  'belowAverage',
  'consecutiveDeclines',
  'marginErosion',
];

/** Whether the silence is in force at `at` (createdAt ≤ at < until). */
export function silenceActive(s: Silence, at: string): boolean {
  const t = Date.parse(at);
  return Date.parse(s.createdAt) <= t && t < Date.parse(s.until);
}

/** Whether a silence covers the notification: its entity and scope, and one of its rules (or any rule). */
function covers(s: Silence, n: Notification): boolean {
  if (s.scheme !== n.scheme) return false;
  if (s.entity !== undefined && s.entity !== n.entity) return false;
  const scope = n.scope === 'overall' ? 'overall' : n.indicator;
  if (s.scope !== undefined && s.scope !== scope) return false;
  if (s.rule !== undefined && !n.rules.some((r) => r.rule === s.rule)) return false;
  return true;
}

/** The first active silence matching the notification (earliest created, then id), if any. */
export function matchSilence(n: Notification, silences: readonly Silence[], at: string): Silence | undefined {
  return [...silences]
    .filter((s) => silenceActive(s, at) && covers(s, n))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))[0];
}

export interface SilenceInput {
  id: string;
  scheme: string;
  entity?: unknown;
  scope?: unknown;
  rule?: unknown;
  until: unknown;
  reason: unknown;
  by: unknown;
  /** Now: the silence starts here, and `until` must be after it. */
  createdAt: string;
}

function optionalText(field: string, v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new SilenceValidationError(field, 'must be a string');
  return v;
}

/**
 * Validates a silence request; every error names its field. `known` (optional) lists the scheme's entity
 * and indicator ids so a typo cannot silence nothing forever.
 */
export function parseSilence(
  input: SilenceInput,
  known?: { entities: readonly string[]; indicators: readonly string[] },
): Silence {
  const entity = optionalText('entity', input.entity);
  const scope = optionalText('scope', input.scope);
  const rule = optionalText('rule', input.rule);
  if (entity !== undefined && known && !known.entities.includes(entity))
    throw new SilenceValidationError('entity', `unknown entity "${entity}"`);
  if (scope !== undefined && scope !== 'overall' && known && !known.indicators.includes(scope))
    throw new SilenceValidationError('scope', `must be overall or an indicator id (got "${scope}")`);
  if (rule !== undefined && !RULES.includes(rule as SlipRule))
    throw new SilenceValidationError('rule', `must be one of ${RULES.join(', ')} (got "${rule}")`);
  if (typeof input.until !== 'string' || Number.isNaN(Date.parse(input.until)))
    throw new SilenceValidationError('until', 'must be an ISO timestamp such as 2026-05-01T00:00:00+08:00');
  const created = Date.parse(input.createdAt);
  if (Number.isNaN(created)) throw new SilenceValidationError('createdAt', 'must be an ISO timestamp');
  const until = Date.parse(input.until);
  if (!(until > created))
    throw new SilenceValidationError('until', `must be after now (${new Date(created).toISOString()})`);
  if (typeof input.reason !== 'string' || input.reason.trim() === '')
    throw new SilenceValidationError('reason', 'must be a non-empty text saying why');
  if (typeof input.by !== 'string' || input.by.trim() === '')
    throw new SilenceValidationError('by', 'must name who silences');
  const out: Silence = {
    id: input.id,
    scheme: input.scheme,
    until: new Date(until).toISOString(),
    reason: input.reason.trim(),
    by: input.by.trim(),
    createdAt: new Date(created).toISOString(),
  };
  if (entity !== undefined) out.entity = entity;
  if (scope !== undefined) out.scope = scope;
  if (rule !== undefined) out.rule = rule as SlipRule;
  return out;
}
