// Lambda's event source mapping for a DynamoDB table stream, on one machine: polls the stream, drops what
// the filter criteria do not match, gathers a batch (size, batching window), invokes the function and applies
// its answer as Lambda does — a partial batch response checkpoints before the first failed record, a function
// error retries the batch (bisected when configured), and a batch that keeps failing is described to the
// on-failure destination and skipped. One batch at a time (ParallelizationFactor 1).
import { randomUUID } from 'node:crypto';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type Clock, systemClock } from './clock.ts';
import { acknowledgedBefore } from './dynamodb-stream.ts';
import { type CompiledPattern, compileEventPattern, matchesEventPattern } from './eventbridge/pattern.ts';

/** What the mapping reads from: a checkpointed stream (DynamoDbStreamReader, or a fake in tests). */
export interface StreamRecordReader {
  readonly streamArn: string;
  /** Up to `limit` records after the checkpoint, oldest first; the same ones again until acknowledged. */
  read(limit: number): Promise<DynamoDBRecord[]>;
  acknowledge(records: Iterable<DynamoDBRecord>): void;
  shardIdOf?(record: DynamoDBRecord): string | undefined;
}

/** The record Lambda sends to a stream mapping's on-failure destination. */
export interface StreamFailureRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: 200; executedVersion: '$LATEST'; functionError?: 'Unhandled' };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

/** What happened to one invocation. */
export interface StreamBatchOutcome {
  sequenceNumbers: string[];
  /** Records to be delivered again (from the first failed one), empty on success. */
  failedSequenceNumbers: string[];
  error?: string;
  /** Set when the batch was given up on and sent to the on-failure destination. */
  discarded?: StreamFailureRecord['requestContext']['condition'];
}

export interface StreamEventSourceOptions {
  reader: StreamRecordReader;
  /** Invokes the function synchronously; resolves with its response, rejects on a function error. */
  invoke(event: DynamoDBStreamEvent): Promise<unknown>;
  functionArn: string;
  /** AWS default 100. */
  batchSize?: number;
  maximumBatchingWindowSeconds?: number;
  /** FilterCriteria patterns (EventBridge syntax); a record is passed on if any matches. None: all pass. */
  filters?: readonly string[];
  reportBatchItemFailures?: boolean;
  bisectBatchOnFunctionError?: boolean;
  /** -1 (the default): retry until the record expires. */
  maximumRetryAttempts?: number;
  /** -1 (the default): no limit. */
  maximumRecordAgeSeconds?: number;
  onFailure?(record: StreamFailureRecord): void | Promise<void>;
  /** Batching windows, retry back-off and record age. */
  clock?: Clock;
  /** How often an idle mapping polls the stream. Lambda polls four times a second. */
  pollIntervalMs?: number;
  /** The clock of idle polling: wall time by default, even when `clock` runs faster. */
  pollClock?: Clock;
  /** First retry delay (clock time), doubling up to a minute. */
  retryDelayMs?: number;
  onBatch?(outcome: StreamBatchOutcome): void;
  log?(message: string): void;
}

const seqOf = (r: DynamoDBRecord) => r.dynamodb?.SequenceNumber ?? '';
const isoSeconds = (seconds: number | undefined) =>
  new Date((seconds ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class StreamEventSource {
  readonly #o: StreamEventSourceOptions;
  readonly #batchSize: number;
  readonly #filters: CompiledPattern[];
  readonly #clock: Clock;
  #running = false;
  #limit: number;
  #attempts = 0;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #cancelTimer: (() => void) | undefined;
  #caughtUp: (() => void)[] = [];
  #pendingCatchUp: (() => void)[] = [];
  #idle = true;

  constructor(options: StreamEventSourceOptions) {
    const batchSize = options.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new RangeError(`BatchSize must be between 1 and 10000, not ${batchSize}`);
    }
    this.#o = options;
    this.#batchSize = batchSize;
    this.#limit = batchSize;
    this.#filters = (options.filters ?? []).map((f) => compileEventPattern(f));
    this.#clock = options.clock ?? systemClock;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops polling after the batch in flight. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#cancelTimer?.();
    this.#wake?.();
    await this.#loop;
    for (const resolve of [...this.#caughtUp, ...this.#pendingCatchUp]) resolve();
    this.#caughtUp = [];
    this.#pendingCatchUp = [];
  }

  /** Whether the last poll found nothing new and no batch is being handled or retried. */
  get idle(): boolean {
    return this.#idle;
  }

  /**
   * Polls now and resolves once a poll that started after this call found nothing left to deliver: every
   * record written before the call has been handled (or given up on).
   */
  catchUp(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#pendingCatchUp.push(resolve));
    this.#wake?.();
    return done;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      // Waiters registered before this poll starts are answered by its outcome.
      this.#caughtUp.push(...this.#pendingCatchUp);
      this.#pendingCatchUp = [];
      let next: 'idle' | 'more' | { retryInMs: number };
      try {
        next = await this.#cycle();
      } catch (error) {
        this.#o.log?.(`stream event source: ${error instanceof Error ? error.message : String(error)}`);
        next = 'idle';
      }
      if (!this.#running) break;
      if (next === 'more') continue;
      if (next === 'idle') {
        this.#idle = true;
        const waiters = this.#caughtUp;
        this.#caughtUp = [];
        for (const resolve of waiters) resolve();
        await this.#sleep(this.#o.pollClock ?? systemClock, this.#o.pollIntervalMs ?? 250, true);
      } else {
        await this.#sleep(this.#clock, next.retryInMs, false);
      }
    }
  }

  #sleep(clock: Clock, ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#cancelTimer?.();
        this.#cancelTimer = undefined;
        this.#wake = undefined;
        resolve();
      };
      this.#cancelTimer = clock.setTimeout(done, ms);
      // A catch-up request wakes an idle poll at once; a retry back-off only ends early on stop.
      this.#wake = wakeable ? done : () => (this.#running ? undefined : done());
    });
  }

  #matches(record: DynamoDBRecord): boolean {
    return this.#filters.length === 0 || this.#filters.some((f) => matchesEventPattern(f, record));
  }

  async #cycle(): Promise<'idle' | 'more' | { retryInMs: number }> {
    const { reader } = this.#o;
    let records = await reader.read(this.#limit);
    if (records.length === 0) return 'idle';
    this.#idle = false;
    const window = (this.#o.maximumBatchingWindowSeconds ?? 0) * 1000;
    if (window > 0 && records.length < this.#limit && this.#attempts === 0) {
      await this.#sleep(this.#clock, window, false);
      if (!this.#running) return 'idle';
      records = await reader.read(this.#limit);
    }
    const matched = records.filter((r) => this.#matches(r));
    if (matched.length === 0) {
      // Filtered-out records are never delivered: the checkpoint moves past them.
      reader.acknowledge(records);
      return 'more';
    }
    let failedFrom: string | undefined;
    let error: string | undefined;
    let functionError = false;
    try {
      const response = await this.#o.invoke({ Records: matched });
      if (this.#o.reportBatchItemFailures) {
        const failures = batchItemFailures(response);
        const known = new Set(matched.map(seqOf));
        if (failures === 'invalid' || failures.some((f) => !known.has(f.itemIdentifier))) {
          failedFrom = seqOf(matched[0]!);
          error = 'the batch response is not valid';
        } else if (failures.length > 0) {
          const done = acknowledgedBefore(matched, failures);
          failedFrom = done.length === matched.length ? undefined : seqOf(matched[done.length]!);
          if (failedFrom !== undefined) error = `batch item failure at ${failedFrom}`;
        }
      }
    } catch (thrown) {
      functionError = true;
      failedFrom = seqOf(matched[0]!);
      error = thrown instanceof Error ? thrown.message : String(thrown);
    }
    const sequenceNumbers = matched.map(seqOf);
    if (failedFrom === undefined) {
      reader.acknowledge(records);
      this.#attempts = 0;
      this.#limit = this.#batchSize;
      this.#o.onBatch?.({ sequenceNumbers, failedSequenceNumbers: [] });
      return 'more';
    }
    // Everything before the first failed record is done (filtered-out records included).
    const before = records.filter((r) => BigInt(seqOf(r)) < BigInt(failedFrom));
    reader.acknowledge(before);
    const failed = matched.filter((r) => BigInt(seqOf(r)) >= BigInt(failedFrom));
    this.#attempts += 1;
    const maxRetries = this.#o.maximumRetryAttempts ?? -1;
    const maxAge = this.#o.maximumRecordAgeSeconds ?? -1;
    const firstCreated = failed[0]?.dynamodb?.ApproximateCreationDateTime;
    const tooOld =
      maxAge >= 0 && firstCreated !== undefined && this.#clock.now() / 1000 - firstCreated > maxAge;
    const exhausted = maxRetries >= 0 && this.#attempts > maxRetries;
    const outcome: StreamBatchOutcome = {
      sequenceNumbers,
      failedSequenceNumbers: failed.map(seqOf),
      ...(error === undefined ? {} : { error }),
    };
    if (tooOld || exhausted) {
      const condition = tooOld ? 'RecordAgeExceeded' : 'RetryAttemptsExhausted';
      await this.#discard(failed, condition, functionError);
      // The rest of the batch read (failed records and any filtered out among them) is skipped.
      reader.acknowledge(records.filter((r) => BigInt(seqOf(r)) >= BigInt(failedFrom)));
      this.#attempts = 0;
      this.#limit = this.#batchSize;
      this.#o.onBatch?.({ ...outcome, discarded: condition });
      return 'more';
    }
    if (functionError && this.#o.bisectBatchOnFunctionError && failed.length > 1) {
      // Retry the first half of what failed; the second half follows once the first succeeds.
      const half = Math.ceil(failed.length / 2);
      const lastOfHalf = BigInt(seqOf(failed[half - 1]!));
      this.#limit = Math.max(1, records.filter((r) => BigInt(seqOf(r)) <= lastOfHalf).length - before.length);
    }
    this.#o.onBatch?.(outcome);
    const delay = Math.min(60_000, (this.#o.retryDelayMs ?? 1000) * 2 ** (this.#attempts - 1));
    return { retryInMs: delay };
  }

  async #discard(
    failed: DynamoDBRecord[],
    condition: StreamFailureRecord['requestContext']['condition'],
    functionError: boolean,
  ): Promise<void> {
    const first = failed[0]!;
    const last = failed[failed.length - 1]!;
    const record: StreamFailureRecord = {
      requestContext: {
        requestId: randomUUID(),
        functionArn: this.#o.functionArn,
        condition,
        approximateInvokeCount: this.#attempts,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(functionError ? { functionError: 'Unhandled' as const } : {}),
      },
      version: '1.0',
      timestamp: new Date(this.#clock.now()).toISOString(),
      DDBStreamBatchInfo: {
        shardId: this.#o.reader.shardIdOf?.(first) ?? 'local',
        startSequenceNumber: seqOf(first),
        endSequenceNumber: seqOf(last),
        approximateArrivalOfFirstRecord: isoSeconds(first.dynamodb?.ApproximateCreationDateTime),
        approximateArrivalOfLastRecord: isoSeconds(last.dynamodb?.ApproximateCreationDateTime),
        batchSize: failed.length,
        streamArn: this.#o.reader.streamArn,
      },
    };
    if (this.#o.onFailure) {
      try {
        await this.#o.onFailure(record);
      } catch (error) {
        this.#o.log?.(`stream event source: on-failure destination failed: ${String(error)}`);
      }
    } else {
      this.#o.log?.(
        `stream event source: 批次最终失败，已跳过 batch ${record.DDBStreamBatchInfo.startSequenceNumber}…${record.DDBStreamBatchInfo.endSequenceNumber} skipped (${condition}); no on-failure destination`,
      );
    }
  }
}

/** The failures a stream function reports, or 'invalid' when its response is not a batch response. */
function batchItemFailures(response: unknown): { itemIdentifier: string }[] | 'invalid' {
  if (response === undefined || response === null) return [];
  if (typeof response !== 'object' || Array.isArray(response)) return 'invalid';
  const list = (response as Partial<DynamoDBBatchResponse>).batchItemFailures;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) return 'invalid';
  const out: { itemIdentifier: string }[] = [];
  for (const item of list as unknown[]) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '') return 'invalid';
    out.push({ itemIdentifier: id });
  }
  return out;
}
