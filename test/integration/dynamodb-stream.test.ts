import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbStreamReader } from '../../local/dynamodb-stream.ts';
import { createTable, LOCAL_REGION, localClients, uniqueTableName } from '../support/dynamodb-local.ts';

describe('DynamoDbStreamReader on DynamoDB Local', () => {
  const endpoint = inject('dynamodbEndpoint');
  const { client, doc } = localClients(endpoint);
  let table: string;
  let reader: DynamoDbStreamReader;

  beforeAll(async () => {
    table = await createTable(client, uniqueTableName('stream'));
    reader = await DynamoDbStreamReader.forTable({ endpoint, region: LOCAL_REGION, table });
    await doc.send(
      new PutCommand({ TableName: table, Item: { PK: 'a', SK: '1', n: 1, bytes: new Uint8Array([1, 2]) } }),
    );
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { PK: 'a', SK: '1' },
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': 2 },
      }),
    );
    await doc.send(new DeleteCommand({ TableName: table, Key: { PK: 'a', SK: '1' } }));
    await doc.send(new PutCommand({ TableName: table, Item: { PK: 'b', SK: '1' } }));
  });

  it('reads the changes in order, shaped as Lambda delivers them', async () => {
    const records = await reader.read();
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE', 'INSERT']);
    expect(records[0]).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventSourceARN: reader.streamArn,
      dynamodb: {
        Keys: { PK: { S: 'a' }, SK: { S: '1' } },
        NewImage: { n: { N: '1' }, bytes: { B: 'AQI=' } },
        StreamViewType: 'NEW_IMAGE',
      },
    });
    const seqs = records.map((r) => BigInt(r.dynamodb!.SequenceNumber!));
    expect([...seqs].sort((x, y) => (x < y ? -1 : 1))).toEqual(seqs);
  });

  it('gives the same records again until they are acknowledged, and honours the limit', async () => {
    const firstTwo = await reader.read(2);
    expect(firstTwo.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY']);
    reader.acknowledge(firstTwo);
    expect((await reader.read()).map((r) => r.eventName)).toEqual(['REMOVE', 'INSERT']);
    reader.acknowledge(await reader.read());
    expect(await reader.read()).toEqual([]);
    await doc.send(new PutCommand({ TableName: table, Item: { PK: 'c', SK: '1' } }));
    expect((await reader.read()).map((r) => r.dynamodb?.Keys?.PK?.S)).toEqual(['c']);
  });

  it('refuses to acknowledge a record it did not read', () => {
    expect(() => reader.acknowledge([{ eventName: 'INSERT', dynamodb: { SequenceNumber: '1' } }])).toThrow(
      /not read by this reader/,
    );
  });

  it('fails with the service error for a table that does not exist', async () => {
    await expect(DynamoDbStreamReader.forTable({ endpoint, table: 'no-such-table' })).rejects.toThrow(
      /ResourceNotFoundException/,
    );
  });
});
