// The scheduled bulletin (周分析 weekly analysis, 月通报 monthly bulletin) of a stored scheme: which period it
// covers at a given moment, the covered periods' snapshots read from the table (each period's final one, its
// chain verified first), the lifecycle's notifications, the page rendered by the same renderer as
// `rankwatch bulletin`, written to the bulletin bucket under a key named by scheme, period and kind, and the
// Bulletin.Published event that names the object and its SHA-256.
import { createHash } from 'node:crypto';
import { renderBulletinHtml } from '../../bulletin/html.ts';
import {
  type BulletinKind,
  buildBulletin,
  monthOfWeek,
  type NotificationRecord,
  type StoredSnapshot,
} from '../../domain/bulletin.ts';
import type { NotificationState } from '../../domain/lifecycle.ts';
import { periodEndInstant, sortPeriods } from '../../domain/period.ts';
import { displayName, type Scheme } from '../../domain/scheme.ts';
import {
  BULLETIN_PUBLISHED,
  BULLETIN_PUBLISHED_SOURCE,
  type BulletinPublishedDetail,
} from '../../events/index.ts';
import type { Dynamo } from './aws/dynamodb.ts';
import type { Objects } from './aws/s3.ts';
import { bulletinKey } from './bulletin-location.ts';
import { type OutboxEvent, stableId } from './outbox.ts';
import type { DynamoSnapshotReader } from './snapshot-reader.ts';
import { keys, OUTBOX_TTL_SECONDS, TTL_ATTRIBUTE } from './table.ts';

/** Periods read before the covered ones, for a weekly page's trajectories (8 by default) and arrows. */
const LOOKBACK = 9;

export class BulletinSkipped extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BulletinSkipped';
  }
}

/**
 * The period a bulletin published at `at` covers, among the periods with snapshots: weekly, the latest period
 * that has ended by `at`; monthly (week schemes), the month of that period if the month has ended by `at`,
 * else the month before it. Undefined when no period qualifies.
 */
export function bulletinPeriod(
  scheme: Pick<Scheme, 'periodKind'>,
  kind: BulletinKind,
  periods: readonly string[],
  at: string,
): string | undefined {
  const ended = sortPeriods(scheme.periodKind, periods).filter(
    (p) => periodEndInstant(scheme.periodKind, p) <= at,
  );
  const last = ended.at(-1);
  if (!last || kind === 'weekly' || scheme.periodKind === 'month') return last;
  const months = [...new Set(ended.map(monthOfWeek))];
  const month = months.at(-1)!;
  // The month has ended when its last day is before `at` (a month's end: the first instant of the next one).
  const [y, m] = month.split('-').map(Number);
  const end = new Date(Date.UTC(y!, m!, 1)).toISOString();
  return end <= at ? month : months.at(-2);
}

/** The bulletin's title in both languages: scheme name · kind · period. */
export function bulletinTitle(
  scheme: Scheme,
  kind: BulletinKind,
  period: string,
): { zh: string; en: string } {
  const weekly = scheme.periodKind === 'week';
  return {
    zh: `${displayName(scheme.name, 'zh', scheme.id)} · ${kind === 'monthly' ? '月通报' : weekly ? '周分析' : '期分析'} · ${period}`,
    en: `${displayName(scheme.name, 'en', scheme.id)} · ${kind === 'monthly' ? 'monthly bulletin' : weekly ? 'weekly analysis' : 'period analysis'} · ${period}`,
  };
}

/** The notification records a bulletin shows, from the lifecycle's stored states. */
export function notificationRecords(states: readonly NotificationState[]): NotificationRecord[] {
  return states.map((s) => ({
    id: s.notification.id,
    entity: s.notification.entity,
    scope: s.notification.indicator ?? s.notification.scope,
    period: s.notification.period,
    severity: s.notification.severity,
    status: s.status,
    rules: s.notification.rules.map((r) => r.rule),
    level: s.level,
    openedAt: s.notification.openedAt,
    ...(s.acknowledged ? { acknowledged: s.acknowledged } : {}),
    ...(s.notification.owner ? { owner: s.notification.owner } : {}),
  }));
}

export interface PublisherDeps {
  reader: Pick<DynamoSnapshotReader, 'periods' | 'manifests' | 'snapshotBody' | 'verify'>;
  notifications: { list(scheme: string): Promise<NotificationState[]> };
  objects: Objects;
  bucket: string;
}

export interface PublishedBulletin {
  scheme: string;
  kind: BulletinKind;
  period: string;
  key: string;
  sha256: string;
  bytes: number;
  detail: BulletinPublishedDetail;
}

/** Builds, writes and describes one bulletin; throws BulletinSkipped when the scheme has nothing to report yet. */
export async function publishBulletin(
  scheme: Scheme,
  kind: BulletinKind,
  at: string,
  deps: PublisherDeps,
): Promise<PublishedBulletin> {
  if (kind === 'monthly' && scheme.periodKind !== 'week' && scheme.periodKind !== 'month')
    throw new BulletinSkipped(`${scheme.id}: no monthly bulletin for a scheme by ${scheme.periodKind}`);
  const periods = sortPeriods(scheme.periodKind, await deps.reader.periods(scheme.id));
  const period = bulletinPeriod(scheme, kind, periods, at);
  if (!period) throw new BulletinSkipped(`${scheme.id}: no period has ended by ${at}`);
  // The covered periods and the ones before them (trajectories, arrows); a month's weeks are by monthOfWeek.
  const covered =
    kind === 'monthly' && scheme.periodKind === 'week'
      ? periods.filter((p) => monthOfWeek(p) <= period)
      : periods.filter((p) => periods.indexOf(p) <= periods.indexOf(period));
  const monthWeeks =
    kind === 'monthly' && scheme.periodKind === 'week'
      ? covered.filter((p) => monthOfWeek(p) === period).length
      : 1;
  const read = covered.slice(-Math.max(LOOKBACK, monthWeeks + 1));
  const stored: StoredSnapshot[] = [];
  for (const p of read) {
    const verdict = await deps.reader.verify(scheme.id, p);
    if (!verdict.ok)
      throw new Error(
        `${scheme.id} ${p}: the stored chain does not verify (${verdict.firstBad}: ${verdict.reason}); no bulletin is written`,
      );
    const manifests = (await deps.reader.manifests(scheme.id, p)).sort((a, b) => a.seq - b.seq);
    const final = manifests.at(-1)!;
    stored.push({
      body: await deps.reader.snapshotBody(final),
      hash: final.hash,
      previousHash: final.previousHash,
    });
  }
  const bulletin = buildBulletin(scheme, stored, {
    kind,
    period,
    notifications: notificationRecords(await deps.notifications.list(scheme.id)),
  });
  const html = renderBulletinHtml(scheme, bulletin, 'zh');
  const sha256 = createHash('sha256').update(html, 'utf8').digest('hex');
  const key = bulletinKey(scheme.id, period, kind);
  await deps.objects.putObject({
    Bucket: deps.bucket,
    Key: key,
    Body: html,
    ContentType: 'text/html; charset=utf-8',
  });
  const detail: BulletinPublishedDetail = {
    schemaVersion: 1,
    eventId: stableId('bulletin', scheme.id, kind, period, sha256),
    kind,
    scheme: scheme.id,
    period,
    location: `s3://${deps.bucket}/${key}`,
    sha256,
    title: bulletinTitle(scheme, kind, period),
    publishedAt: at,
  };
  return { scheme: scheme.id, kind, period, key, sha256, bytes: Buffer.byteLength(html), detail };
}

/**
 * Puts the bulletin's Bulletin.Published in the outbox (the relay sends it, as every engine event): one item per
 * (scheme, kind, period, content), written once, so running the schedule again sends nothing new. Returns
 * whether the item was new.
 */
export async function recordPublished(
  store: { db: Pick<Dynamo, 'put'>; table: string },
  b: PublishedBulletin,
): Promise<boolean> {
  const event: OutboxEvent = {
    id: b.detail.eventId,
    detailType: BULLETIN_PUBLISHED,
    source: BULLETIN_PUBLISHED_SOURCE,
    detail: b.detail as unknown as Record<string, unknown>,
  };
  try {
    await store.db.put({
      TableName: store.table,
      Item: {
        ...keys.bulletinOutbox(b.scheme, b.kind, b.period, b.sha256),
        events: JSON.stringify([event]),
        [TTL_ATTRIBUTE]: Math.floor(Date.parse(b.detail.publishedAt) / 1000) + OUTBOX_TTL_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    return true;
  } catch (e) {
    if ((e as Error).name === 'ConditionalCheckFailedException') return false;
    throw e;
  }
}
