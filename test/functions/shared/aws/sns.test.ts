// The functions' SNS client (notify's Publish): the awsQuery form it sends, the XML it reads back, and how it
// treats SNS's errors — a throttled Publish is retried, a refused one is not — against a scripted transport.
import { describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse } from '../../../../functions/shared/aws/client.ts';
import { publishForm, SnsQueryClient, xmlText } from '../../../../functions/shared/aws/sns.ts';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const TOPIC = 'arn:aws:sns:cn-northwest-1:123456789012:rankwatch-alerts';

function scripted(...answers: HttpResponse[]) {
  const sent: HttpRequest[] = [];
  const transport = async (req: HttpRequest) => {
    sent.push(req);
    const next = answers.shift();
    if (!next) throw new Error('no scripted answer left');
    return next;
  };
  return { sent, transport };
}
const published = (id: string): HttpResponse => ({
  status: 200,
  headers: {},
  body: `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${id}</MessageId></PublishResult><ResponseMetadata><RequestId>r-0</RequestId></ResponseMetadata></PublishResponse>`,
});
const refused = (
  status: number,
  type: 'Sender' | 'Receiver',
  code: string,
  message: string,
): HttpResponse => ({
  status,
  headers: {},
  body: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-${status}</RequestId></ErrorResponse>`,
});

describe('the SNS Publish form (awsQuery)', () => {
  it("percent-encodes every value as RFC 3986 (CJK, spaces, !'()*, &, =) and numbers attributes from 1", () => {
    const form = publishForm({
      TopicArn: TOPIC,
      Message: '兰州市 排名下降 (1→3)! a&b=c*',
      Subject: "it's",
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'slipped' },
        level: { DataType: 'Number', StringValue: '2' },
      },
    });
    const pairs = form.split('&');
    expect(pairs.slice(0, 2)).toEqual(['Action=Publish', 'Version=2010-03-31']);
    expect(pairs).toContain(`TopicArn=${encodeURIComponent(TOPIC)}`);
    expect(pairs).toContain(
      'Message=%E5%85%B0%E5%B7%9E%E5%B8%82%20%E6%8E%92%E5%90%8D%E4%B8%8B%E9%99%8D%20%281%E2%86%923%29%21%20a%26b%3Dc%2A',
    );
    expect(pairs).toContain('Subject=it%27s');
    expect(pairs.slice(-6)).toEqual([
      'MessageAttributes.entry.1.Name=kind',
      'MessageAttributes.entry.1.Value.DataType=String',
      'MessageAttributes.entry.1.Value.StringValue=slipped',
      'MessageAttributes.entry.2.Name=level',
      'MessageAttributes.entry.2.Value.DataType=Number',
      'MessageAttributes.entry.2.Value.StringValue=2',
    ]);
    // What a form reader (the local server, SNS) gets back is what was given.
    const read = new URLSearchParams(form);
    expect(read.get('Message')).toBe('兰州市 排名下降 (1→3)! a&b=c*');
    expect(read.get('Subject')).toBe("it's");
  });

  it('leaves out Subject and attributes when there are none', () => {
    expect(publishForm({ TopicArn: 't', Message: 'm' })).toBe(
      'Action=Publish&Version=2010-03-31&TopicArn=t&Message=m',
    );
  });
});

describe('xmlText', () => {
  it('reads the first element’s text and decodes named and numeric entities', () => {
    expect(
      xmlText('<a><Message>x &lt;y&gt; &amp; &quot;z&quot; &apos;&#20848;&#x5DDE;</Message></a>', 'Message'),
    ).toBe('x <y> & "z" \'兰州');
    expect(xmlText('<a><Code>A</Code><Code>B</Code></a>', 'Code')).toBe('A');
    expect(xmlText('<a/>', 'Code')).toBeUndefined();
  });
});

describe('SnsQueryClient.publish', () => {
  it('POSTs the signed form and returns the MessageId', async () => {
    const { sent, transport } = scripted(published('m-1'));
    const client = new SnsQueryClient({ region: 'cn-northwest-1', credentials, transport });
    expect(await client.publish({ TopicArn: TOPIC, Message: 'hi' })).toEqual({ MessageId: 'm-1' });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url.href).toBe('https://sns.cn-northwest-1.amazonaws.com.cn/');
    expect(sent[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(sent[0]!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/cn-northwest-1\/sns\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(sent[0]!.body).toBe(
      `Action=Publish&Version=2010-03-31&TopicArn=${encodeURIComponent(TOPIC)}&Message=hi`,
    );
  });

  it('retries a throttled Publish (Throttling, 400 Sender) and succeeds on the next attempt', async () => {
    const { sent, transport } = scripted(
      refused(400, 'Sender', 'Throttling', 'Rate exceeded'),
      published('m-2'),
    );
    const client = new SnsQueryClient({ region: 'cn-northwest-1', credentials, transport, maxAttempts: 2 });
    expect(await client.publish({ TopicArn: TOPIC, Message: 'hi' })).toEqual({ MessageId: 'm-2' });
    expect(sent).toHaveLength(2);
  });

  it('retries a server error (500 Receiver) up to maxAttempts, then throws it with the attempts', async () => {
    const { sent, transport } = scripted(
      refused(500, 'Receiver', 'InternalError', 'oops'),
      refused(500, 'Receiver', 'InternalError', 'oops again'),
    );
    const client = new SnsQueryClient({ region: 'cn-northwest-1', credentials, transport, maxAttempts: 2 });
    await expect(client.publish({ TopicArn: TOPIC, Message: 'hi' })).rejects.toMatchObject({
      name: 'InternalError',
      message: 'oops again',
      $fault: 'server',
      $metadata: { httpStatusCode: 500, requestId: 'r-500', attempts: 2 },
    });
    expect(sent).toHaveLength(2);
  });

  it('does not retry a refusal (AuthorizationError 403, NotFound 404, InvalidParameter 400): one attempt each', async () => {
    for (const [status, code] of [
      [403, 'AuthorizationError'],
      [404, 'NotFound'],
      [400, 'InvalidParameter'],
    ] as const) {
      const { sent, transport } = scripted(refused(status, 'Sender', code, `${code} &amp; more`));
      const client = new SnsQueryClient({ region: 'cn-northwest-1', credentials, transport, maxAttempts: 3 });
      await expect(client.publish({ TopicArn: TOPIC, Message: 'hi' })).rejects.toMatchObject({
        name: code,
        message: `${code} & more`,
        $fault: 'client',
        $metadata: { httpStatusCode: status, attempts: 1 },
      });
      expect(sent, code).toHaveLength(1);
    }
  });

  it('names the HTTP status when the error body is not SNS XML', async () => {
    const { transport } = scripted({ status: 502, headers: {}, body: '<html>Bad Gateway</html>' });
    const client = new SnsQueryClient({ region: 'cn-northwest-1', credentials, transport, maxAttempts: 1 });
    await expect(client.publish({ TopicArn: TOPIC, Message: 'hi' })).rejects.toMatchObject({
      name: 'Http502Error',
      message: 'sns answered HTTP 502',
      $fault: 'server',
    });
  });

  it('refuses a 200 answer without a MessageId instead of reporting a publish that cannot be traced', async () => {
    const { transport } = scripted({ status: 200, headers: {}, body: '<PublishResponse/>' });
    const client = new SnsQueryClient({ region: 'cn-northwest-1', credentials, transport, maxAttempts: 1 });
    await expect(client.publish({ TopicArn: TOPIC, Message: 'hi' })).rejects.toThrow(
      /SNS Publish answered without a MessageId/,
    );
  });
});
