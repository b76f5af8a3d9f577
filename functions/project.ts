// project: table stream → per-entity history projection. For each new snapshot manifest, one small item per
// entity (overall rank and score, each indicator's value, score and rank) for history and as-of queries.

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { type HistoryItem, historyItems } from './shared/history.ts';
import { count, defaultReader, log, logger, metrics } from './shared/runtime.ts';
import type { DynamoSnapshotReader } from './shared/snapshot-reader.ts';
import { itemKind } from './shared/table.ts';

export interface ProjectDeps {
  store: DynamoSnapshotReader;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
  metric(name: 'HistoryItemsWritten', value: number): void;
}

async function writeAll(deps: ProjectDeps, items: readonly HistoryItem[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests: Record<string, unknown>[] = items
      .slice(i, i + 25)
      .map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length; attempt++) {
      const out = await deps.store.db.batchWrite({ RequestItems: { [deps.store.table]: requests } });
      requests = (out.UnprocessedItems?.[deps.store.table] as Record<string, unknown>[] | undefined) ?? [];
      if (requests.length && attempt > 8) throw new Error('history items still unprocessed after retries');
      if (requests.length) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
  }
}

export async function projectHandler(
  event: DynamoDBStreamEvent,
  deps: ProjectDeps,
): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || !image) continue;
    const item = unmarshall(image as Record<string, AttributeValue>);
    if (itemKind(item.PK as string) !== 'manifest') continue;
    try {
      const body = await deps.store.snapshotBody(item as { inputChunks: string[]; restChunks: string[] });
      const items = historyItems(body, item.hash as string);
      await writeAll(deps, items);
      deps.metric('HistoryItemsWritten', items.length);
    } catch (e) {
      deps.log('error', 'history projection failed; the stream will retry from this record', {
        key: { PK: item.PK, SK: item.SK },
        error: String(e),
      });
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
    }
  }
  return { batchItemFailures: [] };
}

export const handler = middy((event: DynamoDBStreamEvent) =>
  projectHandler(event, { store: defaultReader(), log, metric: count }),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
