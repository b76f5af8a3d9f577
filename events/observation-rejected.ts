/** `Observation.Rejected`: an input failed validation or authorisation; the reasons go back to its department. */
import { defineEvent, ENGINE_PRODUCER } from './envelope.ts';
import { DepartmentId, EventId, LocalizedText, SchemaVersion1, Timestamp } from './fields.ts';
import { ENGINE_SOURCE } from './sources.ts';
import * as z from './zod.ts';
import { described } from './zod.ts';

export const OBSERVATION_REJECTED = 'Observation.Rejected';
export const OBSERVATION_REJECTED_SOURCE = ENGINE_SOURCE;

export const RejectionReason = described(
  z.object({
    path: described(
      z.string().check(z.minLength(1)),
      'Where the problem is in the original event, e.g. `detail.values[3].value`; `(root)` for the whole record.',
    ),
    code: described(
      z.string().check(z.minLength(1)),
      'Machine-readable kind: a zod issue code (`invalid_type`, `too_small`, ...) or `not_owner`, `unknown_indicator`, ...',
    ),
    message: described(LocalizedText, 'What is wrong, for the department, in Chinese and English.'),
  }),
  'One field-level reason.',
);
export type RejectionReason = z.infer<typeof RejectionReason>;

export const ObservationRejectedDetail = described(
  z.object({
    schemaVersion: SchemaVersion1,
    eventId: EventId,
    originalEventId: described(
      z.string().check(z.minLength(1)),
      'Envelope `id` of the rejected event; the SQS message id when the record was not an EventBridge event.',
    ),
    originalDetailType: described(
      z.optional(z.string()),
      'Detail-type of the rejected event, when it had one.',
    ),
    originalSource: described(z.optional(z.string()), 'Source of the rejected event, when it had one.'),
    department: described(
      z.nullable(DepartmentId),
      'The department that published the rejected event (from its `dept.<id>` source), to route the rejection back; null when the source named no department.',
    ),
    cause: described(
      z.enum(['validation', 'authorisation']),
      '`validation`: malformed or not matching the scheme; `authorisation`: the department does not own the indicator.',
    ),
    reasons: described(
      z.array(RejectionReason).check(z.minLength(1)),
      'Every problem found, field by field.',
    ),
    receivedAt: described(Timestamp, 'When the engine received the rejected record.'),
  }),
  'Why an input was rejected, field by field.',
);
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
