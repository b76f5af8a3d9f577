// The event pipeline wired for integration tests: a table of its own in DynamoDB Local, the real store,
// ingest fed with SQS batches, the table's stream read back and handed to the relay, and EventBridge mocked
// at the client so every PutEvents entry is recorded. The store talks to DynamoDB through the functions' own
// client (functions/shared/aws); hooks around its calls inject failures.
import { createHash } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { Scheme } from '../../domain/scheme.ts';
import type { SnapshotBody } from '../../domain/snapshot.ts';
import {
  INDICATOR_RESULTS_PUBLISHED,
  INDICATOR_VALUE_REPORTED,
  type IndicatorResultsPublishedDetail,
  type IndicatorValueReportedDetail,
} from '../../events/index.ts';
import { type IngestDeps, ingestHandler } from '../../functions/ingest.ts';
import { type RelayDeps, relayHandler } from '../../functions/relay.ts';
import { type Dynamo, DynamoJsonClient } from '../../functions/shared/aws/dynamodb.ts';
import { sdkEvents } from '../../functions/shared/aws/sdk.ts';
import { DynamoAssessmentStore } from '../../functions/shared/dynamo-store.ts';
import type { OutboxEvent, Rejection } from '../../functions/shared/outbox.ts';
import { acknowledgedBefore, DynamoDbStreamReader } from '../../local/dynamodb-stream.ts';
import {
  createTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localClients,
  uniqueTableName,
} from './dynamodb-local.ts';

export interface ScenarioRow {
  period: string;
  entity: string;
  indicator: string;
  value: number;
  observedAt: string;
  source: string;
}

/** An EventBridge event as the ingest queue receives it. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** A deterministic UUID-shaped id from its parts, so a re-built event has the id it had before. */
export function uuidOf(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function envelope(
  detailType: string,
  source: string,
  detail: Record<string, unknown>,
  id: string,
): BusEvent {
  // The envelope's time from the detail's observedAt when it is a time (a hostile detail's may not be).
  const stated = typeof detail.observedAt === 'string' ? Date.parse(detail.observedAt) : Number.NaN;
  const observedAt = Number.isNaN(stated) ? '2026-01-01T00:00:00Z' : new Date(stated).toISOString();
  return {
    version: '0',
    id,
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: new Date(Date.parse(observedAt)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'cn-northwest-1',
    resources: [],
    detail,
  };
}

/**
 * The scenario's rows as department events, in period order: one `Indicator.ValueReported` per row for the
 * indicators of `valueOwners`, one `Indicator.ResultsPublished` per (period, indicator) for the rest (its
 * observedAt is the table's latest row).
 */
export function departmentEvents(
  scheme: Scheme,
  rows: readonly ScenarioRow[],
  valueOwners: ReadonlySet<string> = new Set(),
): BusEvent[] {
  const owner = new Map(scheme.indicators.map((i) => [i.id, i.owner]));
  const tables = new Map<string, ScenarioRow[]>();
  const items: (BusEvent | { table: string })[] = [];
  for (const r of rows) {
    if (valueOwners.has(owner.get(r.indicator)!)) {
      const detail: IndicatorValueReportedDetail = {
        schemaVersion: 1,
        scheme: scheme.id,
        indicator: r.indicator,
        entity: r.entity,
        period: r.period,
        value: r.value,
        observedAt: r.observedAt,
      };
      items.push(
        envelope(
          INDICATOR_VALUE_REPORTED,
          r.source,
          detail,
          // A correction of the cell (a later observedAt) is another event, with an id of its own.
          uuidOf('value', r.period, r.indicator, r.entity, r.observedAt, String(r.value)),
        ),
      );
      continue;
    }
    const key = `${r.period}|${r.indicator}`;
    let list = tables.get(key);
    if (!list) {
      list = [];
      tables.set(key, list);
      items.push({ table: key });
    }
    list.push(r);
  }
  return items.map((item) => {
    if (!('table' in item)) return item;
    const list = tables.get(item.table)!;
    const first = list[0]!;
    const observedAt = list
      .map((r) => r.observedAt)
      .reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
    const detail: IndicatorResultsPublishedDetail = {
      schemaVersion: 1,
      scheme: scheme.id,
      indicator: first.indicator,
      period: first.period,
      observedAt,
      values: list.map((r) => ({ entity: r.entity, value: r.value })),
    };
    return envelope(INDICATOR_RESULTS_PUBLISHED, first.source, detail, uuidOf('table', item.table));
  });
}

let deliveries = 0;
/** One SQS record per body; message ids are unique per delivery, so failures name records of this batch. */
export function sqsEvent(bodies: readonly (BusEvent | string)[]): SQSEvent {
  return {
    Records: bodies.map((b): SQSRecord => {
      deliveries++;
      return {
        messageId: `msg-${deliveries}`,
        receiptHandle: `rh-${deliveries}`,
        body: typeof b === 'string' ? b : JSON.stringify(b),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 'events.amazonaws.com',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:cn-northwest-1:123456789012:rankwatch-ingest',
        awsRegion: 'cn-northwest-1',
      };
    }),
  };
}

/** One call of the store's DynamoDB port, as a hook sees it. */
export type DynamoCall = { [K in keyof Dynamo]: { op: K; input: Parameters<Dynamo[K]>[0] } }[keyof Dynamo];
/** Watches or fails a call; `next` performs the real one. */
export type DynamoHook = (call: DynamoCall, next: () => Promise<unknown>) => Promise<unknown>;

/** The port with every call passed through the hooks (in order; hooks added later apply too). */
export function hooked(db: Dynamo, hooks: DynamoHook[]): Dynamo {
  const wrap =
    <K extends keyof Dynamo>(op: K) =>
    (input: Parameters<Dynamo[K]>[0]) => {
      const call = { op, input } as DynamoCall;
      const run = (i: number): Promise<unknown> => {
        const hook = hooks[i];
        return hook ? hook(call, () => run(i + 1)) : (db[op] as (x: unknown) => Promise<unknown>)(input);
      };
      return run(0);
    };
  return {
    get: wrap('get'),
    put: wrap('put'),
    query: wrap('query'),
    batchGet: wrap('batchGet'),
    batchWrite: wrap('batchWrite'),
    transactWrite: wrap('transactWrite'),
  } as Dynamo;
}

export interface Published {
  detailType: string;
  source: string;
  eventId: string;
  detail: Record<string, unknown>;
  entry: PutEventsRequestEntry;
}

export interface Pipeline {
  table: string;
  store: DynamoAssessmentStore;
  /** The SDK's document client on the same table, for a test's own reads and writes (not hooked). */
  doc: DynamoDBDocumentClient;
  /** Around the store's calls, which go through the functions' JSON client (functions/shared/aws). */
  hooks: DynamoHook[];
  rejected: { raw: string; rejection: Rejection }[];
  /** Every entry EventBridge accepted, in order (re-sent copies included). */
  published: Published[];
  logs: { level: string; message: string; extra?: Record<string, unknown> }[];
  ingestDeps: IngestDeps;
  relayDeps: RelayDeps;
  /** Runs ingest over one SQS batch of these bodies. */
  ingest(
    bodies: readonly (BusEvent | string)[],
    deps?: Partial<IngestDeps>,
  ): ReturnType<typeof ingestHandler>;
  /**
   * Delivers each batch like the SQS event source: records reported as failures are delivered again in
   * a batch of their own, until none fail (at most `maxReceives` times).
   */
  deliver(batches: readonly (readonly BusEvent[])[], maxReceives?: number): Promise<void>;
  /** Reads the stream into the relay until everything is acknowledged; returns the relay invocations. */
  relayAll(maxInvocations?: number): Promise<number>;
}

/** A fresh table with the scheme stored and active, and the functions wired to it. */
export async function createPipeline(endpoint: string, scheme: Scheme, name: string): Promise<Pipeline> {
  const { client, doc } = localClients(endpoint);
  const table = await createTable(client, uniqueTableName(name));
  const hooks: DynamoHook[] = [];
  const db = new DynamoJsonClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const store = new DynamoAssessmentStore(hooked(db, hooks), table);
  await store.putScheme(scheme);
  const reader = await DynamoDbStreamReader.forTable({ endpoint, region: LOCAL_REGION, table });

  const eventBridge = new EventBridgeClient({
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const published: Published[] = [];
  mockClient(eventBridge)
    .on(PutEventsCommand)
    .callsFake((input: { Entries?: PutEventsRequestEntry[] }) => {
      const entries = input.Entries ?? [];
      for (const entry of entries) {
        const detail = JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>;
        published.push({
          detailType: entry.DetailType ?? '',
          source: entry.Source ?? '',
          eventId: String(detail.eventId),
          detail,
          entry,
        });
      }
      return {
        FailedEntryCount: 0,
        Entries: entries.map((_, i) => ({ EventId: `eb-${published.length}-${i}` })),
      };
    });

  let clock = Date.parse('2026-07-01T00:00:00Z');
  const now = () => {
    clock += 1000;
    return new Date(clock);
  };
  const rejected: Pipeline['rejected'] = [];
  const logs: Pipeline['logs'] = [];
  const log: IngestDeps['log'] = (level, message, extra) => {
    logs.push({ level, message, ...(extra ? { extra } : {}) });
  };
  const ingestDeps: IngestDeps = {
    store,
    async keepRejected(raw, rejection) {
      rejected.push({ raw, rejection });
    },
    now,
    log,
    metric: () => {},
  };
  const relayDeps: RelayDeps = {
    store,
    eventBridge: sdkEvents(eventBridge),
    busName: 'rankwatch-test',
    now,
    log,
    metric: () => {},
    sleep: async () => {},
  };

  const pipeline: Pipeline = {
    table,
    store,
    doc,
    hooks,
    rejected,
    published,
    logs,
    ingestDeps,
    relayDeps,
    ingest: (bodies, deps = {}) => ingestHandler(sqsEvent(bodies), { ...ingestDeps, ...deps }),
    async deliver(batches, maxReceives = 5) {
      for (const batch of batches) {
        let pending: readonly (BusEvent | string)[] = batch;
        for (let receive = 1; pending.length > 0; receive++) {
          if (receive > maxReceives)
            throw new Error(`${pending.length} record(s) still failing after ${maxReceives} receives`);
          const event = sqsEvent(pending);
          const out = await ingestHandler(event, ingestDeps);
          const failed = new Set(out.batchItemFailures.map((f) => f.itemIdentifier));
          pending = event.Records.filter((r) => failed.has(r.messageId)).map((r) => r.body);
        }
      }
    },
    async relayAll(maxInvocations = 500) {
      let invocations = 0;
      for (;;) {
        const records = await reader.read(100);
        if (records.length === 0) return invocations;
        if (++invocations > maxInvocations)
          throw new Error(`relay still has records after ${maxInvocations} invocations`);
        const out = await relayHandler(DynamoDbStreamReader.event(records), relayDeps);
        reader.acknowledge(acknowledgedBefore(records, out.batchItemFailures));
      }
    },
  };
  return pipeline;
}

export interface PeriodFinal {
  period: string;
  snapshots: number;
  body: SnapshotBody;
}

/** The final snapshot of every period that has one, in time order, read back through the store. */
export async function finalSnapshots(p: Pipeline, schemeId: string): Promise<PeriodFinal[]> {
  const out: PeriodFinal[] = [];
  for (const head of await p.store.allHeads(schemeId)) {
    const manifests = await p.store.manifests(schemeId, head.period);
    const last = manifests.reduce((a, b) => (b.seq > a.seq ? b : a));
    if (last.seq !== head.seq || last.hash !== head.hash)
      throw new Error(`head of ${head.period} is not its last manifest`);
    out.push({ period: head.period, snapshots: manifests.length, body: await p.store.snapshotBody(last) });
  }
  return out;
}

/** Every event stored in the outbox (snapshot outboxes and rejections). */
export async function outboxEvents(p: Pipeline): Promise<OutboxEvent[]> {
  const events: OutboxEvent[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await p.doc.send(
      new ScanCommand({
        TableName: p.table,
        FilterExpression: 'begins_with(PK, :outbox)',
        ExpressionAttributeValues: { ':outbox': 'OUTBOX#' },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) events.push(...(JSON.parse(item.events as string) as OutboxEvent[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return events;
}

/** `Ranking.Slipped|<alert key>` for every alert event among these. */
export function alertKeys(
  events: readonly { detailType: string; detail: Record<string, unknown> }[],
): string[] {
  return events
    .filter((e) => e.detailType.startsWith('Ranking.'))
    .map((e) => `${e.detailType}|${String(e.detail.alertKey)}`)
    .sort();
}
