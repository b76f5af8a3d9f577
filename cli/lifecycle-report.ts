// The leaders' loop as `npm start` shows it after the scenario: the notifications stored by the engine, one
// acknowledged by a leader, the escalate function run as if a day had passed (the schedule's `at` input;
// Scheduler fires it every 15 minutes on AWS), and each owner department's weekly reminder (周提醒) written by
// the remind function — all read back from the engine's table.

import { acknowledge, escalationPolicy, levelDueAt } from '../domain/lifecycle.ts';
import type { Scheme } from '../domain/scheme.ts';
import { nextWeekly } from '../domain/zoned-time.ts';
import { escalateHandler } from '../functions/escalate.ts';
import { remindHandler } from '../functions/remind.ts';
import type { DynamoAssessmentStore } from '../functions/shared/dynamo-store.ts';
import { NotificationStore } from '../functions/shared/notification-store.ts';
import type { OutboxEvent } from '../functions/shared/outbox.ts';
import { keys } from '../functions/shared/table.ts';
import type { LocalSnsTopic } from '../local/sns.ts';
import { alertRows } from './commands/alerts.ts';

export interface LifecycleReport {
  lines: string[];
  acknowledged?: string;
  escalated: string[];
}

export async function lifecycleSection(
  store: DynamoAssessmentStore,
  scheme: Scheme,
  settle: () => Promise<void>,
): Promise<LifecycleReport> {
  const notifications = new NotificationStore(store.db, store.table);
  const opened = await notifications.list(scheme.id);
  const lines = ['━━ 领导的闭环 · the leaders’ loop (提级 / 周提醒) ━━', ''];
  if (opened.length === 0) return { lines: [...lines, '没有预警提醒 / no notifications', ''], escalated: [] };

  // A leader acknowledges the most severe of the latest notifications, two hours after it went out.
  const severity = { critical: 3, warning: 2, info: 1 } as const;
  const pick = [...opened].sort(
    (a, b) =>
      severity[b.notification.severity] - severity[a.notification.severity] ||
      (a.notification.openedAt < b.notification.openedAt ? 1 : -1),
  )[0]!;
  const leader = '局长';
  const ackAt = new Date(Date.parse(pick.notification.openedAt) + 2 * 3_600_000).toISOString();
  await notifications.transition(scheme.id, pick.notification.id, (s) =>
    acknowledge(s, { by: leader, at: ackAt, note: '已部署整改 / remediation assigned' }),
  );

  // The escalate function as if a day had passed since the last notification went out.
  const policy = escalationPolicy(scheme);
  const latest = opened.reduce((a, b) => (a.notification.openedAt > b.notification.openedAt ? a : b));
  const at = new Date(Date.parse(levelDueAt(latest, policy, 1)) + 60_000).toISOString();
  const run = await escalateHandler(
    { scheme: scheme.id, at },
    { store, notifications, now: () => new Date(at), log: () => {}, metric: () => {} },
  );
  await settle(); // the relay sends the Alert.Escalated events the transactions wrote

  const states = await notifications.list(scheme.id);
  lines.push(alertRows(states, scheme, new Date(at)), '');
  lines.push(
    `已确认 / acknowledged: ${pick.notification.id}（${leader}，${ackAt}）`,
    `escalate（模拟 ${at} 运行 / run as at ${at}）: 提级 ${run.escalated.length} 条 / escalated ${run.escalated.length}` +
      (run.escalated.length ? `: ${run.escalated.map((e) => `${e.id} → L${e.level}`).join(', ')}` : ''),
    '',
  );

  // 周提醒: the remind function (as its weekly schedule would run it, at the scheme's weekly time after the
  // escalation run) writes each owner department's reminder; the text printed is the Reminder.Weekly the
  // engine stored in its outbox for the relay, read back from the table.
  const remindAt = nextWeekly(at, scheme.timeZone, scheme.rules.reminder);
  const reminded = await remindHandler(
    { scheme: scheme.id, at: remindAt },
    { store, notifications, now: () => new Date(remindAt), log: () => {}, metric: () => {} },
  );
  await settle();
  for (const r of reminded.reminders) {
    const item = await store.db.get({
      TableName: store.table,
      Key: keys.reminderOutbox(scheme.id, r.department, r.week),
      ConsistentRead: true,
    });
    const [event] = JSON.parse((item.Item?.events as string | undefined) ?? '[]') as OutboxEvent[];
    const text = event?.detail.message as { zh: string; en: string } | undefined;
    if (text) lines.push(text.zh, text.en, '');
  }
  return { lines, acknowledged: pick.notification.id, escalated: run.escalated.map((e) => e.id) };
}

/**
 * Who received what on the topics: each subscription with what its filter policy let through (leaders' have
 * none and receive all; a department's filter on `owner` admits its own indicators' alerts and its reminder).
 */
export function routingLines(topics: Iterable<LocalSnsTopic>): string[] {
  const lines: string[] = [];
  for (const topic of topics)
    for (const { subscription, messages } of topic.subscriptions()) {
      const by = (kind: string) =>
        messages.filter((m) => m.messageAttributes.kind?.stringValue === kind).length;
      const filter = subscription.filterPolicy
        ? `过滤 filter ${JSON.stringify(subscription.filterPolicy)}`
        : '无过滤（领导）no filter (leaders)';
      lines.push(
        `  ${subscription.endpoint} · ${filter}: 预警 slips ${by('slipped')} · 提级 escalations ${by('escalated')} · 周提醒 reminders ${by('reminder')}`,
      );
    }
  if (lines.length === 0) return [];
  return [
    '通知按主管部门与提级层级分送（notify → SNS，订阅按 owner 或 kind/level 过滤）/ routed by owner department and escalation level (notify → SNS, subscriptions filtered on owner or kind/level):',
    ...lines,
    '',
  ];
}
