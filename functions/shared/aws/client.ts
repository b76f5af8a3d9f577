// A small client for the AWS JSON protocols (awsJson1_0: DynamoDB, SQS; awsJson1_1: EventBridge), used by
// the Lambda functions in place of the AWS SDK clients. It does what the functions need from the SDK and no
// more: region and endpoint from the environment (AWS_ENDPOINT_URL_<SERVICE> as the SDK reads it), the role's
// credentials from the environment Lambda sets, SigV4 signing, keep-alive HTTPS, errors with the service's
// error name, message and fields, and the AWS SDK's own standard retry strategy and error classification
// (@smithy/core/retry: attempts, backoff with jitter, the retry quota, what counts as throttling or transient).
// Why: the SDK clients alone take ~40% of the cold-start budget (bench/README.md, "Cold start"); this
// client is a few kilobytes. The CLI and the local engine keep the SDK (its full credential chain).
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import {
  isServerError,
  isThrottlingError,
  isTransientError,
  StandardRetryStrategy,
} from '@smithy/core/retry';
import { type Credentials, sign } from './signer.ts';

export interface ServiceSpec {
  /** SigV4 signing name and endpoint prefix: `dynamodb`, `events`, `sqs`. */
  signingName: string;
  /** Suffix of the SDK's endpoint variable: AWS_ENDPOINT_URL_<envName>. */
  envName: string;
  /** X-Amz-Target prefix: `DynamoDB_20120810`, `AWSEvents`, `AmazonSQS`. */
  targetPrefix: string;
  jsonVersion: '1.0' | '1.1';
}

export interface HttpRequest {
  /** POST unless given (S3's PutObject is a PUT). */
  method?: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
export type Transport = (request: HttpRequest) => Promise<HttpResponse>;

export interface ClientOptions {
  region?: string;
  /** Endpoint URL; default AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then the regional endpoint. */
  endpoint?: string;
  /** Default: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, read on every request. */
  credentials?: Credentials;
  /** Attempts per request, the first included; default AWS_MAX_ATTEMPTS, else 3 (the SDK's standard mode). */
  maxAttempts?: number;
  /** Per attempt; a request that takes longer is abandoned and retried. */
  timeoutMs?: number;
  transport?: Transport;
  now?: () => Date;
}

/** An error answered by the service (or the last transport failure), shaped like the SDK's service exceptions. */
export class AwsServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode?: number; requestId?: string; attempts: number };
  /** Further fields of the error body (e.g. DynamoDB's CancellationReasons). */
  readonly [field: string]: unknown;

  constructor(
    name: string,
    message: string,
    fault: 'client' | 'server',
    metadata: { httpStatusCode?: number; requestId?: string; attempts: number },
    fields: Record<string, unknown> = {},
  ) {
    super(message);
    Object.assign(this, fields);
    this.name = name;
    this.$fault = fault;
    this.$metadata = metadata;
  }
}

export class AwsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AwsConfigError';
  }
}

/** Node's error codes for a connection that failed or broke (the SDK classifies these as transient). */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Shaped as the SDK's errors are (name, $metadata, code); its types also want `cause` to be an Error. */
const asSdkError = (e: AwsServiceError) => e as unknown as Parameters<typeof isThrottlingError>[0];

/** As the SDK's retry middleware classifies a failure for its retry strategy. */
function retryErrorType(e: AwsServiceError): 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR' {
  const error = asSdkError(e);
  if (isThrottlingError(error)) return 'THROTTLING';
  if (isTransientError(error)) return 'TRANSIENT';
  if (isServerError(error)) return 'SERVER_ERROR';
  return 'CLIENT_ERROR';
}

const header = (headers: HttpResponse['headers'], name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** `com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException` or `ThrottlingException:http://…` → the name. */
export function errorName(raw: string): string {
  return raw.slice(raw.lastIndexOf('#') + 1).split(':')[0] ?? raw;
}

/** Region's DNS suffix for the partitions the engine can deploy to. */
function dnsSuffix(region: string): string {
  if (region.startsWith('cn-')) return 'amazonaws.com.cn';
  if (/^(us|eu|ap|ca|sa|me|af|il|mx)-(gov-)?[a-z]+-\d+$/.test(region)) return 'amazonaws.com';
  throw new AwsConfigError(`AWS_REGION "${region}": no known endpoint; set AWS_ENDPOINT_URL to reach it`);
}

export class AwsJsonClient {
  readonly region: string;
  readonly endpoint: URL;
  readonly spec: ServiceSpec;
  private readonly options: ClientOptions;
  private readonly contentType: string;
  /** One per client, as in the SDK: its retry quota is shared by the client's requests. */
  private readonly retries: StandardRetryStrategy;

  constructor(spec: ServiceSpec, options: ClientOptions = {}) {
    this.spec = spec;
    this.options = options;
    const env = process.env;
    const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!region)
      throw new AwsConfigError('AWS_REGION is not set (Lambda sets it; locally set it or pass region)');
    this.region = region;
    const url =
      options.endpoint ??
      env[`AWS_ENDPOINT_URL_${spec.envName}`] ??
      env.AWS_ENDPOINT_URL ??
      `https://${spec.signingName}.${region}.${dnsSuffix(region)}`;
    try {
      this.endpoint = new URL(url);
    } catch {
      throw new AwsConfigError(`endpoint for ${spec.signingName} is not a URL: "${url}"`);
    }
    this.contentType = `application/x-amz-json-${spec.jsonVersion}`;
    this.retries = new StandardRetryStrategy(options.maxAttempts ?? (Number(env.AWS_MAX_ATTEMPTS) || 3));
  }

  private credentials(): Credentials {
    if (this.options.credentials) return this.options.credentials;
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
    if (!accessKeyId || !secretAccessKey)
      throw new AwsConfigError(
        'no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the function role)',
      );
    const sessionToken = process.env.AWS_SESSION_TOKEN;
    return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
  }

  /** Calls one operation; resolves to the parsed response body or rejects with an AwsServiceError. */
  call<T>(operation: string, input: unknown): Promise<T> {
    return this.send(
      JSON.stringify(input),
      { 'content-type': this.contentType, 'x-amz-target': `${this.spec.targetPrefix}.${operation}` },
      (text) => (text ? JSON.parse(text) : {}) as T,
      (res, attempt) => this.serviceError(res, attempt),
    );
  }

  /**
   * Signs and sends one request body, with the SDK's retry strategy: `decode` reads a 2xx answer, `fail`
   * turns any other into the service's error (each protocol has its own body and error shapes). A POST to the
   * endpoint unless `at` names another method and URL (S3's objects).
   */
  async send<T>(
    body: string,
    protocolHeaders: Record<string, string>,
    decode: (text: string) => T,
    fail: (res: HttpResponse, attempt: number) => AwsServiceError,
    at: { method: string; url: URL } = { method: 'POST', url: this.endpoint },
  ): Promise<T> {
    const transport = this.options.transport ?? httpTransport;
    let token = await this.retries.acquireInitialRetryToken('');
    for (let attempt = 1; ; attempt++) {
      const headers = await sign({
        method: at.method,
        path: at.url.pathname || '/',
        query: at.url.search.slice(1),
        headers: { host: at.url.host, ...protocolHeaders },
        body,
        region: this.region,
        service: this.spec.signingName,
        credentials: this.credentials(),
        date: this.options.now?.() ?? new Date(),
      });
      let error: AwsServiceError;
      try {
        const res = await transport({
          method: at.method,
          url: at.url,
          headers,
          body,
          timeoutMs: this.options.timeoutMs ?? 30_000,
        });
        if (res.status < 300) {
          const out = decode(res.body);
          this.retries.recordSuccess(token);
          return out;
        }
        error = fail(res, attempt);
      } catch (e) {
        error = networkError(e as NodeJS.ErrnoException, attempt); // rethrows what is not a network failure
      }
      try {
        // Waits out the backoff, or refuses: not retryable, out of attempts, or out of retry quota.
        token = await this.retries.refreshRetryTokenForRetry(token, {
          error: asSdkError(error),
          errorType: retryErrorType(error),
        });
      } catch {
        throw error;
      }
    }
  }

  private serviceError(res: HttpResponse, attempts: number): AwsServiceError {
    let fields: Record<string, unknown> = {};
    try {
      fields = res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {};
    } catch {
      fields = { body: res.body.slice(0, 500) };
    }
    const raw =
      header(res.headers, 'x-amzn-errortype') ?? (fields.__type as string) ?? (fields.code as string);
    const name = raw ? errorName(String(raw)) : `Http${res.status}Error`;
    const message = String(
      fields.message ?? fields.Message ?? `${this.spec.signingName} answered HTTP ${res.status}`,
    );
    const { __type: _type, message: _m, Message: _M, ...rest } = fields;
    return new AwsServiceError(
      name,
      message,
      res.status >= 500 ? 'server' : 'client',
      { httpStatusCode: res.status, requestId: header(res.headers, 'x-amzn-requestid'), attempts },
      rest,
    );
  }
}

function networkError(e: NodeJS.ErrnoException, attempts: number): AwsServiceError {
  const name =
    e.name === 'TimeoutError' ? 'TimeoutError' : e.code && NETWORK_CODES.has(e.code) ? 'NetworkError' : '';
  if (!name) throw e;
  // The code stays on the error: the SDK's classification reads it.
  return new AwsServiceError(name, e.message, 'server', { attempts }, { code: e.code });
}

// ── HTTP ─────────────────────────────────────────────────────────────────────────────────────────────
const agents = new Map<string, HttpAgent>();

/** node:http(s) with one keep-alive agent per protocol (no undici: global fetch loads it on first use). */
export const httpTransport: Transport = (req) => {
  const https = req.url.protocol === 'https:';
  const mod = process.getBuiltinModule(https ? 'node:https' : 'node:http') as typeof import('node:https');
  let agent = agents.get(req.url.protocol);
  if (!agent) {
    agent = new mod.Agent({ keepAlive: true, maxSockets: 50 });
    agents.set(req.url.protocol, agent);
  }
  return new Promise<HttpResponse>((resolve, reject) => {
    const request = mod.request(
      req.url,
      {
        method: req.method ?? 'POST',
        agent,
        headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.setTimeout(req.timeoutMs, () => {
      const e = new Error(`no answer from ${req.url.host} within ${req.timeoutMs} ms`);
      e.name = 'TimeoutError';
      request.destroy(e);
    });
    request.on('error', reject);
    request.end(req.body);
  });
};
