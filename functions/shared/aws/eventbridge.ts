// EventBridge PutEvents, the one operation the functions call: EventBridgeJsonClient for the functions (the
// JSON protocol through ./client.ts), sdkEvents (./sdk.ts) over the SDK's client for the CLI and tests.
import type { PutEventsRequest, PutEventsResponse } from '@aws-sdk/client-eventbridge';
import { AwsJsonClient, type ClientOptions } from './client.ts';

export interface Events {
  putEvents(input: PutEventsRequest): Promise<PutEventsResponse>;
}

export const EVENTBRIDGE = {
  signingName: 'events',
  envName: 'EVENTBRIDGE',
  targetPrefix: 'AWSEvents',
  jsonVersion: '1.1',
} as const;

export class EventBridgeJsonClient implements Events {
  private readonly client: AwsJsonClient;

  constructor(options: ClientOptions = {}) {
    this.client = new AwsJsonClient(EVENTBRIDGE, options);
  }

  putEvents(input: PutEventsRequest): Promise<PutEventsResponse> {
    // Global endpoints (EndpointId) need SigV4a, which this client does not sign.
    if (input.EndpointId) throw new Error('PutEvents with EndpointId (global endpoints) is not supported');
    return this.client.call<PutEventsResponse>('PutEvents', input);
  }
}
