// The floor under every engine function: the DynamoDB document client and the EventBridge client and
// nothing else, bundled like the functions. What a function costs above this row is what it chose to import.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

let doc: DynamoDBDocumentClient | undefined;
let events: EventBridgeClient | undefined;

export const handler = async (event: { key: string }) => {
  doc ??= DynamoDBDocumentClient.from(new DynamoDBClient({}));
  events ??= new EventBridgeClient({});
  const got = await doc.send(
    new GetCommand({ TableName: process.env.TABLE_NAME, Key: { PK: event.key, SK: event.key } }),
  );
  await events.send(
    new PutEventsCommand({
      Entries: [{ Source: 'floor', DetailType: 'Read', Detail: JSON.stringify(got.Item ?? {}) }],
    }),
  );
};
