// DynamoDB adapter of the assessment store: schemes, period heads, immutable snapshots in content-addressed
// chunks, receipts, alert state and the outbox — written in SPEC's order: chunks first (idempotent), then
// one transaction for manifest, head (optimistic version), receipt, alert state and outbox. Before either,
// ingest stores each admitted event's receipt (its id and content digest, once), like the chunks outside
// the transaction.
import type { AlertState } from '../../domain/alerts.ts';
import { canonicalJson, chainHash, jsonSafe } from '../../domain/chain.ts';
import type { PeriodHead } from '../../domain/record.ts';
import { parseScheme, type Scheme } from '../../domain/scheme.ts';
import type { SnapshotBody, SnapshotInputs } from '../../domain/snapshot.ts';
import type { Standings } from '../../domain/standings.ts';
import type { Dynamo } from './aws/dynamodb.ts';
import { canonicalMembers } from './body-parts.ts';
import { type Chunk, toChunks } from './chunks.ts';
import type { OutboxEvent } from './outbox.ts';
import { DynamoSnapshotReader, type HeadItem, type ManifestItem } from './snapshot-reader.ts';
import { ALERT_BUCKETS, keys, OUTBOX_TTL_SECONDS, TTL_ATTRIBUTE } from './table.ts';

export { DynamoSnapshotReader, type HeadItem, type ManifestItem } from './snapshot-reader.ts';

/** Another writer advanced the period's head first: the group is retried. */
export class HeadConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeadConflictError';
  }
}

export class SchemeNotFoundError extends Error {
  constructor(scheme: string) {
    super(`scheme "${scheme}" has no active version (store it with \`rankwatch scheme put\`)`);
    this.name = 'SchemeNotFoundError';
  }
}

const OUTBOX_ITEM_BYTES = 300 * 1024;
/** Standings larger than this go to chunks, keeping the head item far from the 400 KB limit. */
const INLINE_STANDINGS_BYTES = 64 * 1024;
/** Heads read for history (slip run rules and diagnosis look back at most this many periods). */
export const HISTORY_PERIODS = 52;

export interface AlertBuckets {
  states: Map<string, AlertState>;
  /** Bucket number → stored version (absent: bucket item not written yet). */
  versions: Map<number, number>;
}

export interface PeriodContext {
  head: (PeriodHead & { recordedAt: string }) | null;
  earlier: { period: string; inputs: SnapshotInputs }[];
  history: Standings[];
  alerts: AlertBuckets;
}

/** What ingest remembers of an admitted department event, under its id, for good. */
export interface EventReceipt {
  eventId: string;
  /** eventDigest of its detail-type, source and detail. */
  digest: string;
  detailType: string;
  source: string;
  scheme: string;
  period: string;
  /** When ingest first received it. */
  receivedAt: string;
}

export interface CommitInput {
  scheme: Scheme;
  body: SnapshotBody;
  standings: Standings;
  previousHash: string | null;
  expectedSeq: number;
  alertChanges: readonly AlertState[];
  /** The alert state as loaded with the context (the buckets' contents and versions). */
  alerts: AlertBuckets;
  events: (hash: string) => OutboxEvent[];
}

export function alertBucket(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return h % ALERT_BUCKETS;
}

/**
 * The body's canonical text and its two stored parts (inputs; everything else), each canonicalised once:
 * an object's canonical text is its canonical members in key order, so the whole is assembled from them.
 */
function splitBody(body: SnapshotBody): { inputs: string; rest: string; canonical: string } {
  const { inputs, ...rest } = jsonSafe(body);
  const inputsText = canonicalJson(inputs);
  const members = canonicalMembers(rest);
  const whole = [...members, { key: 'inputs', text: `"inputs":${inputsText}` }].sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
  return {
    inputs: inputsText,
    rest: `{${members.map((m) => m.text).join(',')}}`,
    canonical: `{${whole.map((m) => m.text).join(',')}}`,
  };
}

/** The store ingest writes through: schemes, period state, the snapshot transaction and rejections. */
export class DynamoAssessmentStore extends DynamoSnapshotReader {
  private readonly schemeCache = new Map<string, Scheme>();

  constructor(db: Dynamo, table: string) {
    super(db, table);
  }

  // ── schemes ──────────────────────────────────────────────────────────────────────────────────────
  /** Stores a validated scheme version (immutable: the same id and version with other content is refused) and activates it. */
  async putScheme(scheme: Scheme): Promise<{ created: boolean }> {
    const text = canonicalJson(jsonSafe(scheme));
    const existing = await this.db.get({
      TableName: this.table,
      Key: keys.schemeVersion(scheme.id, scheme.version),
    });
    if (existing.Item && existing.Item.scheme !== text)
      throw new Error(
        `scheme ${scheme.id} version ${scheme.version} is already stored with other content; give it a new version`,
      );
    const now = new Date().toISOString();
    await this.db.transactWrite({
      TransactItems: [
        ...(existing.Item
          ? []
          : [
              {
                Put: {
                  TableName: this.table,
                  Item: { ...keys.schemeVersion(scheme.id, scheme.version), scheme: text, storedAt: now },
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
            ]),
        {
          Put: {
            TableName: this.table,
            Item: { ...keys.schemeActive(scheme.id), version: scheme.version, activatedAt: now },
          },
        },
        {
          Update: {
            TableName: this.table,
            Key: keys.schemeIndex,
            UpdateExpression: 'ADD ids :id',
            ExpressionAttributeValues: { ':id': new Set([scheme.id]) },
          },
        },
      ],
    });
    return { created: !existing.Item };
  }

  /** The ids of every stored scheme. */
  async schemeIds(): Promise<string[]> {
    const out = await this.db.get({ TableName: this.table, Key: keys.schemeIndex, ConsistentRead: true });
    const ids = out.Item?.ids as Set<string> | string[] | undefined;
    return ids ? [...ids].sort() : [];
  }

  /** The active version of a scheme (versions are immutable, so each is parsed once per container). */
  async activeScheme(schemeId: string): Promise<Scheme> {
    const active = await this.db.get({ TableName: this.table, Key: keys.schemeActive(schemeId) });
    const version = active.Item?.version as string | undefined;
    if (!version) throw new SchemeNotFoundError(schemeId);
    return this.schemeVersion(schemeId, version);
  }

  async schemeVersion(schemeId: string, version: string): Promise<Scheme> {
    const cacheKey = `${schemeId}\u0000${version}`;
    const hit = this.schemeCache.get(cacheKey);
    if (hit) return hit;
    const got = await this.db.get({ TableName: this.table, Key: keys.schemeVersion(schemeId, version) });
    if (!got.Item) throw new SchemeNotFoundError(`${schemeId}@${version}`);
    const scheme = parseScheme(JSON.parse(got.Item.scheme as string), `${schemeId}@${version}`);
    this.schemeCache.set(cacheKey, scheme);
    return scheme;
  }

  // ── chunks ───────────────────────────────────────────────────────────────────────────────────────
  async writeChunks(chunks: readonly Chunk[]): Promise<void> {
    const unique = [...new Map(chunks.map((c) => [c.hash, c])).values()];
    for (let i = 0; i < unique.length; i += 25) {
      let requests: Record<string, unknown>[] = unique.slice(i, i + 25).map((c) => ({
        PutRequest: { Item: { ...keys.chunk(c.hash), data: c.data } },
      }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        const out = await this.db.batchWrite({ RequestItems: { [this.table]: requests } });
        requests = (out.UnprocessedItems?.[this.table] as Record<string, unknown>[] | undefined) ?? [];
        if (requests.length && attempt > 8) throw new Error('chunks still unprocessed after retries');
        if (requests.length) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
  }

  // ── period state ─────────────────────────────────────────────────────────────────────────────────
  async readHead(schemeId: string, period: string): Promise<HeadItem | undefined> {
    const out = await this.db.get({
      TableName: this.table,
      Key: keys.head(schemeId, period),
      ConsistentRead: true,
    });
    return out.Item as HeadItem | undefined;
  }

  /** Heads of earlier periods, most recent first. */
  async earlierHeads(schemeId: string, period: string, limit: number): Promise<HeadItem[]> {
    if (limit <= 0) return [];
    return (await this.queryAll(
      {
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :lo AND :hi',
        ExpressionAttributeValues: {
          ':pk': keys.head(schemeId, period).PK,
          ':lo': keys.headPrefix,
          ':hi': `${keys.head(schemeId, period).SK}`,
        },
        ScanIndexForward: false,
        ConsistentRead: true,
      },
      limit + 1,
    )) as unknown as HeadItem[];
  }

  async readAlerts(schemeId: string): Promise<AlertBuckets> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.alertPartition(schemeId) },
      ConsistentRead: true,
    });
    const states = new Map<string, AlertState>();
    const versions = new Map<number, number>();
    for (const item of items) {
      versions.set(Number((item.SK as string).slice('BUCKET#'.length)), item.ver as number);
      for (const s of JSON.parse(item.states as string) as AlertState[]) states.set(s.key, s);
    }
    return { states, versions };
  }

  private async readStandings(h: HeadItem): Promise<Standings> {
    const text = h.standings ?? (await this.readText(h.standingsChunks ?? []));
    return JSON.parse(text) as Standings;
  }

  /** Everything recording needs: the head, carry-forward inputs, period-final history and alert state. */
  async loadContext(scheme: Scheme, period: string): Promise<PeriodContext> {
    const [headItem, earlierItems, alerts] = await Promise.all([
      this.readHead(scheme.id, period),
      this.earlierHeads(scheme.id, period, HISTORY_PERIODS),
      this.readAlerts(scheme.id),
    ]);
    const before = earlierItems.filter((h) => h.period !== period);
    const k = scheme.missing.carryForward;
    const carrySources = before.slice(0, k);
    const [headInputs, ...earlierInputs] = await Promise.all([
      headItem ? this.readText(headItem.inputChunks) : Promise.resolve(null),
      ...carrySources.map((h) => this.readText(h.inputChunks)),
    ]);
    const [headStandings, ...history] = await Promise.all([
      headItem ? this.readStandings(headItem) : Promise.resolve(null),
      ...before.map((h) => this.readStandings(h)),
    ]);
    return {
      head: headItem
        ? {
            period,
            seq: headItem.seq,
            hash: headItem.hash,
            recordedAt: headItem.recordedAt,
            inputs: JSON.parse(headInputs!) as SnapshotInputs,
            standings: headStandings!,
          }
        : null,
      earlier: carrySources.map((h, i) => ({
        period: h.period,
        inputs: JSON.parse(earlierInputs[i]!) as SnapshotInputs,
      })),
      history: history.reverse(),
      alerts,
    };
  }

  // ── commit ───────────────────────────────────────────────────────────────────────────────────────
  /** Writes a snapshot: chunks, then one transaction. Throws HeadConflictError if another writer won. */
  async commit(input: CommitInput): Promise<{ hash: string; events: OutboxEvent[] }> {
    const { scheme, body } = input;
    const parts = splitBody(body);
    const hash = chainHash(parts.canonical, input.previousHash);
    const inputChunks = toChunks(parts.inputs);
    const restChunks = toChunks(parts.rest);
    const standingsText = JSON.stringify(jsonSafe(input.standings));
    const standingsChunks =
      Buffer.byteLength(standingsText) > INLINE_STANDINGS_BYTES ? toChunks(standingsText) : [];
    await this.writeChunks([...inputChunks, ...restChunks, ...standingsChunks]);

    const events = input.events(hash);
    const manifest: ManifestItem = {
      ...keys.manifest(scheme.id, body.period, body.seq),
      scheme: scheme.id,
      period: body.period,
      seq: body.seq,
      hash,
      previousHash: input.previousHash,
      schemeVersion: scheme.version,
      recordedAt: body.recordedAt,
      inputChunks: inputChunks.map((c) => c.hash),
      restChunks: restChunks.map((c) => c.hash),
    };
    const head: HeadItem = {
      ...keys.head(scheme.id, body.period),
      period: body.period,
      seq: body.seq,
      hash,
      schemeVersion: scheme.version,
      recordedAt: body.recordedAt,
      inputChunks: manifest.inputChunks,
      ...(standingsChunks.length
        ? { standingsChunks: standingsChunks.map((c) => c.hash) }
        : { standings: standingsText }),
    };
    const expiresAt = Math.floor(Date.parse(body.recordedAt) / 1000) + OUTBOX_TTL_SECONDS;
    const transact: Record<string, unknown>[] = [
      { Put: { TableName: this.table, Item: manifest, ConditionExpression: 'attribute_not_exists(PK)' } },
      input.expectedSeq === 0
        ? { Put: { TableName: this.table, Item: head, ConditionExpression: 'attribute_not_exists(PK)' } }
        : {
            Put: {
              TableName: this.table,
              Item: head,
              ConditionExpression: 'seq = :expected',
              ExpressionAttributeValues: { ':expected': input.expectedSeq },
            },
          },
      {
        Put: {
          TableName: this.table,
          Item: {
            ...keys.receipt(scheme.id, body.period, body.seq),
            eventIds: body.applied,
            recordedAt: body.recordedAt,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      ...this.alertBucketPuts(scheme.id, input.alerts.states, input.alertChanges, input.alerts.versions),
      ...outboxItems(events).map((evs, part) => ({
        Put: {
          TableName: this.table,
          Item: {
            ...keys.outbox(scheme.id, body.period, body.seq, part),
            events: JSON.stringify(evs),
            [TTL_ATTRIBUTE]: expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      })),
    ];
    try {
      await this.db.transactWrite({ TransactItems: transact as never });
    } catch (e) {
      if ((e as Error).name === 'TransactionCanceledException') {
        const cancelled = e as { CancellationReasons?: { Code?: string }[] };
        const reasons = (cancelled.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
        if (reasons.some((r) => r === 'ConditionalCheckFailed' || r === 'TransactionConflict'))
          throw new HeadConflictError(
            `${scheme.id} ${body.period}: head moved on while snapshot ${body.seq} was computed (${reasons.join(', ')})`,
          );
      }
      throw e;
    }
    return { hash, events };
  }

  /**
   * Rewrites the touched alert buckets, each under its optimistic version. Alert states live in hash
   * buckets so that a transaction touches at most ALERT_BUCKETS alert items at any scale.
   */
  private alertBucketPuts(
    schemeId: string,
    all: ReadonlyMap<string, AlertState>,
    changes: readonly AlertState[],
    versions: ReadonlyMap<number, number>,
  ): Record<string, unknown>[] {
    const touched = new Set(changes.map((c) => alertBucket(c.key)));
    const merged = new Map(all);
    for (const c of changes) {
      if (c.status === 'resolved' && c.count === 0 && !c.firedAt) merged.delete(c.key);
      else merged.set(c.key, c);
    }
    const byBucket = new Map<number, AlertState[]>();
    for (const s of merged.values()) {
      const b = alertBucket(s.key);
      if (!touched.has(b)) continue;
      let list = byBucket.get(b);
      if (!list) {
        list = [];
        byBucket.set(b, list);
      }
      list.push(s);
    }
    return [...touched].map((b) => {
      const ver = versions.get(b);
      const Item = {
        ...keys.alertBucket(schemeId, b),
        states: JSON.stringify(jsonSafe(byBucket.get(b) ?? [])),
        ver: (ver ?? 0) + 1,
      };
      return {
        Put: {
          TableName: this.table,
          Item,
          ...(ver === undefined
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : { ConditionExpression: 'ver = :v', ExpressionAttributeValues: { ':v': ver } }),
        },
      };
    });
  }

  // ── event receipts ───────────────────────────────────────────────────────────────────────────────
  /**
   * Stores the receipt of an admitted event unless its id already has one, and returns the receipt the id
   * holds: the one given (the same object) when it was the first, the stored one otherwise (the caller
   * compares digests).
   */
  async putEventReceipt(receipt: EventReceipt): Promise<EventReceipt> {
    const Key = keys.eventReceipt(receipt.eventId);
    try {
      await this.db.put({
        TableName: this.table,
        Item: { ...Key, ...receipt },
        ConditionExpression: 'attribute_not_exists(PK)',
      });
      return receipt;
    } catch (e) {
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    }
    const held = await this.db.get({ TableName: this.table, Key, ConsistentRead: true });
    if (!held.Item) throw new Error(`the receipt of event ${receipt.eventId} was refused but cannot be read`);
    const { PK: _pk, SK: _sk, ...stored } = held.Item;
    return stored as unknown as EventReceipt;
  }

  // ── rejections ───────────────────────────────────────────────────────────────────────────────────
  /** Puts a rejection in the outbox, once per original event id. */
  async putRejection(originalEventId: string, event: OutboxEvent, receivedAt: string): Promise<boolean> {
    try {
      await this.db.put({
        TableName: this.table,
        Item: {
          ...keys.rejection(originalEventId),
          events: JSON.stringify([event]),
          [TTL_ATTRIBUTE]: Math.floor(Date.parse(receivedAt) / 1000) + OUTBOX_TTL_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      });
      return true;
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  }
}

/** Bundles events into outbox items under the item size limit. */
function outboxItems(events: readonly OutboxEvent[]): OutboxEvent[][] {
  const items: OutboxEvent[][] = [];
  let cur: OutboxEvent[] = [];
  let bytes = 0;
  for (const ev of events) {
    const size = Buffer.byteLength(JSON.stringify(ev));
    if (cur.length && bytes + size > OUTBOX_ITEM_BYTES) {
      items.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(ev);
    bytes += size;
  }
  if (cur.length) items.push(cur);
  return items;
}
