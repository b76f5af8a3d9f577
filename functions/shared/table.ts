// The single table: its key schema and definition (used by the CDK stack, DynamoDB Local and tests) and the
// key layout of every item kind, so nobody spells a key twice.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const TABLE_ENV = 'TABLE_NAME';
export const TTL_ATTRIBUTE = 'expiresAt';
/** How long an outbox item stays after it is written (the relay sends it within seconds; TTL then removes it). */
export const OUTBOX_TTL_SECONDS = 14 * 24 * 3600;

/** CreateTable input for DynamoDB Local and tests; the CDK stack mirrors it (on-demand, NEW_IMAGE stream). */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'PK', AttributeType: 'S' },
      { AttributeName: 'SK', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
  };
}

const seq = (n: number) => String(n).padStart(8, '0');
export const ALERT_BUCKETS = 16;

/** Key of every item kind. Period ids sort by time as strings within a period kind. */
export const keys = {
  schemeVersion: (scheme: string, version: string) => ({ PK: `SCHEME#${scheme}`, SK: `VERSION#${version}` }),
  schemeActive: (scheme: string) => ({ PK: `SCHEME#${scheme}`, SK: 'ACTIVE' }),
  /** The ids of every stored scheme (a string set), for the scheduled functions that visit them all. */
  schemeIndex: { PK: 'SCHEMES', SK: 'INDEX' },
  head: (scheme: string, period: string) => ({ PK: `SCHEME#${scheme}`, SK: `HEAD#${period}` }),
  headPrefix: 'HEAD#',
  manifest: (scheme: string, period: string, n: number) => ({
    PK: `SNAP#${scheme}#${period}`,
    SK: `SEQ#${seq(n)}`,
  }),
  manifestPartition: (scheme: string, period: string) => `SNAP#${scheme}#${period}`,
  chunk: (hash: string) => ({ PK: `CHUNK#${hash}`, SK: 'CHUNK' }),
  receipt: (scheme: string, period: string, n: number) => ({
    PK: `RECEIPT#${scheme}#${period}`,
    SK: `SEQ#${seq(n)}`,
  }),
  alertBucket: (scheme: string, bucket: number) => ({
    PK: `ALERT#${scheme}`,
    SK: `BUCKET#${String(bucket).padStart(2, '0')}`,
  }),
  alertPartition: (scheme: string) => `ALERT#${scheme}`,
  outbox: (scheme: string, period: string, n: number, part: number) => ({
    PK: `OUTBOX#${scheme}#${period}`,
    SK: `SEQ#${seq(n)}#${String(part).padStart(3, '0')}`,
  }),
  rejection: (originalEventId: string) => ({ PK: 'OUTBOX#REJECTED', SK: `EVENT#${originalEventId}` }),
  /**
   * A department event id ingest has admitted, with the digest of its content: written once (no TTL), so a
   * redelivery is told from the id reused with other content however late it comes.
   */
  eventReceipt: (eventId: string) => ({ PK: `EVENT#${eventId}`, SK: 'RECEIPT' }),
  history: (scheme: string, entity: string, period: string, n: number) => ({
    PK: `HISTORY#${scheme}#${entity}`,
    SK: `${period}#${seq(n)}`,
  }),
  historyPartition: (scheme: string, entity: string) => `HISTORY#${scheme}#${entity}`,
  sent: (eventId: string) => ({ PK: `SENT#${eventId}`, SK: 'SENT' }),
  notification: (scheme: string, id: string) => ({ PK: `NOTIF#${scheme}`, SK: `N#${id}` }),
  notificationPartition: (scheme: string) => `NOTIF#${scheme}`,
  /** Every version of a notification's state, kept for the audit trail. */
  notificationLog: (scheme: string, id: string, version: number) => ({
    PK: `NOTIFLOG#${scheme}#${id}`,
    SK: `V#${seq(version)}`,
  }),
  notificationLogPartition: (scheme: string, id: string) => `NOTIFLOG#${scheme}#${id}`,
  /** A silence (Alertmanager's): matching notifications are recorded, not sent, until it expires. */
  silence: (scheme: string, id: string) => ({ PK: `SILENCE#${scheme}`, SK: `S#${id}` }),
  silencePartition: (scheme: string) => `SILENCE#${scheme}`,
  /** The weekly reminder (周提醒) sent to a department for an ISO week: written once, with its outbox item. */
  reminder: (scheme: string, department: string, week: string) => ({
    PK: `REMINDER#${scheme}#${department}`,
    SK: `W#${week}`,
  }),
  reminderPartition: (scheme: string, department: string) => `REMINDER#${scheme}#${department}`,
  reminderOutbox: (scheme: string, department: string, week: string) => ({
    PK: `OUTBOX#${scheme}#REMIND#${department}`,
    SK: `W#${week}`,
  }),
  /** Outbox item of a published bulletin: one per (kind, period, content), so a re-run sends nothing twice. */
  bulletinOutbox: (scheme: string, kind: string, period: string, sha256: string) => ({
    PK: `OUTBOX#${scheme}#BULLETIN#${kind}`,
    SK: `P#${period}#${sha256}`,
  }),
  /** Outbox item of a lifecycle change (an escalation): on the relay's stream like a snapshot's. */
  notificationOutbox: (scheme: string, id: string, version: number) => ({
    PK: `OUTBOX#${scheme}#NOTIF#${id}`,
    SK: `V#${seq(version)}`,
  }),
} as const;

/** Partition-key prefixes of the item kinds stream consumers select (the CDK stream filters use them too). */
export const STREAM_KIND_PREFIX = { outbox: 'OUTBOX#', manifest: 'SNAP#' } as const;

/** Which kind of item a stream record carries, from its partition key. */
export function itemKind(pk: string): 'outbox' | 'manifest' | 'other' {
  if (pk.startsWith(STREAM_KIND_PREFIX.outbox)) return 'outbox';
  if (pk.startsWith(STREAM_KIND_PREFIX.manifest)) return 'manifest';
  return 'other';
}
