// The read side of the snapshot store, on its own so that readers (the history projection, the relay's
// markers, the auditors' queries) do not bundle scheme validation: chunks, manifests, bodies, as-of and
// history queries, and chain verification. DynamoAssessmentStore (dynamo-store.ts) extends it with writes.
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { type ChainLink, type ChainVerdict, canonicalJson, verifyChain } from '../../domain/chain.ts';
import type { SnapshotBody } from '../../domain/snapshot.ts';
import type { Dynamo } from './aws/dynamodb.ts';
import { type Chunk, fromChunks } from './chunks.ts';
import { keys } from './table.ts';

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

/** `"key":canonical(value)` per member, ordered by key as RFC 8785 orders them (UTF-16 code units). */
export function canonicalMembers(value: Record<string, unknown>): { key: string; text: string }[] {
  return Object.keys(value)
    .filter((key) => value[key] !== undefined)
    .sort()
    .map((key) => ({ key, text: `${JSON.stringify(key)}:${canonicalJson(value[key])}` }));
}

/**
 * The canonical body from its stored parts, for verification. The parts were stored as canonical text, so
 * the inputs are spliced in after the members whose keys sort before theirs; a rest part that does not
 * begin as canonical text is canonicalised in full instead. Either way the chain hash decides.
 */
export function joinBody(inputsText: string, restText: string): string {
  const rest = JSON.parse(restText) as Record<string, unknown>;
  const before = canonicalMembers(rest).filter((m) => m.key < 'inputs');
  const prefix = `{${before.map((m) => m.text).join(',')},`;
  if (before.length > 0 && restText.startsWith(prefix))
    return `${prefix}"inputs":${inputsText},${restText.slice(prefix.length)}`;
  return canonicalJson({ ...rest, inputs: JSON.parse(inputsText) });
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

  protected async readText(hashes: readonly string[]): Promise<string> {
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
   * One entity's history from the projection: every snapshot, or with `asOf` only what was known then, and
   * with `finalOnly` the last snapshot of each period.
   */
  async entityHistory(
    schemeId: string,
    entity: string,
    opts: { asOf?: string; finalOnly?: boolean; from?: string; to?: string } = {},
  ): Promise<Record<string, unknown>[]> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.historyPartition(schemeId, entity) },
    });
    const within = items.filter(
      (i) =>
        (opts.asOf === undefined || (i.recordedAt as string) <= opts.asOf) &&
        (opts.from === undefined || (i.period as string) >= opts.from) &&
        (opts.to === undefined || (i.period as string) <= opts.to),
    );
    if (!opts.finalOnly) return within;
    const last = new Map<string, Record<string, unknown>>();
    for (const i of within) last.set(i.period as string, i); // items are in SK order: period, then seq
    return [...last.values()];
  }

  /** Verifies the chain of every period of a scheme (or one period); names the first snapshot that fails. */
  async verify(schemeId: string, period?: string): Promise<ChainVerdict & { periods: number }> {
    const periods = period ? [period] : (await this.allHeads(schemeId)).map((h) => h.period);
    let checked = 0;
    let head: string | null = null;
    for (const p of periods) {
      const links: ChainLink[] = [];
      for (const m of await this.manifests(schemeId, p)) {
        let canonicalBody: string | Error;
        try {
          const [inputs, rest] = await Promise.all([
            this.readText(m.inputChunks),
            this.readText(m.restChunks),
          ]);
          canonicalBody = joinBody(inputs, rest);
        } catch (e) {
          canonicalBody = e as Error;
        }
        links.push({
          id: `${schemeId}|${p}|#${m.seq}`,
          hash: m.hash,
          previousHash: m.previousHash,
          canonicalBody,
        });
      }
      const verdict = verifyChain(links);
      checked += verdict.checked;
      if (!verdict.ok) return { ...verdict, checked, periods: periods.length };
      head = verdict.head;
    }
    // The head of the last period verified (periods come in time order).
    return { ok: true, checked, head, periods: periods.length };
  }
}
