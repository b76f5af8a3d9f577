import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUS_NAME, departmentSource, ENGINE_SOURCE } from '../../events/index.ts';
import {
  PUT_EVENTS_ENTRY_SIZE_LIMIT,
  PUT_EVENTS_MAX_ENTRIES,
  PUT_EVENTS_REQUEST_SIZE_LIMIT,
  planPutEvents,
  putEventsEntry,
  putEventsEntryProblems,
  putEventsEntrySize,
} from '../../events/limits.ts';
import { observationRejected } from '../../events/observation-rejected.ts';
import { rankingSlipped } from '../../events/ranking-slipped.ts';
import { readSample } from '../../events/samples.ts';

const slipped = readSample(rankingSlipped) as { detail: Record<string, unknown> };
const entryOf = (detail: unknown, extra: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  EventBusName: DEFAULT_BUS_NAME,
  Source: ENGINE_SOURCE,
  DetailType: rankingSlipped.detailType,
  Detail: JSON.stringify(detail),
  ...extra,
});

describe('PutEvents limits', () => {
  it('are 10 entries and 256 KiB per entry and per request', () => {
    expect(PUT_EVENTS_MAX_ENTRIES).toBe(10);
    expect(PUT_EVENTS_ENTRY_SIZE_LIMIT).toBe(262_144);
    expect(PUT_EVENTS_REQUEST_SIZE_LIMIT).toBe(262_144);
  });
});

describe('putEventsEntrySize', () => {
  it('counts Time as 14 bytes and Source, DetailType, Detail and Resources as UTF-8 bytes', () => {
    const entry: PutEventsRequestEntry = {
      EventBusName: 'not counted',
      Source: 'dept.a', // 6
      DetailType: 'X.Y', // 3
      Detail: '{"名":"兰州"}', // 2 + 3 + 3 + 6 + 2 = 16
      Resources: ['arn:x', 'é'], // 5 + 2
      TraceHeader: 'not counted',
    };
    expect(putEventsEntrySize(entry)).toBe(6 + 3 + 16 + 7);
    expect(putEventsEntrySize({ ...entry, Time: new Date('2026-08-31T00:00:00Z') })).toBe(
      14 + 6 + 3 + 16 + 7,
    );
  });
});

describe('putEventsEntryProblems', () => {
  it('finds nothing wrong with the Ranking.Slipped sample as an entry', () => {
    const entry = entryOf(slipped.detail, { Time: new Date() });
    expect(putEventsEntryProblems(entry)).toEqual([]);
    expect(putEventsEntrySize(entry)).toBeLessThan(4096);
  });

  it('detects an entry at or over 256 KiB', () => {
    const base = putEventsEntrySize(entryOf({ pad: '' }));
    const justUnder = entryOf({ pad: 'x'.repeat(PUT_EVENTS_ENTRY_SIZE_LIMIT - base - 1) });
    const atLimit = entryOf({ pad: 'x'.repeat(PUT_EVENTS_ENTRY_SIZE_LIMIT - base) });
    expect(putEventsEntrySize(justUnder)).toBe(PUT_EVENTS_ENTRY_SIZE_LIMIT - 1);
    expect(putEventsEntryProblems(justUnder)).toEqual([]);
    expect(putEventsEntryProblems(atLimit)).toEqual([
      `entry is ${PUT_EVENTS_ENTRY_SIZE_LIMIT} bytes; it must be under ${PUT_EVENTS_ENTRY_SIZE_LIMIT} (use a claim check)`,
    ]);
  });

  it('counts multi-byte characters by their UTF-8 bytes, not their length', () => {
    const base = putEventsEntrySize(entryOf({ pad: '' }));
    const chinese = entryOf({ pad: '兰'.repeat(Math.ceil((PUT_EVENTS_ENTRY_SIZE_LIMIT - base) / 3)) });
    expect(chinese.Detail!.length).toBeLessThan(PUT_EVENTS_ENTRY_SIZE_LIMIT / 2);
    expect(putEventsEntryProblems(chinese)).toHaveLength(1);
  });

  it('rejects a Detail that is an array, a string, null or not JSON', () => {
    expect(putEventsEntryProblems(entryOf([slipped.detail]))).toEqual([
      'Detail must be a JSON object, not an array',
    ]);
    expect(putEventsEntryProblems(entryOf('text'))).toEqual(['Detail must be a JSON object, not a string']);
    expect(putEventsEntryProblems(entryOf(null))).toEqual(['Detail must be a JSON object, not null']);
    expect(putEventsEntryProblems({ ...entryOf({}), Detail: '{oops' })).toEqual(['Detail is not valid JSON']);
  });

  it('requires Source, DetailType and Detail', () => {
    expect(putEventsEntryProblems({})).toEqual([
      'Source is missing',
      'DetailType is missing',
      'Detail is missing',
    ]);
  });
});

describe('planPutEvents', () => {
  it('puts at most 10 entries in a call, keeping their order', () => {
    const entries = Array.from({ length: 23 }, (_, i) => entryOf({ ...slipped.detail, eventId: `e${i}` }));
    const plan = planPutEvents(entries);
    expect(plan.batches.map((b) => b.length)).toEqual([10, 10, 3]);
    expect(plan.batches.flat()).toEqual(entries);
    expect(plan.refused).toEqual([]);
  });

  it('starts a new call before the request would reach 256 KiB', () => {
    const base = putEventsEntrySize(entryOf({ pad: '' }));
    const big = (i: number) => entryOf({ pad: String(i).padEnd(100_000 - base, 'x') });
    const plan = planPutEvents([big(1), big(2), big(3), big(4), big(5)]);
    expect(plan.batches.map((b) => b.length)).toEqual([2, 2, 1]);
    for (const batch of plan.batches) {
      expect(batch.reduce((sum, e) => sum + putEventsEntrySize(e), 0)).toBeLessThan(
        PUT_EVENTS_REQUEST_SIZE_LIMIT,
      );
    }
  });

  it('sets apart entries no call can carry, with the reasons', () => {
    const ok = entryOf(slipped.detail);
    const array = entryOf([1, 2]);
    const huge = entryOf({ pad: 'x'.repeat(PUT_EVENTS_ENTRY_SIZE_LIMIT) });
    const plan = planPutEvents([ok, array, huge, ok]);
    expect(plan.batches).toEqual([[ok, ok]]);
    expect(plan.refused.map((r) => r.entry)).toEqual([array, huge]);
    expect(plan.refused[1]?.problems[0]).toMatch(/must be under 262144/);
  });
});

describe('putEventsEntry', () => {
  it('builds the entry from a valid detail with the contract’s detail-type', () => {
    const entry = putEventsEntry(rankingSlipped, slipped.detail as never, {
      eventBusName: DEFAULT_BUS_NAME,
      source: ENGINE_SOURCE,
    });
    expect(entry).toEqual({
      EventBusName: DEFAULT_BUS_NAME,
      Source: ENGINE_SOURCE,
      DetailType: rankingSlipped.detailType,
      Detail: expect.any(String),
    });
    // Key order follows the schema's shape (the shared alert base first); the content is the sample's.
    expect(JSON.parse(entry.Detail!)).toEqual(slipped.detail);
  });

  it('refuses an invalid detail and a source the contract does not allow', () => {
    const options = { eventBusName: DEFAULT_BUS_NAME, source: ENGINE_SOURCE };
    expect(() => putEventsEntry(rankingSlipped, { ...slipped.detail, toRank: 0 } as never, options)).toThrow(
      /toRank/,
    );
    expect(() =>
      putEventsEntry(observationRejected, {} as never, {
        ...options,
        source: departmentSource('hotline12345'),
      }),
    ).toThrow(/cannot come from source dept\.hotline12345/);
  });
});
