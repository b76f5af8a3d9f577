// The leaders' loop as `npm start` shows it after the scenario: the notifications stored by the engine, one
// acknowledged by a leader, the escalate function run as if a day had passed (the schedule's `at` input;
// Scheduler fires it every 15 minutes on AWS), and each owner department's weekly reminder (周提醒) — all
// read back from the engine's table.

import { acknowledge, escalationPolicy, levelDueAt } from '../domain/lifecycle.ts';
import { schemeNames } from '../domain/messages.ts';
import { reminderText, weeklyReminder } from '../domain/reminder.ts';
import type { Scheme } from '../domain/scheme.ts';
import type { Standings } from '../domain/standings.ts';
import { nextWeekly } from '../domain/zoned-time.ts';
import { escalateHandler } from '../functions/escalate.ts';
import type { DynamoAssessmentStore } from '../functions/shared/dynamo-store.ts';
import { NotificationStore } from '../functions/shared/notification-store.ts';
import { alertRows } from './commands/alerts.ts';

export interface LifecycleReport {
  lines: string[];
  acknowledged?: string;
  escalated: string[];
}

export async function lifecycleSection(
  store: DynamoAssessmentStore,
  scheme: Scheme,
  standings: { now?: Standings; before?: Standings },
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

  // 周提醒: each owner department's reminder, at the scheme's weekly time after the escalation run.
  const remindAt = nextWeekly(at, scheme.timeZone, scheme.rules.reminder);
  const names = schemeNames(scheme);
  const departments = [
    ...new Set(states.flatMap((s) => (s.notification.owner ? [s.notification.owner] : []))),
  ].sort();
  for (const department of departments) {
    const r = weeklyReminder({
      department,
      at: remindAt,
      tz: scheme.timeZone,
      states,
      names,
      ...(standings.now ? { standingsNow: standings.now } : {}),
      ...(standings.before ? { standingsThen: standings.before } : {}),
    });
    const text = reminderText(r);
    lines.push(text.zh, text.en, '');
  }
  return { lines, acknowledged: pick.notification.id, escalated: run.escalated.map((e) => e.id) };
}
