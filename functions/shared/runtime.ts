// Shared Lambda plumbing, created once per container: Powertools logger and metrics, AWS clients and the
// store adapter. Endpoints come from the standard AWS_ENDPOINT_URL_* variables (the local runtime sets them).

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAssessmentStore } from './dynamo-store.ts';
import { DynamoSnapshotReader } from './snapshot-reader.ts';
import { TABLE_ENV } from './table.ts';

export const SERVICE = process.env.POWERTOOLS_SERVICE_NAME ?? 'rankwatch';
// Marked pure so that a bundle that never uses one leaves it (and its package) out: query has no metrics.
export const logger = /* @__PURE__ */ new Logger({ serviceName: SERVICE });
export const metrics = /* @__PURE__ */ new Metrics({ namespace: 'rankwatch', serviceName: SERVICE });

/** The document client every adapter uses: one marshalling configuration for functions, runtime and tests. */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

function tableName(): string {
  const table = process.env[TABLE_ENV];
  if (!table) throw new Error(`${TABLE_ENV} is not set`);
  return table;
}

let table: { doc: DynamoDBDocumentClient; table: string } | undefined;
/** The table and its client alone, for a function that reads no snapshot (relay: its bundle has no chunks). */
export function defaultTable(): { doc: DynamoDBDocumentClient; table: string } {
  table ??= { doc: documentClient(new DynamoDBClient({})), table: tableName() };
  return table;
}

let store: DynamoAssessmentStore | undefined;
export function defaultStore(): DynamoAssessmentStore {
  store ??= new DynamoAssessmentStore(documentClient(new DynamoDBClient({})), tableName());
  return store;
}

let reader: DynamoSnapshotReader | undefined;
/** The read side alone, for functions that never write a snapshot (their bundles leave scheme validation out). */
export function defaultReader(): DynamoSnapshotReader {
  reader ??= new DynamoSnapshotReader(documentClient(new DynamoDBClient({})), tableName());
  return reader;
}

let eventBridge: EventBridgeClient | undefined;
export function defaultEventBridge(): EventBridgeClient {
  eventBridge ??= new EventBridgeClient({});
  return eventBridge;
}

let sqs: SQSClient | undefined;
export function defaultSqs(): SQSClient {
  sqs ??= new SQSClient({});
  return sqs;
}

export function log(
  level: 'info' | 'warn' | 'error',
  message: string,
  extra: Record<string, unknown> = {},
): void {
  logger[level](message, extra);
}

export function count(name: string, value: number): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}
