// The functions' DynamoDB client (functions/shared/aws) against DynamoDB Local, side by side with the AWS
// SDK's document client on the same table: what one writes the other reads back identically, answers and
// errors have the same shape, so the store behaves the same whichever client it is given.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Dynamo } from '../../functions/shared/aws/dynamodb.ts';
import { DynamoJsonClient } from '../../functions/shared/aws/dynamodb.ts';
import { sdkDynamo } from '../../functions/shared/aws/sdk.ts';
import {
  createTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localClients,
  uniqueTableName,
} from '../support/dynamodb-local.ts';

let table: string;
let json: Dynamo;
let sdk: Dynamo;

beforeAll(async () => {
  const endpoint = inject('dynamodbEndpoint');
  const { client, doc } = localClients(endpoint);
  table = await createTable(client, uniqueTableName('json-client'));
  json = new DynamoJsonClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  sdk = sdkDynamo(doc);
});

/** Every kind of attribute the store writes, and some it may. */
const item = (pk: string) => ({
  PK: pk,
  SK: 'ITEM',
  text: '兰州 · Lanzhou "quoted" \\ back',
  empty: '',
  integer: 42,
  negative: -3.25,
  tiny: 1.42e-14,
  big: 12345678901234,
  flag: true,
  nothing: null,
  bytes: new Uint8Array([0, 1, 2, 250, 255]),
  list: [1, 'two', { three: 3 }, [new Uint8Array([9])]],
  map: { nested: { deeper: 'yes', n: 0 }, bin: new Uint8Array([7, 7]) },
  strings: new Set(['a', 'b']),
  numbers: new Set([1, 2.5]),
  binaries: new Set([new Uint8Array([1]), new Uint8Array([2, 3])]),
  dropped: undefined,
});
const { dropped: _dropped, ...written } = item('x');

describe.each([
  ['the JSON client writes, the SDK reads', () => [json, sdk] as const],
  ['the SDK writes, the JSON client reads', () => [sdk, json] as const],
])('%s', (name, clients) => {
  it('round-trips every attribute type (undefined attributes left out)', async () => {
    const [writer, reader] = clients();
    const pk = `RT#${name}`;
    await writer.put({ TableName: table, Item: item(pk) });
    const got = await reader.get({ TableName: table, Key: { PK: pk, SK: 'ITEM' }, ConsistentRead: true });
    expect(got.Item).toEqual({ ...written, PK: pk });
    expect(got.Item!.bytes).toBeInstanceOf(Uint8Array);
  });
});

describe('the JSON client answers as the SDK document client does', () => {
  it('query: pages with LastEvaluatedKey, expression values marshalled', async () => {
    const pk = 'Q#pages';
    for (let i = 0; i < 5; i++) await json.put({ TableName: table, Item: { PK: pk, SK: `S#${i}`, n: i } });
    const query = (db: Dynamo, start?: Record<string, unknown>) =>
      db.query({
        TableName: table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :s)',
        ExpressionAttributeValues: { ':pk': pk, ':s': 'S#' },
        Limit: 2,
        ExclusiveStartKey: start,
      });
    const pages = async (db: Dynamo) => {
      const out: unknown[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await query(db, start);
        out.push({ Items: page.Items, LastEvaluatedKey: page.LastEvaluatedKey, Count: page.Count });
        start = page.LastEvaluatedKey;
      } while (start);
      return out;
    };
    const [a, b] = [await pages(json), await pages(sdk)];
    expect(a).toEqual(b);
    expect(a).toHaveLength(3);
  });

  it('batchGet and batchWrite: responses and (no) unprocessed requests in the same shape', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => ({ PK: `B#${i}`, SK: 'ITEM' }));
    const wrote = await json.batchWrite({
      RequestItems: {
        [table]: keys
          .slice(0, 25)
          .map((k) => ({ PutRequest: { Item: { ...k, data: new Uint8Array([1, 2]) } } })),
      },
    });
    expect(wrote.UnprocessedItems).toEqual({});
    const get = (db: Dynamo) => db.batchGet({ RequestItems: { [table]: { Keys: keys.slice(20, 30) } } });
    const [a, b] = [await get(json), await get(sdk)];
    const sorted = (r: typeof a) =>
      [...(r.Responses?.[table] ?? [])].sort((x, y) => String(x.PK).localeCompare(String(y.PK)));
    expect(sorted(a)).toEqual(sorted(b));
    expect(sorted(a)).toHaveLength(5);
    expect(a.UnprocessedKeys).toEqual(b.UnprocessedKeys);
    const deleted = await json.batchWrite({
      RequestItems: { [table]: [{ DeleteRequest: { Key: keys[0]! } }] },
    });
    expect(deleted.UnprocessedItems).toEqual({});
    expect((await sdk.get({ TableName: table, Key: keys[0]! })).Item).toBeUndefined();
  });

  it('transactWrite: applies all four kinds of item, or fails with the SDK’s error name and reasons', async () => {
    await sdk.put({ TableName: table, Item: { PK: 'T#del', SK: 'ITEM' } });
    await sdk.put({ TableName: table, Item: { PK: 'T#upd', SK: 'ITEM', version: 1 } });
    await sdk.put({ TableName: table, Item: { PK: 'T#cond', SK: 'ITEM' } });
    await json.transactWrite({
      TransactItems: [
        {
          Put: {
            TableName: table,
            Item: { PK: 'T#put', SK: 'ITEM', body: new Uint8Array([5]) },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        {
          Update: {
            TableName: table,
            Key: { PK: 'T#upd', SK: 'ITEM' },
            UpdateExpression: 'SET version = :v',
            ConditionExpression: 'version = :old',
            ExpressionAttributeValues: { ':v': 2, ':old': 1 },
          },
        },
        { Delete: { TableName: table, Key: { PK: 'T#del', SK: 'ITEM' } } },
        {
          ConditionCheck: {
            TableName: table,
            Key: { PK: 'T#cond', SK: 'ITEM' },
            ConditionExpression: 'attribute_exists(PK)',
          },
        },
      ],
    });
    expect((await sdk.get({ TableName: table, Key: { PK: 'T#upd', SK: 'ITEM' } })).Item).toEqual({
      PK: 'T#upd',
      SK: 'ITEM',
      version: 2,
    });
    expect((await sdk.get({ TableName: table, Key: { PK: 'T#del', SK: 'ITEM' } })).Item).toBeUndefined();
    expect((await sdk.get({ TableName: table, Key: { PK: 'T#put', SK: 'ITEM' } })).Item).toEqual({
      PK: 'T#put',
      SK: 'ITEM',
      body: new Uint8Array([5]),
    });

    const conflicting = (db: Dynamo) =>
      db
        .transactWrite({
          TransactItems: [
            { Put: { TableName: table, Item: { PK: 'T#new', SK: 'ITEM' } } },
            {
              Put: {
                TableName: table,
                Item: { PK: 'T#put', SK: 'ITEM' },
                ConditionExpression: 'attribute_not_exists(PK)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        })
        .then(
          () => undefined,
          (e: Error & { CancellationReasons?: unknown[]; $metadata?: { httpStatusCode?: number } }) => ({
            name: e.name,
            reasons: e.CancellationReasons,
            status: e.$metadata?.httpStatusCode,
          }),
        );
    const [a, b] = [await conflicting(json), await conflicting(sdk)];
    expect(a).toEqual(b);
    expect(a).toMatchObject({ name: 'TransactionCanceledException', status: 400 });
    expect(a!.reasons).toEqual([
      expect.objectContaining({ Code: 'None' }),
      expect.objectContaining({
        Code: 'ConditionalCheckFailed',
        Item: { PK: { S: 'T#put' }, SK: { S: 'ITEM' }, body: { B: new Uint8Array([5]) } },
      }),
    ]);
  });

  it('a failed put condition and a validation error carry the same names as the SDK’s', async () => {
    await sdk.put({ TableName: table, Item: { PK: 'C#1', SK: 'ITEM' } });
    const fail = async (db: Dynamo, input: Parameters<Dynamo['put']>[0]) =>
      db.put(input).then(
        () => 'no error',
        (e: Error) => e.name,
      );
    const conditional = {
      TableName: table,
      Item: { PK: 'C#1', SK: 'ITEM' },
      ConditionExpression: 'attribute_not_exists(PK)',
    };
    const invalid = { TableName: table, Item: { PK: 'C#2' } };
    expect(await fail(json, conditional)).toBe(await fail(sdk, conditional));
    expect(await fail(json, conditional)).toBe('ConditionalCheckFailedException');
    expect(await fail(json, invalid)).toBe(await fail(sdk, invalid));
    expect(await fail(json, invalid)).toBe('ValidationException');
  });
});
