// The local EventBridge over HTTP: the EventBridge JSON API at `/`, so the AWS SDK and the AWS CLI publish to
// it with an endpoint URL. With `security`, each request must be signed (SigV4) by a known principal and each
// entry is authorised against the caller's policies and the bus policy; without it, anything is accepted.

import type { IncomingHttpHeaders } from 'node:http';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { AwsApiError, type LocalServer, startJsonApiServer } from '../aws-json-server.ts';
import { EventBridgeRequestError, type LocalEventBridge, type PutEventsOptions } from './bus.ts';
import { InvalidEventError, InvalidEventPatternError } from './pattern.ts';

export type EventBridgeServer = LocalServer;

export interface EventBridgeServerOptions {
  eventBridge: LocalEventBridge;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /**
   * Requests wait for this before they are answered, so the server can listen (and its URL be printed)
   * while the engine is still wiring rules from the template.
   */
  ready?: Promise<unknown>;
  /** Who signed a request (throws an AwsApiError to refuse it), and what that caller may put on a bus. */
  security?: {
    authenticate(request: {
      method: string;
      url: string;
      headers: IncomingHttpHeaders;
      body: string;
    }): Promise<unknown>;
    authorise(
      caller: unknown,
      ...entry: Parameters<NonNullable<PutEventsOptions['authorise']>>
    ): ReturnType<NonNullable<PutEventsOptions['authorise']>>;
  };
}

/** Starts the HTTP server; resolves once it listens. */
export function startEventBridgeServer(options: EventBridgeServerOptions): Promise<EventBridgeServer> {
  return startJsonApiServer({
    service: 'rankwatch local EventBridge',
    targetPrefix: 'AWSEvents.',
    contentType: 'application/x-amz-json-1.1',
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.security ? { authenticate: options.security.authenticate } : {}),
    operate: async (operation, input, _headers, caller) => {
      await options.ready;
      const security = options.security;
      return operate(
        options.eventBridge,
        operation,
        input,
        security ? { authorise: (entry, bus) => security.authorise(caller, entry, bus) } : {},
      );
    },
    describeError: (error) =>
      error instanceof EventBridgeRequestError ||
      error instanceof InvalidEventPatternError ||
      error instanceof InvalidEventError ||
      (error instanceof Error && error.name === 'ValidationException')
        ? { status: 400, code: error.name, message: error.message }
        : undefined,
  });
}

function operate(
  eventBridge: LocalEventBridge,
  operation: string,
  input: Record<string, unknown>,
  putOptions: PutEventsOptions,
): unknown {
  switch (operation) {
    case 'PutEvents':
      return eventBridge.putEvents(entriesOf(input.Entries), putOptions);
    case 'TestEventPattern':
      return {
        Result: eventBridge.testEventPattern(
          requiredString(input, 'EventPattern', 'eventPattern'),
          requiredString(input, 'Event', 'event'),
        ),
      };
    case 'ListEventBuses':
      return { EventBuses: eventBridge.eventBuses().map(({ name, arn }) => ({ Name: name, Arn: arn })) };
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
      throw new AwsApiError(
        'UnknownOperationException',
        `Operation ${operation} is not supported by the local EventBridge.`,
      );
  }
}

/** Entries from the wire: `Time` arrives as epoch seconds (the SDK and the CLI) or an ISO string. */
function entriesOf(value: unknown): PutEventsRequestEntry[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new AwsApiError('SerializationException', 'Entries must be a list.');
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
    throw new AwsApiError(
      'ValidationException',
      `1 validation error detected: Value null at '${memberName}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}
