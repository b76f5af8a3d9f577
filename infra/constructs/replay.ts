// The methodology replay job (`rankwatch replay --job`): a chained SQS job. The CLI sends the first period's
// message to the job queue; the replay function replays that one period under the scheme version and sends
// the next stored period's message to the same queue, so each invocation is bounded by one period and the
// periods run in time order (each period's slips and diagnosis read the earlier heads). A period that keeps
// failing stops the job in the DLQ, alarmed; a redriven or duplicate message is an idempotent skip.
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { REPLAY_QUEUE_ENV } from '../../functions/shared/methodology-replay.ts';
import { TABLE_ENV } from '../../functions/shared/table.ts';
import { acknowledgeTableKeyWrites, EngineFunction } from './function.ts';
import { secureQueue } from './queues.ts';

export interface ReplayJobProps {
  table: ITable;
  logRetention: RetentionDays;
}

export class ReplayJob extends Construct {
  readonly function: EngineFunction;
  /** The job queue: one message per period, the next sent by the function itself. */
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ReplayJobProps) {
    super(scope, id);
    const timeout = Duration.minutes(2);

    // The queue's redrive target: cdk-nag knows it for a DLQ, so it needs no acknowledgement.
    this.deadLetterQueue = secureQueue(this, 'DeadLetterQueue');
    this.queue = secureQueue(this, 'Queue', {
      // Lambda's guidance: at least six times the function timeout, so retries do not overlap.
      visibilityTimeout: Duration.seconds(6 * timeout.toSeconds()),
      // replayPeriod already retries a lost head race; three receives are for outages, not for races.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 3 },
    });

    this.function = new EngineFunction(this, 'Replay', {
      entry: 'functions/replay.ts',
      description: 'Replays one period under a scheme version, then queues the next period of the job',
      service: 'rankwatch-replay',
      logRetention: props.logRetention,
      timeout,
      // One vCPU, as ingest: a 3,000 × 200 period is evaluated twice (both versions, for the diff) in memory.
      memorySize: 1769,
      environment: {
        [TABLE_ENV]: props.table.tableName,
        [REPLAY_QUEUE_ENV]: this.queue.queueUrl,
      },
    });
    const fn = this.function.fn;
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        // One period per invocation: the bound the job exists for.
        batchSize: 1,
        reportBatchItemFailures: true,
      }),
    );
    // Reads: schemes, heads, earlier heads and manifests (Query), alert buckets and chunks (BatchGetItem).
    props.table.grantReadData(fn);
    // Writes, as ingest's: chunks (BatchWriteItem) and the snapshot transaction (PutItem). No update or delete.
    props.table.grant(fn, 'dynamodb:PutItem', 'dynamodb:BatchWriteItem');
    props.table.encryptionKey?.grantEncrypt(fn);
    acknowledgeTableKeyWrites(this.function);
    // The next period's message goes to the job's own queue (SQS-managed encryption: no key to grant).
    this.queue.grantSendMessages(fn);
  }
}
