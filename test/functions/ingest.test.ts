import 'aws-sdk-client-mock-vitest/extend';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  type PutCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { OBSERVATION_REJECTED } from '../../events/index.ts';
import { handler, type IngestDeps, ingestHandler } from '../../functions/ingest.ts';
import { eventDigest } from '../../functions/shared/department-reports.ts';
import type { OutboxEvent, Rejection } from '../../functions/shared/outbox.ts';
import { keys } from '../../functions/shared/table.ts';
import { type AwsStub, startAwsStub } from '../support/aws-stub.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { type BusEvent, envelope, sqsEvent } from '../support/pipeline.ts';
import { mockedStore, resultsPublished, scheme, valueReported } from './fixtures.ts';

function cancelled(...codes: string[]) {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

/** The period whose head a TransactWrite advances. */
function headPeriod(input: TransactWriteCommandInput): string {
  const head = (input.TransactItems ?? []).find((t) => String(t.Put?.Item?.SK).startsWith('HEAD#'));
  return String(head?.Put?.Item?.SK).slice('HEAD#'.length);
}

let mocked: ReturnType<typeof mockedStore>;
let kept: { raw: string; rejection: Rejection }[];
let logs: { level: string; message: string; extra?: Record<string, unknown> }[];
let deps: IngestDeps;

beforeEach(() => {
  mocked = mockedStore();
  kept = [];
  logs = [];
  deps = {
    store: mocked.store,
    keepRejected: vi.fn(async (raw: string, rejection: Rejection) => {
      kept.push({ raw, rejection });
    }),
    now: () => new Date('2026-01-12T03:00:00Z'),
    log: (level, message, extra) => {
      logs.push({ level, message, ...(extra ? { extra } : {}) });
    },
    metric: vi.fn(),
  };
});

describe('ingestHandler applies a batch', () => {
  it('in one transaction per (scheme, period), earlier periods first whatever the record order', async () => {
    const w3 = valueReported({ period: '2026-W03' });
    const w2table = resultsPublished();
    const w2value = valueReported({ entity: 'tianshui', value: 90 });
    const out = await ingestHandler(sqsEvent([w3, w2table, w2value]), deps);
    expect(out.batchItemFailures).toEqual([]);
    expect(mocked.ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    const calls = mocked.ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input);
    expect(calls.map(headPeriod)).toEqual(['2026-W02', '2026-W03']);
    const receipt = calls[0]!.TransactItems!.find((t) => String(t.Put?.Item?.PK).startsWith('RECEIPT#'));
    expect(receipt?.Put?.Item?.eventIds).toEqual([w2table.id, w2value.id].sort());
    expect(deps.keepRejected).not.toHaveBeenCalled();
    expect(deps.metric).toHaveBeenCalledWith('SnapshotsWritten', 1);
  });

  it('retries a group whose transaction lost the head race, and applies it when the retry wins', async () => {
    mocked.ddb.on(TransactWriteCommand).rejectsOnce(cancelled('None', 'ConditionalCheckFailed')).resolves({});
    const out = await ingestHandler(sqsEvent([resultsPublished()]), deps);
    expect(out.batchItemFailures).toEqual([]);
    expect(mocked.ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    // The retry re-read the head before recomputing.
    const headReads = mocked.ddb
      .commandCalls(GetCommand)
      .filter((c) => c.args[0].input.Key?.SK === 'HEAD#2026-W02');
    expect(headReads).toHaveLength(2);
  });

  it.each([
    ['ConditionalCheckFailed', ['None', 'ConditionalCheckFailed']],
    ['TransactionConflict', ['TransactionConflict', 'None']],
  ])(
    'reports a group as partial batch failures after 3 attempts that all end in %s',
    async (_name, codes) => {
      mocked.ddb.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
        if (headPeriod(input) === '2026-W02') throw cancelled(...codes);
        return {};
      });
      const event = sqsEvent([resultsPublished(), valueReported({ period: '2026-W03' }), valueReported()]);
      const out = await ingestHandler(event, deps);
      const [w2table, w3, w2value] = event.Records.map((r) => r.messageId);
      expect(out.batchItemFailures).toEqual([{ itemIdentifier: w2table }, { itemIdentifier: w2value }]);
      expect(out.batchItemFailures).not.toContainEqual({ itemIdentifier: w3 });
      const periods = mocked.ddb.commandCalls(TransactWriteCommand).map((c) => headPeriod(c.args[0].input));
      expect(periods).toEqual(['2026-W02', '2026-W02', '2026-W02', '2026-W03']);
      expect(logs).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          message: 'group not applied; its records will be retried',
          extra: expect.objectContaining({ error: expect.stringContaining('HeadConflictError') }),
        }),
      );
    },
  );

  it('tries a group as many times as deps.attempts says', async () => {
    mocked.ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed'));
    const event = sqsEvent([resultsPublished()]);
    const out = await ingestHandler(event, { ...deps, attempts: 1 });
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.messageId }]);
    expect(mocked.ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('does not retry in-process when the transaction fails for a reason other than the head race', async () => {
    const throttled = Object.assign(new Error('Throughput exceeds the current capacity of your table'), {
      name: 'ProvisionedThroughputExceededException',
    });
    mocked.ddb.on(TransactWriteCommand).rejects(throttled);
    const event = sqsEvent([resultsPublished()]);
    const out = await ingestHandler(event, deps);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.messageId }]);
    expect(mocked.ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(logs.at(-1)).toMatchObject({ level: 'error' });
  });

  it('treats a cancellation without a conflict (e.g. a validation error) as a failure, not a race', async () => {
    mocked.ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ValidationError'));
    const out = await ingestHandler(sqsEvent([resultsPublished()]), deps);
    expect(out.batchItemFailures).toHaveLength(1);
    expect(mocked.ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('fails a record for retry, without rejecting it, when its scheme cannot be read', async () => {
    mocked.ddb.on(GetCommand, { Key: keys.schemeActive(scheme.id) }).rejects(new Error('socket hang up'));
    const event = sqsEvent([resultsPublished()]);
    const out = await ingestHandler(event, deps);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.messageId }]);
    expect(deps.keepRejected).not.toHaveBeenCalled();
    expect(mocked.ddb).not.toHaveReceivedCommand(PutCommand);
  });
});

describe('ingestHandler rejects a bad record with field-level reasons and acknowledges it', () => {
  const reported = (over: Parameters<typeof valueReported>[0], source?: string) =>
    valueReported(over, source);
  const cases: {
    name: string;
    body: BusEvent | string;
    reasons: [string, string][];
    cause?: 'validation' | 'authorisation';
    department?: string | null;
  }[] = [
    {
      name: 'malformed JSON',
      body: '{"detail-type": ',
      reasons: [['(root)', 'invalid_json']],
      department: null,
    },
    { name: 'a JSON array', body: '[1, 2]', reasons: [['(root)', 'invalid_type']], department: null },
    {
      name: 'an unknown detail-type',
      body: envelope('Indicator.Deleted', 'dept.hotline12345', {}, 'evt-unknown-type'),
      reasons: [['detail-type', 'unknown_detail_type']],
      department: 'hotline12345',
    },
    {
      name: 'an engine event put by a department',
      body: envelope('Assessment.Recorded', 'dept.hotline12345', {}, 'evt-engine'),
      reasons: [['detail-type', 'unknown_detail_type']],
    },
    {
      name: 'a value that is not a number',
      body: reported({ value: 'ninety' }),
      reasons: [['detail.value', 'invalid_type']],
    },
    {
      name: 'a table naming an entity twice',
      body: resultsPublished({
        values: [
          { entity: 'lanzhou', value: 1 },
          { entity: 'lanzhou', value: 2 },
        ],
      }),
      reasons: [['detail.values[1].entity', 'custom']],
      department: 'govservice',
    },
    {
      name: 'a source that is not a department',
      body: valueReported({}, 'acme.tools'),
      reasons: [['source', 'invalid_format']],
      department: null,
    },
    {
      name: 'an unknown scheme',
      body: reported({ scheme: 'no-such-scheme' }),
      reasons: [['detail.scheme', 'unknown_scheme']],
    },
    {
      name: 'an unknown entity',
      body: reported({ entity: 'atlantis' }),
      reasons: [['detail.entity', 'unknown_entity']],
    },
    {
      name: 'an unknown entity in a table',
      body: resultsPublished({
        values: [
          { entity: 'lanzhou', value: 1 },
          { entity: 'atlantis', value: 2 },
        ],
      }),
      reasons: [['detail.values[1].entity', 'unknown_entity']],
      department: 'govservice',
    },
    {
      name: 'an unknown entity in a one-row table',
      body: resultsPublished({ values: [{ entity: 'atlantis', value: 2 }] }),
      reasons: [['detail.values[0].entity', 'unknown_entity']],
      department: 'govservice',
    },
    {
      name: 'an unknown indicator',
      body: reported({ indicator: 'hotline_mood' }),
      reasons: [['detail.indicator', 'unknown_indicator']],
    },
    {
      name: 'a period of another kind',
      body: reported({ period: '2026-02' }),
      reasons: [['detail.period', 'bad_period']],
    },
    {
      name: 'an indicator the department does not own',
      body: reported({}, 'dept.govservice'),
      reasons: [['detail.indicator', 'not_owner']],
      cause: 'authorisation',
      department: 'govservice',
    },
  ];

  it.each(cases)('$name', async ({ body, reasons, cause = 'validation', department = 'hotline12345' }) => {
    const event = sqsEvent([body]);
    const record = event.Records[0]!;
    const out = await ingestHandler(event, deps);
    expect(out.batchItemFailures).toEqual([]);
    expect(mocked.ddb).not.toHaveReceivedCommand(TransactWriteCommand);

    // Kept raw in the DLQ…
    expect(kept).toHaveLength(1);
    expect(kept[0]!.raw).toBe(record.body);
    const rejection = kept[0]!.rejection;
    expect(rejection.reasons.map((r) => [r.path, r.code])).toEqual(reasons);
    expect(rejection).toMatchObject({ cause, department });
    for (const r of rejection.reasons) {
      expect(r.message.en.length).toBeGreaterThan(0);
      expect(r.message.zh.length).toBeGreaterThan(0);
    }
    const originalEventId = typeof body === 'string' ? record.messageId : body.id;
    expect(rejection.originalEventId).toBe(originalEventId);

    // …and told to the department through the outbox, once per original event.
    expect(mocked.ddb).toHaveReceivedCommandTimes(PutCommand, 1);
    const put = mocked.ddb.commandCalls(PutCommand)[0]!.args[0].input as PutCommandInput;
    expect(put).toMatchObject({
      Item: keys.rejection(originalEventId),
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    const [sent] = JSON.parse(put.Item!.events as string) as OutboxEvent[];
    expect(sent).toMatchObject({ detailType: OBSERVATION_REJECTED, source: 'rankwatch.engine' });
    expect(sent!.detail).toMatchObject({ originalEventId, cause, department, reasons: rejection.reasons });
  });

  it('and applies the rest of the batch', async () => {
    const good = resultsPublished();
    const event = sqsEvent(['oops', good, valueReported({}, 'dept.govservice')]);
    const out = await ingestHandler(event, deps);
    expect(out.batchItemFailures).toEqual([]);
    expect(kept.map((k) => k.rejection.reasons[0]!.code)).toEqual(['invalid_json', 'not_owner']);
    expect(mocked.ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const receipt = mocked.ddb
      .commandCalls(TransactWriteCommand)[0]!
      .args[0].input.TransactItems!.find((t) => String(t.Put?.Item?.PK).startsWith('RECEIPT#'));
    expect(receipt?.Put?.Item?.eventIds).toEqual([good.id]);
  });

  it('fails the record, so SQS retries it, when the rejection cannot be stored', async () => {
    mocked.ddb.on(PutCommand).rejects(new Error('socket hang up'));
    const event = sqsEvent(['oops']);
    const out = await ingestHandler(event, deps);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.messageId }]);
    expect(deps.keepRejected).not.toHaveBeenCalled();
  });

  it('does not store a rejection twice when the record is delivered again, and still acknowledges it', async () => {
    mocked.ddb.on(PutCommand).rejects(
      Object.assign(new Error('The conditional request failed'), {
        name: 'ConditionalCheckFailedException',
      }),
    );
    const out = await ingestHandler(sqsEvent(['oops']), deps);
    expect(out.batchItemFailures).toEqual([]);
    expect(kept).toHaveLength(1);
  });

  it('fails the record, so SQS retries it, when the raw record cannot be kept in the DLQ', async () => {
    deps.keepRejected = async () => {
      throw new Error('queue unavailable');
    };
    const event = sqsEvent(['oops']);
    const out = await ingestHandler(event, deps);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.messageId }]);
  });
});

describe('the Lambda handler', () => {
  // The handler builds its own clients (functions/shared/aws) from the environment, as in Lambda: they talk
  // to a stub endpoint here.
  let aws: AwsStub;
  beforeAll(async () => {
    aws = await startAwsStub({
      'DynamoDB_20120810.PutItem': () => ({}),
      'AmazonSQS.SendMessage': () => ({ MessageId: 'dlq-1' }),
    });
    vi.stubEnv('TABLE_NAME', 'rankwatch-handler-test');
    vi.stubEnv('REJECTED_QUEUE_URL', 'https://sqs.cn-northwest-1.amazonaws.com.cn/123456789012/rejected');
    vi.stubEnv('AWS_REGION', 'cn-northwest-1');
    vi.stubEnv('AWS_ENDPOINT_URL', aws.url);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDUNIT');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'unit');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await aws.close();
  });

  it('keeps a rejected record in the rejected-records queue and acknowledges it', async () => {
    const out = await handler(sqsEvent(['not json at all']), lambdaContext('rankwatch-ingest'));
    expect(out).toEqual({ batchItemFailures: [] });
    expect(aws.sent('AmazonSQS.SendMessage')).toEqual([
      {
        QueueUrl: 'https://sqs.cn-northwest-1.amazonaws.com.cn/123456789012/rejected',
        MessageBody: 'not json at all',
        MessageAttributes: expect.objectContaining({
          cause: { DataType: 'String', StringValue: 'validation' },
        }),
      },
    ]);
    const [put] = aws.sent('DynamoDB_20120810.PutItem');
    expect(put).toMatchObject({
      TableName: 'rankwatch-handler-test',
      Item: { PK: { S: 'OUTBOX#REJECTED' } },
    });
    // Signed with the role's credentials from the environment, for the region Lambda names.
    for (const r of aws.requests)
      expect(r.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDUNIT\/\d{8}\/cn-northwest-1\/(dynamodb|sqs)\//,
      );
  });
});

describe('ingestHandler and an event id it has seen before', () => {
  const conditionFailed = () =>
    Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
  /** The event's id held by an earlier receipt with this digest. */
  function held(event: BusEvent, digest: string) {
    mocked.ddb.on(PutCommand, { Item: keys.eventReceipt(event.id) }).rejects(conditionFailed());
    mocked.ddb.on(GetCommand, { Key: keys.eventReceipt(event.id) }).resolves({
      Item: {
        ...keys.eventReceipt(event.id),
        eventId: event.id,
        digest,
        detailType: event['detail-type'],
        source: event.source,
        scheme: scheme.id,
        period: '2026-W02',
        receivedAt: '2026-01-12T01:00:00.000Z',
      },
    });
  }
  const digestOf = (e: BusEvent) => eventDigest(e['detail-type'], e.source, e.detail);
  const receiptPuts = () =>
    mocked.ddb
      .commandCalls(PutCommand)
      .map((c) => c.args[0].input as PutCommandInput)
      .filter((i) => i.Item?.SK === 'RECEIPT');

  it('stores the receipt of each admitted event (id, content digest) once, before its transaction', async () => {
    const report = valueReported();
    const out = await ingestHandler(sqsEvent([report]), deps);
    expect(out.batchItemFailures).toEqual([]);
    expect(receiptPuts()).toEqual([
      expect.objectContaining({
        Item: expect.objectContaining({ ...keys.eventReceipt(report.id), digest: digestOf(report) }),
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    ]);
    expect(receiptPuts()[0]!.Item).not.toHaveProperty('expiresAt');
    const order = mocked.ddb.calls().map((c) => c.args[0].constructor.name);
    expect(order.indexOf('PutCommand')).toBeLessThan(order.indexOf('TransactWriteCommand'));
  });

  it('applies a redelivery (the id held with the same digest) and does not reject it', async () => {
    const report = valueReported();
    held(report, digestOf(report));
    const out = await ingestHandler(sqsEvent([report]), deps);
    expect(out.batchItemFailures).toEqual([]);
    expect(kept).toEqual([]);
    // The table is empty in this mock, so the merge changes a value and a snapshot is written; over a real
    // table latest-wins changes nothing (test/integration/replayed-ids.test.ts).
    expect(mocked.ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('rejects the id held with another digest on `id`, naming the original, and writes no snapshot', async () => {
    const report = valueReported({ value: 10 });
    held(report, 'f'.repeat(64));
    const out = await ingestHandler(sqsEvent([report]), deps);
    expect(out.batchItemFailures).toEqual([]);
    expect(mocked.ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.rejection).toMatchObject({
      originalEventId: report.id,
      originalSource: 'dept.hotline12345',
      department: 'hotline12345',
      cause: 'validation',
      reasons: [{ path: 'id', code: 'event_id_reused' }],
    });
    expect(kept[0]!.rejection.reasons[0]!.message.en).toContain('2026-01-12T01:00:00.000Z');
    expect(kept[0]!.rejection.reasons[0]!.message.zh).toContain(report.id);
    // The rejection goes out through the outbox like any other.
    expect(
      mocked.ddb.commandCalls(PutCommand).filter((c) => c.args[0].input.Item?.PK === 'OUTBOX#REJECTED'),
    ).toHaveLength(1);
  });

  it('in one batch, applies the first content of an id and rejects the other, storing one receipt', async () => {
    const first = valueReported({ value: 70 });
    const second = { ...first, detail: { ...first.detail, value: 71 } };
    const event = sqsEvent([first, second]);
    const out = await ingestHandler(event, deps);
    expect(out.batchItemFailures).toEqual([]);
    expect(receiptPuts()).toHaveLength(1);
    expect(receiptPuts()[0]!.Item?.digest).toBe(digestOf(first));
    expect(kept.map((k) => k.raw)).toEqual([event.Records[1]!.body]);
    expect(mocked.ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('fails the record for retry, rejecting nothing, when the receipt cannot be stored', async () => {
    const report = resultsPublished();
    const other = valueReported();
    mocked.ddb.on(PutCommand, { Item: keys.eventReceipt(report.id) }).rejects(new Error('socket hang up'));
    const event = sqsEvent([report, other]);
    const out = await ingestHandler(event, deps);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.messageId }]);
    expect(kept).toEqual([]);
    // The other record is applied on its own.
    expect(mocked.ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const receipt = mocked.ddb
      .commandCalls(TransactWriteCommand)[0]!
      .args[0].input.TransactItems!.find((t) => String(t.Put?.Item?.PK).startsWith('RECEIPT#'));
    expect(receipt?.Put?.Item?.eventIds).toEqual([other.id]);
  });

  it.each(['', 'x'.repeat(129), 'evt\u0000nul', '事件-1'])(
    'rejects the envelope id %j on `id`, under the SQS message id, before any receipt',
    async (id) => {
      const event = sqsEvent([{ ...valueReported(), id }]);
      const out = await ingestHandler(event, deps);
      expect(out.batchItemFailures).toEqual([]);
      expect(kept).toHaveLength(1);
      expect(kept[0]!.rejection.originalEventId).toBe(event.Records[0]!.messageId);
      expect(kept[0]!.rejection.reasons).toEqual([
        expect.objectContaining({ path: 'id', code: 'invalid_event_id' }),
      ]);
      expect(receiptPuts()).toEqual([]);
      expect(mocked.ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    },
  );
});
