// The leaders' alerts as received (the local SNS topic's log), for the report that `npm start` prints next to
// the stored snapshots (read through domain/snapshot.ts `periodFromSnapshot`).

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
