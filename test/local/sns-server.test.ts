// The local engine's SNS endpoint (Publish over awsQuery): what it delivers, and each refusal as SNS words it
// — InvalidAction, InvalidParameter, AuthorizationError 403, NotFound 404, an invalid attribute type — read
// back by the functions' own SNS client, so both ends of the protocol are checked against each other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnsQueryClient } from '../../functions/shared/aws/sns.ts';
import type { LocalServer } from '../../local/aws-json-server.ts';
import { AwsApiError } from '../../local/aws-json-server.ts';
import { LocalSnsTopic } from '../../local/sns.ts';
import { startSnsServer } from '../../local/sns-server.ts';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
let server: LocalServer;
let topic: LocalSnsTopic;
const seen: unknown[] = [];

beforeAll(async () => {
  topic = new LocalSnsTopic({ name: 'alerts', logFile: false, console: false, newId: () => 'mid-1' });
  server = await startSnsServer({
    topic: (arn) => (arn === topic.arn ? topic : undefined),
    authenticate: async (request) => {
      if (request.headers.authorization === undefined)
        throw new AwsApiError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
      return { arn: 'arn:aws:iam::000000000000:role/notify' };
    },
    authorise: (caller, arn) => {
      seen.push(caller);
      return arn.endsWith(':forbidden')
        ? `not authorized to perform: SNS:Publish on resource: ${arn}`
        : undefined;
    },
  });
});
afterAll(() => server.close());

const client = () =>
  new SnsQueryClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
const form = (fields: Record<string, string>) =>
  fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'AWS4-HMAC-SHA256 x' },
    body: new URLSearchParams(fields).toString(),
  });

describe('the local SNS server', () => {
  it('publishes a signed Publish to the topic with its subject and attributes, answering the MessageId in XML', async () => {
    const out = await client().publish({
      TopicArn: topic.arn,
      Message: '兰州市 排名下降 & more',
      Subject: '【严重】<预警>',
      MessageAttributes: {
        owner: { DataType: 'String', StringValue: 'hotline12345' },
        level: { DataType: 'Number', StringValue: '2' },
      },
    });
    expect(out).toEqual({ MessageId: 'mid-1' });
    const m = topic.messages().at(-1)!;
    expect(m.message).toBe('兰州市 排名下降 & more');
    expect(m.subject).toBe('【严重】<预警>');
    expect(m.messageAttributes).toEqual({
      owner: { dataType: 'String', stringValue: 'hotline12345' },
      level: { dataType: 'Number', stringValue: '2' },
    });
    expect(seen.at(-1)).toEqual({ arn: 'arn:aws:iam::000000000000:role/notify' });
  });

  it('refuses another action (InvalidAction), a missing TopicArn or Message (InvalidParameter), with SNS’s XML error', async () => {
    const other = await form({ Action: 'Subscribe', TopicArn: topic.arn });
    expect(other.status).toBe(400);
    const xml = await other.text();
    expect(xml).toMatch(/<Type>Sender<\/Type><Code>InvalidAction<\/Code>/);
    expect(xml).toMatch(/<RequestId>[0-9a-f-]{36}<\/RequestId>/);
    const noTopic = await form({ Action: 'Publish', Message: 'x' });
    expect([noTopic.status, await noTopic.text()]).toEqual([
      400,
      expect.stringContaining('Invalid parameter: TopicArn'),
    ]);
    const before = topic.messages().length;
    const noMessage = await form({ Action: 'Publish', TopicArn: topic.arn });
    expect([noMessage.status, await noMessage.text()]).toEqual([
      400,
      expect.stringContaining('Invalid parameter: Message'),
    ]);
    // An empty message is the topic's refusal (SnsError), answered as InvalidParameter.
    await expect(client().publish({ TopicArn: topic.arn, Message: '' })).rejects.toMatchObject({
      name: 'InvalidParameter',
      message: 'Invalid parameter: Empty message',
      $metadata: { httpStatusCode: 400 },
    });
    expect(topic.messages()).toHaveLength(before);
  });

  it('refuses an unsigned request, a caller its role does not allow (403) and an unknown topic (404)', async () => {
    const unsigned = await fetch(server.url, {
      method: 'POST',
      body: new URLSearchParams({ Action: 'Publish', TopicArn: topic.arn, Message: 'x' }).toString(),
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>MissingAuthenticationToken</Code>');
    const forbidden = topic.arn.replace(/:alerts$/, ':forbidden');
    await expect(client().publish({ TopicArn: forbidden, Message: 'x' })).rejects.toMatchObject({
      name: 'AuthorizationError',
      message: `not authorized to perform: SNS:Publish on resource: ${forbidden}`,
      $metadata: { httpStatusCode: 403, attempts: 1 },
    });
    const missing = topic.arn.replace(/:alerts$/, ':nosuch');
    await expect(client().publish({ TopicArn: missing, Message: 'x' })).rejects.toMatchObject({
      name: 'NotFound',
      message: 'Topic does not exist',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('refuses an attribute with an invalid type, naming the attribute, and publishes nothing', async () => {
    const before = topic.messages().length;
    const bad = await form({
      Action: 'Publish',
      TopicArn: topic.arn,
      Message: 'x',
      'MessageAttributes.entry.1.Name': 'owner',
      'MessageAttributes.entry.1.Value.DataType': 'Text',
      'MessageAttributes.entry.1.Value.StringValue': 'a',
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain(
      '<Code>ParameterValueInvalid</Code><Message>The message attribute &apos;owner&apos; has an invalid message attribute type</Message>',
    );
    expect(topic.messages()).toHaveLength(before);
  });
});
