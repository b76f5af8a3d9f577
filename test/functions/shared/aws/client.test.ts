import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AwsConfigError,
  AwsJsonClient,
  AwsServiceError,
  errorName,
  type HttpRequest,
  type HttpResponse,
  httpTransport,
} from '../../../../functions/shared/aws/client.ts';
import { DYNAMODB } from '../../../../functions/shared/aws/dynamodb.ts';
import { EVENTBRIDGE } from '../../../../functions/shared/aws/eventbridge.ts';
import { SQS } from '../../../../functions/shared/aws/sqs.ts';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

/** A transport answering from a list, keeping what was sent. */
function scripted(...answers: (HttpResponse | Error)[]) {
  const sent: HttpRequest[] = [];
  const transport = async (req: HttpRequest) => {
    sent.push(req);
    const next = answers.shift();
    if (!next) throw new Error('no scripted answer left');
    if (next instanceof Error) throw next;
    return next;
  };
  return { sent, transport };
}
const ok = (body: unknown): HttpResponse => ({ status: 200, headers: {}, body: JSON.stringify(body) });
const failed = (status: number, body: unknown, headers: HttpResponse['headers'] = {}): HttpResponse => ({
  status,
  headers: { 'x-amzn-requestid': 'req-1', ...headers },
  body: JSON.stringify(body),
});
const errno = (code: string, message: string) => Object.assign(new Error(message), { code });

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('AwsJsonClient: endpoint, region and credentials', () => {
  it('reaches the regional endpoint of the region’s partition (amazonaws.com.cn in China)', () => {
    expect(new AwsJsonClient(DYNAMODB, { region: 'cn-northwest-1' }).endpoint.href).toBe(
      'https://dynamodb.cn-northwest-1.amazonaws.com.cn/',
    );
    expect(new AwsJsonClient(EVENTBRIDGE, { region: 'cn-north-1' }).endpoint.href).toBe(
      'https://events.cn-north-1.amazonaws.com.cn/',
    );
    expect(new AwsJsonClient(SQS, { region: 'eu-west-1' }).endpoint.href).toBe(
      'https://sqs.eu-west-1.amazonaws.com/',
    );
    expect(new AwsJsonClient(DYNAMODB, { region: 'us-gov-west-1' }).endpoint.href).toBe(
      'https://dynamodb.us-gov-west-1.amazonaws.com/',
    );
  });

  it('takes the endpoint from AWS_ENDPOINT_URL_<SERVICE> before AWS_ENDPOINT_URL, and the region from AWS_REGION', () => {
    vi.stubEnv('AWS_REGION', 'cn-northwest-1');
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:4000');
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', 'http://127.0.0.1:8000');
    const ddb = new AwsJsonClient(DYNAMODB);
    expect([ddb.region, ddb.endpoint.href]).toEqual(['cn-northwest-1', 'http://127.0.0.1:8000/']);
    expect(new AwsJsonClient(EVENTBRIDGE).endpoint.href).toBe('http://127.0.0.1:4000/');
  });

  it('names what is missing or wrong in the configuration', () => {
    vi.stubEnv('AWS_REGION', '');
    vi.stubEnv('AWS_DEFAULT_REGION', '');
    expect(() => new AwsJsonClient(DYNAMODB, {})).toThrow(AwsConfigError);
    expect(() => new AwsJsonClient(DYNAMODB, {})).toThrow(/AWS_REGION is not set/);
    expect(() => new AwsJsonClient(DYNAMODB, { region: 'mars-north-1' })).toThrow(
      /AWS_REGION "mars-north-1"/,
    );
    expect(() => new AwsJsonClient(DYNAMODB, { region: 'cn-north-1', endpoint: 'not a url' })).toThrow(
      /endpoint for dynamodb is not a URL: "not a url"/,
    );
  });

  it('refuses to send without credentials, naming the variables Lambda sets', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    const { sent, transport } = scripted(ok({}));
    const client = new AwsJsonClient(DYNAMODB, { region: 'cn-north-1', transport });
    await expect(client.call('GetItem', {})).rejects.toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(sent).toHaveLength(0);
  });

  it('signs with the role’s credentials from the environment, read on every request', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFIRST');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'first');
    vi.stubEnv('AWS_SESSION_TOKEN', 'token-1');
    const { sent, transport } = scripted(ok({}), ok({}));
    const client = new AwsJsonClient(SQS, { region: 'cn-north-1', transport });
    await client.call('SendMessage', {});
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDSECOND');
    vi.stubEnv('AWS_SESSION_TOKEN', 'token-2');
    await client.call('SendMessage', {});
    expect(sent.map((r) => r.headers.authorization?.split('/')[0])).toEqual([
      'AWS4-HMAC-SHA256 Credential=AKIDFIRST',
      'AWS4-HMAC-SHA256 Credential=AKIDSECOND',
    ]);
    expect(sent.map((r) => r.headers['x-amz-security-token'])).toEqual(['token-1', 'token-2']);
  });
});

describe('AwsJsonClient: requests and answers', () => {
  it('posts the input as JSON with the operation’s target and the protocol’s content type', async () => {
    const { sent, transport } = scripted(ok({ Entries: [{ EventId: 'e1' }] }), ok({ Item: {} }));
    const now = () => new Date('2026-11-26T04:00:00Z');
    const events = new AwsJsonClient(EVENTBRIDGE, { region: 'cn-north-1', credentials, transport, now });
    expect(await events.call('PutEvents', { Entries: [{ Source: 's' }] })).toEqual({
      Entries: [{ EventId: 'e1' }],
    });
    await new AwsJsonClient(DYNAMODB, { region: 'cn-north-1', credentials, transport, now }).call('GetItem', {
      TableName: 't',
    });
    expect(sent[0]).toMatchObject({
      body: '{"Entries":[{"Source":"s"}]}',
      headers: {
        host: 'events.cn-north-1.amazonaws.com.cn',
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSEvents.PutEvents',
        'x-amz-date': '20261126T040000Z',
      },
    });
    expect(sent[0]!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/20261126\/cn-north-1\/events\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    expect(sent[1]!.headers).toMatchObject({
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.GetItem',
    });
  });

  it('turns an error answer into an error named as the service names it, with its fields', async () => {
    const { transport } = scripted(
      failed(400, {
        __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
        message:
          'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]',
        CancellationReasons: [
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
        ],
      }),
    );
    const client = new AwsJsonClient(DYNAMODB, { region: 'cn-north-1', credentials, transport });
    const e = (await client.call('TransactWriteItems', {}).catch((x) => x)) as AwsServiceError;
    expect(e).toBeInstanceOf(AwsServiceError);
    expect(e.name).toBe('TransactionCanceledException');
    expect(e.message).toMatch(/^Transaction cancelled/);
    expect(e.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
    ]);
    expect(e.$fault).toBe('client');
    expect(e.$metadata).toEqual({ httpStatusCode: 400, requestId: 'req-1', attempts: 1 });
  });

  it('reads the error name from x-amzn-ErrorType, __type or code, and says what answered when there is none', () => {
    expect(errorName('com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException')).toBe(
      'ConditionalCheckFailedException',
    );
    expect(errorName('ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.service/')).toBe(
      'ThrottlingException',
    );
    expect(errorName('AWS.SimpleQueueService.NonExistentQueue')).toBe(
      'AWS.SimpleQueueService.NonExistentQueue',
    );
  });

  it('prefers the x-amzn-ErrorType header and keeps an unparseable body in the error', async () => {
    const { transport } = scripted(
      failed(400, { message: 'no' }, { 'x-amzn-errortype': 'ValidationException:http://x/' }),
      { status: 403, headers: {}, body: '<html>Forbidden</html>' },
    );
    const client = new AwsJsonClient(SQS, { region: 'cn-north-1', credentials, transport });
    await expect(client.call('SendMessage', {})).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'no',
    });
    await expect(client.call('SendMessage', {})).rejects.toMatchObject({
      name: 'Http403Error',
      message: 'sqs answered HTTP 403',
      body: '<html>Forbidden</html>',
    });
  });
});

describe('AwsJsonClient: retries (the SDK’s standard mode)', () => {
  const throttled = () =>
    failed(400, {
      __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
      message: 'slow down',
    });

  /** Runs a call under fake timers, returning its outcome and the fake time of each attempt. */
  async function timed(client: AwsJsonClient, sent: HttpRequest[]) {
    vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'Date'] });
    try {
      const outcome = client.call('PutItem', {}).then(
        (value) => ({ value }),
        (error: AwsServiceError) => ({ error }),
      );
      await vi.runAllTimersAsync();
      const result = await outcome;
      return {
        ...result,
        at: sent.map((r) =>
          Date.parse(
            r.headers['x-amz-date']!.replace(
              /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/,
              '$1-$2-$3T$4:$5:$6Z',
            ),
          ),
        ),
      };
    } finally {
      vi.useRealTimers();
    }
  }

  it('retries throttling after the SDK strategy’s backoff (base 1 s, doubling, full jitter), then gives up after 3 attempts', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const { sent, transport } = scripted(throttled(), throttled(), throttled());
    const client = new AwsJsonClient(DYNAMODB, { region: 'cn-north-1', credentials, transport });
    const { error, at } = (await timed(client, sent)) as { error: AwsServiceError; at: number[] };
    expect(error.name).toBe('ProvisionedThroughputExceededException');
    expect(error.$metadata.attempts).toBe(3);
    expect(sent).toHaveLength(3);
    // x-amz-date has whole seconds: 0 s, then ≥ 0.999 s, then ≥ 0.999 + 1.998 s.
    expect(at).toEqual([0, 0, 2000]);
    vi.restoreAllMocks();
  });

  it('retries 5xx answers and broken connections after a short backoff, and returns the answer that succeeds', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { sent, transport } = scripted(
      failed(503, { __type: 'ServiceUnavailable', message: 'busy' }),
      errno('ECONNRESET', 'socket hang up'),
      ok({ Attributes: {} }),
    );
    const client = new AwsJsonClient(DYNAMODB, { region: 'cn-north-1', credentials, transport });
    const { value } = (await timed(client, sent)) as { value: unknown };
    expect(value).toEqual({ Attributes: {} });
    expect(sent).toHaveLength(3);
    vi.restoreAllMocks();
  });

  it('does not retry what retrying cannot fix: a failed condition, a 501, a programming error', async () => {
    const condition = failed(400, {
      __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
    });
    const { sent, transport } = scripted(condition, failed(501, { message: 'no' }), new TypeError('bad'));
    const client = new AwsJsonClient(DYNAMODB, { region: 'cn-north-1', credentials, transport });
    await expect(client.call('PutItem', {})).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
      $metadata: { attempts: 1 },
    });
    await expect(client.call('PutItem', {})).rejects.toMatchObject({
      name: 'Http501Error',
      $fault: 'server',
    });
    await expect(client.call('PutItem', {})).rejects.toThrow(TypeError);
    expect(sent).toHaveLength(3);
  });

  it('stops retrying when the client’s retry quota is spent, as the SDK’s standard mode does', async () => {
    // 500 tokens, 14 per transient retry: after 35 retries, failures are no longer retried until successes refill it.
    const answers = Array.from({ length: 200 }, () => failed(503, { message: 'busy' }));
    const { sent, transport } = scripted(...answers);
    const client = new AwsJsonClient(DYNAMODB, {
      region: 'cn-north-1',
      credentials,
      transport,
      maxAttempts: 3,
    });
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      for (let i = 0; i < 30; i++) {
        const call = client.call('GetItem', {}).catch((e: AwsServiceError) => e.$metadata.attempts);
        await vi.runAllTimersAsync();
        await call;
      }
    } finally {
      vi.useRealTimers();
    }
    // 17 calls × 2 retries = 34 retries (476 tokens), one more retry, then single attempts.
    expect(sent.length).toBe(17 * 3 + 2 + 12);
  });

  it('takes the number of attempts from AWS_MAX_ATTEMPTS, as the SDK does', async () => {
    vi.stubEnv('AWS_MAX_ATTEMPTS', '1');
    const { sent, transport } = scripted(errno('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'));
    const client = new AwsJsonClient(EVENTBRIDGE, { region: 'cn-north-1', credentials, transport });
    await expect(client.call('PutEvents', {})).rejects.toMatchObject({
      name: 'NetworkError',
      code: 'ECONNREFUSED',
      $metadata: { attempts: 1 },
    });
    expect(sent).toHaveLength(1);
  });
});

describe('httpTransport', () => {
  it('sends over keep-alive HTTP and abandons an attempt that gets no answer in time', async () => {
    let hang = true;
    const seen: { method?: string; length?: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push({ method: req.method, length: req.headers['content-length'], body });
        if (hang) return; // never answers
        res.writeHead(200, { 'x-amzn-requestid': 'r' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    try {
      const slow = httpTransport({ url, headers: {}, body: '{"a":"é"}', timeoutMs: 100 });
      await expect(slow).rejects.toMatchObject({ name: 'TimeoutError' });
      hang = false;
      const res = await httpTransport({
        url,
        headers: { 'x-test': '1' },
        body: '{"a":"é"}',
        timeoutMs: 2000,
      });
      expect(res).toMatchObject({ status: 200, body: '{"ok":true}', headers: { 'x-amzn-requestid': 'r' } });
      expect(seen.at(-1)).toEqual({ method: 'POST', length: '10', body: '{"a":"é"}' });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('is retried by the client after a timeout, which reports TimeoutError when attempts run out', async () => {
    const server = createServer(() => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const client = new AwsJsonClient(DYNAMODB, {
        region: 'cn-north-1',
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        credentials,
        timeoutMs: 50,
        maxAttempts: 2,
      });
      await expect(client.call('GetItem', {})).rejects.toMatchObject({
        name: 'TimeoutError',
        $metadata: { attempts: 2 },
      });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
