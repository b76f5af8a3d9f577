// Reads a table's stream from DynamoDB Local through the DynamoDB Streams JSON API over fetch, and hands out
// records in the shape Lambda gives a stream-triggered function, with a checkpoint per shard so that a
// partial batch failure is read again from the failed record, as Lambda's event source mapping does.
//
// For DynamoDB Local only: it sends a placeholder credential (the emulator requires one but never checks
// the signature). Against AWS, Lambda's event source mapping reads the stream.
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

export class DynamoDbStreamError extends Error {
  readonly type: string;
  constructor(operation: string, type: string, message: string) {
    super(`${operation}: ${type}: ${message}`);
    this.name = 'DynamoDbStreamError';
    this.type = type;
  }
}

interface Shard {
  ShardId: string;
  ParentShardId?: string;
  SequenceNumberRange?: { StartingSequenceNumber?: string; EndingSequenceNumber?: string };
}

export interface StreamReaderOptions {
  endpoint: string;
  region?: string;
}

async function call<T>(
  options: StreamReaderOptions,
  service: 'DynamoDB_20120810' | 'DynamoDBStreams_20120810',
  operation: string,
  body: unknown,
): Promise<T> {
  const region = options.region ?? 'us-east-1';
  const res = await fetch(options.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `${service}.${operation}`,
      authorization: `AWS4-HMAC-SHA256 Credential=local/20260101/${region}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  if (!res.ok) {
    const type = String(json.__type ?? res.status).replace(/^.*#/, '');
    throw new DynamoDbStreamError(operation, type, String(json.Message ?? json.message ?? text));
  }
  return json as T;
}

/** Sequence numbers are decimal strings of varying length; compare them as integers. */
function after(a: string, b: string): boolean {
  return BigInt(a) > BigInt(b);
}

export class DynamoDbStreamReader {
  readonly streamArn: string;
  private readonly options: StreamReaderOptions;
  /** Shard id → sequence number of the last acknowledged record. */
  private readonly checkpoints = new Map<string, string>();
  private readonly shardOf = new WeakMap<DynamoDBRecord, string>();

  constructor(options: StreamReaderOptions & { streamArn: string }) {
    this.options = options;
    this.streamArn = options.streamArn;
  }

  /** A reader of the table's latest stream, from its oldest record. */
  static async forTable(options: StreamReaderOptions & { table: string }): Promise<DynamoDbStreamReader> {
    const out = await call<{ Table?: { LatestStreamArn?: string } }>(
      options,
      'DynamoDB_20120810',
      'DescribeTable',
      { TableName: options.table },
    );
    const streamArn = out.Table?.LatestStreamArn;
    if (!streamArn)
      throw new DynamoDbStreamError('DescribeTable', 'NoStream', `table ${options.table} has no stream`);
    return new DynamoDbStreamReader({ ...options, streamArn });
  }

  private async shards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const out = await call<{ StreamDescription: { Shards?: Shard[]; LastEvaluatedShardId?: string } }>(
        this.options,
        'DynamoDBStreams_20120810',
        'DescribeStream',
        { StreamArn: this.streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) },
      );
      shards.push(...(out.StreamDescription.Shards ?? []));
      start = out.StreamDescription.LastEvaluatedShardId;
    } while (start);
    // Parents before children, so records of one key come in order.
    const ids = new Set(shards.map((s) => s.ShardId));
    const ordered: Shard[] = [];
    const placed = new Set<string>();
    const place = (s: Shard) => {
      if (placed.has(s.ShardId)) return;
      const parent =
        s.ParentShardId && ids.has(s.ParentShardId)
          ? shards.find((p) => p.ShardId === s.ParentShardId)
          : undefined;
      if (parent) place(parent);
      placed.add(s.ShardId);
      ordered.push(s);
    };
    for (const s of shards) place(s);
    return ordered;
  }

  /**
   * Up to `limit` records after the checkpoints, oldest first within each shard. Nothing is acknowledged:
   * the same records come again until `acknowledge` moves past them. A child shard is read only once its
   * parent has nothing unacknowledged left.
   */
  async read(limit = 100): Promise<DynamoDBRecord[]> {
    const records: DynamoDBRecord[] = [];
    const busy = new Set<string>();
    for (const shard of await this.shards()) {
      if (records.length >= limit) break;
      if (shard.ParentShardId && busy.has(shard.ParentShardId)) {
        busy.add(shard.ShardId);
        continue;
      }
      const checkpoint = this.checkpoints.get(shard.ShardId);
      let iterator: string | undefined;
      try {
        const it = await call<{ ShardIterator?: string }>(
          this.options,
          'DynamoDBStreams_20120810',
          'GetShardIterator',
          {
            StreamArn: this.streamArn,
            ShardId: shard.ShardId,
            ...(checkpoint
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: checkpoint }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          },
        );
        iterator = it.ShardIterator;
      } catch (e) {
        if (e instanceof DynamoDbStreamError && e.type === 'ResourceNotFoundException') continue; // trimmed
        throw e;
      }
      let fromShard = 0;
      while (iterator && records.length < limit) {
        const out = await call<{ Records?: DynamoDBRecord[]; NextShardIterator?: string }>(
          this.options,
          'DynamoDBStreams_20120810',
          'GetRecords',
          { ShardIterator: iterator, Limit: Math.min(1000, limit - records.length) },
        );
        const page = out.Records ?? [];
        for (const r of page) {
          const record: DynamoDBRecord = { ...r, eventSourceARN: this.streamArn };
          this.shardOf.set(record, shard.ShardId);
          records.push(record);
        }
        fromShard += page.length;
        if (page.length === 0) break;
        iterator = out.NextShardIterator;
      }
      if (fromShard > 0) busy.add(shard.ShardId);
    }
    return records;
  }

  /** The shard a record was read from (records from `read` only). */
  shardIdOf(record: DynamoDBRecord): string | undefined {
    return this.shardOf.get(record);
  }

  /** Moves the checkpoint of each record's shard past it (records from `read` only). */
  acknowledge(records: Iterable<DynamoDBRecord>): void {
    for (const r of records) {
      const shard = this.shardOf.get(r);
      const seq = r.dynamodb?.SequenceNumber;
      if (!shard || !seq)
        throw new DynamoDbStreamError('acknowledge', 'UnknownRecord', 'record was not read by this reader');
      const current = this.checkpoints.get(shard);
      if (!current || after(seq, current)) this.checkpoints.set(shard, seq);
    }
  }

  /** Records as the event a stream-triggered Lambda function receives. */
  static event(records: DynamoDBRecord[]): DynamoDBStreamEvent {
    return { Records: records };
  }
}

/**
 * How Lambda's event source mapping applies a partial batch response: the records before the first failed
 * sequence number are done; that record and everything after it are delivered again.
 */
export function acknowledgedBefore(
  records: readonly DynamoDBRecord[],
  failures: readonly { itemIdentifier: string }[],
): DynamoDBRecord[] {
  if (failures.length === 0) return [...records];
  const failed = failures.map((f) => f.itemIdentifier).filter((id) => id !== '');
  if (failed.length < failures.length) return []; // an empty identifier fails the whole batch
  const first = failed.reduce((a, b) => (after(a, b) ? b : a));
  return records.filter((r) => {
    const seq = r.dynamodb?.SequenceNumber;
    return seq !== undefined && after(first, seq);
  });
}
