// remind: on a cron schedule (EventBridge Scheduler, Monday 09:00 Asia/Shanghai by default), each owner
// department's weekly reminder (周提醒) of every stored scheme, written with its Reminder.Weekly outbox item.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { DynamoAssessmentStore } from './shared/dynamo-store.ts';
import { NotificationStore } from './shared/notification-store.ts';
import { type ReminderStore, remindScheme, type SentReminder } from './shared/reminders.ts';
import { count, defaultStore, log, logger, metrics } from './shared/runtime.ts';
import { scheduledRun } from './shared/schedule-input.ts';

export interface RemindDeps {
  store: Pick<DynamoAssessmentStore, 'schemeIds' | 'activeScheme'> & ReminderStore;
  notifications: NotificationStore;
  now(): Date;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
  metric(name: 'RemindersSent', value: number): void;
}

/** Input as for escalate: `{"scheme": "…"}` for one scheme (else all), `{"at": ISO}` to decide at (else now). */
export async function remindHandler(
  event: unknown,
  deps: RemindDeps,
): Promise<{ reminders: (SentReminder & { scheme: string })[] }> {
  const { schemeIds, at } = await scheduledRun(event, deps);
  const reminders: (SentReminder & { scheme: string })[] = [];
  for (const schemeId of schemeIds) {
    const scheme = await deps.store.activeScheme(schemeId);
    const states = await deps.notifications.list(schemeId);
    for (const r of await remindScheme(scheme, at, { store: deps.store, states }))
      reminders.push({ scheme: schemeId, ...r });
  }
  const sent = reminders.filter((r) => r.created);
  deps.metric('RemindersSent', sent.length);
  if (sent.length) deps.log('info', 'weekly reminders written', { reminders: sent });
  return { reminders };
}

export const handler = middy((event: unknown) => {
  const store = defaultStore();
  return remindHandler(event, {
    store,
    notifications: new NotificationStore(store.db, store.table),
    now: () => new Date(),
    log,
    metric: count,
  });
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
