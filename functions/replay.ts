// replay: the worker of the replay job (infra/constructs/replay.ts). Each SQS message names one period; the
// function replays it under the scheme version and sends the message for the next stored period to its own
// queue (functions/shared/methodology-replay.ts: replayJobStep), so the job is one bounded invocation per
// period, in time order, and no Lambda replays all periods.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import type { DynamoAssessmentStore } from './shared/dynamo-store.ts';
import {
  REPLAY_QUEUE_ENV,
  type ReplayJobMessage,
  replayJobStep,
  replayPeriod,
} from './shared/methodology-replay.ts';
import { count, defaultSqs, defaultStore, log, logger, metrics } from './shared/runtime.ts';

const id = z.string().check(z.minLength(1));

/** The job's message: the period to replay now, the job's last period (inclusive) and its id (for the logs). */
export const ReplayMessage = z.object({
  scheme: id,
  version: id,
  period: id,
  to: z.optional(id),
  job: z.optional(id),
});

export interface ReplayHandlerDeps {
  store: DynamoAssessmentStore;
  now(): Date;
  /** Sends the next period's message to the job's queue. */
  send(message: ReplayJobMessage): Promise<void>;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
  metric(name: 'PeriodsReplayed', value: number): void;
}

/** Replays each message's period and sends the next; a failed one is handed back to SQS (retried, then its DLQ). */
export async function replayHandler(event: SQSEvent, deps: ReplayHandlerDeps): Promise<SQSBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    let step: Awaited<ReturnType<typeof replayJobStep>>;
    try {
      const message = ReplayMessage.parse(JSON.parse(record.body));
      step = await replayJobStep(message, {
        store: deps.store,
        replay: (req) => replayPeriod(req, { store: deps.store, now: deps.now }),
        send: deps.send,
      });
    } catch (e) {
      deps.log('error', 'period not replayed; the message will be retried', {
        messageId: record.messageId,
        error: String(e),
      });
      failures.push({ itemIdentifier: record.messageId });
      continue;
    }
    const { result, next } = step;
    if (result.status === 'replayed') deps.metric('PeriodsReplayed', 1);
    deps.log('info', `period ${result.status}`, {
      period: result.period,
      ...(result.status === 'replayed'
        ? { seq: result.seq, hash: result.hash, rankChanges: result.diff.changed.length }
        : { reason: result.reason }),
      next: next?.period ?? null,
    });
  }
  return { batchItemFailures: failures };
}

export function defaultReplayDeps(): ReplayHandlerDeps {
  const queueUrl = process.env[REPLAY_QUEUE_ENV];
  return {
    store: defaultStore(),
    now: () => new Date(),
    async send(message) {
      if (!queueUrl) throw new Error(`${REPLAY_QUEUE_ENV} is not set`);
      await defaultSqs().sendMessage({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) });
    },
    log,
    metric: count,
  };
}

export const handler = middy((event: SQSEvent) => replayHandler(event, defaultReplayDeps()))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
