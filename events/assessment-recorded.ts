/** `Assessment.Recorded`: the engine wrote an immutable snapshot; carries its ids, hash and the watched ranks. */
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
import * as z from './zod.ts';
import { described } from './zod.ts';

export const ASSESSMENT_RECORDED = 'Assessment.Recorded';
export const ASSESSMENT_RECORDED_SOURCE = ENGINE_SOURCE;

const unrankedMessage = bilingual(
  '`unranked` must be given exactly when `rank` is null',
  '仅当 `rank` 为 null 时须给出 `unranked`（未排名原因）',
);

const Sha256Hex = z.string().check(z.regex(/^[0-9a-f]{64}$/));

export const WatchedRank = described(
  z
    .object({
      entity: EntityId,
      rank: described(
        z.nullable(Rank),
        'Overall rank (standard competition ranking); null when the entity is unranked.',
      ),
      tied: described(z.boolean(), 'Whether another entity shares this rank (并列).'),
      score: described(
        z.nullable(z.number()),
        'Composite score at full precision (after rescale, before rounding); null when unranked.',
      ),
      unranked: described(
        z.optional(z.string()),
        'Why the entity is unranked (e.g. no values at all), present exactly when `rank` is null.',
      ),
    })
    .check(
      z.superRefine((standing, ctx) => {
        if ((standing.rank === null) !== (standing.unranked !== undefined)) {
          ctx.addIssue({ code: 'custom', path: ['unranked'], message: unrankedMessage });
        }
      }),
    ),
  'The overall standing of one watched entity.',
);
export type WatchedRank = z.infer<typeof WatchedRank>;

export const AssessmentRecordedDetail = described(
  z.object({
    schemaVersion: SchemaVersion1,
    eventId: EventId,
    scheme: SchemeId,
    schemeVersion: SchemeVersion,
    period: PeriodId,
    sequence: described(
      z.int().check(z.gte(1)),
      'Snapshot number within (scheme, period), from 1; with scheme and period it identifies the snapshot.',
    ),
    hash: described(
      Sha256Hex,
      'SHA-256 (lowercase hex) over the RFC 8785 canonical JSON of the snapshot body plus the previous hash.',
    ),
    previousHash: described(
      z.nullable(Sha256Hex),
      'Hash of the previous snapshot in the chain; null for the first.',
    ),
    recordedAt: described(Timestamp, 'When the snapshot was written.'),
    rankedCount: described(
      z.int().check(z.gte(0)),
      'How many entities were ranked (the n in "rank r of n").',
    ),
    ranks: described(z.array(WatchedRank), 'Overall ranks of the watched entities (scheme `watch`).'),
  }),
  'A snapshot was written.',
);
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
