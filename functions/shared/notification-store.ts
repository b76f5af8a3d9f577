// The notifications' lifecycle in the table: one item per notification holding its current state (with a
// version), one immutable log item per version (the audit trail an auditor lists), and every change made by
// a transaction that checks the version it read — two leaders acknowledging at once: one wins, the other is
// re-read and told. A change that announces something (an escalation) writes its events to an outbox item
// in the same transaction, so the relay sends them even if the writer dies right after.
import type { NotificationState, TransitionResult } from '../../domain/lifecycle.ts';
import type { LocalizedText } from '../../domain/notifications.ts';
import type { Dynamo } from './aws/dynamodb.ts';
import type { OutboxEvent } from './outbox.ts';
import { keys, OUTBOX_TTL_SECONDS, TTL_ATTRIBUTE } from './table.ts';

export interface NotificationItem {
  PK: string;
  SK: string;
  scheme: string;
  id: string;
  status: NotificationState['status'];
  level: number;
  version: number;
  severity: string;
  entity: string;
  period: string;
  openedAt: string;
  owner?: string;
  /** The whole state as JSON (the notification with its slips, acknowledgement, history). */
  state: string;
}

/** The change was refused by the lifecycle (already acknowledged, resolved, …): nothing was written. */
export class TransitionRefusedError extends Error {
  readonly code: string;
  readonly reason: LocalizedText;
  constructor(code: string, reason: LocalizedText) {
    super(`${code}: ${reason.en}`);
    this.name = 'TransitionRefusedError';
    this.code = code;
    this.reason = reason;
  }
}

export class NotificationNotFoundError extends Error {
  constructor(scheme: string, id: string) {
    super(`no notification ${id} in ${scheme}`);
    this.name = 'NotificationNotFoundError';
  }
}

const isConflict = (e: unknown) =>
  (e as Error).name === 'TransactionCanceledException' ||
  (e as Error).name === 'ConditionalCheckFailedException';

function itemOf(s: NotificationState): NotificationItem {
  const n = s.notification;
  return {
    ...keys.notification(n.scheme, n.id),
    scheme: n.scheme,
    id: n.id,
    status: s.status,
    level: s.level,
    version: s.version,
    severity: n.severity,
    entity: n.entity,
    period: n.period,
    openedAt: n.openedAt,
    ...(n.owner === undefined ? {} : { owner: n.owner }),
    state: JSON.stringify(s),
  };
}

export class NotificationStore {
  readonly db: Dynamo;
  readonly table: string;

  constructor(db: Dynamo, table: string) {
    this.db = db;
    this.table = table;
  }

  private logPut(s: NotificationState) {
    const n = s.notification;
    return {
      Put: {
        TableName: this.table,
        Item: { ...keys.notificationLog(n.scheme, n.id, s.version), state: JSON.stringify(s) },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    };
  }

  /** Stores a new notification's first state; a second call for the same id changes nothing. */
  async open(s: NotificationState): Promise<{ created: boolean }> {
    try {
      await this.db.transactWrite({
        TransactItems: [
          {
            Put: { TableName: this.table, Item: itemOf(s), ConditionExpression: 'attribute_not_exists(PK)' },
          },
          this.logPut(s),
        ] as never,
      });
      return { created: true };
    } catch (e) {
      if (isConflict(e)) return { created: false };
      throw e;
    }
  }

  async get(scheme: string, id: string): Promise<NotificationState | undefined> {
    const out = await this.db.get({
      TableName: this.table,
      Key: keys.notification(scheme, id),
      ConsistentRead: true,
    });
    return out.Item ? (JSON.parse(out.Item.state as string) as NotificationState) : undefined;
  }

  /** Every notification of a scheme (current states), oldest first. */
  async list(scheme: string): Promise<NotificationState[]> {
    const out: NotificationState[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.query({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.notificationPartition(scheme) },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      });
      for (const i of page.Items ?? []) out.push(JSON.parse(i.state as string) as NotificationState);
      start = page.LastEvaluatedKey;
    } while (start);
    return out.sort((a, b) => (a.notification.openedAt < b.notification.openedAt ? -1 : 1));
  }

  /** Every stored version of one notification's state, in order (the audit trail). */
  async versions(scheme: string, id: string): Promise<NotificationState[]> {
    const out = await this.db.query({
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.notificationLogPartition(scheme, id) },
      ConsistentRead: true,
    });
    return (out.Items ?? []).map((i) => JSON.parse(i.state as string) as NotificationState);
  }

  /**
   * Applies a lifecycle change to the current state under a version check, with its log item and any events.
   * A lost race re-reads and applies the change again (so the loser is told what the winner did); `change`
   * returns null when there is nothing to do.
   */
  async transition(
    scheme: string,
    id: string,
    change: (s: NotificationState) => TransitionResult | null,
    events: (s: NotificationState) => OutboxEvent[] = () => [],
    attempts = 4,
  ): Promise<NotificationState | null> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(scheme, id);
      if (!current) throw new NotificationNotFoundError(scheme, id);
      const result = change(current);
      if (result === null) return null;
      if (!result.ok) throw new TransitionRefusedError(result.code, result.reason);
      const next = result.state;
      const outgoing = events(next);
      const now = Date.parse(next.history.at(-1)?.at ?? '') || Date.now();
      try {
        await this.db.transactWrite({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: itemOf(next),
                ConditionExpression: 'version = :read',
                ExpressionAttributeValues: { ':read': current.version },
              },
            },
            this.logPut(next),
            ...(outgoing.length
              ? [
                  {
                    Put: {
                      TableName: this.table,
                      Item: {
                        ...keys.notificationOutbox(scheme, id, next.version),
                        events: JSON.stringify(outgoing),
                        [TTL_ATTRIBUTE]: Math.floor(now / 1000) + OUTBOX_TTL_SECONDS,
                      },
                      ConditionExpression: 'attribute_not_exists(PK)',
                    },
                  },
                ]
              : []),
          ] as never,
        });
        return next;
      } catch (e) {
        if (!isConflict(e) || attempt >= attempts) throw e;
      }
    }
  }
}
