// Ingestion: department reports on the bus → rule → SQS queue (batched) → ingest function, which records one
// snapshot per (scheme, period) group. Bad records are acknowledged, answered with Observation.Rejected
// through the outbox and kept raw in the rejected-records queue; lost head races come back as partial
// batch failures, and a record that keeps failing ends in the ingest DLQ.
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEPARTMENT_EVENT_CONTRACTS } from '../../events/index.ts';
import { OBSERVED_AT_TOLERANCE_ENV } from '../../functions/shared/department-reports.ts';
import { TABLE_ENV } from '../../functions/shared/table.ts';
import { acknowledgeTableKeyWrites, EngineFunction } from './function.ts';
import { patternFor } from './patterns.ts';
import { deadLetterStore, secureQueue } from './queues.ts';

/** Environment variable naming the rejected-records queue (read by functions/ingest.ts). */
export const REJECTED_QUEUE_ENV = 'REJECTED_QUEUE_URL';

export interface IngestionProps {
  bus: IEventBus;
  table: ITable;
  logRetention: RetentionDays;
  /** Where EventBridge puts events it could not deliver to a target. */
  targetDlq: IQueue;
  /** Seconds a report's observedAt may lie after its arrival (default 300). */
  observedAtToleranceSeconds?: number;
}

export class Ingestion extends Construct {
  readonly function: EngineFunction;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly rejectedQueue: Queue;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    const timeout = Duration.minutes(2);

    // The ingest queue's redrive target: cdk-nag knows it for a DLQ, so it needs no acknowledgement.
    this.deadLetterQueue = secureQueue(this, 'DeadLetterQueue');
    this.rejectedQueue = deadLetterStore(this, 'RejectedRecords', 'Rejected department records');
    this.queue = secureQueue(this, 'Queue', {
      // Lambda's guidance: at least six times the function timeout, so retries do not overlap.
      visibilityTimeout: Duration.seconds(6 * timeout.toSeconds()),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });

    this.rule = new Rule(this, 'DepartmentReports', {
      eventBus: props.bus,
      description: 'Department reports (one value or a published table) → ingest queue',
      eventPattern: patternFor(DEPARTMENT_EVENT_CONTRACTS),
    });
    this.rule.addTarget(new SqsQueue(this.queue, { deadLetterQueue: props.targetDlq }));

    this.function = new EngineFunction(this, 'Ingest', {
      entry: 'functions/ingest.ts',
      description: 'Validates and authorises department reports and records one snapshot per group',
      service: 'rankwatch-ingest',
      logRetention: props.logRetention,
      timeout,
      // One vCPU: a 3,000 × 200 assessment is evaluated in memory.
      memorySize: 1769,
      environment: {
        [TABLE_ENV]: props.table.tableName,
        [REJECTED_QUEUE_ENV]: this.rejectedQueue.queueUrl,
        [OBSERVED_AT_TOLERANCE_ENV]: String(props.observedAtToleranceSeconds ?? 300),
      },
    });
    const fn = this.function.fn;
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        // A published table arrives as a burst: wait for it so it costs one evaluation, not hundreds.
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        // Writers of one (scheme, period) serialise on the head's version; a few at a time keep races rare.
        maxConcurrency: 5,
      }),
    );
    // Reads: schemes, heads, earlier heads (Query), alert buckets and chunks (BatchGetItem).
    props.table.grantReadData(fn);
    // Writes: chunks (BatchWriteItem), the snapshot transaction, event receipts and rejections (PutItem).
    // No update or delete.
    props.table.grant(fn, 'dynamodb:PutItem', 'dynamodb:BatchWriteItem');
    props.table.encryptionKey?.grantEncrypt(fn);
    this.rejectedQueue.grantSendMessages(fn);
    acknowledgeTableKeyWrites(this.function);
  }
}
