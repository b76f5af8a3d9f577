// AWS Signature Version 4 for the engine's JSON-protocol requests (DynamoDB, EventBridge, SQS): a POST to the
// endpoint's path with no query string, signed in the Authorization header. This is all the functions need;
// the AWS SDK's general signer (query strings, presigning, chunked payloads, S3 path rules) is not bundled.
// test/functions/shared/aws/signer.test.ts checks every signature against the SDK's own signer
// (@smithy/signature-v4) and against the worked example in AWS's SigV4 documentation.
import { createHash, createHmac } from 'node:crypto';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignInput {
  method: string;
  /** Path and query as sent (JSON protocols post to `/`); only unreserved characters and `/` are accepted. */
  path: string;
  query?: string;
  /** Headers to sign, any case; `host` must be among them. */
  headers: Record<string, string>;
  body: string;
  region: string;
  service: string;
  credentials: Credentials;
  date: Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const PLAIN_PATH = /^\/[A-Za-z0-9\-._~/]*$/;

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** `20150830T123600Z` and `20150830` for a moment. */
export function amzDate(date: Date): { stamp: string; day: string } {
  const stamp = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return { stamp, day: stamp.slice(0, 8) };
}

/** The derived key depends on the secret, day, region and service only: kept for the container's life. */
const signingKeys = new Map<string, Buffer>();
function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  const id = `${day}\n${region}\n${service}\n${secret}`;
  let key = signingKeys.get(id);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request');
    if (signingKeys.size > 16) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

/**
 * The headers to send: the given ones plus `x-amz-date`, `x-amz-security-token` (with a session token) and
 * `authorization`. Header names come back lower-case.
 */
export function sign(input: SignInput): Record<string, string> {
  if (!PLAIN_PATH.test(input.path))
    throw new Error(`cannot sign path "${input.path}": only unreserved characters`);
  const { stamp, day } = amzDate(input.date);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) headers[name.toLowerCase()] = value;
  if (!headers.host) throw new Error('cannot sign a request without a host header');
  headers['x-amz-date'] = stamp;
  if (input.credentials.sessionToken) headers['x-amz-security-token'] = input.credentials.sessionToken;

  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n]?.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    input.method,
    input.path,
    input.query ?? '',
    canonicalHeaders,
    signedHeaders,
    sha256Hex(input.body),
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${stamp}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const key = signingKey(input.credentials.secretAccessKey, day, input.region, input.service);
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  headers.authorization = `${ALGORITHM} Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
