import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, settle } from '../../local/clock.ts';
import { LocalEventBridge } from '../../local/eventbridge/bus.ts';
import { LocalLambdaFunction, lambdaEnvironment, WorkerRuntime } from '../../local/lambda.ts';
import {
  type BatchOutcome,
  LocalQueue,
  parseBatchItemFailures,
  SqsError,
  SqsEventSource,
} from '../../local/sqs.ts';

let clock: ManualClock;

beforeEach(() => {
  clock = new ManualClock(Date.UTC(2025, 2, 3, 8, 0, 0));
});

const queueNamed = (name: string, fields: Partial<ConstructorParameters<typeof LocalQueue>[0]> = {}) =>
  new LocalQueue({ name, region: 'cn-northwest-1', account: '123456789012', clock, ...fields });

describe('a queue', () => {
  it('hides a received message for the visibility timeout, then gives it again with a new receipt handle', async () => {
    const queue = queueNamed('ingest', { visibilityTimeoutSeconds: 30 });
    const { messageId } = queue.send({ body: 'hello' });
    const [first] = queue.receive();
    expect(first).toMatchObject({ messageId, body: 'hello', attributes: { ApproximateReceiveCount: '1' } });
    expect(first?.md5OfBody).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(queue.receive()).toEqual([]);
    expect(queue.approximateNumberOfMessagesNotVisible).toBe(1);
    await clock.advance(29_999);
    expect(queue.receive()).toEqual([]);
    await clock.advance(1);
    const [second] = queue.receive();
    expect(second?.messageId).toBe(messageId);
    expect(second?.attributes.ApproximateReceiveCount).toBe('2');
    expect(second?.attributes.ApproximateFirstReceiveTimestamp).toBe(
      first?.attributes.ApproximateFirstReceiveTimestamp,
    );
    expect(second?.receiptHandle).not.toBe(first?.receiptHandle);
  });

  it('deletes only with the latest receipt handle, ignores a stale one and refuses a made-up one', async () => {
    const queue = queueNamed('q', { visibilityTimeoutSeconds: 1 });
    queue.send({ body: 'x' });
    const [first] = queue.receive();
    await clock.advance(1000);
    const [second] = queue.receive();
    expect(queue.delete(first!.receiptHandle)).toBe(false);
    expect(queue.size).toBe(1);
    expect(queue.delete(second!.receiptHandle)).toBe(true);
    expect(queue.size).toBe(0);
    expect(() => queue.delete('made-up')).toThrow(SqsError);
  });

  it('moves a message received maxReceiveCount times to its dead-letter queue on the next receive', async () => {
    const dlq = queueNamed('ingest-dlq');
    const queue = queueNamed('ingest', {
      visibilityTimeoutSeconds: 10,
      redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount: 3 },
    });
    const sentAt = clock.now();
    const { messageId } = queue.send({
      body: '{"n":1}',
      messageAttributes: { cause: { DataType: 'String', StringValue: 'boom' } },
    });
    for (let receive = 1; receive <= 3; receive++) {
      expect(queue.receive().map((m) => m.attributes.ApproximateReceiveCount)).toEqual([String(receive)]);
      await clock.advance(10_000);
    }
    expect(queue.receive()).toEqual([]);
    expect(queue.size).toBe(0);
    expect(dlq.messages()).toEqual([
      {
        messageId,
        body: '{"n":1}',
        messageAttributes: { cause: { DataType: 'String', StringValue: 'boom' } },
        receiveCount: 0,
        sentTimestamp: sentAt,
        inFlight: false,
        deadLetterQueueSourceArn: 'arn:aws:sqs:cn-northwest-1:123456789012:ingest',
      },
    ]);
    const [dead] = dlq.receive();
    expect(dead?.attributes.DeadLetterQueueSourceArn).toBe(queue.arn);
  });

  it('holds back a delayed message and makes one visible at once when its visibility is set to 0', async () => {
    const queue = queueNamed('q');
    queue.send({ body: 'later', delaySeconds: 5 });
    expect(queue.receive()).toEqual([]);
    expect(queue.nextVisibleAt()).toBe(clock.now() + 5000);
    await clock.advance(5000);
    const [message] = queue.receive();
    expect(message?.body).toBe('later');
    queue.changeVisibility(message!.receiptHandle, 0);
    expect(queue.receive().map((m) => m.body)).toEqual(['later']);
  });

  it('gives at most ten messages a receive, oldest first', () => {
    const queue = queueNamed('q');
    for (let i = 0; i < 12; i++) queue.send({ body: `m${i}` });
    expect(() => queue.receive({ maxNumberOfMessages: 11 })).toThrow(SqsError);
    expect(queue.receive({ maxNumberOfMessages: 10 }).map((m) => m.body)).toEqual(
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    );
  });

  it('drops messages older than the retention period', async () => {
    const queue = queueNamed('q', { messageRetentionSeconds: 60 });
    queue.send({ body: 'old' });
    await clock.advance(60_000);
    expect(queue.size).toBe(0);
  });

  it('refuses an empty body and a message over 1 MiB', () => {
    const queue = queueNamed('q');
    expect(() => queue.send({ body: '' })).toThrow(SqsError);
    expect(() => queue.send({ body: 'x'.repeat(1024 * 1024 + 1) })).toThrow(/shorter than 1048576 bytes/);
  });
});

/** A poller on `queue` with a scripted function; records every event and outcome. */
function poll(
  queue: LocalQueue,
  handler: (event: SQSEvent, invocation: number) => unknown,
  options: Partial<ConstructorParameters<typeof SqsEventSource>[0]> = {},
) {
  const events: { at: number; event: SQSEvent }[] = [];
  const outcomes: BatchOutcome[] = [];
  const source = new SqsEventSource({
    queue,
    clock,
    invoke: async (event) => {
      events.push({ at: clock.now(), event });
      return handler(event, events.length);
    },
    onBatch: (outcome) => outcomes.push(outcome),
    ...options,
  });
  source.start();
  return {
    source,
    events,
    outcomes,
    bodies: () => events.map(({ event }) => event.Records.map((r) => r.body)),
  };
}

describe('the SQS event source', () => {
  it('describes what it holds when asked (the engine prints it when it does not settle)', async () => {
    const queue = queueNamed('slow', { visibilityTimeoutSeconds: 30 });
    queue.send({ body: 'a' });
    let release: () => void = () => {};
    const { source } = poll(queue, () => new Promise<void>((r) => (release = r)));
    await settle();
    expect(source.describe()).toMatch(
      /^1 batch\(es\) running, 0 gathering, wake-up set, next visible in 30000 ms, [0-9a-f-]{8} received 1× in flight$/,
    );
    release();
    await source.drain();
    expect(source.describe()).toBe('0 batch(es) running, 0 gathering, wake-up not set, next visible —');
    await source.stop();
  });

  it('hands the function batches of up to batchSize and deletes what succeeded', async () => {
    const queue = queueNamed('q');
    for (let i = 0; i < 25; i++) queue.send({ body: `m${i}` });
    const { source, bodies } = poll(queue, () => undefined, { batchSize: 10, maximumConcurrency: 1 });
    expect(source.idle).toBe(false);
    await source.drain();
    expect(source.idle).toBe(true);
    expect(bodies().map((batch) => batch.length)).toEqual([10, 10, 5]);
    expect(bodies().flat()).toEqual(Array.from({ length: 25 }, (_, i) => `m${i}`));
    expect(queue.size).toBe(0);
    await source.stop();
  });

  it('builds records as Lambda does', async () => {
    const queue = queueNamed('ingest');
    const { messageId } = queue.send({
      body: '{"detail":{}}',
      messageAttributes: { cause: { DataType: 'String', StringValue: 'invalid' } },
    });
    const { source, events } = poll(queue, () => undefined);
    await source.drain();
    const record = events[0]?.event.Records[0];
    expect(record).toEqual({
      messageId,
      receiptHandle: expect.any(String),
      body: '{"detail":{}}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(clock.now()),
        SenderId: '123456789012',
        ApproximateFirstReceiveTimestamp: String(clock.now()),
      },
      messageAttributes: {
        cause: { stringValue: 'invalid', stringListValues: [], binaryListValues: [], dataType: 'String' },
      },
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:cn-northwest-1:123456789012:ingest',
      awsRegion: 'cn-northwest-1',
    });
    await source.stop();
  });

  it('waits for the batching window, or less when the batch fills', async () => {
    const queue = queueNamed('q');
    const { source, events, bodies } = poll(queue, () => undefined, {
      batchSize: 20,
      maximumBatchingWindowSeconds: 5,
    });
    const start = clock.now();
    queue.send({ body: 'a' });
    await clock.advance(2000);
    queue.send({ body: 'b' });
    await clock.advance(2999);
    expect(events).toHaveLength(0);
    await clock.advance(1);
    expect(events.map((e) => e.at - start)).toEqual([5000]);
    expect(bodies()).toEqual([['a', 'b']]);

    for (let i = 0; i < 20; i++) queue.send({ body: `f${i}` });
    await clock.advance(0);
    expect(events).toHaveLength(2);
    expect(events[1]?.at).toBe(clock.now());
    expect(bodies()[1]).toHaveLength(20);
    await source.stop();
  });

  it('with ReportBatchItemFailures, redelivers only the failed messages, after the visibility timeout', async () => {
    const queue = queueNamed('q', { visibilityTimeoutSeconds: 30 });
    for (const body of ['a', 'b', 'c']) queue.send({ body });
    const { source, events, bodies, outcomes } = poll(
      queue,
      (event, invocation): SQSBatchResponse => ({
        batchItemFailures:
          invocation === 1
            ? event.Records.filter((r) => r.body === 'b').map((r) => ({ itemIdentifier: r.messageId }))
            : [],
      }),
      { reportBatchItemFailures: true },
    );
    const start = clock.now();
    await clock.advance(29_000);
    expect(bodies()).toEqual([['a', 'b', 'c']]);
    expect(queue.size).toBe(1);
    await clock.advance(1000);
    expect(bodies()).toEqual([['a', 'b', 'c'], ['b']]);
    expect(events[1]?.at).toBe(start + 30_000);
    expect(events[1]?.event.Records[0]?.attributes.ApproximateReceiveCount).toBe('2');
    await source.drain();
    expect(queue.size).toBe(0);
    expect(outcomes.map((o) => o.failedMessageIds.length)).toEqual([1, 0]);
    await source.stop();
  });

  it('without ReportBatchItemFailures, ignores a partial response and deletes the whole batch', async () => {
    const queue = queueNamed('q');
    queue.send({ body: 'a' });
    const { source, events } = poll(queue, (event) => ({
      batchItemFailures: [{ itemIdentifier: event.Records[0]!.messageId }],
    }));
    await source.drain();
    await clock.advance(60_000);
    expect(events).toHaveLength(1);
    await source.stop();
  });

  it('on a thrown error, redelivers the whole batch until redrive moves it to the DLQ', async () => {
    const dlq = queueNamed('q-dlq');
    const queue = queueNamed('q', {
      visibilityTimeoutSeconds: 30,
      redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount: 3 },
    });
    for (const body of ['a', 'b']) queue.send({ body });
    const { source, events, outcomes } = poll(
      queue,
      () => {
        throw new TypeError('cannot read scheme');
      },
      { reportBatchItemFailures: true },
    );
    const start = clock.now();
    await clock.advance(5 * 60_000);
    await source.drain();
    expect(events.map((e) => e.at - start)).toEqual([0, 30_000, 60_000]);
    expect(events.map((e) => e.event.Records.map((r) => r.attributes.ApproximateReceiveCount))).toEqual([
      ['1', '1'],
      ['2', '2'],
      ['3', '3'],
    ]);
    expect(outcomes[0]?.error).toBe('TypeError: cannot read scheme');
    expect(dlq.messages().map((m) => m.body)).toEqual(['a', 'b']);
    expect(queue.size).toBe(0);
    await source.stop();
  });

  it('fails the whole batch when the response names a message that is not in it', async () => {
    const queue = queueNamed('q', { visibilityTimeoutSeconds: 30 });
    queue.send({ body: 'a' });
    queue.send({ body: 'b' });
    const { source, bodies, outcomes } = poll(
      queue,
      (_event, invocation) => ({
        batchItemFailures: invocation === 1 ? [{ itemIdentifier: 'not-in-batch' }] : [],
      }),
      { reportBatchItemFailures: true },
    );
    await clock.advance(30_000);
    await source.drain();
    expect(bodies()).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
    expect(outcomes[0]?.error).toBe('itemIdentifier not-in-batch is not a message of this batch');
    await source.stop();
  });

  it('runs at most maximumConcurrency batches at once', async () => {
    const queue = queueNamed('q');
    for (let i = 0; i < 6; i++) queue.send({ body: `m${i}` });
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const { source, events } = poll(
      queue,
      async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running -= 1;
      },
      { batchSize: 1, maximumConcurrency: 2 },
    );
    await clock.advance(0);
    expect(events).toHaveLength(2);
    while (releases.length > 0) {
      releases.shift()!();
      await clock.advance(0);
    }
    await source.drain();
    expect(events).toHaveLength(6);
    expect(most).toBe(2);
    await source.stop();
  });

  it('stops after the batches in flight, giving back the messages it was still gathering', async () => {
    const queue = queueNamed('q');
    const { source, events } = poll(queue, () => undefined, {
      batchSize: 50,
      maximumBatchingWindowSeconds: 10,
    });
    queue.send({ body: 'a' });
    await clock.advance(1000);
    await source.stop();
    expect(events).toHaveLength(0);
    expect(queue.approximateNumberOfMessages).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('partial batch responses', () => {
  const ids = ['m1', 'm2'];

  it('mean success for no response, an empty object or an empty list', () => {
    for (const response of [undefined, null, {}, { batchItemFailures: [] }, { batchItemFailures: null }]) {
      expect(parseBatchItemFailures(response, ids)).toEqual({ failed: new Set() });
    }
  });

  it('fail the whole batch for an empty, missing or unknown identifier or a response of the wrong shape', () => {
    for (const response of [
      { batchItemFailures: [{ itemIdentifier: '' }] },
      { batchItemFailures: [{ itemIdentifier: null }] },
      { batchItemFailures: [{ id: 'm1' }] },
      { batchItemFailures: [{ itemIdentifier: 'm3' }] },
      'ok',
    ]) {
      const { failed, invalid } = parseBatchItemFailures(response, ids);
      expect(failed).toEqual(new Set(ids));
      expect(invalid).toBeDefined();
    }
  });
});

describe('a bundled function behind the bus, a queue and its event source', () => {
  it('gets the events the rule routes, and its failed records reach the DLQ after maxReceiveCount', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'rankwatch-esm-'));
    // The function fails on purpose for every record whose detail says so, reporting it as a batch item failure.
    const file = join(directory, 'index.mjs');
    writeFileSync(
      file,
      `export const handler = async (event) => ({
  batchItemFailures: event.Records
    .filter((record) => JSON.parse(record.body).detail.fail === true)
    .map((record) => ({ itemIdentifier: record.messageId })),
});`,
    );
    const dlq = new LocalQueue({ name: 'ingest-dlq' });
    const queue = new LocalQueue({
      name: 'ingest',
      visibilityTimeoutSeconds: 1,
      redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount: 2 },
    });
    const bus = new LocalEventBridge({ log: () => {} });
    bus.putRule({
      name: 'ingest',
      pattern: { source: [{ prefix: 'dept.' }] },
      targets: [{ id: 'queue', deliver: (input) => void queue.send({ body: input }) }],
    });
    const fn = new LocalLambdaFunction({
      name: 'ingest',
      runtime: new WorkerRuntime({
        file,
        environment: lambdaEnvironment({ functionName: 'ingest', region: 'us-east-1' }),
        logs: 'silent',
      }),
    });
    const outcomes: BatchOutcome[] = [];
    const source = new SqsEventSource({
      queue,
      invoke: (event) => fn.invoke(event),
      reportBatchItemFailures: true,
      onBatch: (outcome) => outcomes.push(outcome),
    });
    source.start();
    try {
      const entry = (fail: boolean, source = 'dept.hotline') => ({
        Source: source,
        DetailType: 'Indicator.ValueReported',
        Detail: JSON.stringify({ fail }),
      });
      const { Entries } = bus.putEvents([entry(false), entry(true), entry(false, 'rankwatch.engine')]);
      await bus.drain();
      await source.drain();
      expect(dlq.messages().map((m) => (JSON.parse(m.body) as { id: string }).id)).toEqual([
        Entries?.[1]?.EventId,
      ]);
      expect(dlq.messages()[0]?.deadLetterQueueSourceArn).toBe(queue.arn);
      expect(outcomes.flatMap((o) => o.messageIds)).toHaveLength(3);
      expect(outcomes.flatMap((o) => o.failedMessageIds)).toHaveLength(2);
    } finally {
      await source.stop();
      await fn.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
