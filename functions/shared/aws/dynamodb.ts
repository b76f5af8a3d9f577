// The DynamoDB operations the engine uses, with plain JavaScript values in and out as the SDK's document
// client (lib-dynamodb) takes and gives them. Two implementations: DynamoJsonClient (the functions': the
// JSON protocol through ./client.ts, marshalling by @aws-sdk/util-dynamodb, the SDK's own converter) and
// sdkDynamo (./sdk.ts: over a DynamoDBDocumentClient, for the CLI with the full credential chain and for
// tests with aws-sdk-client-mock).
import type {
  BatchGetCommandInput,
  BatchGetCommandOutput,
  BatchWriteCommandInput,
  BatchWriteCommandOutput,
  GetCommandInput,
  GetCommandOutput,
  PutCommandInput,
  PutCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
  TransactWriteCommandInput,
  TransactWriteCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { AwsJsonClient, AwsServiceError, type ClientOptions } from './client.ts';

type Out<T> = Omit<T, '$metadata'>;

export interface Dynamo {
  get(input: GetCommandInput): Promise<Out<GetCommandOutput>>;
  put(input: PutCommandInput): Promise<Out<PutCommandOutput>>;
  query(input: QueryCommandInput): Promise<Out<QueryCommandOutput>>;
  batchGet(input: BatchGetCommandInput): Promise<Out<BatchGetCommandOutput>>;
  batchWrite(input: BatchWriteCommandInput): Promise<Out<BatchWriteCommandOutput>>;
  transactWrite(input: TransactWriteCommandInput): Promise<Out<TransactWriteCommandOutput>>;
}

type Plain = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: DynamoDB JSON (attribute values) on the wire
type Wire = Record<string, any>;

/**
 * Binary values travel as base64 in DynamoDB JSON; util-dynamodb's marshall gives and unmarshall takes
 * Uint8Arrays (the SDK's serializer does this step, which the JSON client does here).
 */
function binaryOut(v: Wire): Wire {
  if (v.B !== undefined) return { B: Buffer.from(v.B as Uint8Array).toString('base64') };
  if (v.BS !== undefined) return { BS: (v.BS as Uint8Array[]).map((b) => Buffer.from(b).toString('base64')) };
  if (v.M !== undefined) return { M: mapValues(v.M, binaryOut) };
  if (v.L !== undefined) return { L: (v.L as Wire[]).map(binaryOut) };
  return v;
}
/** A Uint8Array of its own (not a view into Buffer's shared pool), as the SDK's base64 decoder gives. */
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
function binaryIn(v: Wire): Wire {
  if (v.B !== undefined) return { B: bytes(v.B) };
  if (v.BS !== undefined) return { BS: (v.BS as string[]).map(bytes) };
  if (v.M !== undefined) return { M: mapValues(v.M, binaryIn) };
  if (v.L !== undefined) return { L: (v.L as Wire[]).map(binaryIn) };
  return v;
}
const mapValues = (m: Wire, f: (v: Wire) => Wire): Wire =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, f(v as Wire)]));

/** Attributes with `undefined` are left out, as the engine's document client is configured. */
const toItem = (item: Plain) => mapValues(marshall(item, { removeUndefinedValues: true }), binaryOut);
const toWire = (item: Plain | undefined) => (item === undefined ? undefined : toItem(item));
const fromItem = (item: Wire) => unmarshall(mapValues(item, binaryIn)) as Plain;
const fromWire = (item: Wire | undefined) => (item === undefined ? undefined : fromItem(item));
const mapTables = <A, B>(tables: Record<string, A> | undefined, f: (x: A) => B) =>
  tables === undefined ? undefined : Object.fromEntries(Object.entries(tables).map(([t, x]) => [t, f(x)]));

/** Marshals the fields of a request that hold items, keys or expression values. */
function withWire<T extends Plain>(input: T, fields: readonly string[]): Wire {
  const out: Wire = { ...input };
  for (const f of fields) if (out[f] !== undefined) out[f] = toWire(out[f]);
  return out;
}
const ITEM_FIELDS = ['Item', 'Key', 'ExpressionAttributeValues', 'ExclusiveStartKey'] as const;

const writeRequest = (r: Wire): Wire => ({
  ...r,
  ...(r.PutRequest ? { PutRequest: { ...r.PutRequest, Item: toWire(r.PutRequest.Item) } } : {}),
  ...(r.DeleteRequest ? { DeleteRequest: { ...r.DeleteRequest, Key: toWire(r.DeleteRequest.Key) } } : {}),
});
const writeRequestBack = (r: Wire): Wire => ({
  ...r,
  ...(r.PutRequest ? { PutRequest: { ...r.PutRequest, Item: fromWire(r.PutRequest.Item) } } : {}),
  ...(r.DeleteRequest ? { DeleteRequest: { ...r.DeleteRequest, Key: fromWire(r.DeleteRequest.Key) } } : {}),
});
const keysAndAttributes = (k: Wire, f: (x: Wire) => Wire): Wire => ({ ...k, Keys: k.Keys?.map(f) });

export const DYNAMODB = {
  signingName: 'dynamodb',
  envName: 'DYNAMODB',
  targetPrefix: 'DynamoDB_20120810',
  jsonVersion: '1.0',
} as const;

export class DynamoJsonClient implements Dynamo {
  private readonly client: AwsJsonClient;

  constructor(options: ClientOptions = {}) {
    this.client = new AwsJsonClient(DYNAMODB, options);
  }

  async get(input: GetCommandInput) {
    const out = await this.client.call<Wire>('GetItem', withWire(input, ITEM_FIELDS));
    return { ...out, Item: fromWire(out.Item) };
  }

  async put(input: PutCommandInput) {
    const out = await this.client.call<Wire>('PutItem', withWire(input, ITEM_FIELDS));
    return { ...out, Attributes: fromWire(out.Attributes) };
  }

  async query(input: QueryCommandInput) {
    const out = await this.client.call<Wire>('Query', withWire(input, ITEM_FIELDS));
    return { ...out, Items: out.Items?.map(fromItem), LastEvaluatedKey: fromWire(out.LastEvaluatedKey) };
  }

  async batchGet(input: BatchGetCommandInput) {
    const out = await this.client.call<Wire>('BatchGetItem', {
      ...input,
      RequestItems: mapTables(input.RequestItems as Wire, (k: Wire) => keysAndAttributes(k, toItem)),
    });
    return {
      ...out,
      Responses: mapTables(out.Responses as Record<string, Wire[]>, (items) => items.map(fromItem)),
      UnprocessedKeys: mapTables(out.UnprocessedKeys as Wire, (k: Wire) => keysAndAttributes(k, fromItem)),
    } as Out<BatchGetCommandOutput>;
  }

  async batchWrite(input: BatchWriteCommandInput) {
    const out = await this.client.call<Wire>('BatchWriteItem', {
      ...input,
      RequestItems: mapTables(input.RequestItems as Record<string, Wire[]>, (rs) => rs.map(writeRequest)),
    });
    return {
      ...out,
      UnprocessedItems: mapTables(out.UnprocessedItems as Record<string, Wire[]>, (rs) =>
        rs.map(writeRequestBack),
      ),
    } as Out<BatchWriteCommandOutput>;
  }

  async transactWrite(input: TransactWriteCommandInput) {
    const TransactItems = input.TransactItems?.map((t) => {
      const item: Wire = { ...t };
      for (const op of ['Put', 'Update', 'Delete', 'ConditionCheck'] as const)
        if (item[op]) item[op] = withWire(item[op], ITEM_FIELDS);
      return item;
    });
    try {
      return await this.client.call<Wire>('TransactWriteItems', { ...input, TransactItems });
    } catch (e) {
      // As the SDK gives them: cancellation reasons' items stay attribute values (the document client does
      // not convert error fields), with binary values as bytes.
      if (e instanceof AwsServiceError && Array.isArray(e.CancellationReasons))
        for (const r of e.CancellationReasons as Wire[]) if (r.Item) r.Item = mapValues(r.Item, binaryIn);
      throw e;
    }
  }
}
