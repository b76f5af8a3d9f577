// Hostile department events for the fuzz (issue 12), generated with fast-check from a valid report by one
// mutation each that makes it invalid: wrong types, missing and extra fields, non-finite numbers and numeric
// strings, values outside the declared range, oversized and deeply nested details, unicode edge cases in
// ids (lone surrogates, RTL marks, NUL, full-width digits), envelope ids no table key can hold (empty, 3,000
// characters, not ASCII, not a string), unknown scheme/period/entity/indicator,
// another department's indicator, and replayed ids: a valid report published first (its `original`), then
// its id reused with other content, which must be rejected on `id` (event_id_reused). Each must be rejected
// with field-level reasons, nothing written. Exact redeliveries of an original ride along as the control:
// they must not be rejected, and change nothing.
import fc from 'fast-check';
import { parseScheme, type Scheme } from '../domain/scheme.ts';
import { INDICATOR_RESULTS_PUBLISHED, INDICATOR_VALUE_REPORTED } from '../events/index.ts';
import { scheme as unitScheme } from '../test/functions/fixtures.ts';
import { type BusEvent, envelope } from '../test/support/pipeline.ts';

/** The fuzz's scheme: the unit tests' two-department scheme, each indicator with a declared valid range. */
export const fuzzScheme: Scheme = parseScheme({
  ...unitScheme,
  id: 'fuzz-weekly',
  indicators: unitScheme.indicators.map((i) => ({ ...i, range: { min: 0, max: 100 } })),
});

const baseValue = () => ({
  schemaVersion: 1,
  scheme: fuzzScheme.id,
  indicator: 'hotline_satisfaction',
  entity: 'lanzhou',
  period: '2026-W02',
  value: 95.5,
  observedAt: '2026-01-12T08:30:00+08:00',
});
const baseTable = () => ({
  schemaVersion: 1,
  scheme: fuzzScheme.id,
  indicator: 'gov_online_rate',
  period: '2026-W02',
  observedAt: '2026-01-12T09:30:00+08:00',
  values: [
    { entity: 'lanzhou', value: 91.2 },
    { entity: 'tianshui', value: 88 },
  ],
});

export interface Hostile {
  kind: string;
  event: BusEvent;
  /** A valid event to publish before the hostile ones: the one whose id this event reuses. */
  original?: BusEvent;
  /** `rejected` (the default): once, with field-level reasons; `harmless`: not rejected, nothing changed. */
  expect?: 'rejected' | 'harmless';
  /** A reason the rejection must include (its path, and its code when given). */
  reason?: { path: string; code?: string };
}

// Ids that fail the id pattern or name nothing in the scheme: unicode edge cases and plain unknowns.
const badId = fc.constantFrom(
  'lan\u0000zhou',
  'lan\uD800zhou',
  '\u202Elanzhou',
  'ｌａｎｚｈｏｕ',
  'lanzhou ',
  '',
  'x'.repeat(300),
  'atlantis',
  '../lanzhou',
  '兰州',
);
const badPeriod = fc.constantFrom(
  '２０２６-W02',
  '2026-W99',
  '2026-02',
  'W02',
  '2026-W2',
  '',
  '2026-W02\u0000',
  '9999-W01',
);
const nonNumber = fc.oneof(
  fc.constantFrom('95.5', '１２．５', '1,234', '95%', '', 'NaN', 'Infinity', null, true, [], {}),
  fc.string({ maxLength: 20 }),
);
const outOfRange = fc.oneof(
  fc.double({ min: 100.000001, max: 1.7e308, noNaN: true }),
  fc.double({ min: -1.7e308, max: -0.000001, noNaN: true }),
  fc.constantFrom(1.7e308, -1e308, -5e-324),
);
const deep = (depth: number): unknown => (depth === 0 ? 'x' : { n: deep(depth - 1) });

let counter = 0;
const idOf = (kind: string) => `fuzz-${kind}-${(counter++).toString(36)}`;

function value(
  kind: string,
  over: Record<string, unknown>,
  drop: string[] = [],
  source = 'dept.hotline12345',
): Hostile {
  const detail: Record<string, unknown> = { ...baseValue(), ...over };
  for (const d of drop) delete detail[d];
  return { kind, event: envelope(INDICATOR_VALUE_REPORTED, source, detail, idOf(kind)) };
}
function table(
  kind: string,
  over: Record<string, unknown>,
  drop: string[] = [],
  source = 'dept.govservice',
): Hostile {
  const detail: Record<string, unknown> = { ...baseTable(), ...over };
  for (const d of drop) delete detail[d];
  return { kind, event: envelope(INDICATOR_RESULTS_PUBLISHED, source, detail, idOf(kind)) };
}

// Replayed ids: valid originals, and their ids reused with content that is valid in itself.
const ENTITIES = fuzzScheme.entities.map((e) => e.id);
const validNumber = fc.double({ min: 0, max: 100, noNaN: true }).map((v) => v + 0); // no -0
const other = (v: number) => (v + 37) % 100;
const originalEvent: fc.Arbitrary<BusEvent> = fc.oneof(
  fc
    .record({ entity: fc.constantFrom(...ENTITIES), v: validNumber })
    .map(({ entity, v }) => value('original', { entity, value: v }).event),
  fc
    .subarray(ENTITIES, { minLength: 1 })
    .chain((entities) =>
      fc.tuple(
        fc.constant(entities),
        fc.array(validNumber, { minLength: entities.length, maxLength: entities.length }),
      ),
    )
    .map(
      ([entities, vs]) =>
        table('original', { values: entities.map((entity, k) => ({ entity, value: vs[k]! })) }).event,
    ),
);
const LATER = '2026-01-13T08:30:00+08:00';
/** The original's detail changed so that it is still a valid report: only the reused id can refuse it. */
const mutations: ((o: BusEvent) => BusEvent)[] = [
  // another value, as observed (a tie the old id used to lose silently) and observed later (used to win)
  (o) => withDetail(o, changedValues(o.detail)),
  (o) => withDetail(o, { ...changedValues(o.detail), observedAt: LATER }),
  // another period (used to start that period's head)
  (o) => withDetail(o, { period: '2026-W03' }),
  // one entity fewer, one more, or another entity (used to add a value)
  (o) => withDetail(o, otherEntities(o.detail)),
  // another department's own report under the id
  (o) => ({
    ...(o.source === 'dept.hotline12345'
      ? table('x', { observedAt: LATER })
      : value('x', { observedAt: LATER })
    ).event,
    id: o.id,
  }),
];
function withDetail(o: BusEvent, change: Record<string, unknown>): BusEvent {
  return { ...o, detail: { ...o.detail, ...change } };
}
function otherEntities(d: Record<string, unknown>): Record<string, unknown> {
  const absent = (present: unknown[]) => ENTITIES.find((e) => !present.includes(e))!;
  if (typeof d.entity === 'string') return { entity: absent([d.entity]) };
  const values = d.values as { entity: string; value: number }[];
  if (values.length > 1) return { values: values.slice(1) };
  return { values: [...values, { entity: absent(values.map((v) => v.entity)), value: 1 }] };
}
function changedValues(d: Record<string, unknown>): Record<string, unknown> {
  if (typeof d.value === 'number') return { value: other(d.value) };
  const values = d.values as { entity: string; value: number }[];
  return { values: values.map((v, k) => (k === 0 ? { ...v, value: other(v.value) } : v)) };
}
const replayedId: fc.Arbitrary<Hostile> = fc
  .tuple(originalEvent, fc.nat(mutations.length - 1))
  .map(([original, m]) => ({
    kind: 'replayed-id',
    event: mutations[m]!(original),
    original,
    reason: { path: 'id', code: 'event_id_reused' },
  }));
/** The original delivered again: as it was, or its detail's keys in another order (the same content). */
const redelivery: fc.Arbitrary<Hostile> = fc
  .tuple(originalEvent, fc.boolean())
  .map(([original, reorder]) => ({
    kind: 'redelivery',
    event: reorder
      ? { ...original, detail: Object.fromEntries(Object.entries(original.detail).reverse()) }
      : structuredClone(original),
    original,
    expect: 'harmless' as const,
  }));

/** Envelope ids ingest cannot key anything by: each must be rejected on `id`. */
const badEventId = fc.constantFrom<unknown>(
  '',
  ' ',
  'x'.repeat(129),
  'x'.repeat(3_000),
  'evt\u0000nul',
  'evt\uD800',
  '事件-1',
  'evt 1',
  42,
  null,
);

const VALUE_FIELDS = ['schemaVersion', 'scheme', 'indicator', 'entity', 'period', 'value', 'observedAt'];
const TABLE_FIELDS = ['schemaVersion', 'scheme', 'indicator', 'period', 'observedAt', 'values'];

/** One hostile event, labelled with the kind of its mutation. */
export const hostileEvent: fc.Arbitrary<Hostile> = fc.oneof(
  nonNumber.map((v) => value('value-not-a-number', { value: v })),
  outOfRange.map((v) => value('value-out-of-range', { value: v })),
  fc.constantFrom(...VALUE_FIELDS).map((f) => value('missing-field', {}, [f])),
  fc.constantFrom(...TABLE_FIELDS).map((f) => table('missing-field', {}, [f])),
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }))
    .filter(([k]) => !VALUE_FIELDS.includes(k))
    .map(([k, v]) => value('extra-field', { [k]: v })),
  fc.integer({ min: 50_000, max: 220_000 }).map((n) => value('oversized-detail', { note: 'x'.repeat(n) })),
  fc.integer({ min: 20, max: 80 }).map((d) => value('deep-nesting', { extra: deep(d) })),
  badId.map((id) => value('bad-entity', { entity: id })),
  badId.map((id) => value('bad-indicator', { indicator: id })),
  badId.map((id) => value('bad-scheme', { scheme: id })),
  badPeriod.map((p) => value('bad-period', { period: p })),
  fc.constantFrom(0, 2, '1', null, 1.5).map((v) => value('bad-schema-version', { schemaVersion: v })),
  fc
    .constantFrom('yesterday', '2026-13-01T00:00:00Z', '9999-12-31T00:00:00Z', '', 12)
    .map((t) => value('bad-observed-at', { observedAt: t })),
  fc.constant(null).map(() => value('another-departments-indicator', { indicator: 'gov_online_rate' })),
  fc.constant(null).map(() => table('another-departments-indicator', {}, [], 'dept.hotline12345')),
  fc
    .array(fc.record({ entity: badId, value: fc.double({ min: 0, max: 100, noNaN: true }) }), {
      minLength: 1,
      maxLength: 3,
    })
    .map((values) => table('table-bad-entity', { values })),
  fc.constant(null).map(() =>
    table('table-duplicate-entity', {
      values: [
        { entity: 'lanzhou', value: 1 },
        { entity: 'lanzhou', value: 2 },
      ],
    }),
  ),
  outOfRange.map((v) => table('table-value-out-of-range', { values: [{ entity: 'lanzhou', value: v }] })),
  nonNumber.map((v) => table('table-value-not-a-number', { values: [{ entity: 'lanzhou', value: v }] })),
  fc.constantFrom([], {}, 'lanzhou', null).map((v) => table('table-values-wrong-type', { values: v })),
  replayedId,
  redelivery,
  // The id it would have had kept in `resources`, so that two events with the same bad id are two records.
  badEventId.map((id) => {
    const { event } = value('bad-event-id', {});
    return {
      kind: 'bad-event-id',
      event: { ...event, id: id as string, resources: [event.id] },
      reason: { path: 'id' },
    };
  }),
);

/** `n` hostile events, reproducible from the seed. */
export function hostileEvents(n: number, seed: number): Hostile[] {
  counter = 0;
  return fc.sample(hostileEvent, { numRuns: n, seed });
}
