// An HTTP server speaking an AWS JSON protocol (`X-Amz-Target: <Service>.<Operation>`, JSON in and out,
// `{"__type", "message"}` errors) for the local emulators, with an optional check of who signed a request.

import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { listenOn } from './ports.ts';

/** An error answered as `{"__type": code, "message": message}` with `status`. */
export class AwsApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

export interface LocalServer {
  /** `http://host:port`, for `endpoint` in the SDK and `--endpoint-url` in the CLI. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and closes every open connection, so no port or socket is left behind. */
  close(): Promise<void>;
}

export interface JsonApiServerOptions {
  /** For the health answer (`GET /health`). */
  service: string;
  /** `AWSEvents.`, `AmazonSQS.`: stripped from X-Amz-Target to name the operation. */
  targetPrefix: string;
  contentType: string;
  port?: number;
  host?: string;
  /**
   * `headers` for servers that look at how a request was sent (a test stub checks its signature); `caller`
   * is what `authenticate` returned.
   */
  operate(
    operation: string,
    input: Record<string, unknown>,
    headers: IncomingHttpHeaders,
    caller: unknown,
  ): unknown;
  /**
   * Checks who sent the request (its SigV4 signature) before it is parsed; throws an AwsApiError (403) to
   * refuse it. Without it, requests are not authenticated.
   */
  authenticate?(request: {
    method: string;
    url: string;
    headers: IncomingHttpHeaders;
    body: string;
  }): Promise<unknown>;
  /** Maps the service's own errors to an answer; unmapped errors are 500 InternalFailure. */
  describeError?(error: unknown): { status: number; code: string; message: string } | undefined;
  /** Prepended to error codes in `__type` (SQS uses `com.amazonaws.sqs#`). */
  errorTypePrefix?: string;
  /** Called when the server closes, before connections are dropped (to end long polls). */
  onClose?(): void;
}

// Far above any valid request of the emulated APIs; guards the process only.
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export async function startJsonApiServer(options: JsonApiServerOptions): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    void handle(options, request, response);
  });
  const { port, url } = await listenOn(server, options.port, host);
  return {
    url,
    port,
    close: () => {
      options.onClose?.();
      return closeServer(server);
    },
  };
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // The SDK keeps connections alive; without this `close` would wait for them to time out.
    server.closeAllConnections();
  });
}

async function handle(
  options: JsonApiServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  try {
    if (request.method === 'GET' && (request.url === '/health' || request.url === '/')) {
      send(response, 200, { status: 'ok', service: options.service }, 'application/json');
      return;
    }
    if (request.method !== 'POST') {
      throw new AwsApiError(
        'UnknownOperationException',
        `${request.method} is not supported; POST to /.`,
        405,
      );
    }
    const body = await readBody(request);
    const caller = await options.authenticate?.({
      method: request.method,
      url: request.url ?? '/',
      headers: request.headers,
      body,
    });
    const target = request.headers['x-amz-target'];
    const operation =
      typeof target === 'string' && target.startsWith(options.targetPrefix)
        ? target.slice(options.targetPrefix.length)
        : '';
    if (!operation) throw new AwsApiError('UnknownOperationException', 'Missing or unknown X-Amz-Target.');
    let input: Record<string, unknown>;
    try {
      const parsed: unknown = body.length === 0 ? {} : JSON.parse(body);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      input = parsed as Record<string, unknown>;
    } catch {
      throw new AwsApiError('SerializationException', 'Start of structure or map found where not expected.');
    }
    const output = await options.operate(operation, input, request.headers, caller);
    send(response, 200, output ?? {}, options.contentType);
  } catch (error) {
    const described =
      error instanceof AwsApiError
        ? { status: error.status, code: error.code, message: error.message }
        : (options.describeError?.(error) ?? {
            status: 500,
            code: 'InternalFailure',
            message: error instanceof Error ? error.message : String(error),
          });
    send(
      response,
      described.status,
      { __type: `${options.errorTypePrefix ?? ''}${described.code}`, message: described.message },
      options.contentType,
      described.code,
    );
  }
}

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Keep reading (so the answer can be sent) but stop keeping what arrives.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new AwsApiError('ValidationException', 'Request is too large.', 413));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType: string,
  errorType?: string,
): void {
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
  });
  response.end(text);
}
