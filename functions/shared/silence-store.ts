// Silences in the table: one item per silence under the scheme's partition, written once (a silence is
// never edited: to end one early, a new version of the lifecycle would be needed; it expires at `until`).
// The writer reads the scheme's silences once per assessment and passes those in force to the grouping, so
// a silenced notification is recorded (stored with status silenced) but not sent.
import { createHash } from 'node:crypto';
import { type Silence, silenceActive } from '../../domain/silences.ts';
import type { Dynamo } from './aws/dynamodb.ts';
import { keys, TTL_ATTRIBUTE } from './table.ts';

/** Kept this long after it expired, so the weekly reminder and auditors can still see why nothing was sent. */
const KEEP_AFTER_EXPIRY_SECONDS = 90 * 24 * 3600;

/** A silence's id from what it covers, who made it and when: the same request twice is one silence. */
export function silenceId(s: Omit<Silence, 'id'>): string {
  const parts = [s.scheme, s.entity ?? '*', s.scope ?? '*', s.rule ?? '*', s.until, s.by, s.createdAt];
  return `S${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 20)}`;
}

export class SilenceStore {
  readonly db: Dynamo;
  readonly table: string;

  constructor(db: Dynamo, table: string) {
    this.db = db;
    this.table = table;
  }

  /** Stores a silence; storing the same one again changes nothing. */
  async put(s: Silence): Promise<{ created: boolean }> {
    try {
      await this.db.put({
        TableName: this.table,
        Item: {
          ...keys.silence(s.scheme, s.id),
          silence: JSON.stringify(s),
          until: s.until,
          [TTL_ATTRIBUTE]: Math.floor(Date.parse(s.until) / 1000) + KEEP_AFTER_EXPIRY_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      });
      return { created: true };
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') return { created: false };
      throw e;
    }
  }

  /** Every stored silence of a scheme, oldest first (expired ones too, until the table's TTL removes them). */
  async list(scheme: string): Promise<Silence[]> {
    const out: Silence[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.query({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.silencePartition(scheme) },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      });
      for (const i of page.Items ?? []) out.push(JSON.parse(i.silence as string) as Silence);
      start = page.LastEvaluatedKey;
    } while (start);
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** The silences in force at `at` (DynamoDB's TTL deletes late, and DynamoDB Local never: `until` decides). */
  async active(scheme: string, at: string): Promise<Silence[]> {
    return (await this.list(scheme)).filter((s) => silenceActive(s, at));
  }
}
