// The local SQS queues over HTTP, in the SQS JSON protocol (`X-Amz-Target: AmazonSQS.<Operation>`), so that
// functions using the AWS SDK (the ingest function keeps rejected records in a queue) and the AWS CLI reach
// them with an endpoint URL. Requests are not authenticated.

import { AwsApiError, type LocalServer, startJsonApiServer } from './aws-json-server.ts';
import {
  type LocalQueue,
  type MessageAttributeValue,
  md5OfMessageAttributes,
  type ReceivedMessage,
  SqsError,
} from './sqs.ts';

export interface SqsServer extends LocalServer {
  /** The URL of a queue on this server, `<url>/<account>/<name>`. */
  queueUrl(queue: LocalQueue): string;
}

export interface SqsServerOptions {
  /** The queues by name; looked up on every request, so queues added later are found. */
  queues: ReadonlyMap<string, LocalQueue>;
  port?: number;
  host?: string;
}

const MAX_WAIT_SECONDS = 20;
const MAX_BATCH_ENTRIES = 10;

export async function startSqsServer(options: SqsServerOptions): Promise<SqsServer> {
  const waits = new Set<() => void>();
  let baseUrl = '';
  const server = await startJsonApiServer({
    service: 'rankwatch local SQS',
    targetPrefix: 'AmazonSQS.',
    contentType: 'application/x-amz-json-1.0',
    errorTypePrefix: 'com.amazonaws.sqs#',
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
    operate: (operation, input) => operate(operation, input),
    describeError: (error) =>
      error instanceof SqsError ? { status: 400, code: error.name, message: error.message } : undefined,
    onClose: () => {
      for (const stop of waits) stop();
    },
  });
  baseUrl = server.url;
  const urlOf = (queue: LocalQueue) => `${baseUrl}/${queue.account}/${queue.name}`;

  function queueAt(input: Record<string, unknown>): LocalQueue {
    const url = input.QueueUrl;
    if (typeof url !== 'string' || url === '') {
      throw new AwsApiError('MissingParameter', 'The request must contain the parameter QueueUrl.');
    }
    const name = url.replace(/\/+$/, '').split('/').pop() ?? '';
    const queue = options.queues.get(name);
    if (!queue) throw new AwsApiError('QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  }

  async function operate(operation: string, input: Record<string, unknown>): Promise<unknown> {
    switch (operation) {
      case 'GetQueueUrl': {
        const queue = options.queues.get(String(input.QueueName ?? ''));
        if (!queue) throw new AwsApiError('QueueDoesNotExist', 'The specified queue does not exist.');
        return { QueueUrl: urlOf(queue) };
      }
      case 'ListQueues': {
        const prefix = typeof input.QueueNamePrefix === 'string' ? input.QueueNamePrefix : '';
        return {
          QueueUrls: [...options.queues.values()].filter((q) => q.name.startsWith(prefix)).map(urlOf),
        };
      }
      case 'SendMessage': {
        const queue = queueAt(input);
        return sendOne(queue, input);
      }
      case 'SendMessageBatch': {
        const queue = queueAt(input);
        return batch(input, (entry) => {
          const { MessageId, MD5OfMessageBody, MD5OfMessageAttributes } = sendOne(queue, entry);
          return {
            MessageId,
            MD5OfMessageBody,
            ...(MD5OfMessageAttributes === undefined ? {} : { MD5OfMessageAttributes }),
          };
        });
      }
      case 'ReceiveMessage':
        return { Messages: await receive(queueAt(input), input) };
      case 'DeleteMessage':
        queueAt(input).delete(requiredString(input, 'ReceiptHandle'));
        return {};
      case 'DeleteMessageBatch': {
        const queue = queueAt(input);
        return batch(input, (entry) => {
          queue.delete(requiredString(entry, 'ReceiptHandle'));
          return {};
        });
      }
      case 'ChangeMessageVisibility':
        queueAt(input).changeVisibility(
          requiredString(input, 'ReceiptHandle'),
          Number(input.VisibilityTimeout),
        );
        return {};
      case 'GetQueueAttributes':
        return { Attributes: attributesOf(queueAt(input), input.AttributeNames) };
      case 'PurgeQueue':
        queueAt(input).purge();
        return {};
      default:
        throw new AwsApiError(
          'UnsupportedOperation',
          `Operation ${operation} is not supported by the local SQS.`,
        );
    }
  }

  async function receive(queue: LocalQueue, input: Record<string, unknown>): Promise<unknown[]> {
    const options = {
      ...(input.MaxNumberOfMessages === undefined
        ? {}
        : { maxNumberOfMessages: Number(input.MaxNumberOfMessages) }),
      ...(input.VisibilityTimeout === undefined
        ? {}
        : { visibilityTimeoutSeconds: Number(input.VisibilityTimeout) }),
    };
    const wait = Math.min(MAX_WAIT_SECONDS, Math.max(0, Number(input.WaitTimeSeconds ?? 0)));
    let messages = queue.receive(options);
    if (messages.length === 0 && wait > 0) {
      // Long polling: answer as soon as a message may be there, or when the wait is over.
      const deadline = Date.now() + wait * 1000;
      while (messages.length === 0 && Date.now() < deadline) {
        const stopped = await waitForMessages(queue, deadline);
        messages = queue.receive(options);
        if (stopped) break;
      }
    }
    const systemNames = [...asStrings(input.AttributeNames), ...asStrings(input.MessageSystemAttributeNames)];
    const attributeNames = asStrings(input.MessageAttributeNames);
    return messages.map((message) => wireMessage(message, systemNames, attributeNames));
  }

  /** Resolves when the queue may have a message, at the deadline, or when the server closes (true). */
  function waitForMessages(queue: LocalQueue, deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const next = queue.nextVisibleAt();
      const until = Math.min(deadline, next ?? deadline) - Date.now();
      const finish = (stopped: boolean) => {
        clearTimeout(timer);
        unsubscribe();
        waits.delete(stop);
        resolve(stopped);
      };
      const stop = () => finish(true);
      const timer = setTimeout(() => finish(false), Math.max(0, until));
      const unsubscribe = queue.onAvailable(() => finish(false));
      waits.add(stop);
    });
  }

  return { ...server, queueUrl: urlOf };
}

function sendOne(
  queue: LocalQueue,
  input: Record<string, unknown>,
): { MessageId: string; MD5OfMessageBody: string; MD5OfMessageAttributes?: string } {
  const body = input.MessageBody;
  if (typeof body !== 'string') {
    throw new AwsApiError('MissingParameter', 'The request must contain the parameter MessageBody.');
  }
  const attributes = messageAttributesFromWire(input.MessageAttributes);
  const { messageId, md5OfBody } = queue.send({
    body,
    messageAttributes: attributes,
    ...(input.DelaySeconds === undefined ? {} : { delaySeconds: Number(input.DelaySeconds) }),
  });
  const md5Attributes = md5OfMessageAttributes(attributes);
  return {
    MessageId: messageId,
    MD5OfMessageBody: md5OfBody,
    ...(md5Attributes === undefined ? {} : { MD5OfMessageAttributes: md5Attributes }),
  };
}

/** A batch call: up to ten entries with distinct ids, each succeeding or failing on its own. */
function batch(
  input: Record<string, unknown>,
  run: (entry: Record<string, unknown>) => Record<string, unknown>,
): { Successful: unknown[]; Failed: unknown[] } {
  const entries = Array.isArray(input.Entries) ? (input.Entries as Record<string, unknown>[]) : [];
  if (entries.length === 0) {
    throw new AwsApiError('EmptyBatchRequest', 'There should be at least one entry in the request.');
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw new AwsApiError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
    );
  }
  const ids = new Set<string>();
  for (const entry of entries) {
    const id = String(entry.Id ?? '');
    if (ids.has(id)) throw new AwsApiError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    ids.add(id);
  }
  const Successful: unknown[] = [];
  const Failed: unknown[] = [];
  for (const entry of entries) {
    try {
      Successful.push({ Id: entry.Id, ...run(entry) });
    } catch (error) {
      if (!(error instanceof SqsError || error instanceof AwsApiError)) throw error;
      Failed.push({
        Id: entry.Id,
        SenderFault: true,
        Code: error instanceof SqsError ? error.name : error.code,
        Message: error.message,
      });
    }
  }
  return { Successful, Failed };
}

function messageAttributesFromWire(value: unknown): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {};
  if (typeof value !== 'object' || value === null) return attributes;
  for (const [name, raw] of Object.entries(value as Record<string, Record<string, unknown>>)) {
    attributes[name] = {
      DataType: String(raw.DataType ?? 'String'),
      ...(typeof raw.StringValue === 'string' ? { StringValue: raw.StringValue } : {}),
      ...(typeof raw.BinaryValue === 'string' ? { BinaryValue: Buffer.from(raw.BinaryValue, 'base64') } : {}),
    };
  }
  return attributes;
}

function wireMessage(message: ReceivedMessage, systemNames: string[], attributeNames: string[]): unknown {
  const allSystem = systemNames.includes('All');
  const attributes = Object.fromEntries(
    Object.entries(message.attributes).filter(([name]) => allSystem || systemNames.includes(name)),
  );
  const selected: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.messageAttributes)) {
    const wanted = attributeNames.some(
      (pattern) =>
        pattern === 'All' ||
        pattern === '.*' ||
        pattern === name ||
        (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
    );
    if (wanted) selected[name] = value;
  }
  const md5Attributes = md5OfMessageAttributes(message.messageAttributes);
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length === 0 ? {} : { Attributes: attributes }),
    ...(Object.keys(selected).length === 0
      ? {}
      : {
          MessageAttributes: Object.fromEntries(
            Object.entries(selected).map(([name, value]) => [
              name,
              {
                DataType: value.DataType,
                ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }),
                ...(value.BinaryValue === undefined
                  ? {}
                  : { BinaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
              },
            ]),
          ),
        }),
    ...(md5Attributes === undefined ? {} : { MD5OfMessageAttributes: md5Attributes }),
  };
}

function attributesOf(queue: LocalQueue, names: unknown): Record<string, string> {
  const all: Record<string, string> = {
    QueueArn: queue.arn,
    ApproximateNumberOfMessages: String(queue.approximateNumberOfMessages),
    ApproximateNumberOfMessagesNotVisible: String(queue.approximateNumberOfMessagesNotVisible),
    VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(queue.messageRetentionSeconds),
    DelaySeconds: String(queue.delaySeconds),
    ...(queue.redrivePolicy === undefined
      ? {}
      : {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: queue.redrivePolicy.deadLetterQueue.arn,
            maxReceiveCount: queue.redrivePolicy.maxReceiveCount,
          }),
        }),
  };
  const wanted = asStrings(names);
  if (wanted.includes('All')) return all;
  return Object.fromEntries(Object.entries(all).filter(([name]) => wanted.includes(name)));
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function requiredString(input: Record<string, unknown>, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value === '') {
    throw new AwsApiError('MissingParameter', `The request must contain the parameter ${field}.`);
  }
  return value;
}
