// A stored snapshot seen as one period of `rankwatch evaluate`'s contract, so the leader's report (report.ts)
// renders numbers the engine stored — not numbers recomputed here — and the leaders' alerts as received.
import type { IndicatorRow, OverallRow, PeriodAssessment } from '../domain/assessment.ts';
import type { SnapshotBody } from '../domain/snapshot.ts';

/** The ranking, gaps, diagnosis and slips of a stored snapshot body, as `assessSeries` reports a period. */
export function periodFromSnapshot(body: SnapshotBody): PeriodAssessment {
  const { entities, indicators, values } = body.inputs;
  const r = body.results;
  const order = (a: { rank: number; entity: string }, b: { rank: number; entity: string }) =>
    a.rank - b.rank || entities.indexOf(a.entity) - entities.indexOf(b.entity);
  const overall: OverallRow[] = entities
    .map((entity, e) => ({
      entity,
      score: r.overall.score[e] ?? Number.NaN,
      rank: r.overall.rank[e] ?? 0,
      tied: r.overall.tied[e] === 1,
    }))
    .filter((row) => row.rank > 0)
    .sort(order);
  const byIndicator: Record<string, IndicatorRow[]> = {};
  indicators.forEach((id, j) => {
    byIndicator[id] = entities
      .map((entity, e) => ({
        entity,
        value: values[j]?.[e] ?? Number.NaN,
        score: r.indicatorScores[j]?.[e] ?? Number.NaN,
        rank: r.indicatorRanks[j]?.[e] ?? 0,
        tied: r.indicatorTied[j]?.[e] === 1,
        carried: r.carried[j]?.[e] === 1,
      }))
      .filter((row) => row.rank > 0)
      .sort(order);
  });
  return {
    period: body.period,
    overall,
    unranked: r.unranked,
    indicators: byIndicator,
    gap: r.gap,
    diagnosis: r.diagnosis,
    slips: r.slips,
    transitions: [],
    alerts: [],
  };
}

/** One message a leader received on the alerts topic. */
export interface ReceivedAlert {
  /** Chinese text, then English, as the rule's input transformer wrote them. */
  zh: string;
  en: string;
  alertKey: string | undefined;
  period: string | undefined;
  receivedAt: string;
}

/**
 * The messages in the local alerts log (`.rankwatch/alerts.log`), in the order received. A message delivered
 * as a JSON string (a quoted input template) is decoded; one whose text broke the JSON quoting (quotes inside
 * a name) is shown with its literal `\n` escapes turned into line breaks, as a mail client would not.
 */
export function parseAlertsLog(text: string): ReceivedAlert[] {
  const alerts: ReceivedAlert[] = [];
  let lines: string[] | undefined;
  let receivedAt = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('┌─')) {
      lines = [];
      receivedAt = line.split(' · ').at(-1)?.trim() ?? '';
    } else if (line.startsWith('└─') && lines) {
      alerts.push(alertOf(lines.join('\n'), receivedAt));
      lines = undefined;
    } else if (lines && line.startsWith('│')) {
      if (line.startsWith('│ 主题 Subject:')) continue;
      lines.push(line.replace(/^│ ?/, ''));
    }
  }
  return alerts;
}

function alertOf(body: string, receivedAt: string): ReceivedAlert {
  let text = body;
  if (text.startsWith('"') && text.endsWith('"')) {
    try {
      text = JSON.parse(text) as string;
    } catch {
      text = text.slice(1, -1).replaceAll('\\n', '\n').replaceAll('\\"', '"');
    }
  }
  const parts = text.split('\n').filter((l) => l.trim() !== '');
  const last = parts.at(-1) ?? '';
  const key = /^\((.+)\)$/.exec(last)?.[1];
  const zh = parts[0] ?? '';
  const en = key ? (parts.slice(1, -1).join(' ') ?? '') : (parts.slice(1).join(' ') ?? '');
  return { zh, en, alertKey: key, period: key?.split('|')[1], receivedAt };
}
