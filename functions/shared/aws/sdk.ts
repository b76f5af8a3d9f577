// The same operations over the AWS SDK's clients: for the CLI (which resolves credentials through the SDK's
// full chain: profiles, SSO, …) and for tests that mock the SDK with aws-sdk-client-mock. Functions never
// import this module; their bundles carry the small JSON clients instead (./client.ts says why).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Dynamo } from './dynamodb.ts';
import type { Events } from './eventbridge.ts';
import type { Queue } from './sqs.ts';

/** The SDK's document client with the marshalling the JSON client uses (undefined attributes left out). */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function sdkDynamo(doc: DynamoDBDocumentClient): Dynamo {
  return {
    get: (input) => doc.send(new GetCommand(input)),
    put: (input) => doc.send(new PutCommand(input)),
    query: (input) => doc.send(new QueryCommand(input)),
    batchGet: (input) => doc.send(new BatchGetCommand(input)),
    batchWrite: (input) => doc.send(new BatchWriteCommand(input)),
    transactWrite: (input) => doc.send(new TransactWriteCommand(input)),
  };
}

export function sdkEvents(client: EventBridgeClient): Events {
  return { putEvents: (input) => client.send(new PutEventsCommand(input)) };
}

export function sdkQueue(client: SQSClient): Queue {
  return { sendMessage: (input) => client.send(new SendMessageCommand(input)) };
}
