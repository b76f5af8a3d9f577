import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalQueue, md5OfMessageAttributes } from '../../local/sqs.ts';
import { type SqsServer, startSqsServer } from '../../local/sqs-server.ts';

let queues: Map<string, LocalQueue>;
let server: SqsServer;
let client: SQSClient;
let rejected: LocalQueue;

beforeEach(async () => {
  const dlq = new LocalQueue({ name: 'rejected-dlq', region: 'cn-northwest-1', account: '123456789012' });
  rejected = new LocalQueue({
    name: 'rejected',
    region: 'cn-northwest-1',
    account: '123456789012',
    redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount: 5 },
  });
  queues = new Map([
    [rejected.name, rejected],
    [dlq.name, dlq],
  ]);
  server = await startSqsServer({ queues });
  client = new SQSClient({
    endpoint: server.url,
    region: 'cn-northwest-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  client.destroy();
  await server.close();
});

describe('the local SQS endpoint', () => {
  it('takes a message with attributes from the SDK (which checks the MD5s) and gives it back', async () => {
    const QueueUrl = server.queueUrl(rejected);
    expect(QueueUrl).toBe(`${server.url}/123456789012/rejected`);
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: '{"detail":{"value":"x"}}',
        MessageAttributes: {
          cause: { DataType: 'String', StringValue: 'unknown indicator' },
          originalEventId: { DataType: 'String', StringValue: 'e-1' },
        },
      }),
    );
    expect(sent.MessageId).toBeDefined();
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(rejected.messages().map((m) => m.messageAttributes.cause?.StringValue)).toEqual([
      'unknown indicator',
    ]);

    const received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const [message] = received.Messages ?? [];
    expect(message?.Body).toBe('{"detail":{"value":"x"}}');
    expect(message?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(message?.MessageAttributes?.originalEventId?.StringValue).toBe('e-1');
    expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);

    await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message!.ReceiptHandle }));
    expect(rejected.size).toBe(0);
  });

  it('computes MD5OfMessageAttributes as SQS does', () => {
    // Reference value from moto's SQS test suite.
    expect(
      md5OfMessageAttributes({
        'SOME_Valid.attribute-Name': { DataType: 'Number', StringValue: '1493147359900' },
      }),
    ).toBe('36655e7e9d7c0e8479fa3f3f42247ae7');
  });

  it('returns only the attributes asked for', async () => {
    const QueueUrl = server.queueUrl(rejected);
    await client.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'x',
        MessageAttributes: { a: { DataType: 'String', StringValue: '1' } },
      }),
    );
    const [message] = (await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages ?? [];
    expect(message?.Attributes).toBeUndefined();
    expect(message?.MessageAttributes).toBeUndefined();
  });

  it('finds queues by name and describes them', async () => {
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: 'rejected' }));
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
    );
    expect(Attributes).toMatchObject({
      QueueArn: 'arn:aws:sqs:cn-northwest-1:123456789012:rejected',
      ApproximateNumberOfMessages: '0',
      VisibilityTimeout: '30',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: 'arn:aws:sqs:cn-northwest-1:123456789012:rejected-dlq',
        maxReceiveCount: 5,
      }),
    });
  });

  it('answers an unknown queue with QueueDoesNotExist', async () => {
    const error = await client
      .send(new SendMessageCommand({ QueueUrl: `${server.url}/123456789012/nope`, MessageBody: 'x' }))
      .catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('QueueDoesNotExist');
  });

  it('sends a batch, failing only the entries SQS would refuse', async () => {
    const out = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: server.queueUrl(rejected),
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: 'x'.repeat(1024 * 1024 + 1) },
        ],
      }),
    );
    expect(out.Successful?.map((s) => s.Id)).toEqual(['a']);
    expect(out.Failed).toEqual([
      expect.objectContaining({ Id: 'b', SenderFault: true, Code: 'InvalidParameterValue' }),
    ]);
  });

  it('long-polls until a message arrives', async () => {
    const QueueUrl = server.queueUrl(rejected);
    const started = Date.now();
    const polling = client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }));
    setTimeout(() => rejected.send({ body: 'late' }), 100);
    const { Messages } = await polling;
    expect(Messages?.map((m) => m.Body)).toEqual(['late']);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('makes a message visible again with ChangeMessageVisibility 0', async () => {
    const QueueUrl = server.queueUrl(rejected);
    rejected.send({ body: 'again' });
    const [first] = (await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages ?? [];
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: first!.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const [second] = (await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages ?? [];
    expect(second?.MessageId).toBe(first?.MessageId);
  });

  it('closes promptly while a long poll is waiting', async () => {
    const local = await startSqsServer({ queues });
    const poller = new SQSClient({
      endpoint: local.url,
      region: 'x',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const polling = poller
      .send(new ReceiveMessageCommand({ QueueUrl: local.queueUrl(rejected), WaitTimeSeconds: 20 }))
      .catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await local.close();
    await polling;
    poller.destroy();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
