// The local EventBridge over HTTP: the EventBridge JSON API at `/`, so the AWS SDK and the AWS CLI publish to
// it with an endpoint URL. Requests are not authenticated: any signature, region or credentials will do.

import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { AwsApiError, type LocalServer, startJsonApiServer } from '../aws-json-server.ts';
import { EventBridgeRequestError, type LocalEventBridge } from './bus.ts';
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
}

/** Starts the HTTP server; resolves once it listens. */
export function startEventBridgeServer(options: EventBridgeServerOptions): Promise<EventBridgeServer> {
  return startJsonApiServer({
    service: 'rankwatch local EventBridge',
    targetPrefix: 'AWSEvents.',
    contentType: 'application/x-amz-json-1.1',
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
    operate: async (operation, input) => {
      await options.ready;
      return operate(options.eventBridge, operation, input);
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
