import 'aws-sdk-client-mock-vitest/extend';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AlertState } from '../../../domain/alerts.ts';
import { canonicalJson, chainHash, jsonSafe } from '../../../domain/chain.ts';
import type { Recorded } from '../../../domain/record.ts';
import { toChunks } from '../../../functions/shared/chunks.ts';
import {
  type AlertBuckets,
  alertBucket,
  type CommitInput,
  HeadConflictError,
  SchemeNotFoundError,
} from '../../../functions/shared/dynamo-store.ts';
import { eventsForRecorded, type OutboxEvent } from '../../../functions/shared/outbox.ts';
import { keys } from '../../../functions/shared/table.ts';
import { mockedStore, recordedPair, scheme, TABLE } from '../fixtures.ts';

const { first, second } = recordedPair();
const noAlerts = (): AlertBuckets => ({ states: new Map(), versions: new Map() });

function commitInput(r: Recorded, over: Partial<CommitInput> = {}): CommitInput {
  const previousHash = over.previousHash ?? null;
  return {
    scheme,
    body: r.body,
    standings: r.standings,
    previousHash,
    expectedSeq: r.body.seq - 1,
    alertChanges: r.alertChanges,
    alerts: noAlerts(),
    events: (hash) => eventsForRecorded(scheme, r, hash, previousHash),
    ...over,
  };
}

type Put = {
  TableName?: string;
  Item?: Record<string, unknown>;
  ConditionExpression?: string;
  ExpressionAttributeValues?: Record<string, unknown>;
};
const putsOf = (input: TransactWriteCommandInput) => (input.TransactItems ?? []).map((t) => t.Put as Put);
const byPrefix = (puts: Put[], prefix: string) => puts.filter((p) => String(p.Item?.PK).startsWith(prefix));

let mocked: ReturnType<typeof mockedStore>;
/** Chunk items written through BatchWrite, served back through BatchGet. */
let chunks: Map<string, Uint8Array>;

beforeEach(() => {
  mocked = mockedStore();
  chunks = new Map();
  mocked.ddb.on(BatchWriteCommand).callsFake((input: BatchWriteCommandInput) => {
    for (const w of input.RequestItems![TABLE]!)
      chunks.set(String(w.PutRequest!.Item!.PK), w.PutRequest!.Item!.data as Uint8Array);
    return {};
  });
  mocked.ddb.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => ({
    Responses: {
      [TABLE]: (input.RequestItems![TABLE]!.Keys ?? [])
        .filter((k) => chunks.has(String(k.PK)))
        .map((k) => ({ ...k, data: chunks.get(String(k.PK)) })),
    },
  }));
});

describe('commit', () => {
  it('writes the chunks first, then one transaction with manifest, head, receipt, alert buckets and outbox', async () => {
    await mocked.store.commit(commitInput(second, { previousHash: 'a'.repeat(64) }));
    const calls = mocked.ddb.calls().map((c) => (c.args[0] as object).constructor.name);
    expect(calls.indexOf('BatchWriteCommand')).toBeLessThan(calls.indexOf('TransactWriteCommand'));
    expect(mocked.ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const puts = putsOf(mocked.ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input);
    expect(puts.every((p) => p.TableName === TABLE)).toBe(true);
    expect(byPrefix(puts, 'SNAP#')).toHaveLength(1);
    expect(byPrefix(puts, 'RECEIPT#')).toHaveLength(1);
    expect(byPrefix(puts, 'OUTBOX#')).toHaveLength(1);
    expect(puts.filter((p) => String(p.Item?.SK).startsWith('HEAD#'))).toHaveLength(1);
    const buckets = new Set(second.alertChanges.map((c) => alertBucket(c.key)));
    expect(byPrefix(puts, 'ALERT#')).toHaveLength(buckets.size);
    expect(puts).toHaveLength(4 + buckets.size);
    const [manifest] = byPrefix(puts, 'SNAP#');
    expect(manifest).toMatchObject({
      ConditionExpression: 'attribute_not_exists(PK)',
      Item: { seq: 2, previousHash: 'a'.repeat(64), schemeVersion: '1' },
    });
    // Every chunk the manifest names was written before.
    for (const h of [
      ...(manifest!.Item!.inputChunks as string[]),
      ...(manifest!.Item!.restChunks as string[]),
    ])
      expect(chunks.has(keys.chunk(h).PK)).toBe(true);
    expect(byPrefix(puts, 'RECEIPT#')[0]!.Item!.eventIds).toEqual(second.body.applied);
  });

  it('creates a first head only if there is none, and advances a later one only from the version it read', async () => {
    await mocked.store.commit(commitInput(first));
    await mocked.store.commit(commitInput(second, { previousHash: 'a'.repeat(64) }));
    const heads = mocked.ddb
      .commandCalls(TransactWriteCommand)
      .map((c) => putsOf(c.args[0].input).find((p) => String(p.Item?.SK).startsWith('HEAD#'))!);
    expect(heads[0]).toMatchObject({ ConditionExpression: 'attribute_not_exists(PK)', Item: { seq: 1 } });
    expect(heads[1]).toMatchObject({
      ConditionExpression: 'seq = :expected',
      ExpressionAttributeValues: { ':expected': 1 },
      Item: { seq: 2 },
    });
  });

  it('hashes the RFC 8785 canonical body with the previous hash', async () => {
    const previous = 'c'.repeat(64);
    const out = await mocked.store.commit(commitInput(second, { previousHash: previous }));
    expect(out.hash).toBe(chainHash(canonicalJson(jsonSafe(second.body)), previous));
    const first1 = await mocked.store.commit(commitInput(first));
    expect(first1.hash).toBe(chainHash(canonicalJson(jsonSafe(first.body)), null));
  });

  it('stores parts that read back as the body, and a chain that verifies', async () => {
    await mocked.store.commit(commitInput(first));
    const [manifest] = byPrefix(
      putsOf(mocked.ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input),
      'SNAP#',
    );
    const m = manifest!.Item as Parameters<typeof mocked.store.snapshotBody>[0];
    expect(await mocked.store.snapshotBody(m)).toEqual(jsonSafe(first.body));
    const head = putsOf(mocked.ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input).find(
      (p) => p.Item?.SK === keys.head(scheme.id, '2026-W02').SK,
    );
    mocked.ddb.on(GetCommand, { Key: keys.head(scheme.id, '2026-W02') }).resolves({ Item: head!.Item! });
    mocked.ddb
      .on(QueryCommand, { KeyConditionExpression: 'PK = :pk' })
      .resolves({ Items: [manifest!.Item!] });
    await expect(mocked.store.verify(scheme.id, '2026-W02')).resolves.toMatchObject({ ok: true, checked: 1 });

    // A rest part rewritten in another key order has the same content: it is canonicalised and verifies.
    const rest = JSON.parse(await textOf(m.restChunks)) as Record<string, unknown>;
    const reordered = toChunks(JSON.stringify(Object.fromEntries(Object.entries(rest).reverse())));
    for (const c of reordered) chunks.set(keys.chunk(c.hash).PK, c.data);
    const rewritten = { ...manifest!.Item!, restChunks: reordered.map((c) => c.hash) };
    mocked.ddb.on(QueryCommand, { KeyConditionExpression: 'PK = :pk' }).resolves({ Items: [rewritten] });
    await expect(mocked.store.verify(scheme.id, '2026-W02')).resolves.toMatchObject({ ok: true });

    // A flipped byte in a chunk names the snapshot.
    const victim = keys.chunk(m.inputChunks[0]!).PK;
    const bytes = new Uint8Array(chunks.get(victim)!);
    bytes[3] = bytes[3]! ^ 0x10;
    chunks.set(victim, bytes);
    await expect(mocked.store.verify(scheme.id, '2026-W02')).resolves.toMatchObject({
      ok: false,
      firstBad: `${scheme.id}|2026-W02|#1`,
    });
  });

  async function textOf(hashes: string[]): Promise<string> {
    const { fromChunks } = await import('../../../functions/shared/chunks.ts');
    return fromChunks(await mocked.store.readChunks(hashes));
  }

  it.each([
    ['ConditionalCheckFailed', ['ConditionalCheckFailed', 'None', 'None']],
    ['TransactionConflict', ['None', 'TransactionConflict', 'None']],
  ])('reports a transaction cancelled by %s as a HeadConflictError', async (_name, codes) => {
    mocked.ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: codes.map((Code) => ({ Code })),
      }),
    );
    await expect(mocked.store.commit(commitInput(first))).rejects.toThrow(HeadConflictError);
  });

  it('rethrows any other failure unchanged', async () => {
    const cancelled = new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: [
        { Code: 'ValidationError', Message: 'Item size has exceeded the maximum allowed size' },
      ],
    });
    mocked.ddb.on(TransactWriteCommand).rejectsOnce(cancelled).rejectsOnce(new Error('socket hang up'));
    await expect(mocked.store.commit(commitInput(first))).rejects.toBe(cancelled);
    await expect(mocked.store.commit(commitInput(first))).rejects.toThrow('socket hang up');
  });

  it('rewrites only the touched alert buckets, each under the version it was read at', async () => {
    const [change] = second.alertChanges;
    const bucket = alertBucket(change!.key);
    const { firedAt: _firedAt, ...neighbour } = change!;
    // A state in the same bucket (kept), a pending state that cleared (dropped), a state in another bucket.
    const sameBucketKey = findKeyIn(bucket, 'same');
    const clearedKey = findKeyIn(bucket, 'cleared');
    const otherKey = findKeyIn((bucket + 1) % 16, 'other');
    const states = new Map<string, AlertState>([
      [sameBucketKey, { ...neighbour, key: sameBucketKey, status: 'firing' }],
      [clearedKey, { ...neighbour, key: clearedKey, status: 'pending', count: 1 }],
      [otherKey, { ...neighbour, key: otherKey, status: 'firing' }],
    ]);
    // How stepAlerts clears a pending state that stopped holding.
    const cleared: AlertState = {
      ...neighbour,
      key: clearedKey,
      status: 'resolved',
      count: 0,
      resolvedAt: '2026-01-13T01:00:00.000Z',
    };
    await mocked.store.commit(
      commitInput(second, {
        previousHash: 'a'.repeat(64),
        alertChanges: [change!, cleared],
        alerts: { states, versions: new Map([[bucket, 4]]) },
      }),
    );
    const alertPuts = byPrefix(
      putsOf(mocked.ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input),
      'ALERT#',
    );
    expect(alertPuts).toHaveLength(1);
    expect(alertPuts[0]).toMatchObject({
      Item: { ...keys.alertBucket(scheme.id, bucket), ver: 5 },
      ConditionExpression: 'ver = :v',
      ExpressionAttributeValues: { ':v': 4 },
    });
    const stored = (JSON.parse(alertPuts[0]!.Item!.states as string) as AlertState[])
      .map((s) => s.key)
      .sort();
    expect(stored).toEqual([change!.key, sameBucketKey].sort());
  });

  it('creates an alert bucket never written before only if it still does not exist', async () => {
    await mocked.store.commit(commitInput(second, { previousHash: 'a'.repeat(64) }));
    const alertPuts = byPrefix(
      putsOf(mocked.ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input),
      'ALERT#',
    );
    expect(alertPuts.length).toBeGreaterThan(0);
    for (const p of alertPuts)
      expect(p).toMatchObject({ ConditionExpression: 'attribute_not_exists(PK)', Item: { ver: 1 } });
  });

  it('bundles many events into outbox items under the item size limit, in order', async () => {
    const big = (i: number): OutboxEvent => ({
      id: `ev-${i}`,
      detailType: 'Ranking.Slipped',
      source: 'rankwatch.engine',
      detail: { eventId: `ev-${i}`, padding: 'x'.repeat(40_000) },
    });
    const events = Array.from({ length: 25 }, (_, i) => big(i));
    await mocked.store.commit(commitInput(first, { events: () => events }));
    const outbox = byPrefix(
      putsOf(mocked.ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input),
      'OUTBOX#',
    );
    expect(outbox.length).toBeGreaterThan(2);
    expect(outbox.map((p) => p.Item!.SK)).toEqual(
      outbox.map((_, part) => keys.outbox(scheme.id, '2026-W02', 1, part).SK),
    );
    for (const p of outbox) {
      expect(Buffer.byteLength(p.Item!.events as string)).toBeLessThan(350 * 1024);
      expect(p.ConditionExpression).toBe('attribute_not_exists(PK)');
    }
    const bundled = outbox.flatMap((p) => JSON.parse(p.Item!.events as string) as OutboxEvent[]);
    expect(bundled.map((e) => e.id)).toEqual(events.map((e) => e.id));
  });
});

function findKeyIn(bucket: number, tag: string): string {
  for (let i = 0; ; i++) if (alertBucket(`${tag}-${i}`) === bucket) return `${tag}-${i}`;
}

describe('loadContext', () => {
  it('reads the head, carry-forward inputs of the last k earlier periods, and period-final history oldest first', async () => {
    const inputsOf = (tag: string) => {
      const text = JSON.stringify({ ...first.body.inputs, events: [[tag, null, null]] });
      const cs = toChunks(text);
      for (const c of cs) chunks.set(keys.chunk(c.hash).PK, c.data);
      return cs.map((c) => c.hash);
    };
    const head = (period: string, seq: number) => ({
      ...keys.head(scheme.id, period),
      period,
      seq,
      hash: `${period}-hash`,
      recordedAt: '2026-01-20T00:00:00Z',
      schemeVersion: '1',
      inputChunks: inputsOf(period),
      standings: JSON.stringify({ period, entities: {} }),
    });
    mocked.ddb
      .on(GetCommand, { Key: keys.head(scheme.id, '2026-W05') })
      .resolves({ Item: head('2026-W05', 3) });
    // Earlier heads, most recent first, including the period itself (the query's upper bound is inclusive).
    mocked.ddb.on(QueryCommand, { ScanIndexForward: false }).resolves({
      Items: [head('2026-W05', 3), head('2026-W04', 2), head('2026-W02', 5), head('2026-W01', 1)],
    });
    const ctx = await mocked.store.loadContext(scheme, '2026-W05');
    expect(ctx.head).toMatchObject({ period: '2026-W05', seq: 3, hash: '2026-W05-hash' });
    expect(ctx.head!.inputs.events).toEqual([['2026-W05', null, null]]);
    // carryForward is 1: only the previous period's inputs.
    expect(ctx.earlier.map((e) => [e.period, e.inputs.events[0]![0]])).toEqual([['2026-W04', '2026-W04']]);
    expect(ctx.history.map((h) => h.period)).toEqual(['2026-W01', '2026-W02', '2026-W04']);
    const query = mocked.ddb
      .commandCalls(QueryCommand)
      .find((c) => c.args[0].input.ScanIndexForward === false)!;
    expect(query.args[0].input as QueryCommandInput).toMatchObject({ ConsistentRead: true });
  });

  it('has no head for a period never recorded', async () => {
    const ctx = await mocked.store.loadContext(scheme, '2026-W05');
    expect(ctx).toMatchObject({ head: null, earlier: [], history: [] });
  });
});

describe('schemes', () => {
  it('throw SchemeNotFoundError when a scheme has no active version', async () => {
    await expect(mocked.store.activeScheme('nobody')).rejects.toThrow(SchemeNotFoundError);
  });

  it('are parsed once per version and container', async () => {
    expect((await mocked.store.activeScheme(scheme.id)).id).toBe(scheme.id);
    await mocked.store.activeScheme(scheme.id);
    const versionReads = mocked.ddb
      .commandCalls(GetCommand)
      .filter((c) => c.args[0].input.Key?.SK === `VERSION#${scheme.version}`);
    expect(versionReads).toHaveLength(1);
  });

  it('refuse other content under a version already stored', async () => {
    await expect(mocked.store.putScheme({ ...scheme, name: { zh: '改名', en: 'Renamed' } })).rejects.toThrow(
      /already stored with other content/,
    );
    expect(mocked.ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('store a new version only if it does not exist yet, and activate it in the same transaction', async () => {
    const next = { ...scheme, version: '2' };
    await expect(mocked.store.putScheme(next)).resolves.toEqual({ created: true });
    const input = mocked.ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input;
    const puts = putsOf(input).filter((p) => p !== undefined);
    expect(puts.map((p) => p.Item!.SK)).toEqual(['VERSION#2', 'ACTIVE']);
    expect(puts[0]!.ConditionExpression).toBe('attribute_not_exists(PK)');
    expect(puts[1]!.Item!.version).toBe('2');
    // …and the scheme joins the index the scheduled functions visit.
    expect(input.TransactItems?.[2]?.Update).toMatchObject({
      Key: keys.schemeIndex,
      UpdateExpression: 'ADD ids :id',
      ExpressionAttributeValues: { ':id': new Set([scheme.id]) },
    });
  });
});

describe('putRejection', () => {
  it('stores a rejection once per original event', async () => {
    const [ev] = eventsForRecorded(scheme, first, 'a'.repeat(64), null);
    await expect(mocked.store.putRejection('evt-1', ev!, '2026-01-12T03:00:00Z')).resolves.toBe(true);
    mocked.ddb.on(PutCommand).rejects(
      Object.assign(new Error('The conditional request failed'), {
        name: 'ConditionalCheckFailedException',
      }),
    );
    await expect(mocked.store.putRejection('evt-1', ev!, '2026-01-12T03:00:00Z')).resolves.toBe(false);
  });
});

describe('readChunks', () => {
  it('names a chunk that is missing', async () => {
    await expect(mocked.store.readChunks(['f'.repeat(64)])).rejects.toThrow(
      `chunk ${'f'.repeat(64)} is missing`,
    );
  });
});
