// SQS SendMessage, the one operation the functions call (ingest's dead letters): SqsJsonClient for the
// functions (SQS's JSON protocol through ./client.ts), sdkQueue (./sdk.ts) over the SDK's client for tests.
import type { SendMessageRequest, SendMessageResult } from '@aws-sdk/client-sqs';
import { AwsJsonClient, type ClientOptions } from './client.ts';

export interface Queue {
  sendMessage(input: SendMessageRequest): Promise<SendMessageResult>;
}

export const SQS = {
  signingName: 'sqs',
  envName: 'SQS',
  targetPrefix: 'AmazonSQS',
  jsonVersion: '1.0',
} as const;

export class SqsJsonClient implements Queue {
  private readonly client: AwsJsonClient;

  constructor(options: ClientOptions = {}) {
    this.client = new AwsJsonClient(SQS, options);
  }

  sendMessage(input: SendMessageRequest): Promise<SendMessageResult> {
    return this.client.call<SendMessageResult>('SendMessage', input);
  }
}
