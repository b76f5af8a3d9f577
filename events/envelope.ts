/** The EventBridge envelope around each detail, and the contract record every event file exports. */
import { DEPARTMENT_SOURCE_PATTERN, DEPARTMENT_SOURCE_PREFIX, ENGINE_SOURCE } from './sources.ts';
import * as z from './zod.ts';
import { described } from './zod.ts';

/** An EventBridge event-pattern fragment for `source`: exact strings or a prefix match. */
export type SourcePattern = readonly (string | { readonly prefix: string })[];

export type Producer =
  | { readonly kind: 'engine'; readonly source: typeof ENGINE_SOURCE }
  | { readonly kind: 'department'; readonly prefix: typeof DEPARTMENT_SOURCE_PREFIX };

export const ENGINE_PRODUCER: Producer = { kind: 'engine', source: ENGINE_SOURCE };
export const DEPARTMENT_PRODUCER: Producer = { kind: 'department', prefix: DEPARTMENT_SOURCE_PREFIX };

/** One published version of one event: what the relay, the local runtime, CDK and the generator iterate over. */
export interface EventContract<
  DetailType extends string = string,
  Detail extends z.ZodMiniType = z.ZodMiniType,
  Envelope extends z.ZodMiniType = z.ZodMiniType,
> {
  readonly detailType: DetailType;
  readonly version: number;
  readonly description: string;
  readonly producer: Producer;
  /** Ready for an EventBridge rule: `{ source: contract.sourcePattern, 'detail-type': [contract.detailType] }`. */
  readonly sourcePattern: SourcePattern;
  readonly detail: Detail;
  /** The whole event as a consumer receives it (the fields of Powertools' EventBridge schema, this detail). */
  readonly envelope: Envelope;
  /** Whether an event with this source may carry this detail-type. */
  matchesSource(source: string): boolean;
}

const departmentSourceSchema = described(
  z.string().check(z.regex(DEPARTMENT_SOURCE_PATTERN)),
  'The publishing department as `dept.<department id>`, e.g. `dept.hotline12345`.',
);

function envelopeFor<DetailType extends string, Detail extends z.ZodMiniType>(
  detailType: DetailType,
  producer: Producer,
  detail: Detail,
  description: string,
) {
  const source =
    producer.kind === 'engine'
      ? described(z.literal(producer.source), 'Always `rankwatch.engine` for events the engine publishes.')
      : departmentSourceSchema;
  // The fields of Powertools' EventBridgeSchema, in its order, each narrowed here. Written out rather than
  // extended from it: that module imports classic zod as `{ z }`, which keeps all of zod (~440 KB, every
  // locale) in a function bundle; the contracts use zod/mini (./zod.ts) for the same reason.
  return described(
    z.object({
      version: described(z.string(), 'EventBridge envelope version, `0`.'),
      id: described(
        z.string(),
        producer.kind === 'engine'
          ? 'Id EventBridge gave this delivery; a re-sent event gets a new one (use `detail.eventId` to de-duplicate).'
          : 'Id EventBridge gave the event (a UUID; ingest takes 1–128 printable ASCII characters). Ingest keeps it with a digest of the content, for good: the same event delivered again changes nothing; the id with other content is rejected (`event_id_reused`), so a correction is a new event.',
      ),
      source,
      account: described(z.string(), 'AWS account the event was put from.'),
      time: described(z.iso.datetime(), 'When EventBridge received the event (UTC).'),
      region: described(z.string(), 'AWS Region of the bus.'),
      resources: described(z.array(z.string()), 'ARNs the event concerns; usually empty.'),
      'detail-type': described(z.literal(detailType), `Always \`${detailType}\`.`),
      detail,
      'replay-name': described(
        z.optional(z.string()),
        'Present when the event is replayed from the archive.',
      ),
    }),
    description,
  );
}

export function defineEvent<DetailType extends string, Detail extends z.ZodMiniType>(spec: {
  detailType: DetailType;
  version: number;
  description: string;
  producer: Producer;
  detail: Detail;
}) {
  const { producer } = spec;
  const envelope = envelopeFor(spec.detailType, producer, spec.detail, spec.description);
  const contract: EventContract<DetailType, Detail, typeof envelope> = {
    ...spec,
    envelope,
    sourcePattern: producer.kind === 'engine' ? [producer.source] : [{ prefix: producer.prefix }],
    matchesSource: (source) =>
      producer.kind === 'engine'
        ? source === producer.source
        : departmentSourceSchema.safeParse(source).success,
  };
  return contract;
}
