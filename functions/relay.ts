// relay: table stream → outbox events → PutEvents, ≤ 10 entries and 256 KB a call. Only failed entries are
// re-sent (retryable codes only); sent event ids are recorded so a retried stream batch re-sends only in the
// window AWS leaves open (PutEvents succeeded, its reply or our bookkeeping was lost). What cannot be sent
// fails the stream record, so Lambda bisects, retries and finally hands it to the on-failure destination.

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import {
  DEFAULT_BUS_NAME,
  PUT_EVENTS_ENTRY_SIZE_LIMIT,
  planPutEvents,
  putEventsEntrySize,
} from '../events/index.ts';
import type { Events } from './shared/aws/eventbridge.ts';
import { NotificationStore } from './shared/notification-store.ts';
import type { OutboxEvent } from './shared/outbox.ts';
import { resolveRecovered } from './shared/recovery.ts';
import { count, defaultEventBridge, defaultTable, log, logger, metrics } from './shared/runtime.ts';
import type { DynamoSnapshotReader } from './shared/snapshot-reader.ts';
import { itemKind, keys, TTL_ATTRIBUTE } from './shared/table.ts';

/** PutEvents entry error codes worth another attempt; anything else will not succeed by retrying. */
export const RETRYABLE_CODES = new Set([
  'ThrottlingException',
  'InternalFailure',
  'InternalException',
  'ServiceUnavailable',
]);
const SENT_TTL_SECONDS = 14 * 24 * 3600;

export interface RelayDeps {
  /** Only the table and its client are used (sent markers); the read side is enough. */
  store: Pick<DynamoSnapshotReader, 'db' | 'table'>;
  eventBridge: Events;
  busName: string;
  now(): Date;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
  metric(name: 'EventsPublished' | 'EventsFailed', value: number): void;
  /** Attempts per entry within one invocation (default 4). */
  attempts?: number;
  sleep?(ms: number): Promise<void>;
}

export class RelayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RelayError';
  }
}

/** A PutEvents entry for an outbox event; too large for an entry, it carries a pointer to its body instead. */
export function entryFor(
  ev: OutboxEvent,
  busName: string,
  pointer: { PK: string; SK: string },
): PutEventsRequestEntry {
  const entry: PutEventsRequestEntry = {
    EventBusName: busName,
    Source: ev.source,
    DetailType: ev.detailType,
    Detail: JSON.stringify(ev.detail),
  };
  if (putEventsEntrySize(entry) < PUT_EVENTS_ENTRY_SIZE_LIMIT) return entry;
  return {
    ...entry,
    Detail: JSON.stringify({
      schemaVersion: (ev.detail as { schemaVersion?: number }).schemaVersion ?? 1,
      eventId: ev.id,
      claimCheck: { ...pointer, eventId: ev.id },
    }),
  };
}

const backoff = (deps: RelayDeps, attempt: number) =>
  (deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms))))(50 * 2 ** attempt);

/** Ids among these with a sent marker. Keys DynamoDB leaves unprocessed are read again: a marker missed here would re-send outside the window SPEC allows. */
async function alreadySent(deps: RelayDeps, ids: readonly string[]): Promise<Set<string>> {
  const sent = new Set<string>();
  for (let i = 0; i < ids.length; i += 100) {
    let wanted: Record<string, unknown>[] = ids.slice(i, i + 100).map((id) => keys.sent(id));
    for (let attempt = 0; wanted.length > 0; attempt++) {
      if (attempt > 8) throw new RelayError('sent markers still unread after retries');
      if (attempt > 0) await backoff(deps, attempt);
      const out = await deps.store.db.batchGet({
        RequestItems: { [deps.store.table]: { Keys: wanted, ProjectionExpression: 'PK' } },
      });
      for (const item of out.Responses?.[deps.store.table] ?? [])
        sent.add((item.PK as string).slice('SENT#'.length));
      wanted = (out.UnprocessedKeys?.[deps.store.table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
  }
  return sent;
}

async function markSent(deps: RelayDeps, ids: readonly string[]): Promise<void> {
  const expiresAt = Math.floor(deps.now().getTime() / 1000) + SENT_TTL_SECONDS;
  for (let i = 0; i < ids.length; i += 25) {
    let requests: Record<string, unknown>[] = ids
      .slice(i, i + 25)
      .map((id) => ({ PutRequest: { Item: { ...keys.sent(id), [TTL_ATTRIBUTE]: expiresAt } } }));
    for (let attempt = 0; requests.length; attempt++) {
      if (attempt > 8) throw new RelayError('sent markers still unprocessed after retries');
      if (attempt > 0) await backoff(deps, attempt);
      const out = await deps.store.db.batchWrite({ RequestItems: { [deps.store.table]: requests } });
      requests = (out.UnprocessedItems?.[deps.store.table] as Record<string, unknown>[] | undefined) ?? [];
    }
  }
}

/** Publishes one outbox item's events; throws RelayError naming what could not be sent. */
export async function publishOutboxItem(item: Record<string, unknown>, deps: RelayDeps): Promise<number> {
  const events = JSON.parse(item.events as string) as OutboxEvent[];
  // Notifications first: by the time a leader reads an alert, it can be acknowledged.
  const notifications = new NotificationStore(deps.store.db, deps.store.table);
  for (const ev of events) if (ev.opens) await notifications.open(ev.opens);
  // A recovery resolves the notifications it clears (before it is sent, like an opening).
  await resolveRecovered(events, {
    db: deps.store.db,
    table: deps.store.table,
    notifications,
    now: deps.now,
  });
  const sent = await alreadySent(
    deps,
    events.map((e) => e.id),
  );
  // A silenced notification's event is recorded above (its state) and never sent.
  const pending = events.filter((e) => e.silenced === undefined && !sent.has(e.id));
  const pointer = { PK: item.PK as string, SK: item.SK as string };
  const byEntry = new Map<PutEventsRequestEntry, OutboxEvent>();
  const entries = pending.map((ev) => {
    const entry = entryFor(ev, deps.busName, pointer);
    byEntry.set(entry, ev);
    return entry;
  });
  const plan = planPutEvents(entries);
  const failed: string[] = plan.refused.map((r) => `${byEntry.get(r.entry)?.id}: ${r.problems.join('; ')}`);
  const attempts = deps.attempts ?? 4;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  let published = 0;
  for (const batch of plan.batches) {
    let todo = batch;
    for (let attempt = 1; todo.length > 0; attempt++) {
      const out = await deps.eventBridge.putEvents({ Entries: todo });
      const results = out.Entries ?? [];
      const ok: string[] = [];
      const retry: PutEventsRequestEntry[] = [];
      todo.forEach((entry, i) => {
        const r = results[i];
        const ev = byEntry.get(entry)!;
        if (r?.EventId && !r.ErrorCode) ok.push(ev.id);
        else if (r?.ErrorCode && RETRYABLE_CODES.has(r.ErrorCode) && attempt < attempts) retry.push(entry);
        else failed.push(`${ev.id}: ${r?.ErrorCode ?? 'no result'} ${r?.ErrorMessage ?? ''}`.trim());
      });
      await markSent(deps, ok);
      published += ok.length;
      todo = retry;
      if (todo.length) await sleep(50 * 2 ** attempt);
    }
  }
  deps.metric('EventsPublished', published);
  if (failed.length) {
    deps.metric('EventsFailed', failed.length);
    throw new RelayError(`${failed.length} event(s) not published: ${failed.join(' | ')}`);
  }
  return published;
}

export async function relayHandler(
  event: DynamoDBStreamEvent,
  deps: RelayDeps,
): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || !image) continue;
    const item = unmarshall(image as Record<string, AttributeValue>);
    if (itemKind(item.PK as string) !== 'outbox') continue;
    try {
      await publishOutboxItem(item, deps);
    } catch (e) {
      deps.log('error', 'outbox item not fully published; the stream will retry from it', {
        key: { PK: item.PK, SK: item.SK },
        error: String(e),
      });
      // Stop here: Lambda retries from this record (later ones are re-delivered, and sent ones skipped).
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
    }
  }
  return { batchItemFailures: [] };
}

/** Lambda entry point: the plain handler wrapped with Powertools logging and metrics. */
export const handler = middy((event: DynamoDBStreamEvent) =>
  relayHandler(event, {
    store: defaultTable(),
    eventBridge: defaultEventBridge(),
    busName: process.env.EVENT_BUS_NAME ?? DEFAULT_BUS_NAME,
    now: () => new Date(),
    log,
    metric: count,
  }),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
