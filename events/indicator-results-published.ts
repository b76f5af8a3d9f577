/** `Indicator.ResultsPublished`: a department publishes a whole table for one indicator and period. */
import { DEPARTMENT_PRODUCER, defineEvent } from './envelope.ts';
import { EntityId, IndicatorId, PeriodId, SchemaVersion1, SchemeId, Timestamp } from './fields.ts';
import { bilingual } from './issues.ts';
import { DEPARTMENT_SOURCE_PREFIX } from './sources.ts';
import * as z from './zod.ts';
import { described } from './zod.ts';

export const INDICATOR_RESULTS_PUBLISHED = 'Indicator.ResultsPublished';
/** Departments publish this under `dept.<id>`; match the source by this prefix. */
export const INDICATOR_RESULTS_PUBLISHED_SOURCE_PREFIX = DEPARTMENT_SOURCE_PREFIX;

const duplicateEntity = bilingual(
  'this entity already has a value earlier in `values`',
  '该单位在 `values` 中已出现过（每个单位只能有一个值）',
);

export const IndicatorResultsPublishedDetail = described(
  // strict (#12): unknown keys at every level are refused by name, never stored or echoed
  z
    .strictObject({
      schemaVersion: SchemaVersion1,
      scheme: SchemeId,
      indicator: IndicatorId,
      period: PeriodId,
      observedAt: described(
        Timestamp,
        'When the table was published; every value in it is latest-wins by this timestamp.',
      ),
      values: described(
        z
          .array(
            described(
              z.strictObject({
                entity: EntityId,
                value: described(z.number(), 'The value in the indicator’s unit; a finite number.'),
              }),
              'One entity’s value. Strict: unknown fields are rejected (additionalProperties: false).',
            ),
          )
          .check(z.minLength(1)),
        'The published table: one value per entity (each entity at most once), applied atomically.',
      ),
    })
    .check(
      z.superRefine((detail, ctx) => {
        const seen = new Set<string>();
        detail.values.forEach(({ entity }, index) => {
          if (seen.has(entity))
            ctx.addIssue({ code: 'custom', path: ['values', index, 'entity'], message: duplicateEntity });
          seen.add(entity);
        });
      }),
    ),
  'A whole table for one indicator and period. Strict: unknown fields at any level are rejected (additionalProperties: false), each named by its path.',
);
export type IndicatorResultsPublishedDetail = z.infer<typeof IndicatorResultsPublishedDetail>;

export const indicatorResultsPublished = defineEvent({
  detailType: INDICATOR_RESULTS_PUBLISHED,
  version: 1,
  description:
    'A department publishes the whole table of one indicator for one period (all entities), applied atomically in one evaluation.',
  producer: DEPARTMENT_PRODUCER,
  detail: IndicatorResultsPublishedDetail,
});
export const IndicatorResultsPublishedEvent = indicatorResultsPublished.envelope;
export type IndicatorResultsPublishedEvent = z.infer<typeof IndicatorResultsPublishedEvent>;
