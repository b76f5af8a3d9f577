// ingest: SQS batch of department events → validate, authorise, group by (scheme, period) → record each
// group as one snapshot in one transaction. Bad records are acknowledged, rejected through the outbox and
// kept in a DLQ; a group that loses the head race is retried through a partial batch failure.
// The checks live in shared/department-reports.ts (and domain/authorise.ts), event ids already seen in
// shared/event-receipts.ts, the writing in shared/assessment-writer.ts; this file wires them to SQS.

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DEFAULT_OBSERVED_AT_TOLERANCE_MS } from '../domain/authorise.ts';
import { recordGroups, type WriterDeps } from './shared/assessment-writer.ts';
import {
  admitBatch,
  OBSERVED_AT_TOLERANCE_ENV,
  observedAtToleranceMs,
  type RejectedRecord,
} from './shared/department-reports.ts';
import { settleEventIds } from './shared/event-receipts.ts';
import { type Rejection, rejectionEvent } from './shared/outbox.ts';
import { count, defaultSqs, defaultStore, log, logger, metrics } from './shared/runtime.ts';

export interface IngestDeps extends WriterDeps {
  /** Keeps the raw rejected record for inspection (the rejected-records DLQ). */
  keepRejected(raw: string, rejection: Rejection): Promise<void>;
  /** How far (ms) a report's observedAt may lie after its arrival; default 5 minutes. */
  observedAtToleranceMs?: number;
}

export async function ingestHandler(event: SQSEvent, deps: IngestDeps): Promise<SQSBatchResponse> {
  const receivedAt = deps.now().toISOString();
  const timing = {
    receivedAt,
    toleranceMs: deps.observedAtToleranceMs ?? DEFAULT_OBSERVED_AT_TOLERANCE_MS,
  };
  const batch = await admitBatch(event.Records, timing, (id) => deps.store.activeScheme(id));
  // An id already used by other content is rejected here; a redelivery goes on and changes nothing.
  const settled = await settleEventIds(batch.groups, event.Records, receivedAt, deps.store, deps.log);
  if (settled.redelivered.length)
    deps.log('info', 'events delivered again (latest-wins leaves them unchanged)', {
      eventIds: settled.redelivered,
    });
  const failures = new Set<string>([...batch.retry, ...settled.retry]);
  const rejections = [...batch.rejections, ...settled.rejections];
  for (const id of await storeRejections(rejections, receivedAt, deps)) failures.add(id);
  for (const id of await recordGroups(settled.groups, batch.schemes, deps)) failures.add(id);
  return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
}

/** Stores each rejection (outbox) and keeps its raw record (DLQ); returns the records to retry. */
async function storeRejections(
  rejections: readonly RejectedRecord[],
  receivedAt: string,
  deps: IngestDeps,
): Promise<string[]> {
  const failed: string[] = [];
  for (const r of rejections) {
    try {
      const ev = rejectionEvent(r.rejection);
      await deps.store.putRejection(r.rejection.originalEventId, ev, receivedAt);
      await deps.keepRejected(r.raw, r.rejection);
      deps.metric('ObservationsRejected', 1);
      deps.log('warn', 'record rejected', {
        messageId: r.messageId,
        cause: r.rejection.cause,
        reasons: r.rejection.reasons,
      });
    } catch (e) {
      deps.log('error', 'could not record a rejection; will retry', {
        messageId: r.messageId,
        error: String(e),
      });
      failed.push(r.messageId);
    }
  }
  return failed;
}

/**
 * Production dependencies: the table, the rejected-records DLQ (REJECTED_QUEUE_URL), the observedAt
 * tolerance (OBSERVED_AT_TOLERANCE_SECONDS), Powertools.
 */
export function defaultIngestDeps(): IngestDeps {
  const queueUrl = process.env.REJECTED_QUEUE_URL;
  return {
    store: defaultStore(),
    async keepRejected(raw, rejection) {
      if (!queueUrl) throw new Error('REJECTED_QUEUE_URL is not set');
      await defaultSqs().sendMessage({
        QueueUrl: queueUrl,
        MessageBody: raw,
        MessageAttributes: {
          cause: { DataType: 'String', StringValue: rejection.cause },
          originalEventId: { DataType: 'String', StringValue: rejection.originalEventId },
        },
      });
    },
    now: () => new Date(),
    observedAtToleranceMs: observedAtToleranceMs(process.env[OBSERVED_AT_TOLERANCE_ENV]),
    log,
    metric: count,
  };
}

/**
 * Lambda entry point. Grouping by (scheme, period) spans records, so the partial batch response is built
 * here rather than by Powertools' per-record BatchProcessor.
 */
export const handler = middy((event: SQSEvent) => ingestHandler(event, defaultIngestDeps()))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
