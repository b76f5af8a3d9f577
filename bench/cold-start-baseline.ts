// The cold-start baseline: a conventional handler built from the usual stack — middy, Powertools logger and
// parser, zod, the DynamoDB document client and the EventBridge client. Bundled exactly like the engine's
// functions (bench/cold-start.ts) so the comparison is about what each imports. Clients are created on first
// use, as the engine's functions do, so the baseline is not made heavier than they are by construction.
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import { z } from 'zod';

const logger = new Logger({ serviceName: 'baseline' });
const Event = EventBridgeSchema.extend({
  detail: z.object({ scheme: z.string(), entity: z.string(), value: z.number() }),
});

let doc: DynamoDBDocumentClient | undefined;
let events: EventBridgeClient | undefined;

export const handler = middy(async (event: z.infer<typeof Event>) => {
  doc ??= DynamoDBDocumentClient.from(new DynamoDBClient({}));
  events ??= new EventBridgeClient({});
  const { scheme, entity, value } = event.detail;
  await doc.send(
    new PutCommand({ TableName: process.env.TABLE_NAME, Item: { PK: scheme, SK: entity, value } }),
  );
  await events.send(
    new PutEventsCommand({
      Entries: [{ Source: 'baseline', DetailType: 'Recorded', Detail: JSON.stringify(event.detail) }],
    }),
  );
  logger.info('recorded', { scheme, entity });
})
  .use(injectLambdaContext(logger))
  .use(parser({ schema: Event }));
