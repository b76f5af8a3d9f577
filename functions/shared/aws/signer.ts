// AWS Signature Version 4 for the functions' requests, by the AWS SDK's own signer (@smithy/signature-v4) with
// node:crypto for SHA-256: the small client (./client.ts) builds the request, the SDK's signer signs it. One
// signer per (region, service) is kept for the container's life, so its derived signing keys are cached as in
// the SDK clients. test/functions/shared/aws/signer.test.ts checks the worked example in AWS's SigV4
// documentation; bench/README.md ("Cold start") says what the signer adds to each bundle.
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignInput {
  method: string;
  /** Path as sent (JSON protocols post to `/`); only unreserved characters and `/` are accepted. */
  path: string;
  /** Query string as sent (`a=1&b=2`), already encoded. */
  query?: string;
  /** Headers to sign, any case; `host` must be among them. */
  headers: Record<string, string>;
  body: string;
  region: string;
  service: string;
  credentials: Credentials;
  date: Date;
}

const PLAIN_PATH = /^\/[A-Za-z0-9\-._~/]*$/;

type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Data) =>
  typeof d === 'string'
    ? Buffer.from(d, 'utf8')
    : ArrayBuffer.isView(d)
      ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
      : new Uint8Array(d);

/** The SDK's checksum interface over node:crypto: SHA-256, or HMAC-SHA-256 when given a secret. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: Data) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Data): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error('NodeSha256 is single-use');
  }
}

/** `20150830T123600Z` and `20150830` for a moment. */
export function amzDate(date: Date): { stamp: string; day: string } {
  const stamp = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return { stamp, day: stamp.slice(0, 8) };
}

/**
 * Signers by credentials, region and service, kept for the container's life so that the SDK signer's cache of
 * derived signing keys is used; a rotated role key gets a new signer.
 */
const signers = new Map<string, SignatureV4>();
function signerFor(credentials: Credentials, region: string, service: string): SignatureV4 {
  const id = [
    credentials.accessKeyId,
    credentials.secretAccessKey,
    credentials.sessionToken ?? '',
    region,
    service,
  ].join('\n');
  let signer = signers.get(id);
  if (!signer) {
    if (signers.size >= 16) signers.clear();
    signer = new SignatureV4({
      credentials: { ...credentials },
      region,
      service,
      sha256: NodeSha256,
      // JSON and query protocols: the path is escaped once, no x-amz-content-sha256 header; S3 wants the
      // path as sent and the payload hash in that header.
      uriEscapePath: service !== 's3',
      applyChecksum: service === 's3',
    });
    signers.set(id, signer);
  }
  return signer;
}

function queryOf(query: string | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(query ?? '')) {
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}

/**
 * The headers to send: the given ones plus `x-amz-date`, `x-amz-security-token` (with a session token) and
 * `authorization`. Header names come back lower-case.
 */
export async function sign(input: SignInput): Promise<Record<string, string>> {
  if (!PLAIN_PATH.test(input.path))
    throw new Error(`cannot sign path "${input.path}": only unreserved characters`);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) headers[name.toLowerCase()] = value;
  if (!headers.host) throw new Error('cannot sign a request without a host header');
  const [hostname, port] = headers.host.split(':');
  const signer = signerFor(input.credentials, input.region, input.service);
  const signed = await signer.sign(
    {
      method: input.method,
      protocol: 'https:',
      hostname: hostname!,
      ...(port ? { port: Number(port) } : {}),
      path: input.path,
      query: queryOf(input.query),
      headers,
      body: input.body,
    },
    { signingDate: input.date },
  );
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) out[name.toLowerCase()] = String(value);
  return out;
}
