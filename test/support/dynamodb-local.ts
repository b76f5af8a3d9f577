// DynamoDB Local for the tests: the emulator as the local engine starts it (local/dynamodb-local.ts), in
// memory on a free port, plus clients and per-test tables built from the production table definition.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../functions/shared/aws/sdk.ts';
import { tableDefinition } from '../../functions/shared/table.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local.ts';

export {
  answers,
  type DynamoDbLocal,
  DynamoDbLocalError,
  dynamoDbLocalDirectory,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDbLocal,
} from '../../local/dynamodb-local.ts';

export interface LocalClients {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
}

/** SDK clients for the emulator, marshalling exactly as the functions do. */
export function localClients(endpoint: string): LocalClients {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 3,
  });
  return { client, doc: documentClient(client) };
}

/** A table name unique to this run, e.g. `pipeline-dup-m1x2k3`. */
export function uniqueTableName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}

/** Creates a table from the production definition (key schema, stream) and returns its name. */
export async function createTable(client: DynamoDBClient, name: string): Promise<string> {
  await client.send(new CreateTableCommand(tableDefinition(name)));
  return name;
}
