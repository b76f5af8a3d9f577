import 'aws-sdk-client-mock-vitest/extend';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  EventBridgeClient,
  type EventBridgeClientResolvedConfig,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsRequestEntry,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-eventbridge';
import { BatchGetCommand, BatchWriteCommand, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ENGINE_SOURCE, PUT_EVENTS_ENTRY_SIZE_LIMIT, putEventsEntrySize } from '../../events/index.ts';
import { entryFor, handler, type RelayDeps, relayHandler } from '../../functions/relay.ts';
import { sdkEvents } from '../../functions/shared/aws/sdk.ts';
import { type OutboxEvent, rejectionEvent } from '../../functions/shared/outbox.ts';
import { keys } from '../../functions/shared/table.ts';
import { type AwsStub as StubEndpoint, startAwsStub } from '../support/aws-stub.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { mockedStore, TABLE } from './fixtures.ts';

const BUS = 'rankwatch-unit-bus';

/** Valid engine events (rejections) with distinct ids. */
function events(n: number, tag = 'e'): OutboxEvent[] {
  return Array.from({ length: n }, (_, i) =>
    rejectionEvent({
      originalEventId: `${tag}-${i}`,
      department: 'hotline12345',
      cause: 'validation',
      reasons: [
        { path: 'detail.value', code: 'invalid_type', message: { zh: '应为数字', en: 'expected a number' } },
      ],
      receivedAt: '2026-01-12T03:00:00Z',
    }),
  );
}

function outboxItem(evs: OutboxEvent[], period = '2026-W02', seq = 1) {
  return {
    ...keys.outbox('unit-weekly', period, seq, 0),
    events: JSON.stringify(evs),
    expiresAt: 1_800_000_000,
  };
}

let sequence = 100;
function streamRecord(
  item: Record<string, unknown>,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT',
): DynamoDBRecord {
  sequence++;
  return {
    eventID: `ev-${sequence}`,
    eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: marshall({ PK: item.PK, SK: item.SK }) as Record<string, never>,
      NewImage: marshall(item) as Record<string, AttributeValue> as Record<string, never>,
      SequenceNumber: String(sequence).padStart(21, '0'),
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

const streamEvent = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });
const eventIdOf = (entry: PutEventsRequestEntry) => String(JSON.parse(entry.Detail!).eventId);
const sentIds = (ddb: ReturnType<typeof mockedStore>['ddb']) =>
  ddb
    .commandCalls(BatchWriteCommand)
    .flatMap((c) => (c.args[0].input as BatchWriteCommandInput).RequestItems![TABLE]!)
    .map((w) => String(w.PutRequest!.Item!.PK).slice('SENT#'.length));

let mocked: ReturnType<typeof mockedStore>;
let eventBridge: EventBridgeClient;
let eb: AwsStub<ServiceInputTypes, ServiceOutputTypes, EventBridgeClientResolvedConfig>;
let deps: RelayDeps;

/** PutEvents succeeding for every entry. */
function accepted(input: PutEventsCommandInput) {
  return { FailedEntryCount: 0, Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `eb-${i}` })) };
}

beforeEach(() => {
  mocked = mockedStore();
  eventBridge = new EventBridgeClient({
    region: 'cn-northwest-1',
    credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' },
  });
  eb = mockClient(eventBridge);
  eb.on(PutEventsCommand).callsFake(accepted);
  deps = {
    store: mocked.store,
    eventBridge: sdkEvents(eventBridge),
    busName: BUS,
    now: () => new Date('2026-01-12T03:00:00Z'),
    log: vi.fn(),
    metric: vi.fn(),
    sleep: vi.fn(async () => {}),
  };
});

describe('relayHandler', () => {
  it('publishes an outbox item in PutEvents calls of at most 10 entries and marks each event sent', async () => {
    const evs = events(23);
    const out = await relayHandler(streamEvent(streamRecord(outboxItem(evs))), deps);
    expect(out.batchItemFailures).toEqual([]);
    expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 3);
    const calls = eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!);
    expect(calls.map((entries) => entries.length)).toEqual([10, 10, 3]);
    expect(calls.flat().map(eventIdOf)).toEqual(evs.map((e) => e.id));
    expect(calls[0]![0]).toMatchObject({
      EventBusName: BUS,
      Source: ENGINE_SOURCE,
      DetailType: 'Observation.Rejected',
    });
    expect(JSON.parse(calls[0]![0]!.Detail!)).toEqual(evs[0]!.detail);
    expect(sentIds(mocked.ddb)).toEqual(evs.map((e) => e.id));
    expect(deps.metric).toHaveBeenCalledWith('EventsPublished', 23);
  });

  it('does not send again the events already marked sent', async () => {
    const evs = events(12);
    mocked.ddb.on(BatchGetCommand).resolves({
      Responses: { [TABLE]: evs.slice(0, 5).map((e) => keys.sent(e.id)) },
    });
    await relayHandler(streamEvent(streamRecord(outboxItem(evs))), deps);
    const sent = eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries!.map(eventIdOf));
    expect(sent).toEqual(evs.slice(5).map((e) => e.id));
  });

  it('reads again the sent markers DynamoDB left unprocessed, so a sent event is not sent twice', async () => {
    const evs = events(3);
    mocked.ddb
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [TABLE]: [keys.sent(evs[0]!.id)] },
        UnprocessedKeys: { [TABLE]: { Keys: [keys.sent(evs[1]!.id)], ProjectionExpression: 'PK' } },
      })
      .resolves({ Responses: { [TABLE]: [keys.sent(evs[1]!.id)] } });
    await relayHandler(streamEvent(streamRecord(outboxItem(evs))), deps);
    const sent = eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries!.map(eventIdOf));
    expect(sent).toEqual([evs[2]!.id]);
  });

  it.each(['ThrottlingException', 'InternalFailure'])(
    're-sends only the entries that failed with the retryable code %s',
    async (code) => {
      const evs = events(8);
      eb.on(PutEventsCommand)
        .callsFakeOnce((input: PutEventsCommandInput) => ({
          FailedEntryCount: 2,
          Entries: input.Entries!.map((_, i) =>
            i === 2 || i === 5 ? { ErrorCode: code, ErrorMessage: 'try again' } : { EventId: `eb-${i}` },
          ),
        }))
        .callsFake(accepted);
      const out = await relayHandler(streamEvent(streamRecord(outboxItem(evs))), deps);
      expect(out.batchItemFailures).toEqual([]);
      expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 2);
      const retried = eb.commandCalls(PutEventsCommand)[1]!.args[0].input.Entries!.map(eventIdOf);
      expect(retried).toEqual([evs[2]!.id, evs[5]!.id]);
      expect(sentIds(mocked.ddb).sort()).toEqual(evs.map((e) => e.id).sort());
      expect(deps.sleep).toHaveBeenCalledTimes(1);
    },
  );

  it.each(['MalformedDetail', 'AccessDeniedException', 'InvalidArgument'])(
    'fails the stream record by its SequenceNumber when an entry fails with the non-retryable code %s',
    async (code) => {
      const evs = events(4);
      eb.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
        FailedEntryCount: 1,
        Entries: input.Entries!.map((_, i) =>
          i === 1 ? { ErrorCode: code, ErrorMessage: 'no' } : { EventId: 'x' },
        ),
      }));
      const record = streamRecord(outboxItem(evs));
      const out = await relayHandler(streamEvent(record), deps);
      expect(out.batchItemFailures).toEqual([{ itemIdentifier: record.dynamodb!.SequenceNumber }]);
      expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 1);
      // The entries that did go out are remembered, so the retried record sends only the failed one.
      expect(sentIds(mocked.ddb)).toEqual([evs[0]!.id, evs[2]!.id, evs[3]!.id]);
      expect(deps.metric).toHaveBeenCalledWith('EventsFailed', 1);
      expect(deps.log).toHaveBeenCalledWith(
        'error',
        expect.any(String),
        expect.objectContaining({ error: expect.stringContaining(code) }),
      );
    },
  );

  it('gives up on an entry still throttled after its attempts and fails the record', async () => {
    eb.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }],
    });
    const record = streamRecord(outboxItem(events(1)));
    const out = await relayHandler(streamEvent(record), { ...deps, attempts: 3 });
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: record.dynamodb!.SequenceNumber }]);
    expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 3);
  });

  it('fails the record when the PutEvents call itself fails', async () => {
    eb.on(PutEventsCommand).rejects(new Error('connect ETIMEDOUT'));
    const record = streamRecord(outboxItem(events(2)));
    const out = await relayHandler(streamEvent(record), deps);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: record.dynamodb!.SequenceNumber }]);
    expect(mocked.ddb).not.toHaveReceivedCommand(BatchWriteCommand);
  });

  it('stops at the first record it cannot publish, so Lambda retries from there', async () => {
    eb.on(PutEventsCommand)
      .callsFakeOnce((input: PutEventsCommandInput) => ({
        FailedEntryCount: 1,
        Entries: input.Entries!.map(() => ({ ErrorCode: 'AccessDeniedException', ErrorMessage: 'no' })),
      }))
      .callsFake(accepted);
    const first = streamRecord(outboxItem(events(1, 'a'), '2026-W02'));
    const second = streamRecord(outboxItem(events(1, 'b'), '2026-W03'));
    const out = await relayHandler(streamEvent(first, second), deps);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: first.dynamodb!.SequenceNumber }]);
    expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('ignores records that are not outbox inserts', async () => {
    const outbox = outboxItem(events(1));
    const manifest = { ...keys.manifest('unit-weekly', '2026-W02', 1), hash: 'abc' };
    const out = await relayHandler(
      streamEvent(streamRecord(outbox, 'MODIFY'), streamRecord(outbox, 'REMOVE'), streamRecord(manifest)),
      deps,
    );
    expect(out.batchItemFailures).toEqual([]);
    expect(eb).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('retries the sent markers DynamoDB left unprocessed', async () => {
    const evs = events(3);
    mocked.ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [{ PutRequest: { Item: keys.sent(evs[1]!.id) } }] } })
      .resolves({});
    const out = await relayHandler(streamEvent(streamRecord(outboxItem(evs))), deps);
    expect(out.batchItemFailures).toEqual([]);
    expect(mocked.ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 2);
    expect(sentIds(mocked.ddb)).toEqual([...evs.map((e) => e.id), evs[1]!.id]);
  });

  it('fails the record when the sent markers cannot be written after PutEvents succeeded', async () => {
    mocked.ddb.on(BatchWriteCommand).rejects(new Error('socket hang up'));
    const record = streamRecord(outboxItem(events(2)));
    const out = await relayHandler(streamEvent(record), deps);
    expect(eb).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: record.dynamodb!.SequenceNumber }]);
  });
});

describe('entryFor', () => {
  const pointer = keys.outbox('unit-weekly', '2026-W02', 1, 0);

  it('carries the event as it is when it fits in one entry', () => {
    const [ev] = events(1);
    const entry = entryFor(ev!, BUS, pointer);
    expect(JSON.parse(entry.Detail!)).toEqual(ev!.detail);
  });

  it('turns an event too large for one entry into a claim check pointing at its outbox item', () => {
    const big: OutboxEvent = {
      id: 'big-1',
      detailType: 'Assessment.Recorded',
      source: ENGINE_SOURCE,
      detail: { schemaVersion: 1, eventId: 'big-1', ranks: 'x'.repeat(PUT_EVENTS_ENTRY_SIZE_LIMIT) },
    };
    const entry = entryFor(big, BUS, pointer);
    expect(putEventsEntrySize(entry)).toBeLessThan(PUT_EVENTS_ENTRY_SIZE_LIMIT);
    expect(entry).toMatchObject({
      EventBusName: BUS,
      Source: ENGINE_SOURCE,
      DetailType: 'Assessment.Recorded',
    });
    expect(JSON.parse(entry.Detail!)).toEqual({
      schemaVersion: 1,
      eventId: 'big-1',
      claimCheck: { ...pointer, eventId: 'big-1' },
    });
  });

  it('is what the relay sends for an oversized event', async () => {
    const big: OutboxEvent = {
      id: 'big-2',
      detailType: 'Assessment.Recorded',
      source: ENGINE_SOURCE,
      detail: { schemaVersion: 1, eventId: 'big-2', ranks: 'y'.repeat(300 * 1024) },
    };
    const item = outboxItem([big]);
    await relayHandler(streamEvent(streamRecord(item)), deps);
    const [entry] = eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!;
    expect(JSON.parse(entry!.Detail!).claimCheck).toEqual({ PK: item.PK, SK: item.SK, eventId: 'big-2' });
  });
});

describe('the Lambda handler', () => {
  // The handler builds its own clients (functions/shared/aws) from the environment, as in Lambda: they talk
  // to a stub endpoint here.
  let aws: StubEndpoint;
  beforeAll(async () => {
    aws = await startAwsStub({
      'DynamoDB_20120810.BatchGetItem': () => ({ Responses: {} }),
      'DynamoDB_20120810.BatchWriteItem': () => ({ UnprocessedItems: {} }),
      'AWSEvents.PutEvents': (input) => accepted(input as unknown as PutEventsCommandInput),
    });
    vi.stubEnv('TABLE_NAME', 'rankwatch-relay-test');
    vi.stubEnv('EVENT_BUS_NAME', 'rankwatch-handler-bus');
    vi.stubEnv('AWS_REGION', 'cn-northwest-1');
    vi.stubEnv('AWS_ENDPOINT_URL', aws.url);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDUNIT');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'unit');
    vi.stubEnv('AWS_SESSION_TOKEN', 'session-unit');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await aws.close();
  });

  it('publishes to the bus named by EVENT_BUS_NAME and marks what it sent', async () => {
    const out = await handler(
      streamEvent(streamRecord(outboxItem(events(2)))),
      lambdaContext('rankwatch-relay'),
    );
    expect(out).toEqual({ batchItemFailures: [] });
    const [put] = aws.sent('AWSEvents.PutEvents') as unknown as PutEventsCommandInput[];
    expect(put!.Entries).toHaveLength(2);
    for (const entry of put!.Entries!) expect(entry.EventBusName).toBe('rankwatch-handler-bus');
    const [marked] = aws.sent('DynamoDB_20120810.BatchWriteItem') as unknown as {
      RequestItems: Record<string, { PutRequest: { Item: { PK: { S: string } } } }[]>;
    }[];
    expect(
      marked!.RequestItems['rankwatch-relay-test']!.map((r) => r.PutRequest.Item.PK.S.slice(0, 5)),
    ).toEqual(['SENT#', 'SENT#']);
    expect(aws.requests.map((r) => r.headers['x-amz-security-token'])).toEqual(
      aws.requests.map(() => 'session-unit'),
    );
  });
});
