// A recovery resolves its notification: when an outbox item carries Ranking.Recovered for an alert key, every
// unresolved notification holding that key is resolved (reason recovered) once none of its rules' keys is
// firing any more in the alert state the same transaction wrote. Run by the relay before it sends, so a
// leader who reads the recovery finds the notification resolved; running it again changes nothing.
import type { AlertState } from '../../domain/alerts.ts';
import { recoveryResolves, resolve } from '../../domain/lifecycle.ts';
import { RANKING_RECOVERED } from '../../events/index.ts';
import type { Dynamo } from './aws/dynamodb.ts';
import { type NotificationStore, TransitionRefusedError } from './notification-store.ts';
import type { OutboxEvent } from './outbox.ts';
import { keys } from './table.ts';

async function firingKeys(db: Dynamo, table: string, scheme: string): Promise<Set<string>> {
  const firing = new Set<string>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.query({
      TableName: table,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.alertPartition(scheme) },
      ExclusiveStartKey: start,
      ConsistentRead: true,
    });
    for (const item of page.Items ?? [])
      for (const s of JSON.parse(item.states as string) as AlertState[])
        if (s.status === 'firing') firing.add(s.key);
    start = page.LastEvaluatedKey;
  } while (start);
  return firing;
}

/** Resolves the notifications the item's recoveries clear; returns the ids resolved now. */
export async function resolveRecovered(
  events: readonly OutboxEvent[],
  deps: { db: Dynamo; table: string; notifications: NotificationStore; now(): Date },
): Promise<string[]> {
  const recovered = new Map<string, Set<string>>();
  for (const e of events)
    if (e.detailType === RANKING_RECOVERED) {
      const scheme = String(e.detail.scheme);
      const set = recovered.get(scheme) ?? new Set<string>();
      set.add(String(e.detail.alertKey));
      recovered.set(scheme, set);
    }
  const resolved: string[] = [];
  for (const [scheme, cleared] of recovered) {
    const candidates = (await deps.notifications.list(scheme)).filter((s) =>
      recoveryResolves(s, cleared, new Set()),
    );
    if (!candidates.length) continue;
    const firing = await firingKeys(deps.db, deps.table, scheme);
    for (const c of candidates) {
      if (!recoveryResolves(c, cleared, firing)) continue;
      try {
        const next = await deps.notifications.transition(scheme, c.notification.id, (s) =>
          s.status === 'resolved' ? null : resolve(s, { at: deps.now().toISOString(), reason: 'recovered' }),
        );
        if (next) resolved.push(c.notification.id);
      } catch (e) {
        if (!(e instanceof TransitionRefusedError)) throw e;
      }
    }
  }
  return resolved;
}
