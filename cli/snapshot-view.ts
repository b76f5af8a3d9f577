// The notifications as received (the local SNS topic's log), for the report that `npm start` prints next to
// the stored snapshots (read through domain/snapshot.ts `periodFromSnapshot`). Each message is what the
// notify function published: Chinese, `---`, English, `---`, a footer; its attributes say what it is.

/** One message the alerts topic delivered (to the leaders, who receive all). */
export interface ReceivedAlert {
  /** `slipped`, `escalated` or `reminder` (the message's `kind` attribute). */
  kind: string | undefined;
  zh: string;
  en: string;
  alertKey: string | undefined;
  period: string | undefined;
  /** The department it was routed to, if any (the `owner` attribute). */
  owner: string | undefined;
  receivedAt: string;
}

/** The messages in the local alerts log (`.rankwatch/alerts.log`), in the order received. */
export function parseAlertsLog(text: string): ReceivedAlert[] {
  const alerts: ReceivedAlert[] = [];
  let lines: string[] | undefined;
  let attributes: Record<string, string> = {};
  let receivedAt = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('┌─')) {
      lines = [];
      attributes = {};
      receivedAt = line.split(' · ').at(-1)?.trim() ?? '';
    } else if (line.startsWith('└─') && lines) {
      alerts.push(alertOf(lines.join('\n'), attributes, receivedAt));
      lines = undefined;
    } else if (lines && line.startsWith('│')) {
      if (line.startsWith('│ 主题 Subject:')) continue;
      if (line.startsWith('│ 属性 Attributes:')) {
        attributes = attributesOf(line.slice('│ 属性 Attributes:'.length));
        continue;
      }
      lines.push(line.replace(/^│ ?/, ''));
    }
  }
  return alerts;
}

/** `kind=slipped · owner=hotline12345` → `{kind: 'slipped', owner: 'hotline12345'}`. */
function attributesOf(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split(' · ')
      .map((pair) => pair.trim())
      .filter((pair) => pair.includes('='))
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}

function alertOf(body: string, attributes: Record<string, string>, receivedAt: string): ReceivedAlert {
  const [zh = '', en = ''] = body.split(/\n\n---\n/).map((part) => part.trim());
  return {
    kind: attributes.kind,
    zh,
    en,
    alertKey: attributes.alertKey,
    period: attributes.period,
    owner: attributes.owner,
    receivedAt,
  };
}
