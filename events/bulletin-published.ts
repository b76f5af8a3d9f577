/** `Bulletin.Published`: the weekly analysis (周分析) or monthly bulletin (月通报) is ready to read. */
import * as z from 'zod';
import { defineEvent, ENGINE_PRODUCER } from './envelope.ts';
import { EventId, LocalizedText, PeriodId, SchemaVersion1, SchemeId, Timestamp } from './fields.ts';
import { ENGINE_SOURCE } from './sources.ts';

export const BULLETIN_PUBLISHED = 'Bulletin.Published';
export const BULLETIN_PUBLISHED_SOURCE = ENGINE_SOURCE;

export const BulletinPublishedDetail = z
  .object({
    schemaVersion: SchemaVersion1,
    eventId: EventId,
    kind: z
      .enum(['weekly', 'monthly'])
      .describe('`weekly`: weekly analysis 周分析; `monthly`: monthly bulletin 月通报.'),
    scheme: SchemeId,
    period: PeriodId.describe('The period the bulletin covers.'),
    location: z
      .string()
      .min(1)
      .describe('Where the HTML is: `s3://<bucket>/<key>` in the cloud, a file path when run locally.'),
    title: LocalizedText.describe('Title of the bulletin, in Chinese and English.'),
    publishedAt: Timestamp.describe('When the bulletin was written.'),
  })
  .describe('A bulletin is ready.');
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
