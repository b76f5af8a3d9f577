/** `Bulletin.Published`: the weekly analysis (周分析) or monthly bulletin (月通报) is ready to read. */
import { defineEvent, ENGINE_PRODUCER } from './envelope.ts';
import { EventId, LocalizedText, PeriodId, SchemaVersion1, SchemeId, Timestamp } from './fields.ts';
import { ENGINE_SOURCE } from './sources.ts';
import * as z from './zod.ts';
import { described } from './zod.ts';

export const BULLETIN_PUBLISHED = 'Bulletin.Published';
export const BULLETIN_PUBLISHED_SOURCE = ENGINE_SOURCE;

export const BulletinPublishedDetail = described(
  z.object({
    schemaVersion: SchemaVersion1,
    eventId: EventId,
    kind: described(
      z.enum(['weekly', 'monthly']),
      '`weekly`: weekly analysis 周分析; `monthly`: monthly bulletin 月通报.',
    ),
    scheme: SchemeId,
    period: described(PeriodId, 'The period the bulletin covers.'),
    location: described(
      z.string().check(z.minLength(1)),
      'Where the HTML is: `s3://<bucket>/<key>` (the local engine serves the same bucket).',
    ),
    sha256: z.optional(
      described(
        z.string().check(z.regex(/^[0-9a-f]{64}$/)),
        'SHA-256 of the HTML object as written (hex), so a reader can check the copy it holds. Set on every bulletin the engine publishes; optional in v1, which was published without it.',
      ),
    ),
    title: described(LocalizedText, 'Title of the bulletin, in Chinese and English.'),
    publishedAt: described(Timestamp, 'When the bulletin was written.'),
  }),
  'A bulletin is ready.',
);
export type BulletinPublishedDetail = z.infer<typeof BulletinPublishedDetail>;

export const bulletinPublished = defineEvent({
  detailType: BULLETIN_PUBLISHED,
  version: 1,
  description: 'The weekly analysis (周分析) or the monthly bulletin (月通报) was written and can be read.',
  producer: ENGINE_PRODUCER,
  detail: BulletinPublishedDetail,
});
export const BulletinPublishedEvent = bulletinPublished.envelope;
export type BulletinPublishedEvent = z.infer<typeof BulletinPublishedEvent>;
