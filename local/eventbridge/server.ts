// The local EventBridge over HTTP: the EventBridge JSON API at `/`, so the AWS SDK and the AWS CLI publish to
// it with an endpoint URL. Requests are not authenticated: any signature, region or credentials will do.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EventBridgeRequestError, type LocalEventBridge } from './bus.ts';
import { InvalidEventError, InvalidEventPatternError } from './pattern.ts';

export interface EventBridgeServerOptions {
  eventBridge: LocalEventBridge;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
}

export interface EventBridgeServer {
  /** `http://host:port`, for `endpoint` in the SDK and `--endpoint-url` in the CLI. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and closes every open connection, so no port or socket is left behind. */
  close(): Promise<void>;
}

/** An answer in the JSON protocol's error shape. */
class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Far above any valid PutEvents request (256 KB of entries plus JSON escaping); guards the process only.
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const CONTENT_TYPE = 'application/x-amz-json-1.1';

/** Starts the HTTP server; resolves once it listens. */
export async function startEventBridgeServer(options: EventBridgeServerOptions): Promise<EventBridgeServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    void handle(options.eventBridge, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // The SDK keeps connections alive; without this `close` would wait for them to time out.
    server.closeAllConnections();
  });
}

async function handle(
  eventBridge: LocalEventBridge,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  try {
    if (request.method === 'GET' && (request.url === '/health' || request.url === '/')) {
      send(response, 200, { status: 'ok', service: 'rankwatch local EventBridge' }, 'application/json');
      return;
    }
    if (request.method !== 'POST') {
      throw new ApiError(405, 'UnknownOperationException', `${request.method} is not supported; POST to /.`);
    }
    const body = await readBody(request);
    const target = request.headers['x-amz-target'];
    const operation = typeof target === 'string' ? target.replace(/^AWSEvents\./, '') : '';
    let input: Record<string, unknown>;
    try {
      const parsed: unknown = body.length === 0 ? {} : JSON.parse(body);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      input = parsed as Record<string, unknown>;
    } catch {
      throw new ApiError(
        400,
        'SerializationException',
        'Start of structure or map found where not expected.',
      );
    }
    send(response, 200, operate(eventBridge, operation, input));
  } catch (error) {
    const { status, code, message } = describeError(error);
    send(response, status, { __type: code, message }, CONTENT_TYPE, code);
  }
}

function operate(eventBridge: LocalEventBridge, operation: string, input: Record<string, unknown>): unknown {
  switch (operation) {
    case 'PutEvents':
      return eventBridge.putEvents(entriesOf(input.Entries));
    case 'TestEventPattern':
      return {
        Result: eventBridge.testEventPattern(
          requiredString(input, 'EventPattern', 'eventPattern'),
          requiredString(input, 'Event', 'event'),
        ),
      };
    case 'ListEventBuses':
      return {
        EventBuses: eventBridge.eventBuses().map(({ name, arn }) => ({ Name: name, Arn: arn })),
      };
    case 'ListRules': {
      const busName = typeof input.EventBusName === 'string' ? input.EventBusName : undefined;
      return {
        Rules: eventBridge.rules(busName).map((rule) => ({
          Name: rule.name,
          Arn: rule.arn,
          EventBusName: rule.busName,
          State: rule.state,
          ...(rule.pattern === undefined ? {} : { EventPattern: rule.pattern }),
          ...(rule.schedule === undefined ? {} : { ScheduleExpression: rule.schedule }),
        })),
      };
    }
    default:
      throw new ApiError(
        400,
        'UnknownOperationException',
        operation
          ? `Operation ${operation} is not supported by the local EventBridge.`
          : 'Missing X-Amz-Target.',
      );
  }
}

/** Entries from the wire: `Time` arrives as epoch seconds (the SDK and the CLI) or an ISO string. */
function entriesOf(value: unknown): PutEventsRequestEntry[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    throw new ApiError(400, 'SerializationException', 'Entries must be a list.');
  }
  return value.map((raw) => {
    const entry = { ...(raw as Record<string, unknown>) } as PutEventsRequestEntry & { Time?: unknown };
    if (typeof entry.Time === 'number') entry.Time = new Date(entry.Time * 1000);
    else if (typeof entry.Time === 'string') entry.Time = new Date(entry.Time);
    return entry;
  });
}

function requiredString(input: Record<string, unknown>, field: string, memberName: string): string {
  const value = input[field];
  if (typeof value !== 'string') {
    throw new ApiError(
      400,
      'ValidationException',
      `1 validation error detected: Value null at '${memberName}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function describeError(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof ApiError) return { status: error.status, code: error.code, message: error.message };
  if (
    error instanceof EventBridgeRequestError ||
    error instanceof InvalidEventPatternError ||
    error instanceof InvalidEventError
  ) {
    return { status: 400, code: error.name, message: error.message };
  }
  if (error instanceof Error && error.name === 'ValidationException') {
    return { status: 400, code: error.name, message: error.message };
  }
  return {
    status: 500,
    code: 'InternalException',
    message: error instanceof Error ? error.message : String(error),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Keep reading (so the answer can be sent) but stop keeping what arrives.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new ApiError(413, 'ValidationException', 'Request is too large.'));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType = CONTENT_TYPE,
  errorType?: string,
): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
  });
  response.end(text);
}
