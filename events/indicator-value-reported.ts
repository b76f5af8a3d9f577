/** `Indicator.ValueReported`: a department reports one value of one indicator for one entity and period. */
import * as z from 'zod';
import { DEPARTMENT_PRODUCER, defineEvent } from './envelope.ts';
import { EntityId, IndicatorId, PeriodId, SchemaVersion1, SchemeId, Timestamp } from './fields.ts';
import { DEPARTMENT_SOURCE_PREFIX } from './sources.ts';

export const INDICATOR_VALUE_REPORTED = 'Indicator.ValueReported';
/** Departments publish this under `dept.<id>`; match the source by this prefix. */
export const INDICATOR_VALUE_REPORTED_SOURCE_PREFIX = DEPARTMENT_SOURCE_PREFIX;

export const IndicatorValueReportedDetail = z
  .object({
    schemaVersion: SchemaVersion1,
    scheme: SchemeId,
    indicator: IndicatorId,
    entity: EntityId,
    period: PeriodId,
    value: z
      .number()
      .describe('The value in the indicator’s unit (e.g. percent as 97.85); a finite number, not a string.'),
    observedAt: Timestamp.describe(
      'When the value was measured or published. Values are latest-wins by `observedAt` (ties: larger event id), so late or repeated events change nothing.',
    ),
    note: z.string().max(1000).optional().describe('Free text from the department, kept with the value.'),
  })
  .describe('One indicator value for one entity and period.');
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
