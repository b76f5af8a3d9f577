/** `Assessment.Recorded`: the engine wrote an immutable snapshot; carries its ids, hash and the watched ranks. */
import * as z from 'zod';
import { defineEvent, ENGINE_PRODUCER } from './envelope.ts';
import {
  EntityId,
  EventId,
  PeriodId,
  Rank,
  SchemaVersion1,
  SchemeId,
  SchemeVersion,
  Timestamp,
} from './fields.ts';
import { bilingual } from './issues.ts';
import { ENGINE_SOURCE } from './sources.ts';

export const ASSESSMENT_RECORDED = 'Assessment.Recorded';
export const ASSESSMENT_RECORDED_SOURCE = ENGINE_SOURCE;

const unrankedMessage = bilingual(
  '`unranked` must be given exactly when `rank` is null',
  '仅当 `rank` 为 null 时须给出 `unranked`（未排名原因）',
);

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const WatchedRank = z
  .object({
    entity: EntityId,
    rank: Rank.nullable().describe(
      'Overall rank (standard competition ranking); null when the entity is unranked.',
    ),
    tied: z.boolean().describe('Whether another entity shares this rank (并列).'),
    score: z
      .number()
      .nullable()
      .describe('Composite score at full precision (after rescale, before rounding); null when unranked.'),
    unranked: z
      .string()
      .optional()
      .describe('Why the entity is unranked (e.g. no values at all), present exactly when `rank` is null.'),
  })
  .superRefine((standing, ctx) => {
    if ((standing.rank === null) !== (standing.unranked !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['unranked'], message: unrankedMessage });
    }
  })
  .describe('The overall standing of one watched entity.');
export type WatchedRank = z.infer<typeof WatchedRank>;

export const AssessmentRecordedDetail = z
  .object({
    schemaVersion: SchemaVersion1,
    eventId: EventId,
    scheme: SchemeId,
    schemeVersion: SchemeVersion,
    period: PeriodId,
    sequence: z
      .int()
      .min(1)
      .describe(
        'Snapshot number within (scheme, period), from 1; with scheme and period it identifies the snapshot.',
      ),
    hash: Sha256Hex.describe(
      'SHA-256 (lowercase hex) over the RFC 8785 canonical JSON of the snapshot body plus the previous hash.',
    ),
    previousHash: Sha256Hex.nullable().describe(
      'Hash of the previous snapshot in the chain; null for the first.',
    ),
    recordedAt: Timestamp.describe('When the snapshot was written.'),
    rankedCount: z.int().min(0).describe('How many entities were ranked (the n in "rank r of n").'),
    ranks: z.array(WatchedRank).describe('Overall ranks of the watched entities (scheme `watch`).'),
  })
  .describe('A snapshot was written.');
export type AssessmentRecordedDetail = z.infer<typeof AssessmentRecordedDetail>;

export const assessmentRecorded = defineEvent({
  detailType: ASSESSMENT_RECORDED,
  version: 1,
  description:
    'The engine wrote an immutable assessment snapshot (考核快照): its ids, its place in the hash chain and the overall ranks of the watched entities.',
  producer: ENGINE_PRODUCER,
  detail: AssessmentRecordedDetail,
});
export const AssessmentRecordedEvent = assessmentRecorded.envelope;
export type AssessmentRecordedEvent = z.infer<typeof AssessmentRecordedEvent>;
