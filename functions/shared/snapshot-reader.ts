// The read side of the snapshot store, on its own so that readers (the history projection, the relay's
// markers, the auditors' queries) do not bundle scheme validation: chunks, manifests, bodies, as-of and
// history queries, and chain verification. DynamoAssessmentStore (dynamo-store.ts) extends it with writes.
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { SnapshotBody } from '../../domain/snapshot.ts';
import type { Dynamo } from './aws/dynamodb.ts';
import { type Chunk, fromChunks } from './chunks.ts';
import { keys } from './table.ts';
import { type StoreVerdict, verifyStore } from './verification.ts';

export interface HeadItem {
  PK: string;
  SK: string;
  period: string;
  seq: number;
  hash: string;
  schemeVersion: string;
  recordedAt: string;
  inputChunks: string[];
  /** Watched entities' standings as JSON, inline when small… */
  standings?: string;
  /** …or in chunks when they would crowd the 400 KB item (e.g. `watch: all` over thousands of entities). */
  standingsChunks?: string[];
}

export interface ManifestItem {
  PK: string;
  SK: string;
  scheme: string;
  period: string;
  seq: number;
  hash: string;
  previousHash: string | null;
  schemeVersion: string;
  recordedAt: string;
  inputChunks: string[];
  restChunks: string[];
}

export class DynamoSnapshotReader {
  readonly db: Dynamo;
  readonly table: string;

  constructor(db: Dynamo, table: string) {
    this.db = db;
    this.table = table;
  }

  async readChunks(hashes: readonly string[]): Promise<Chunk[]> {
    const found = new Map<string, Uint8Array>();
    const unique = [...new Set(hashes)];
    for (let i = 0; i < unique.length; i += 100) {
      let wanted: Record<string, unknown>[] = unique.slice(i, i + 100).map((h) => keys.chunk(h));
      for (let attempt = 0; wanted.length > 0; attempt++) {
        const out = await this.db.batchGet({ RequestItems: { [this.table]: { Keys: wanted } } });
        for (const item of out.Responses?.[this.table] ?? [])
          found.set((item.PK as string).slice('CHUNK#'.length), item.data as Uint8Array);
        wanted = (out.UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
        if (wanted.length && attempt > 8) throw new Error('chunks still unread after retries');
      }
    }
    return hashes.map((h) => {
      const data = found.get(h);
      if (!data) throw new Error(`chunk ${h} is missing`);
      return { hash: h, data };
    });
  }

  async readText(hashes: readonly string[]): Promise<string> {
    return fromChunks(await this.readChunks(hashes));
  }

  protected async queryAll(input: QueryCommandInput, limit = Number.POSITIVE_INFINITY) {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.query({ ...input, ExclusiveStartKey: start });
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start && items.length < limit);
    return items.slice(0, limit);
  }

  async allHeads(schemeId: string): Promise<HeadItem[]> {
    return (await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
      ExpressionAttributeValues: { ':pk': keys.schemeActive(schemeId).PK, ':p': keys.headPrefix },
    })) as unknown as HeadItem[];
  }

  // ── reading snapshots ────────────────────────────────────────────────────────────────────────────
  async manifests(schemeId: string, period: string): Promise<ManifestItem[]> {
    return (await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.manifestPartition(schemeId, period) },
      ConsistentRead: true,
    })) as unknown as ManifestItem[];
  }

  async snapshotBody(m: Pick<ManifestItem, 'inputChunks' | 'restChunks'>): Promise<SnapshotBody> {
    const [inputs, rest] = await Promise.all([this.readText(m.inputChunks), this.readText(m.restChunks)]);
    return { ...(JSON.parse(rest) as Omit<SnapshotBody, 'inputs'>), inputs: JSON.parse(inputs) };
  }

  /** The snapshot of a period as it was known at `asOf` (the latest recorded at or before it), or the head's. */
  async manifestAsOf(schemeId: string, period: string, asOf?: string): Promise<ManifestItem | undefined> {
    const all = await this.manifests(schemeId, period);
    const known = asOf === undefined ? all : all.filter((m) => m.recordedAt <= asOf);
    return known.sort((a, b) => a.seq - b.seq)[known.length - 1];
  }

  /** Periods that have at least one snapshot, in time order. */
  async periods(schemeId: string): Promise<string[]> {
    return (await this.allHeads(schemeId)).map((h) => h.period);
  }

  /**
   * Verifies everything auditors are answered from (see verification.ts): the chain of every period of a
   * scheme (or one period), the manifests, the heads and the history projection; names the first bad item.
   */
  verify(schemeId: string, period?: string): Promise<StoreVerdict> {
    return verifyStore(this, schemeId, period);
  }

  /** The stored history projection items of one entity (optionally one period), in SK order. */
  async projectionItems(
    schemeId: string,
    entity: string,
    period?: string,
  ): Promise<Record<string, unknown>[]> {
    return this.queryAll({
      TableName: this.table,
      KeyConditionExpression: period === undefined ? 'PK = :pk' : 'PK = :pk AND begins_with(SK, :p)',
      ExpressionAttributeValues: {
        ':pk': keys.historyPartition(schemeId, entity),
        ...(period === undefined ? {} : { ':p': `${period}#` }),
      },
    });
  }
}
