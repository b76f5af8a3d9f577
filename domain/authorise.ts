// What a department may report: known entities and indicator, values inside the indicator's declared range,
// a period of the scheme's kind that has begun, an observedAt not later than its arrival (plus a tolerance for clock skew),
// and only indicators the department owns (scheme `owner`). Reasons are field by field, in Chinese and English.
import type { Observation } from './observations.ts';
import { isValidPeriod, periodAt, periodEndInstant, periodOrdinal } from './period.ts';
import type { Indicator, Scheme } from './scheme.ts';

export interface ReportReason {
  /** Where in the reported event, e.g. `detail.values[3].entity`. */
  path: string;
  code:
    | 'bad_period'
    | 'unknown_entity'
    | 'unknown_indicator'
    | 'not_owner'
    | 'future_observed_at'
    | 'future_period'
    | 'out_of_range';
  message: { zh: string; en: string };
}

export interface ReportCheck {
  reasons: ReportReason[];
  /** `authorisation` when the only problem is that the department does not own the indicator. */
  cause: 'validation' | 'authorisation';
}

/** Default allowance for department clocks running ahead of the engine's: 5 minutes. */
export const DEFAULT_OBSERVED_AT_TOLERANCE_MS = 5 * 60 * 1000;

/** When the report arrived and how far ahead of that its observedAt may be. */
export interface ReportTiming {
  /** ISO 8601, the engine's clock when the batch was received. */
  receivedAt: string;
  /** Milliseconds observedAt may lie after receivedAt (clock skew); default 5 minutes. */
  toleranceMs?: number;
}

/**
 * Why a value lies outside its indicator's declared valid range, or undefined when it does not (or there is
 * none). A declared range keeps implausible values (−1e308 as a satisfaction percentage) out of the
 * standings; ingest and the offline readers (CSV, .xlsx) refuse with this same reason.
 */
export function outOfRange(
  indicator: Pick<Indicator, 'id' | 'range'>,
  value: number,
): { zh: string; en: string } | undefined {
  const range = indicator.range;
  if (!range) return undefined;
  const low = range.min !== undefined && value < range.min;
  const high = range.max !== undefined && value > range.max;
  if (!low && !high) return undefined;
  const bounds = `[${range.min ?? '−∞'}, ${range.max ?? '+∞'}]`;
  return {
    zh: `${value} 超出指标“${indicator.id}”的有效范围 ${bounds}`,
    en: `${value} is outside the valid range ${bounds} of indicator "${indicator.id}"`,
  };
}

/**
 * Checks one report — a single value (`shape: 'single'`) or a published table of one indicator — against
 * the scheme, for the department that sent it. No reasons: the report may be applied.
 */
export function checkReport(
  scheme: Scheme,
  department: string,
  report: { period: string; shape: 'single' | 'table'; observations: readonly Observation[] },
  timing?: ReportTiming,
): ReportCheck {
  const reasons: ReportReason[] = [];
  const add = (path: string, code: ReportReason['code'], en: string, zh: string) =>
    reasons.push({ path, code, message: { zh, en } });
  // A value stamped in the future would win latest-wins against every genuine correction that follows.
  const observedAt = report.observations[0]?.observedAt;
  if (timing && observedAt !== undefined) {
    const toleranceMs = timing.toleranceMs ?? DEFAULT_OBSERVED_AT_TOLERANCE_MS;
    const limit = Date.parse(timing.receivedAt) + toleranceMs;
    if (Date.parse(observedAt) > limit) {
      const minutes = Math.round((toleranceMs / 60_000) * 100) / 100;
      add(
        'detail.observedAt',
        'future_observed_at',
        `observedAt ${observedAt} is later than the time the report was received (${timing.receivedAt}) plus ${minutes} min`,
        `观测时间 ${observedAt} 晚于接收时间（${timing.receivedAt}）加 ${minutes} 分钟的容差`,
      );
    }
  }
  const entities = new Set(scheme.entities.map((e) => e.id));
  if (!isValidPeriod(scheme.periodKind, report.period))
    add(
      'detail.period',
      'bad_period',
      `"${report.period}" is not a ${scheme.periodKind} period of scheme ${scheme.id}`,
      `“${report.period}”不是方案 ${scheme.id} 的${scheme.periodKind}周期`,
    );
  else if (timing) {
    // Values of a period that has not begun (9999-W01) would make it the latest period, so every "current"
    // answer (standings, reminders, bulletins) would show it. A period starts when the one before it ends
    // (00:00 UTC); a day's allowance covers every time zone's start of the period, plus the clock tolerance.
    const start = Date.parse(
      periodEndInstant(
        scheme.periodKind,
        periodAt(scheme.periodKind, periodOrdinal(scheme.periodKind, report.period) - 1),
      ),
    );
    const toleranceMs = timing.toleranceMs ?? DEFAULT_OBSERVED_AT_TOLERANCE_MS;
    if (start > Date.parse(timing.receivedAt) + 86_400_000 + toleranceMs)
      add(
        'detail.period',
        'future_period',
        `period ${report.period} begins ${new Date(start).toISOString()}, after the report was received (${timing.receivedAt})`,
        `周期 ${report.period} 始于 ${new Date(start).toISOString()}，晚于接收时间（${timing.receivedAt}）`,
      );
  }
  report.observations.forEach((o, i) => {
    if (entities.has(o.entity)) return;
    const path = report.shape === 'single' ? 'detail.entity' : `detail.values[${i}].entity`;
    add(path, 'unknown_entity', `unknown entity "${o.entity}"`, `未知单位“${o.entity}”`);
  });
  const indicatorId = report.observations[0]?.indicator ?? '';
  const indicator = scheme.indicators.find((i) => i.id === indicatorId);
  if (!indicator)
    add(
      'detail.indicator',
      'unknown_indicator',
      `unknown indicator "${indicatorId}"`,
      `未知指标“${indicatorId}”`,
    );
  if (indicator)
    report.observations.forEach((o, i) => {
      const outside = outOfRange(indicator, o.value);
      if (!outside) return;
      const path = report.shape === 'single' ? 'detail.value' : `detail.values[${i}].value`;
      add(path, 'out_of_range', outside.en, outside.zh);
    });
  if (reasons.length || !indicator) return { reasons, cause: 'validation' };
  if (indicator.owner !== department)
    add(
      'detail.indicator',
      'not_owner',
      `department "${department}" does not own indicator "${indicatorId}" (owner: ${indicator.owner})`,
      `部门“${department}”无权报送指标“${indicatorId}”（责任部门：${indicator.owner}）`,
    );
  return { reasons, cause: reasons.length ? 'authorisation' : 'validation' };
}
