// Bilingual (Chinese first) texts of notifications and escalations (提级), plain text readable in e-mail.
import { formatDuration } from './duration.ts';
import type { EscalationLevel } from './lifecycle.ts';
import { type Names, RULE_NAMES, SEVERITY_NAMES, slipMessage } from './messages.ts';
import type { LocalizedText, Notification } from './notifications.ts';

function scopeText(n: { scope: 'overall' | 'indicator'; indicator?: string }, names: Names): LocalizedText {
  if (n.scope === 'overall') return { zh: '总排名', en: 'overall rank' };
  const i = names.indicator(n.indicator!);
  return { zh: `「${i.zh}」排名`, en: `rank on “${i.en}”` };
}

/** Subject line and body of one notification, listing every rule that holds (and what it inhibited). */
export function notificationMessage(
  n: Notification,
  names: Names,
): { subject: LocalizedText; body: LocalizedText } {
  const ent = names.entity(n.entity);
  const scope = scopeText(n, names);
  const sev = SEVERITY_NAMES[n.severity];
  const rule = RULE_NAMES[n.rule];
  const subject = {
    zh: `【${sev.zh}】${ent.zh} ${n.period} ${scope.zh}：${rule.zh}`,
    en: `[${sev.en}] ${ent.en} ${n.period} ${scope.en}: ${rule.en}`,
  };
  const lines = n.rules.map((s) => slipMessage(s, names));
  const zh = [subject.zh, '', '触发规则：', ...lines.map((l) => `- ${l.zh}`)];
  const en = [subject.en, '', 'Rules that hold:', ...lines.map((l) => `- ${l.en}`)];
  if (n.inhibited.length > 0) {
    zh.push(
      `已合并（被抑制）：${n.inhibited.map((i) => `${RULE_NAMES[i.rule].zh}（由${RULE_NAMES[i.by].zh}抑制）`).join('、')}`,
    );
    en.push(
      `Also held, inhibited: ${n.inhibited.map((i) => `${RULE_NAMES[i.rule].en} (by ${RULE_NAMES[i.by].en})`).join(', ')}`,
    );
  }
  if (n.owner !== undefined) {
    zh.push(`责任部门：${n.owner}`);
    en.push(`Owner department: ${n.owner}`);
  }
  zh.push(`提醒编号：${n.id}`);
  en.push(`Notification: ${n.id}`);
  return { subject, body: { zh: zh.join('\n'), en: en.join('\n') } };
}

export interface EscalationFacts {
  level: number;
  levelInfo: EscalationLevel;
  /** The acknowledgement SLA that ran out, in ms. */
  slaMs: number;
  escalatedAt: string;
  /** Score gap to first in the notification's scope (0 when first). */
  gapToFirst: number;
  /** Top prescriptions (e.g. "raise 「X」 by 3.2 points"), in both languages. */
  prescriptions: LocalizedText[];
}

/** An escalation: the level, the original slip, the gap to first and the top prescriptions. */
export function escalationMessage(
  n: Notification,
  f: EscalationFacts,
  names: Names,
): { subject: LocalizedText; body: LocalizedText } {
  const ent = names.entity(n.entity);
  const scope = scopeText(n, names);
  const rule = RULE_NAMES[n.rule];
  const sla = formatDuration(f.slaMs);
  const slaHours = Number((f.slaMs / 3_600_000).toFixed(2));
  const hours = Math.round((f.slaMs * f.level) / 3_600_000);
  const subject = {
    zh: `【提级·第${f.level}级 ${f.levelInfo.name.zh}】${ent.zh} ${n.period} ${scope.zh}：${rule.zh}`,
    en: `[Escalated · level ${f.level} ${f.levelInfo.name.en}] ${ent.en} ${n.period} ${scope.en}: ${rule.en}`,
  };
  const first = n.rules.find((s) => s.rule === n.rule) ?? n.rules[0];
  const slip = first ? slipMessage(first, names) : { zh: '', en: '' };
  const gap = f.gapToFirst.toFixed(2);
  const zh = [
    subject.zh,
    '',
    `${n.openedAt}发出的提醒在确认时限${slaHours}小时（${sla}）内未获确认，已开放${hours}小时，现提级至第${f.level}级：${f.levelInfo.name.zh}。`,
    `原始下滑：${slip.zh}`,
    `与第一名差距：${gap}分`,
  ];
  const en = [
    subject.en,
    '',
    `The notification of ${n.openedAt} was not acknowledged within its SLA of ${slaHours} h (${sla}); open ${hours} h, now escalated to level ${f.level}: ${f.levelInfo.name.en}.`,
    `Original slip: ${slip.en}`,
    `Gap to first: ${gap} points`,
  ];
  // The level's subscriber set as the scheme names it (people or offices), so the message says who must act.
  if (f.levelInfo.subscribers.length > 0) {
    zh.push(`本级办理：${f.levelInfo.subscribers.join('、')}`);
    en.push(`To act at this level: ${f.levelInfo.subscribers.join(', ')}`);
  }
  if (f.prescriptions.length > 0) {
    zh.push('建议措施：', ...f.prescriptions.map((p, i) => `${i + 1}. ${p.zh}`));
    en.push('Prescriptions:', ...f.prescriptions.map((p, i) => `${i + 1}. ${p.en}`));
  }
  zh.push(`提醒编号：${n.id}`);
  en.push(`Notification: ${n.id}`);
  return { subject, body: { zh: zh.join('\n'), en: en.join('\n') } };
}

/** Chinese first, then English, separated by a rule line: one plain-text e-mail body. */
export function bilingualText(t: LocalizedText): string {
  return `${t.zh}\n\n----------------------------------------\n\n${t.en}`;
}
