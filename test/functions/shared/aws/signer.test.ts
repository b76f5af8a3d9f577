import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amzDate, type Credentials, sign } from '../../../../functions/shared/aws/signer.ts';

const bytes = (d: string | ArrayBuffer | ArrayBufferView) =>
  typeof d === 'string'
    ? d
    : ArrayBuffer.isView(d)
      ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
      : new Uint8Array(d);

/** The SDK's hash interface over node:crypto (HMAC when given a secret), for the reference signer. */
class Sha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.h.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
}

/** What the AWS SDK's own signer puts in the Authorization header for the same request. */
async function sdkAuthorization(
  req: { host: string; path: string; headers: Record<string, string>; body: string },
  region: string,
  service: string,
  credentials: Credentials,
  date: Date,
): Promise<Record<string, string>> {
  // applyChecksum off: the payload hash goes into the signature either way; this signer sends no
  // x-amz-content-sha256 header (only S3 requires it).
  const signer = new SignatureV4({
    credentials,
    region,
    service,
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: req.host,
      path: req.path,
      query: {},
      headers: { ...req.headers, host: req.host },
      body: req.body,
    },
    { signingDate: date },
  );
  return Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

describe('sign (SigV4 by the SDK’s signer, for the functions’ requests)', () => {
  it('formats the request date as SigV4 wants it', () => {
    expect(amzDate(new Date('2026-11-26T04:05:06.789Z'))).toEqual({
      stamp: '20261126T040506Z',
      day: '20261126',
    });
  });

  it('reproduces the worked example of AWS’s SigV4 documentation (IAM ListUsers, 2015-08-30)', async () => {
    // docs.aws.amazon.com/general/latest/gr/sigv4-create-canonical-request.html and the pages after it:
    // GET https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08, example credentials.
    const headers = await sign({
      method: 'GET',
      path: '/',
      query: 'Action=ListUsers&Version=2010-05-08',
      headers: {
        host: 'iam.amazonaws.com',
        'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
      },
      body: '',
      region: 'us-east-1',
      service: 'iam',
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      date: new Date('2015-08-30T12:36:00Z'),
    });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, ' +
        'SignedHeaders=content-type;host;x-amz-date, ' +
        'Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    );
  });

  it('hands the request to the SDK’s signer unchanged: the same headers as the signer called directly, for any body, target, host, region, time and credentials', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 300 });
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          body: fc.oneof(
            text,
            text.map((t) => JSON.stringify({ TableName: 't', Item: { PK: { S: t } } })),
          ),
          target: fc.constantFrom(
            'DynamoDB_20120810.TransactWriteItems',
            'AWSEvents.PutEvents',
            'AmazonSQS.SendMessage',
          ),
          region: fc.constantFrom('cn-northwest-1', 'cn-north-1', 'us-east-1', 'eu-west-1', 'ap-southeast-1'),
          service: fc.constantFrom('dynamodb', 'events', 'sqs'),
          host: fc.constantFrom(
            'dynamodb.cn-northwest-1.amazonaws.com.cn',
            'events.us-east-1.amazonaws.com',
            '127.0.0.1:8000',
          ),
          path: fc.constantFrom('/', '/v1/', '/a-b_c.d~e/'),
          date: fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
          accessKeyId: fc.stringMatching(/^[A-Z0-9]{16,20}$/),
          secretAccessKey: fc.stringMatching(/^[A-Za-z0-9/+]{40}$/),
          sessionToken: fc.option(fc.stringMatching(/^[A-Za-z0-9/+=]{20,80}$/), { nil: undefined }),
          contentType: fc.constantFrom(
            'application/x-amz-json-1.0',
            'application/x-amz-json-1.1',
            '  spaced   value  ',
          ),
        }),
        async (r) => {
          const credentials: Credentials = {
            accessKeyId: r.accessKeyId,
            secretAccessKey: r.secretAccessKey,
            ...(r.sessionToken ? { sessionToken: r.sessionToken } : {}),
          };
          const given = { 'content-type': r.contentType, 'x-amz-target': r.target };
          const ours = await sign({
            method: 'POST',
            path: r.path,
            headers: { host: r.host, ...given },
            body: r.body,
            region: r.region,
            service: r.service,
            credentials,
            date: r.date,
          });
          const sdk = await sdkAuthorization(
            { host: r.host, path: r.path, headers: given, body: r.body },
            r.region,
            r.service,
            credentials,
            r.date,
          );
          expect(ours.authorization).toBe(sdk.authorization);
          expect(ours['x-amz-date']).toBe(sdk['x-amz-date']);
          expect(ours['x-amz-security-token']).toBe(sdk['x-amz-security-token']);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses what it would sign wrongly: a path needing escapes, a request without host', async () => {
    const base = {
      method: 'POST',
      headers: { host: 'h' },
      body: '',
      region: 'cn-northwest-1',
      service: 'dynamodb',
      credentials: { accessKeyId: 'a', secretAccessKey: 's' },
      date: new Date(0),
    };
    await expect(sign({ ...base, path: '/a b' })).rejects.toThrow(/cannot sign path "\/a b"/);
    await expect(sign({ ...base, path: '/', headers: {} })).rejects.toThrow(/without a host header/);
  });
});
