// What a department may report: known entities and indicator, a period of the scheme's kind, and only
// indicators the department owns (scheme `owner`). Reasons are field by field, in Chinese and English.
import type { Observation } from './observations.ts';
import { isValidPeriod } from './period.ts';
import type { Scheme } from './scheme.ts';

export interface ReportReason {
  /** Where in the reported event, e.g. `detail.values[3].entity`. */
  path: string;
  code: 'bad_period' | 'unknown_entity' | 'unknown_indicator' | 'not_owner';
  message: { zh: string; en: string };
}

export interface ReportCheck {
  reasons: ReportReason[];
  /** `authorisation` when the only problem is that the department does not own the indicator. */
  cause: 'validation' | 'authorisation';
}

/**
 * Checks one report — a single value (`shape: 'single'`) or a published table of one indicator — against
 * the scheme, for the department that sent it. No reasons: the report may be applied.
 */
export function checkReport(
  scheme: Scheme,
  department: string,
  report: { period: string; shape: 'single' | 'table'; observations: readonly Observation[] },
): ReportCheck {
  const reasons: ReportReason[] = [];
  const add = (path: string, code: ReportReason['code'], en: string, zh: string) =>
    reasons.push({ path, code, message: { zh, en } });
  const entities = new Set(scheme.entities.map((e) => e.id));
  if (!isValidPeriod(scheme.periodKind, report.period))
    add(
      'detail.period',
      'bad_period',
      `"${report.period}" is not a ${scheme.periodKind} period of scheme ${scheme.id}`,
      `“${report.period}”不是方案 ${scheme.id} 的${scheme.periodKind}周期`,
    );
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
