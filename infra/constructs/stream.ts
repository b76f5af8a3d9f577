// The table-stream event source shared by the stream consumers: only INSERTs of one item kind reach the
// function (filtered by partition-key prefix), failures bisect the batch and retry a bounded number of
// times, and what still fails is described in the on-failure queue (the records stay in the stream 24 h).
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

/** Attempts after the first before a record goes to the on-failure destination. */
export const STREAM_RETRY_ATTEMPTS = 10;

export function tableStreamSource(table: ITable, partitionKeyPrefix: string, onFailure: IQueue) {
  return new DynamoEventSource(table, {
    // From the oldest record still in the stream: an outbox item written before a deployment is still sent.
    startingPosition: StartingPosition.TRIM_HORIZON,
    batchSize: 100,
    maxBatchingWindow: Duration.seconds(1),
    bisectBatchOnError: true,
    retryAttempts: STREAM_RETRY_ATTEMPTS,
    maxRecordAge: Duration.hours(24),
    reportBatchItemFailures: true,
    parallelizationFactor: 1,
    onFailure: new SqsDlq(onFailure),
    filters: [
      FilterCriteria.filter({
        eventName: FilterRule.isEqual('INSERT'),
        dynamodb: { Keys: { PK: { S: FilterRule.beginsWith(partitionKeyPrefix) } } },
      }),
    ],
  });
}
