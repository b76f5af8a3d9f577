// The cost bench's arithmetic (bench/cost.ts) on hand-made request counts, and its price table's checks.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { costOf, costRun, fixedMonthly, loadPrices, sqsEventSources } from '../../bench/cost.ts';
import type { RunCounts, Scenario } from '../../bench/load.ts';
import { synthRankwatch } from '../support/cdk.ts';

const prices = loadPrices(new URL('../../bench/prices.json', import.meta.url));

const counts: RunCounts = {
  dynamodb: [
    { fn: 'ingest', operation: 'TransactWriteItems', status: 200, wru: 40, rru: 2, bytesWritten: 30_000 },
    { fn: 'ingest', operation: 'Query', status: 200, wru: 0, rru: 7.5, bytesWritten: 0 },
    { fn: 'relay', operation: 'UpdateItem', status: 200, wru: 1, rru: 0, bytesWritten: 0 },
  ],
  lambda: {
    ingest: { memoryMb: 1024, architecture: 'x86_64', durationsMs: [99.2, 1000] },
    relay: { memoryMb: 512, architecture: 'arm64', durationsMs: [10] },
  },
  putEvents: { departments: { calls: 2, entries: 3, chunks: 4 }, relay: { calls: 1, entries: 2, chunks: 2 } },
  sqs: { send: 3, sendChunks: 4, receive: 10, emptyReceive: 8, delete: 3 },
  sns: { publish: 2, chunks: 2, emailDeliveries: 6 },
  stream: { batches: 1, records: 3 },
  s3: { requests: 0 },
};

describe('what a run’s requests cost', () => {
  const lines = costOf(counts, prices);
  const line = (service: string, item: string) =>
    lines.find((l) => l.service === service && l.item.startsWith(item))!;

  it('bills Lambda per invocation and per GB-second, each duration rounded up to the millisecond, by architecture', () => {
    expect(line('Lambda', 'requests').quantity).toBe(3);
    expect(line('Lambda', 'requests').cost).toBeCloseTo(3 * 0.2e-6, 15);
    // ingest: (0.100 s + 1.000 s) × 1 GB; relay: 0.010 s × 0.5 GB on arm64.
    expect(line('Lambda', 'duration (x86_64)').quantity).toBeCloseTo(1.1, 12);
    expect(line('Lambda', 'duration (x86_64)').cost).toBeCloseTo(1.1 * 0.0000166667, 15);
    expect(line('Lambda', 'duration (arm64)').quantity).toBeCloseTo(0.005, 12);
    expect(line('Lambda', 'duration (arm64)').cost).toBeCloseTo(0.005 * 0.0000133334, 15);
  });

  it('bills DynamoDB by the request units counted, EventBridge by 64 KB chunk, SQS without the empty receives', () => {
    expect(line('DynamoDB', 'write')).toMatchObject({ quantity: 41 });
    expect(line('DynamoDB', 'write').cost).toBeCloseTo(41 * 0.625e-6, 15);
    expect(line('DynamoDB', 'read')).toMatchObject({ quantity: 9.5 });
    expect(line('DynamoDB', 'read').cost).toBeCloseTo(9.5 * 0.125e-6, 15);
    expect(line('EventBridge', 'events')).toMatchObject({ quantity: 6 });
    expect(line('EventBridge', 'events').cost).toBeCloseTo(6e-6, 15);
    // 4 send chunks + (10 − 8) receives that returned messages + 3 deletes.
    expect(line('SQS', 'send')).toMatchObject({ quantity: 9 });
    expect(line('SQS', 'send').cost).toBeCloseTo(9 * 0.4e-6, 15);
    expect(line('SNS', 'publishes').cost).toBeCloseTo(2 * 0.5e-6, 15);
    expect(line('SNS', 'e-mail').cost).toBeCloseTo(6 * 2e-5, 15);
    expect(lines.some((l) => l.service === 'S3')).toBe(false);
  });

  it('gives the cost per million observations of a scenario and the bytes written per observation', () => {
    const scenario = {
      label: 't',
      scheme: { entities: [{}, {}], indicators: [{}] },
      weeks: [{ period: '2026-W01', entries: [], observations: 500 }],
    } as unknown as Scenario;
    const run = costRun(scenario, counts, prices);
    const total = lines.filter((l) => l.service !== 'SNS').reduce((a, l) => a + l.cost, 0);
    expect(run.total).toBeCloseTo(total, 15);
    expect(run.perMillion).toBeCloseTo(total * 2000, 12);
    // The notifications apart: 2 publishes and 6 e-mails.
    expect(run.notifications.publishes).toBe(2);
    expect(run.notifications.emails).toBe(6);
    expect(run.notifications.cost).toBeCloseTo(2 * 0.5e-6 + 6 * 2e-5, 15);
    expect(run.bytesPerObservation).toBe(60);
    // ingest's transaction 40, relay's update 1; the Query wrote nothing and is left out.
    expect(run.wruByFunction).toEqual([
      { fn: 'ingest', wru: 40 },
      { fn: 'relay', wru: 1 },
    ]);
  });

  it('prices the fixed monthly runs: 2,880 escalations + 4 reminders, 5 pollers × 3 long polls a minute per queue', () => {
    const [schedule, polls] = fixedMonthly(prices, { queues: 2, escalateMs: 200, escalateMemoryMb: 512 });
    expect(schedule!.quantity).toBe(2884);
    expect(schedule!.cost).toBeCloseTo(2884e-6 * 1.2 + 2880 * 0.2 * 0.5 * 0.0000166667, 12);
    expect(polls!.quantity).toBe(2 * 5 * 3 * 43_200);
    expect(polls!.cost).toBeCloseTo(1.296 * 0.4, 12);
  });
});

describe('the price table', () => {
  it('is dated, names its region, currency and sources', () => {
    expect(prices).toMatchObject({ region: 'us-east-1', currency: 'USD', asOf: '2025-06' });
    expect(Object.keys(prices.sources).sort()).toEqual([
      'dynamodb',
      'eventbridge',
      'lambda',
      's3',
      'sns',
      'sqs',
    ]);
  });

  it('refuses a table with a missing or negative price, naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rankwatch-prices-'));
    const bad = structuredClone(prices) as Record<string, unknown>;
    (bad.dynamodb as Record<string, unknown>).perMillionWriteRequestUnits = -1;
    delete (bad.sqs as Record<string, unknown>).perMillionRequests;
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(bad));
    expect(() => loadPrices(file)).toThrow(
      /dynamodb\.perMillionWriteRequestUnits: .*; sqs\.perMillionRequests: /,
    );
  });
});

describe('the fixed cost counts the polled queues of the app as synthesised', () => {
  it('finds the SQS event source mappings (ingest and the replay job), not a hard-coded one', () => {
    expect(sqsEventSources(synthRankwatch().outdir)).toBe(2);
  }, 120_000);
});
