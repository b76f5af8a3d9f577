// What the engine should send for a series, from the domain alone: per period one Ranking.Slipped per
// notification (under its naming rule's key), and each recovery and first place per alert key.
import type { SeriesAssessment } from '../../domain/assessment.ts';
import type { Notification } from '../../domain/notifications.ts';

export const ALERT_DETAIL_TYPES = {
  slipped: 'Ranking.Slipped',
  recovered: 'Ranking.Recovered',
  reachedFirst: 'Ranking.ReachedFirst',
} as const;

/** The alert key a notification is sent under: its naming (most severe) rule's. */
export const sentKey = (n: Notification) => n.rules.find((r) => r.rule === n.rule)!.key;

/** `detail-type|alertKey` of every alert event the series should send, sorted. */
export function expectedSentAlerts(series: SeriesAssessment): string[] {
  return series.periods
    .flatMap((p) => [
      ...p.alerts.filter((a) => a.kind !== 'slipped').map((a) => `${ALERT_DETAIL_TYPES[a.kind]}|${a.key}`),
      ...(p.notifications ?? []).map((n) => `${ALERT_DETAIL_TYPES.slipped}|${sentKey(n)}`),
    ])
    .sort();
}
