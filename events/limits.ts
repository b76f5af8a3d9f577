/** EventBridge PutEvents limits, entry sizes as AWS computes them, and batching within those limits. */
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { EventContract } from './envelope.ts';
import type * as z from './zod.ts';

/** At most this many entries in one PutEvents call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/** AWS: "the total entry size must be less than 256KB"; we read it strictly, so an entry must be smaller than this. */
export const PUT_EVENTS_ENTRY_SIZE_LIMIT = 256 * 1024;
/** The whole PutEvents request (sum of its entry sizes) must be smaller than this too. */
export const PUT_EVENTS_REQUEST_SIZE_LIMIT = 256 * 1024;

/** Bytes of the Time field, whatever the timestamp, when it is set (AWS's rule). */
const TIME_BYTES = 14;
const utf8 = new TextEncoder();
const bytes = (text: string | undefined): number => (text === undefined ? 0 : utf8.encode(text).length);

/**
 * The size AWS charges an entry against the limit: Time 14 bytes if present, plus the UTF-8 bytes
 * of Source, DetailType, Detail and each of Resources. EventBusName and TraceHeader do not count.
 */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined ? 0 : TIME_BYTES;
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
  for (const resource of entry.Resources ?? []) size += bytes(resource);
  return size;
}

/** Why EventBridge would refuse this entry (malformed detail, missing fields, too large); empty when it fits. */
export function putEventsEntryProblems(entry: PutEventsRequestEntry): string[] {
  const problems: string[] = [];
  if (!entry.Source) problems.push('Source is missing');
  if (!entry.DetailType) problems.push('DetailType is missing');
  if (entry.Detail === undefined) problems.push('Detail is missing');
  else {
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      problems.push('Detail is not valid JSON');
    }
    if (detail !== undefined && (detail === null || typeof detail !== 'object' || Array.isArray(detail))) {
      problems.push(
        `Detail must be a JSON object, not ${detail === null ? 'null' : Array.isArray(detail) ? 'an array' : `a ${typeof detail}`}`,
      );
    }
  }
  const size = putEventsEntrySize(entry);
  if (size >= PUT_EVENTS_ENTRY_SIZE_LIMIT) {
    problems.push(
      `entry is ${size} bytes; it must be under ${PUT_EVENTS_ENTRY_SIZE_LIMIT} (use a claim check)`,
    );
  }
  return problems;
}

export interface PutEventsPlan<Entry extends PutEventsRequestEntry> {
  /** Calls to make, in order: each ≤ 10 entries and under the request size limit. */
  batches: Entry[][];
  /** Entries no call can carry as they are, with the reasons. */
  refused: { entry: Entry; problems: string[] }[];
}

/** Splits entries into PutEvents calls, keeping their order; entries EventBridge would refuse are set apart. */
export function planPutEvents<Entry extends PutEventsRequestEntry>(
  entries: readonly Entry[],
): PutEventsPlan<Entry> {
  const plan: PutEventsPlan<Entry> = { batches: [], refused: [] };
  let batch: Entry[] = [];
  let batchBytes = 0;
  for (const entry of entries) {
    const problems = putEventsEntryProblems(entry);
    if (problems.length > 0) {
      plan.refused.push({ entry, problems });
      continue;
    }
    const size = putEventsEntrySize(entry);
    if (batch.length === PUT_EVENTS_MAX_ENTRIES || batchBytes + size >= PUT_EVENTS_REQUEST_SIZE_LIMIT) {
      plan.batches.push(batch);
      batch = [];
      batchBytes = 0;
    }
    batch.push(entry);
    batchBytes += size;
  }
  if (batch.length > 0) plan.batches.push(batch);
  return plan;
}

/**
 * A PutEvents entry for a detail, validated by its contract first, so nothing malformed leaves the
 * engine. The source must be one the contract allows (`rankwatch.engine`, or `dept.<id>`).
 */
export function putEventsEntry<Detail extends z.ZodMiniType>(
  contract: EventContract<string, Detail>,
  detail: z.input<Detail>,
  options: { eventBusName: string; source: string; time?: Date; resources?: string[] },
): PutEventsRequestEntry {
  if (!contract.matchesSource(options.source)) {
    throw new RangeError(`${contract.detailType} cannot come from source ${options.source}`);
  }
  const parsed = contract.detail.parse(detail);
  return {
    EventBusName: options.eventBusName,
    Source: options.source,
    DetailType: contract.detailType,
    Detail: JSON.stringify(parsed),
    ...(options.time === undefined ? {} : { Time: options.time }),
    ...(options.resources === undefined ? {} : { Resources: options.resources }),
  };
}
