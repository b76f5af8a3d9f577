import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/clock.ts';
import {
  StreamEventSource,
  type StreamEventSourceOptions,
  type StreamFailureRecord,
  type StreamRecordReader,
} from '../../local/stream-source.ts';

/** A stream in memory with a checkpoint, as DynamoDbStreamReader reads DynamoDB Local's. */
class FakeStream implements StreamRecordReader {
  readonly streamArn = 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/local';
  readonly records: DynamoDBRecord[] = [];
  checkpoint = 0n;

  add(pk: string, eventName: 'INSERT' | 'MODIFY' = 'INSERT'): void {
    const seq = String(100 * (this.records.length + 1));
    this.records.push({
      eventName,
      dynamodb: { SequenceNumber: seq, ApproximateCreationDateTime: 1_736_121_600, Keys: { PK: { S: pk } } },
    });
  }

  async read(limit: number): Promise<DynamoDBRecord[]> {
    return this.records.filter((r) => BigInt(r.dynamodb!.SequenceNumber!) > this.checkpoint).slice(0, limit);
  }

  acknowledge(records: Iterable<DynamoDBRecord>): void {
    for (const r of records) {
      const seq = BigInt(r.dynamodb!.SequenceNumber!);
      if (seq > this.checkpoint) this.checkpoint = seq;
    }
  }

  shardIdOf(): string {
    return 'shardId-local-1';
  }
}

const seqs = (event: DynamoDBStreamEvent) => event.Records.map((r) => r.dynamodb!.SequenceNumber);
const sources: StreamEventSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});

function source(stream: FakeStream, clock: ManualClock, options: Partial<StreamEventSourceOptions>) {
  const s = new StreamEventSource({
    reader: stream,
    invoke: async () => ({ batchItemFailures: [] }),
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:relay',
    clock,
    pollClock: clock,
    ...options,
  });
  sources.push(s);
  s.start();
  return s;
}

/** Advances the clock until the source has caught up with the stream. */
async function caughtUp(s: StreamEventSource, clock: ManualClock): Promise<void> {
  let done = false;
  void s.catchUp().then(() => {
    done = true;
  });
  for (let i = 0; i < 200 && !done; i++) await clock.advance(1000);
  expect(done).toBe(true);
}

describe('the DynamoDB stream event source mapping', () => {
  it('hands the function only the records its filter criteria match, and checkpoints past the others', async () => {
    const clock = new ManualClock();
    const stream = new FakeStream();
    stream.add('OUTBOX#a');
    stream.add('SNAP#a');
    stream.add('OUTBOX#b', 'MODIFY');
    stream.add('OUTBOX#c');
    const batches: (string | undefined)[][] = [];
    const s = source(stream, clock, {
      filters: ['{"eventName":["INSERT"],"dynamodb":{"Keys":{"PK":{"S":[{"prefix":"OUTBOX#"}]}}}}'],
      invoke: async (event) => {
        batches.push(seqs(event));
      },
    });
    await caughtUp(s, clock);
    expect(batches).toEqual([['100', '400']]);
    expect(stream.checkpoint).toBe(400n);
    expect(s.idle).toBe(true);
  });

  it('invokes with at most BatchSize records at a time, in stream order', async () => {
    const clock = new ManualClock();
    const stream = new FakeStream();
    for (let i = 0; i < 5; i++) stream.add(`OUTBOX#${i}`);
    const batches: (string | undefined)[][] = [];
    const s = source(stream, clock, { batchSize: 2, invoke: async (e) => void batches.push(seqs(e)) });
    await caughtUp(s, clock);
    expect(batches).toEqual([['100', '200'], ['300', '400'], ['500']]);
  });

  it('waits for the batching window to gather more records before invoking', async () => {
    const clock = new ManualClock();
    const stream = new FakeStream();
    stream.add('OUTBOX#1');
    const batches: (string | undefined)[][] = [];
    const s = source(stream, clock, {
      maximumBatchingWindowSeconds: 1,
      invoke: async (e) => void batches.push(seqs(e)),
    });
    await clock.advance(500);
    stream.add('OUTBOX#2');
    await caughtUp(s, clock);
    expect(batches).toEqual([['100', '200']]);
  });

  it('checkpoints before the first record a partial batch response names and delivers the rest again', async () => {
    const clock = new ManualClock();
    const stream = new FakeStream();
    for (let i = 0; i < 4; i++) stream.add(`OUTBOX#${i}`);
    const batches: (string | undefined)[][] = [];
    let failOnce = true;
    const s = source(stream, clock, {
      reportBatchItemFailures: true,
      maximumRetryAttempts: 3,
      invoke: async (e) => {
        batches.push(seqs(e));
        if (failOnce && seqs(e).includes('300')) {
          failOnce = false;
          return { batchItemFailures: [{ itemIdentifier: '300' }] };
        }
        return { batchItemFailures: [] };
      },
    });
    await caughtUp(s, clock);
    expect(batches).toEqual([
      ['100', '200', '300', '400'],
      ['300', '400'],
    ]);
    expect(stream.checkpoint).toBe(400n);
  });

  it('retries a function error on halves of the batch (BisectBatchOnFunctionError) and after MaximumRetryAttempts sends the failing record to the on-failure destination in AWS’s shape', async () => {
    const clock = new ManualClock();
    const stream = new FakeStream();
    for (let i = 0; i < 4; i++) stream.add(`OUTBOX#${i}`);
    const batches: (string | undefined)[][] = [];
    const failures: StreamFailureRecord[] = [];
    const s = source(stream, clock, {
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 2,
      invoke: async (e) => {
        batches.push(seqs(e));
        if (seqs(e).includes('300')) throw new Error('poisoned record');
      },
      onFailure: (record) => void failures.push(record),
    });
    await caughtUp(s, clock);
    expect(batches).toEqual([
      ['100', '200', '300', '400'],
      ['100', '200'],
      ['300', '400'],
      ['300'],
      ['300'],
      ['400'],
    ]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      requestContext: {
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:relay',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      DDBStreamBatchInfo: {
        shardId: 'shardId-local-1',
        startSequenceNumber: '300',
        endSequenceNumber: '300',
        batchSize: 1,
        streamArn: stream.streamArn,
        approximateArrivalOfFirstRecord: '2025-01-06T00:00:00Z',
      },
    });
    expect(stream.checkpoint).toBe(400n);
  });

  it('keeps retrying (and is not idle) while a record fails and no retry limit is set', async () => {
    const clock = new ManualClock();
    const stream = new FakeStream();
    stream.add('OUTBOX#1');
    let calls = 0;
    const s = source(stream, clock, {
      invoke: async () => {
        calls++;
        throw new Error('down');
      },
    });
    for (let i = 0; i < 30; i++) await clock.advance(60_000);
    expect(calls).toBeGreaterThan(10);
    expect(s.idle).toBe(false);
    expect(stream.checkpoint).toBe(0n);
  });
});
