// replay: SQS → one period replayed under a scheme version per message (the fan-out's worker, so no Lambda
// replays all periods). Not wired into infra yet: the queue, its DLQ and this function's construct are to come.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import type { DynamoAssessmentStore } from './shared/dynamo-store.ts';
import { type PeriodReplay, replayPeriod } from './shared/methodology-replay.ts';
import { count, defaultStore, log, logger, metrics } from './shared/runtime.ts';

/** The message the fan-out sends per period. */
export const ReplayMessage = z.object({
  scheme: z.string().check(z.minLength(1)),
  version: z.string().check(z.minLength(1)),
  period: z.string().check(z.minLength(1)),
});

export interface ReplayHandlerDeps {
  store: DynamoAssessmentStore;
  now(): Date;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
  metric(name: 'PeriodsReplayed', value: number): void;
}

/** Replays each message's period; a failed one is handed back to SQS (retried, then its DLQ). */
export async function replayHandler(event: SQSEvent, deps: ReplayHandlerDeps): Promise<SQSBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    let result: PeriodReplay;
    try {
      const req = ReplayMessage.parse(JSON.parse(record.body));
      result = await replayPeriod(req, { store: deps.store, now: deps.now });
    } catch (e) {
      deps.log('error', 'period not replayed; the message will be retried', {
        messageId: record.messageId,
        error: String(e),
      });
      failures.push({ itemIdentifier: record.messageId });
      continue;
    }
    if (result.status === 'replayed') deps.metric('PeriodsReplayed', 1);
    deps.log('info', `period ${result.status}`, {
      period: result.period,
      ...(result.status === 'replayed'
        ? { seq: result.seq, hash: result.hash, rankChanges: result.diff.changed.length }
        : { reason: result.reason }),
    });
  }
  return { batchItemFailures: failures };
}

export const handler = middy((event: SQSEvent) =>
  replayHandler(event, { store: defaultStore(), now: () => new Date(), log, metric: count }),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
