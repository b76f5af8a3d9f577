// In-memory SQS standard queues with the semantics the engine relies on (visibility timeout, receive count,
// redrive to a dead-letter queue after maxReceiveCount) and Lambda's SQS event source mapping that polls
// them (batch size, batching window, partial batch responses).

import { createHash, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttribute, SQSRecord } from 'aws-lambda';
import { type Clock, systemClock } from './clock.ts';

/** A request SQS refuses. `name` is AWS's error code. */
export class SqsError extends Error {
  override readonly name: 'InvalidParameterValue' | 'ReceiptHandleIsInvalid' | 'MessageNotInflight';

  constructor(code: SqsError['name'], message: string) {
    super(message);
    this.name = code;
  }
}

/** A message attribute as the SQS API takes and returns it. */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

export interface SendMessageInput {
  body: string;
  delaySeconds?: number;
  messageAttributes?: Record<string, MessageAttributeValue>;
  /** Who sent it (the `SenderId` attribute); defaults to the queue's account. */
  senderId?: string;
}

export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  attributes: {
    ApproximateReceiveCount: string;
    SentTimestamp: string;
    SenderId: string;
    ApproximateFirstReceiveTimestamp: string;
    DeadLetterQueueSourceArn?: string;
  };
  messageAttributes: Record<string, MessageAttributeValue>;
}

/** A stored message, for inspection (what a DLQ holds, what is in flight). */
export interface QueuedMessage {
  messageId: string;
  body: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  receiveCount: number;
  sentTimestamp: number;
  inFlight: boolean;
  deadLetterQueueSourceArn: string | undefined;
}

export interface RedrivePolicy {
  deadLetterQueue: LocalQueue;
  maxReceiveCount: number;
}

export interface LocalQueueOptions {
  name: string;
  region?: string;
  account?: string;
  /** The queue URL to report; defaults to the AWS form (the local SQS endpoint may set its own). */
  url?: string;
  /** AWS default 30 s. */
  visibilityTimeoutSeconds?: number;
  /** AWS default 4 days. */
  messageRetentionSeconds?: number;
  delaySeconds?: number;
  redrivePolicy?: RedrivePolicy;
  clock?: Clock;
  newId?: () => string;
}

interface StoredMessage {
  readonly messageId: string;
  readonly order: number;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes: Record<string, MessageAttributeValue>;
  readonly senderId: string;
  readonly sentTimestamp: number;
  readonly deadLetterQueueSourceArn: string | undefined;
  visibleAt: number;
  receiveCount: number;
  firstReceiveTimestamp: number | undefined;
  receiptHandle: string | undefined;
  /** Set once received: until then a message is delayed, not in flight. */
  received: boolean;
}

// SQS raised its maximum message size from 256 KiB to 1 MiB in 2025.
const MAX_MESSAGE_BYTES = 1024 * 1024;
const MAX_VISIBILITY_TIMEOUT_SECONDS = 12 * 60 * 60;

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/**
 * MD5OfMessageAttributes as SQS computes it: over the attributes sorted by name, each as length-prefixed
 * name, length-prefixed data type, a transport byte (1 string/number, 2 binary) and the length-prefixed value.
 * Undefined when there are no attributes.
 */
export function md5OfMessageAttributes(
  attributes: Record<string, MessageAttributeValue>,
): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  const field = (bytes: Uint8Array) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.byteLength);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of names) {
    const value = attributes[name]!;
    field(Buffer.from(name, 'utf8'));
    field(Buffer.from(value.DataType, 'utf8'));
    if (value.BinaryValue !== undefined && value.DataType.startsWith('Binary')) {
      hash.update(Buffer.from([2]));
      field(value.BinaryValue);
    } else {
      hash.update(Buffer.from([1]));
      field(Buffer.from(value.StringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}

export class LocalQueue {
  readonly name: string;
  readonly arn: string;
  readonly region: string;
  readonly account: string;
  url: string;
  visibilityTimeoutSeconds: number;
  messageRetentionSeconds: number;
  delaySeconds: number;
  redrivePolicy: RedrivePolicy | undefined;
  readonly #clock: Clock;
  readonly #newId: () => string;
  #order = 0;
  readonly #messages = new Map<string, StoredMessage>();
  // Every receipt handle ever issued, to tell a stale handle (ignored, as SQS does) from a made-up one.
  readonly #issuedHandles = new Map<string, string>();
  readonly #listeners = new Set<() => void>();

  constructor(options: LocalQueueOptions) {
    if (options.name.endsWith('.fifo')) {
      throw new SqsError('InvalidParameterValue', 'FIFO queues are not emulated locally.');
    }
    this.name = options.name;
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '000000000000';
    this.arn = `arn:aws:sqs:${this.region}:${this.account}:${this.name}`;
    this.url = options.url ?? `https://sqs.${this.region}.amazonaws.com/${this.account}/${this.name}`;
    this.visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 30;
    this.messageRetentionSeconds = options.messageRetentionSeconds ?? 4 * 24 * 60 * 60;
    this.delaySeconds = options.delaySeconds ?? 0;
    this.redrivePolicy = options.redrivePolicy;
    this.#clock = options.clock ?? systemClock;
    this.#newId = options.newId ?? randomUUID;
  }

  /** SendMessage. */
  send(input: SendMessageInput): { messageId: string; md5OfBody: string } {
    return this.#store(input, undefined);
  }

  /**
   * ReceiveMessage (without long polling): up to `maxNumberOfMessages` (1–10) visible messages, each made
   * invisible for the visibility timeout and counted as received. A message already received
   * `maxReceiveCount` times moves to the dead-letter queue instead.
   */
  receive(
    options: { maxNumberOfMessages?: number; visibilityTimeoutSeconds?: number } = {},
  ): ReceivedMessage[] {
    const max = options.maxNumberOfMessages ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw new SqsError(
        'InvalidParameterValue',
        `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
      );
    }
    const visibility = options.visibilityTimeoutSeconds ?? this.visibilityTimeoutSeconds;
    checkVisibilityTimeout(visibility);
    const now = this.#clock.now();
    this.#expire(now);
    const received: ReceivedMessage[] = [];
    for (const message of this.#visible(now)) {
      if (received.length === max) break;
      const redrive = this.redrivePolicy;
      if (redrive && message.receiveCount >= redrive.maxReceiveCount) {
        this.#messages.delete(message.messageId);
        redrive.deadLetterQueue.#adopt(message, this.arn);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.received = true;
      message.visibleAt = now + visibility * 1000;
      message.receiptHandle = `${message.messageId}#${this.#newId()}`;
      this.#issuedHandles.set(message.receiptHandle, message.messageId);
      received.push({
        messageId: message.messageId,
        receiptHandle: message.receiptHandle,
        body: message.body,
        md5OfBody: message.md5OfBody,
        attributes: {
          ApproximateReceiveCount: String(message.receiveCount),
          SentTimestamp: String(message.sentTimestamp),
          SenderId: message.senderId,
          ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp),
          ...(message.deadLetterQueueSourceArn === undefined
            ? {}
            : { DeadLetterQueueSourceArn: message.deadLetterQueueSourceArn }),
        },
        messageAttributes: { ...message.messageAttributes },
      });
    }
    return received;
  }

  /**
   * DeleteMessage. Returns whether a message was deleted: a receipt handle from an earlier receive of a
   * message received again since (or already deleted) is accepted and does nothing, as in SQS.
   */
  delete(receiptHandle: string): boolean {
    const message = this.#byHandle(receiptHandle);
    if (!message || message.receiptHandle !== receiptHandle) return false;
    this.#messages.delete(message.messageId);
    return true;
  }

  /** ChangeMessageVisibility: 0 makes the message visible at once. */
  changeVisibility(receiptHandle: string, visibilityTimeoutSeconds: number): void {
    checkVisibilityTimeout(visibilityTimeoutSeconds);
    const message = this.#byHandle(receiptHandle);
    const now = this.#clock.now();
    if (!message || message.receiptHandle !== receiptHandle || message.visibleAt <= now) {
      throw new SqsError(
        'MessageNotInflight',
        'Message does not exist or is not available for visibility timeout change.',
      );
    }
    message.visibleAt = now + visibilityTimeoutSeconds * 1000;
    if (visibilityTimeoutSeconds === 0) this.#notify();
  }

  purge(): void {
    this.#messages.clear();
  }

  /** Messages that can be received now. */
  get approximateNumberOfMessages(): number {
    return this.#visible(this.#clock.now()).length;
  }

  /** Messages received and not yet deleted or visible again. */
  get approximateNumberOfMessagesNotVisible(): number {
    const now = this.#clock.now();
    return [...this.#messages.values()].filter((m) => m.received && m.visibleAt > now).length;
  }

  /** Every message the queue holds: visible, in flight or delayed. */
  get size(): number {
    this.#expire(this.#clock.now());
    return this.#messages.size;
  }

  /** When the next invisible (in flight or delayed) message becomes visible, if any. */
  nextVisibleAt(): number | undefined {
    const now = this.#clock.now();
    let next: number | undefined;
    for (const message of this.#messages.values()) {
      if (message.visibleAt > now && (next === undefined || message.visibleAt < next))
        next = message.visibleAt;
    }
    return next;
  }

  /** A snapshot of the stored messages, oldest first. */
  messages(): QueuedMessage[] {
    const now = this.#clock.now();
    return [...this.#messages.values()]
      .sort((a, b) => a.order - b.order)
      .map((m) => ({
        messageId: m.messageId,
        body: m.body,
        messageAttributes: { ...m.messageAttributes },
        receiveCount: m.receiveCount,
        sentTimestamp: m.sentTimestamp,
        inFlight: m.received && m.visibleAt > now,
        deadLetterQueueSourceArn: m.deadLetterQueueSourceArn,
      }));
  }

  /** Called (asynchronously) whenever messages may have become receivable. Returns an unsubscribe. */
  onAvailable(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #store(
    input: SendMessageInput,
    moved: StoredMessage | undefined,
    sourceArn?: string,
  ): { messageId: string; md5OfBody: string } {
    const attributes = input.messageAttributes ?? {};
    if (moved === undefined) {
      if (input.body.length === 0) {
        throw new SqsError('InvalidParameterValue', 'The request must contain the parameter MessageBody.');
      }
      const bytes =
        Buffer.byteLength(input.body) +
        Object.entries(attributes).reduce(
          (sum, [name, value]) =>
            sum +
            Buffer.byteLength(name) +
            Buffer.byteLength(value.DataType) +
            Buffer.byteLength(value.StringValue ?? '') +
            (value.BinaryValue?.byteLength ?? 0),
          0,
        );
      if (bytes > MAX_MESSAGE_BYTES) {
        throw new SqsError(
          'InvalidParameterValue',
          `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_MESSAGE_BYTES} bytes.`,
        );
      }
    }
    const now = this.#clock.now();
    const delay = moved ? 0 : (input.delaySeconds ?? this.delaySeconds);
    const message: StoredMessage = {
      messageId: moved?.messageId ?? this.#newId(),
      order: this.#order++,
      body: input.body,
      md5OfBody: md5(input.body),
      messageAttributes: { ...attributes },
      senderId: input.senderId ?? moved?.senderId ?? this.account,
      // A message moved to a dead-letter queue keeps its original enqueue time (and so its retention).
      sentTimestamp: moved?.sentTimestamp ?? now,
      deadLetterQueueSourceArn: sourceArn,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      receiptHandle: undefined,
      received: false,
    };
    this.#messages.set(message.messageId, message);
    this.#notify();
    return { messageId: message.messageId, md5OfBody: message.md5OfBody };
  }

  #adopt(message: StoredMessage, sourceArn: string): void {
    this.#store({ body: message.body, messageAttributes: message.messageAttributes }, message, sourceArn);
  }

  #visible(now: number): StoredMessage[] {
    return [...this.#messages.values()].filter((m) => m.visibleAt <= now).sort((a, b) => a.order - b.order);
  }

  #expire(now: number): void {
    const retention = this.messageRetentionSeconds * 1000;
    for (const message of this.#messages.values()) {
      if (now - message.sentTimestamp >= retention) this.#messages.delete(message.messageId);
    }
  }

  #byHandle(receiptHandle: string): StoredMessage | undefined {
    const messageId = this.#issuedHandles.get(receiptHandle);
    if (messageId === undefined) {
      throw new SqsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`,
      );
    }
    return this.#messages.get(messageId);
  }

  #notify(): void {
    if (this.#listeners.size === 0) return;
    queueMicrotask(() => {
      for (const listener of this.#listeners) listener();
    });
  }
}

function checkVisibilityTimeout(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_VISIBILITY_TIMEOUT_SECONDS) {
    throw new SqsError(
      'InvalidParameterValue',
      `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// The event source mapping

/** What happened to one batch: which messages were deleted and which will be seen again. */
export interface BatchOutcome {
  messageIds: string[];
  /** Messages left on the queue (visible again after the visibility timeout). */
  failedMessageIds: string[];
  /** Set when the invocation failed as a whole (the handler threw, or its batch response was invalid). */
  error?: string;
}

export interface SqsEventSourceOptions {
  queue: LocalQueue;
  /** Invokes the function synchronously with the batch; resolves with its response, rejects on a function error. */
  invoke(event: SQSEvent): Promise<unknown>;
  /** AWS default 10. Above 10 needs a batching window. */
  batchSize?: number;
  /** AWS default 0: invoke as soon as messages are there. */
  maximumBatchingWindowSeconds?: number;
  /** `FunctionResponseTypes: ["ReportBatchItemFailures"]`. */
  reportBatchItemFailures?: boolean;
  /** Batches in flight at once. AWS starts with five pollers; `ScalingConfig.MaximumConcurrency` caps it. */
  maximumConcurrency?: number;
  clock?: Clock;
  onBatch?(outcome: BatchOutcome): void;
}

const MAX_BATCH_SIZE = 10_000;
const MAX_BATCHING_WINDOW_SECONDS = 300;

/**
 * Lambda's SQS poller: receives batches, invokes the function, deletes what succeeded. A thrown error
 * leaves the whole batch to reappear after the visibility timeout; with ReportBatchItemFailures only the
 * messages the function names do. The queue's redrive policy moves a message to its DLQ once it has been
 * received maxReceiveCount times.
 */
export class SqsEventSource {
  readonly queue: LocalQueue;
  readonly #invoke: (event: SQSEvent) => Promise<unknown>;
  readonly #batchSize: number;
  readonly #windowMs: number;
  readonly #reportBatchItemFailures: boolean;
  readonly #maximumConcurrency: number;
  readonly #clock: Clock;
  readonly #onBatch: ((outcome: BatchOutcome) => void) | undefined;
  #running = false;
  #inFlight = new Set<Promise<void>>();
  #collecting: ReceivedMessage[] = [];
  #cancelWindow: (() => void) | undefined;
  #cancelWake: (() => void) | undefined;
  #unsubscribe: (() => void) | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(options: SqsEventSourceOptions) {
    const batchSize = options.batchSize ?? 10;
    const window = options.maximumBatchingWindowSeconds ?? 0;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
      throw new RangeError(`BatchSize must be between 1 and ${MAX_BATCH_SIZE}, not ${batchSize}`);
    }
    if (window < 0 || window > MAX_BATCHING_WINDOW_SECONDS) {
      throw new RangeError(
        `MaximumBatchingWindowInSeconds must be between 0 and ${MAX_BATCHING_WINDOW_SECONDS}, not ${window}`,
      );
    }
    if (batchSize > 10 && window === 0) {
      throw new RangeError(
        'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
      );
    }
    this.queue = options.queue;
    this.#invoke = options.invoke;
    this.#batchSize = batchSize;
    this.#windowMs = window * 1000;
    this.#reportBatchItemFailures = options.reportBatchItemFailures ?? false;
    this.#maximumConcurrency = options.maximumConcurrency ?? 5;
    this.#clock = options.clock ?? systemClock;
    this.#onBatch = options.onBatch;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.queue.onAvailable(() => this.#pump());
    this.#pump();
  }

  /** Stops polling; waits for batches in flight. Messages gathered but not yet handed over become visible again. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    this.#cancelWake?.();
    this.#cancelWindow?.();
    this.#cancelWake = this.#cancelWindow = undefined;
    for (const message of this.#collecting) {
      try {
        this.queue.changeVisibility(message.receiptHandle, 0);
      } catch {
        // Already visible again: nothing to give back.
      }
    }
    this.#collecting = [];
    await Promise.all(this.#inFlight);
    this.#checkIdle();
  }

  /** Resolves when the queue is empty (nothing visible, in flight or delayed) and no batch is running. */
  drain(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Whether the queue is empty and no batch is running or being gathered. */
  get idle(): boolean {
    return this.#idle();
  }

  /**
   * What the poller holds, for an engine that does not settle: batches running, messages being gathered,
   * whether a wake-up is set, and each message's receive count and when it is visible (ms on the queue's clock;
   * negative: visible now).
   */
  describe(): string {
    const now = this.#clock.now();
    const messages = this.queue
      .messages()
      .map((m) => `${m.messageId.slice(0, 8)} received ${m.receiveCount}×${m.inFlight ? ' in flight' : ''}`);
    const next = this.queue.nextVisibleAt();
    return [
      `${this.#inFlight.size} batch(es) running`,
      `${this.#collecting.length} gathering`,
      `wake-up ${this.#cancelWake ? 'set' : 'not set'}`,
      `next visible ${next === undefined ? '—' : `in ${next - now} ms`}`,
      ...messages,
    ].join(', ');
  }

  #idle(): boolean {
    return this.queue.size === 0 && this.#inFlight.size === 0 && this.#collecting.length === 0;
  }

  #checkIdle(): void {
    if (!this.#idle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #pump(): void {
    if (!this.#running) return;
    this.#cancelWake?.();
    this.#cancelWake = undefined;
    while (this.#inFlight.size < this.#maximumConcurrency) {
      this.#collect();
      if (this.#collecting.length === 0) break;
      if (this.#collecting.length >= this.#batchSize || this.#windowMs === 0) {
        this.#flush();
        continue;
      }
      this.#cancelWindow ??= this.#clock.setTimeout(() => {
        this.#cancelWindow = undefined;
        if (this.#collecting.length > 0) this.#flush();
        this.#pump();
      }, this.#windowMs);
      break;
    }
    const next = this.queue.nextVisibleAt();
    if (next !== undefined) {
      this.#cancelWake = this.#clock.setTimeout(() => this.#pump(), next - this.#clock.now());
    }
    this.#checkIdle();
  }

  #collect(): void {
    while (this.#collecting.length < this.#batchSize) {
      const room = Math.min(10, this.#batchSize - this.#collecting.length);
      const received = this.queue.receive({ maxNumberOfMessages: room });
      if (received.length === 0) return;
      this.#collecting.push(...received);
    }
  }

  #flush(): void {
    const batch = this.#collecting;
    this.#collecting = [];
    this.#cancelWindow?.();
    this.#cancelWindow = undefined;
    const run = this.#run(batch)
      .catch((error: unknown) => console.error('SQS event source: batch handling failed', error))
      .finally(() => {
        this.#inFlight.delete(run);
        this.#pump();
      });
    this.#inFlight.add(run);
  }

  async #run(batch: ReceivedMessage[]): Promise<void> {
    const messageIds = batch.map((m) => m.messageId);
    let failed: Set<string>;
    let error: string | undefined;
    try {
      const response = await this.#invoke({ Records: batch.map((message) => this.#record(message)) });
      if (this.#reportBatchItemFailures) {
        const parsed = parseBatchItemFailures(response, messageIds);
        failed = parsed.failed;
        error = parsed.invalid;
      } else {
        failed = new Set();
      }
    } catch (thrown) {
      failed = new Set(messageIds);
      error = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
    }
    for (const message of batch) {
      if (!failed.has(message.messageId)) this.queue.delete(message.receiptHandle);
    }
    this.#onBatch?.({
      messageIds,
      failedMessageIds: messageIds.filter((id) => failed.has(id)),
      ...(error === undefined ? {} : { error }),
    });
  }

  #record(message: ReceivedMessage): SQSRecord {
    const md5OfAttributes = md5OfMessageAttributes(message.messageAttributes);
    const messageAttributes: Record<string, SQSMessageAttribute> = {};
    for (const [name, value] of Object.entries(message.messageAttributes)) {
      messageAttributes[name] = {
        ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
        ...(value.BinaryValue === undefined
          ? {}
          : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
        stringListValues: [],
        binaryListValues: [],
        dataType: value.DataType as SQSMessageAttribute['dataType'],
      };
    }
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle,
      body: message.body,
      attributes: message.attributes,
      messageAttributes,
      md5OfBody: message.md5OfBody,
      ...(md5OfAttributes === undefined ? {} : { md5OfMessageAttributes: md5OfAttributes }),
      eventSource: 'aws:sqs',
      eventSourceARN: this.queue.arn,
      awsRegion: this.queue.region,
    };
  }
}

/**
 * The messages a partial batch response reports as failed, by AWS's rules: no response, an empty response
 * or an empty list mean all succeeded; an entry without an identifier, or naming a message not in the
 * batch, or a response of the wrong shape fail the whole batch (`invalid` says why).
 */
export function parseBatchItemFailures(
  response: unknown,
  messageIds: readonly string[],
): { failed: Set<string>; invalid?: string } {
  const all = new Set(messageIds);
  if (response === undefined || response === null) return { failed: new Set() };
  if (typeof response !== 'object' || Array.isArray(response)) {
    return { failed: all, invalid: 'the response is not a batch response object' };
  }
  const list = (response as Partial<SQSBatchResponse>).batchItemFailures;
  if (list === undefined || list === null) return { failed: new Set() };
  if (!Array.isArray(list)) return { failed: all, invalid: 'batchItemFailures is not a list' };
  const failed = new Set<string>();
  for (const item of list as unknown[]) {
    const id =
      typeof item === 'object' && item !== null
        ? (item as { itemIdentifier?: unknown }).itemIdentifier
        : undefined;
    if (typeof id !== 'string' || id === '') {
      return { failed: all, invalid: 'a batch item failure has no itemIdentifier' };
    }
    if (!all.has(id)) return { failed: all, invalid: `itemIdentifier ${id} is not a message of this batch` };
    failed.add(id);
  }
  return { failed };
}
