/** `Observation.Rejected`: an input failed validation or authorisation; the reasons go back to its department. */
import * as z from 'zod';
import { defineEvent, ENGINE_PRODUCER } from './envelope.ts';
import { DepartmentId, EventId, LocalizedText, SchemaVersion1, Timestamp } from './fields.ts';
import { ENGINE_SOURCE } from './sources.ts';

export const OBSERVATION_REJECTED = 'Observation.Rejected';
export const OBSERVATION_REJECTED_SOURCE = ENGINE_SOURCE;

export const RejectionReason = z
  .object({
    path: z
      .string()
      .min(1)
      .describe(
        'Where the problem is in the original event, e.g. `detail.values[3].value`; `(root)` for the whole record.',
      ),
    code: z
      .string()
      .min(1)
      .describe(
        'Machine-readable kind: a zod issue code (`invalid_type`, `too_small`, ...) or `not_owner`, `unknown_indicator`, ...',
      ),
    message: LocalizedText.describe('What is wrong, for the department, in Chinese and English.'),
  })
  .describe('One field-level reason.');
export type RejectionReason = z.infer<typeof RejectionReason>;

export const ObservationRejectedDetail = z
  .object({
    schemaVersion: SchemaVersion1,
    eventId: EventId,
    originalEventId: z
      .string()
      .min(1)
      .describe(
        'Envelope `id` of the rejected event; the SQS message id when the record was not an EventBridge event.',
      ),
    originalDetailType: z.string().optional().describe('Detail-type of the rejected event, when it had one.'),
    originalSource: z.string().optional().describe('Source of the rejected event, when it had one.'),
    department: DepartmentId.nullable().describe(
      'The department that published the rejected event (from its `dept.<id>` source), to route the rejection back; null when the source named no department.',
    ),
    cause: z
      .enum(['validation', 'authorisation'])
      .describe(
        '`validation`: malformed or not matching the scheme; `authorisation`: the department does not own the indicator.',
      ),
    reasons: z.array(RejectionReason).min(1).describe('Every problem found, field by field.'),
    receivedAt: Timestamp.describe('When the engine received the rejected record.'),
  })
  .describe('Why an input was rejected, field by field.');
export type ObservationRejectedDetail = z.infer<typeof ObservationRejectedDetail>;

export const observationRejected = defineEvent({
  detailType: OBSERVATION_REJECTED,
  version: 1,
  description:
    'An input failed validation or authorisation. The record was acknowledged (not retried) and kept in a DLQ; this tells the publishing department why, field by field.',
  producer: ENGINE_PRODUCER,
  detail: ObservationRejectedDetail,
});
export const ObservationRejectedEvent = observationRejected.envelope;
export type ObservationRejectedEvent = z.infer<typeof ObservationRejectedEvent>;
