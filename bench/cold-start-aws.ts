// The AWS endpoint the cold-start benchmark's first invocations talk to: DynamoDB and EventBridge over their
// JSON protocols, answered from memory on 127.0.0.1 (AWS_ENDPOINT_URL), so a first call does everything a
// real one does — clients built, credentials and endpoints resolved, requests signed and sent over HTTP,
// responses parsed — without an account. The table holds the scheme a department event needs; while
// recording it also keeps what a function writes (ingest's snapshot, outbox and chunks), so relay and
// project can be handed the stream records ingest produced.
//
// The benchmark runs it in a process of its own (`node bench/cold-start-aws.ts <scheme file>` prints its
// URL), so the benchmark's own process stays blocked while a function runs, as it does when importing, and
// none of its work competes with the measured process. /__stub/written, /__stub/freeze (stop recording) and
// /__stub/calls are for the benchmark.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { marshall } from '@aws-sdk/util-dynamodb';
import { canonicalJson, jsonSafe } from '../domain/chain.ts';
import { loadSchemeText, type Scheme } from '../domain/scheme.ts';
import { keys } from '../functions/shared/table.ts';

type Item = Record<string, unknown>;

/** The request fields the stub reads (DynamoDB JSON for items). */
interface Input {
  Key: Item;
  Item: Item;
  RequestItems: Record<string, unknown>;
  TransactItems: { Put?: { Item: Item } }[];
  Entries: unknown[];
}

export interface StubAws {
  url: string;
  /** Keep what PutItem, BatchWriteItem and TransactWriteItems write (off: writes are acknowledged only). */
  recording: boolean;
  /** Items written while recording, in order (DynamoDB JSON). */
  written: Item[];
  /** Requests served, by X-Amz-Target. */
  calls: Map<string, number>;
  close(): Promise<void>;
}

const keyOf = (item: Item) => `${(item.PK as { S: string }).S}\u0000${(item.SK as { S: string }).S}`;

/**
 * Items a first call may read back: the scheme (its active version and the version) and snapshot chunks.
 * Never a period head, so every ingest invocation records snapshot 1 of its period, as the first event of a
 * period does.
 */
const readable = (key: string) =>
  key.startsWith('CHUNK#') || (key.startsWith('SCHEME#') && !key.includes('\u0000HEAD#'));

export async function startStubAws(scheme: Scheme): Promise<StubAws> {
  const table = new Map<string, Item>();
  const put = (item: Item) => {
    table.set(keyOf(item), item);
  };
  put(
    marshall({
      ...keys.schemeVersion(scheme.id, scheme.version),
      scheme: canonicalJson(jsonSafe(scheme)),
      storedAt: '2026-01-01T00:00:00.000Z',
    }),
  );
  put(marshall({ ...keys.schemeActive(scheme.id), version: scheme.version }));

  const stub: StubAws = { url: '', recording: false, written: [], calls: new Map(), close: async () => {} };
  const write = (item: Item) => {
    if (!stub.recording) return;
    stub.written.push(item);
    put(item);
  };
  const get = (key: Item) => {
    const k = keyOf(key);
    return readable(k) ? table.get(k) : undefined;
  };

  const operations: Record<string, (input: Input) => unknown> = {
    'DynamoDB_20120810.GetItem': ({ Key }) => {
      const item = get(Key);
      return item ? { Item: item } : {};
    },
    'DynamoDB_20120810.Query': () => ({ Items: [], Count: 0, ScannedCount: 0 }),
    'DynamoDB_20120810.BatchGetItem': ({ RequestItems }) => ({
      Responses: Object.fromEntries(
        Object.entries(RequestItems as Record<string, { Keys: Item[] }>).map(([name, { Keys }]) => [
          name,
          Keys.map(get).filter((i) => i !== undefined),
        ]),
      ),
      UnprocessedKeys: {},
    }),
    'DynamoDB_20120810.BatchWriteItem': ({ RequestItems }) => {
      for (const requests of Object.values(RequestItems as Record<string, { PutRequest?: { Item: Item } }[]>))
        for (const r of requests) if (r.PutRequest) write(r.PutRequest.Item);
      return { UnprocessedItems: {} };
    },
    'DynamoDB_20120810.PutItem': ({ Item }) => {
      write(Item);
      return {};
    },
    'DynamoDB_20120810.TransactWriteItems': ({ TransactItems }) => {
      for (const t of TransactItems as { Put?: { Item: Item } }[]) if (t.Put) write(t.Put.Item);
      return {};
    },
    'AWSEvents.PutEvents': ({ Entries }) => ({
      FailedEntryCount: 0,
      Entries: Entries.map((_, i) => ({ EventId: `stub-event-${i}` })),
    }),
  };

  const body = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const control: Record<string, () => unknown> = {
    'GET /__stub/written': () => stub.written,
    'POST /__stub/freeze': () => {
      stub.recording = false;
      return { recording: false };
    },
    'GET /__stub/calls': () => Object.fromEntries(stub.calls),
  };

  const server: Server = createServer(async (req, res) => {
    const command = control[`${req.method} ${req.url}`];
    if (command) {
      await body(req);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(command()));
      return;
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    stub.calls.set(target, (stub.calls.get(target) ?? 0) + 1);
    const operation = operations[target];
    const text = await body(req);
    if (!operation) {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'UnknownOperationException', message: `stub: no ${target}` }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(operation(JSON.parse(text || '{}') as Input)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return stub;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: cold-start-aws.ts <scheme file>');
  const stub = await startStubAws(loadSchemeText(readFileSync(file, 'utf8'), file));
  stub.recording = true;
  process.stdout.write(`${JSON.stringify({ url: stub.url })}\n`);
  // Gone with the benchmark: its end of stdin closes when it exits, however it exits.
  process.stdin.on('end', () => process.exit(0)).resume();
}
