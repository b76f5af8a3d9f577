/** `Indicator.ValueReported`: a department reports one value of one indicator for one entity and period. */
import { DEPARTMENT_PRODUCER, defineEvent } from './envelope.ts';
import { EntityId, IndicatorId, PeriodId, SchemaVersion1, SchemeId, Timestamp } from './fields.ts';
import { DEPARTMENT_SOURCE_PREFIX } from './sources.ts';
import * as z from './zod.ts';
import { described } from './zod.ts';

export const INDICATOR_VALUE_REPORTED = 'Indicator.ValueReported';
/** Departments publish this under `dept.<id>`; match the source by this prefix. */
export const INDICATOR_VALUE_REPORTED_SOURCE_PREFIX = DEPARTMENT_SOURCE_PREFIX;

export const IndicatorValueReportedDetail = described(
  // strict (#12): an unknown key is refused by name, so nothing unchecked (a 200 KB string, deep nesting) rides along
  z.strictObject({
    schemaVersion: SchemaVersion1,
    scheme: SchemeId,
    indicator: IndicatorId,
    entity: EntityId,
    period: PeriodId,
    value: described(
      z.number(),
      'The value in the indicator’s unit (e.g. percent as 97.85); a finite number, not a string.',
    ),
    observedAt: described(
      Timestamp,
      'When the value was measured or published. Values are latest-wins by `observedAt` (ties: larger event id), so late or repeated events change nothing.',
    ),
    note: described(
      z.optional(z.string().check(z.maxLength(1000))),
      'Free text from the department, kept with the value.',
    ),
  }),
  'One indicator value for one entity and period. Strict: unknown fields are rejected (additionalProperties: false), each named by its path.',
);
export type IndicatorValueReportedDetail = z.infer<typeof IndicatorValueReportedDetail>;

export const indicatorValueReported = defineEvent({
  detailType: INDICATOR_VALUE_REPORTED,
  version: 1,
  description:
    'A department reports one indicator value (考核指标数值) for one entity and period. A department may only report indicators it owns.',
  producer: DEPARTMENT_PRODUCER,
  detail: IndicatorValueReportedDetail,
});
export const IndicatorValueReportedEvent = indicatorValueReported.envelope;
export type IndicatorValueReportedEvent = z.infer<typeof IndicatorValueReportedEvent>;
