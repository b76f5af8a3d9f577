// bulletin: on EventBridge Scheduler schedules (weekly 周分析, Monday 08:00 Asia/Shanghai; monthly 月通报, the 1st
// at 08:00 by default), each stored scheme's bulletin built from its stored snapshots, written to the bulletin
// bucket (SSE-KMS by the bucket's default) and announced with Bulletin.Published (object location and
// SHA-256). Running it twice writes the same object again and sends the same event id.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { DEFAULT_BUS_NAME } from '../events/index.ts';
import type { Events } from './shared/aws/eventbridge.ts';
import { S3ObjectClient } from './shared/aws/s3.ts';
import { BULLETIN_BUCKET_ENV } from './shared/bulletin-location.ts';
import {
  BulletinSkipped,
  bulletinEntry,
  type PublishedBulletin,
  type PublisherDeps,
  publishBulletin,
} from './shared/bulletin-publisher.ts';
import type { DynamoAssessmentStore } from './shared/dynamo-store.ts';
import { NotificationStore } from './shared/notification-store.ts';
import { count, defaultEventBridge, defaultStore, log, logger, metrics } from './shared/runtime.ts';
import { scheduledRun } from './shared/schedule-input.ts';

export interface BulletinDeps extends Omit<PublisherDeps, 'reader'> {
  store: Pick<
    DynamoAssessmentStore,
    'schemeIds' | 'activeScheme' | 'periods' | 'manifests' | 'snapshotBody' | 'verify'
  >;
  events: Events;
  busName: string;
  now(): Date;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
  metric(name: 'BulletinsPublished', value: number): void;
}

/** Input: `{"kind": "weekly"|"monthly"}` (default weekly), and as for the other schedules `scheme` and `at`. */
export async function bulletinHandler(
  event: unknown,
  deps: BulletinDeps,
): Promise<{ published: Omit<PublishedBulletin, 'detail'>[]; skipped: string[] }> {
  const { schemeIds, at } = await scheduledRun(event, deps);
  const kind = (event as { kind?: unknown } | null)?.kind ?? 'weekly';
  if (kind !== 'weekly' && kind !== 'monthly')
    throw new Error(
      `bulletin: input field "kind" must be "weekly" or "monthly", not ${JSON.stringify(kind)}`,
    );
  const published: PublishedBulletin[] = [];
  const skipped: string[] = [];
  for (const schemeId of schemeIds) {
    const scheme = await deps.store.activeScheme(schemeId);
    try {
      published.push(await publishBulletin(scheme, kind, at, { ...deps, reader: deps.store }));
    } catch (e) {
      if (!(e instanceof BulletinSkipped)) throw e;
      skipped.push(e.message);
    }
  }
  for (let i = 0; i < published.length; i += 10) {
    const out = await deps.events.putEvents({
      Entries: published.slice(i, i + 10).map((b) => bulletinEntry(deps.busName, b)),
    });
    if (out.FailedEntryCount)
      // Thrown so the schedule retries: the objects are rewritten with the same bytes, the events keep their ids.
      throw new Error(
        `Bulletin.Published: ${out.FailedEntryCount} entr(ies) refused: ${(out.Entries ?? [])
          .filter((e) => e.ErrorCode)
          .map((e) => `${e.ErrorCode} ${e.ErrorMessage ?? ''}`)
          .join('; ')}`,
      );
  }
  deps.metric('BulletinsPublished', published.length);
  const summary = published.map(({ detail: _d, ...b }) => b);
  deps.log('info', 'bulletins published', { published: summary, skipped });
  return { published: summary, skipped };
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
    events: defaultEventBridge(),
    busName: process.env.EVENT_BUS_NAME ?? DEFAULT_BUS_NAME,
    now: () => new Date(),
    log,
    metric: count,
  });
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
