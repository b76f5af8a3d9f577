// Shared Lambda plumbing, created once per container: Powertools logger and metrics, AWS clients and the
// store adapter. The clients are the small JSON-protocol ones (./aws/client.ts), not the AWS SDK's; endpoints
// come from the standard AWS_ENDPOINT_URL_* variables (the local runtime sets them).

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoJsonClient } from './aws/dynamodb.ts';
import { EventBridgeJsonClient } from './aws/eventbridge.ts';
import { SnsQueryClient } from './aws/sns.ts';
import { SqsJsonClient } from './aws/sqs.ts';
import { DynamoAssessmentStore } from './dynamo-store.ts';
import { DynamoSnapshotReader } from './snapshot-reader.ts';
import { TABLE_ENV } from './table.ts';

export const SERVICE = process.env.POWERTOOLS_SERVICE_NAME ?? 'rankwatch';
// Marked pure so that a bundle that never uses one leaves it (and its package) out: query has no metrics.
export const logger = /* @__PURE__ */ new Logger({ serviceName: SERVICE });
export const metrics = /* @__PURE__ */ new Metrics({ namespace: 'rankwatch', serviceName: SERVICE });

function tableName(): string {
  const table = process.env[TABLE_ENV];
  if (!table) throw new Error(`${TABLE_ENV} is not set`);
  return table;
}

let db: DynamoJsonClient | undefined;
const dynamo = () => {
  db ??= new DynamoJsonClient();
  return db;
};

let table: { db: DynamoJsonClient; table: string } | undefined;
/** The table and its client alone, for a function that reads no snapshot (relay: its bundle has no chunks). */
export function defaultTable(): { db: DynamoJsonClient; table: string } {
  table ??= { db: dynamo(), table: tableName() };
  return table;
}

let store: DynamoAssessmentStore | undefined;
export function defaultStore(): DynamoAssessmentStore {
  store ??= new DynamoAssessmentStore(dynamo(), tableName());
  return store;
}

let reader: DynamoSnapshotReader | undefined;
/** The read side alone, for functions that never write a snapshot (their bundles leave scheme validation out). */
export function defaultReader(): DynamoSnapshotReader {
  reader ??= new DynamoSnapshotReader(dynamo(), tableName());
  return reader;
}

let eventBridge: EventBridgeJsonClient | undefined;
export function defaultEventBridge(): EventBridgeJsonClient {
  eventBridge ??= new EventBridgeJsonClient();
  return eventBridge;
}

let sqs: SqsJsonClient | undefined;
export function defaultSqs(): SqsJsonClient {
  sqs ??= new SqsJsonClient();
  return sqs;
}

let sns: SnsQueryClient | undefined;
export function defaultSns(): SnsQueryClient {
  sns ??= new SnsQueryClient();
  return sns;
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
