// bulletin: on EventBridge Scheduler schedules (weekly 周分析, Monday 08:00 Asia/Shanghai; monthly 月通报, the 1st
// at 08:00 by default), each stored scheme's bulletin built from its stored snapshots, written to the bulletin
// bucket (SSE-KMS by the bucket's default) and announced with Bulletin.Published (object location and
// SHA-256) through the outbox, which the relay sends as every engine event. Running it twice writes the same
// object again and announces nothing twice.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { S3ObjectClient } from './shared/aws/s3.ts';
import { BULLETIN_BUCKET_ENV } from './shared/bulletin-location.ts';
import {
  BulletinSkipped,
  type PublishedBulletin,
  type PublisherDeps,
  publishBulletin,
  recordPublished,
} from './shared/bulletin-publisher.ts';
import type { DynamoAssessmentStore } from './shared/dynamo-store.ts';
import { NotificationStore } from './shared/notification-store.ts';
import { count, defaultStore, log, logger, metrics } from './shared/runtime.ts';
import { scheduledRun } from './shared/schedule-input.ts';

export interface BulletinDeps extends Omit<PublisherDeps, 'reader'> {
  store: Pick<
    DynamoAssessmentStore,
    'schemeIds' | 'activeScheme' | 'periods' | 'manifests' | 'snapshotBody' | 'verify' | 'db' | 'table'
  >;
  now(): Date;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
  metric(name: 'BulletinsPublished', value: number): void;
}

export interface BulletinResult {
  published: (Omit<PublishedBulletin, 'detail'> & { announced: boolean })[];
  skipped: string[];
}

/** Input: `{"kind": "weekly"|"monthly"}` (default weekly), and as for the other schedules `scheme` and `at`. */
export async function bulletinHandler(event: unknown, deps: BulletinDeps): Promise<BulletinResult> {
  const { schemeIds, at } = await scheduledRun(event, deps);
  const kind = (event as { kind?: unknown } | null)?.kind ?? 'weekly';
  if (kind !== 'weekly' && kind !== 'monthly')
    throw new Error(
      `bulletin: input field "kind" must be "weekly" or "monthly", not ${JSON.stringify(kind)}`,
    );
  const result: BulletinResult = { published: [], skipped: [] };
  for (const schemeId of schemeIds) {
    const scheme = await deps.store.activeScheme(schemeId);
    let b: PublishedBulletin;
    try {
      b = await publishBulletin(scheme, kind, at, { ...deps, reader: deps.store });
    } catch (e) {
      if (!(e instanceof BulletinSkipped)) throw e;
      result.skipped.push(e.message);
      continue;
    }
    // After the object is written: a crash in between leaves the object without its event, and the
    // schedule's retry writes the same bytes again and then the event.
    const announced = await recordPublished(deps.store, b);
    const { detail: _detail, ...summary } = b;
    result.published.push({ ...summary, announced });
  }
  deps.metric('BulletinsPublished', result.published.filter((p) => p.announced).length);
  deps.log('info', 'bulletins published', { ...result });
  return result;
}

export const handler = middy((event: unknown) => {
  const store = defaultStore();
  const bucket = process.env[BULLETIN_BUCKET_ENV];
  if (!bucket) throw new Error(`${BULLETIN_BUCKET_ENV} is not set`);
  return bulletinHandler(event, {
    store,
    notifications: new NotificationStore(store.db, store.table),
    objects: new S3ObjectClient(),
    bucket,
    now: () => new Date(),
    log,
    metric: count,
  });
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
