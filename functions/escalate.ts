// escalate: on a schedule (EventBridge Scheduler), every notification past its acknowledgement SLA goes up
// the scheme's escalation chain (提级). Each change is one version-checked transaction that also writes its
// Alert.Escalated events to an outbox item, so the relay sends them even if this function dies right after;
// running it twice, or two runs at once, escalates nothing twice.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { type DueEscalation, dueEscalations, escalate, escalationPolicy } from '../domain/lifecycle.ts';
import type { DynamoAssessmentStore } from './shared/dynamo-store.ts';
import { NotificationStore } from './shared/notification-store.ts';
import { escalationEvents } from './shared/outbox.ts';
import { count, defaultStore, log, logger, metrics } from './shared/runtime.ts';
import { scheduledRun } from './shared/schedule-input.ts';

export interface EscalateDeps {
  store: Pick<DynamoAssessmentStore, 'schemeIds' | 'activeScheme'>;
  notifications: NotificationStore;
  now(): Date;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
  metric(name: 'NotificationsEscalated', value: number): void;
}

export interface EscalateResult {
  checked: number;
  /** Notifications that went up at least one level in this run. */
  escalated: { scheme: string; id: string; level: number }[];
}

/**
 * The schedule's input may name one scheme (`{"scheme": "…"}`; otherwise every stored scheme is visited) and a
 * time to decide at (`{"at": ISO}`, for replays and the local demo; otherwise the clock).
 */
export async function escalateHandler(event: unknown, deps: EscalateDeps): Promise<EscalateResult> {
  const { schemeIds, at } = await scheduledRun(event, deps);
  const result: EscalateResult = { checked: 0, escalated: [] };
  for (const schemeId of schemeIds) {
    const scheme = await deps.store.activeScheme(schemeId);
    const policy = escalationPolicy(scheme);
    for (const s of await deps.notifications.list(schemeId)) {
      result.checked++;
      if (dueEscalations(s, policy, at).length === 0) continue;
      let due: DueEscalation[] = [];
      const next = await deps.notifications.transition(
        schemeId,
        s.notification.id,
        // Decided again on the state the transaction checks: a concurrent run or an acknowledgement wins.
        (current) => {
          due = dueEscalations(current, policy, at);
          return due.length ? { ok: true, state: escalate(current, due.at(-1)!.level, at) } : null;
        },
        (state) => escalationEvents(scheme, state, due, policy, at),
      );
      if (next) result.escalated.push({ scheme: schemeId, id: next.notification.id, level: next.level });
    }
  }
  deps.metric('NotificationsEscalated', result.escalated.length);
  if (result.escalated.length) deps.log('info', 'notifications escalated', { escalated: result.escalated });
  return result;
}

export const handler = middy((event: unknown) => {
  const store = defaultStore();
  return escalateHandler(event, {
    store,
    notifications: new NotificationStore(store.db, store.table),
    now: () => new Date(),
    log,
    metric: count,
  });
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
