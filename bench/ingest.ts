// Ingest benchmark: observations per second through `ingest` against DynamoDB Local, and DynamoDB write units
// per observation, for one-value events and whole-table events, against a naive baseline measured in the same
// run (every observation delivered alone: one evaluation and one snapshot each); plus a 3,000 × 200 point.
//   npm run bench:ingest [-- --reps 3 --baseline-weeks 1 --no-scale]   (about 2½ minutes on an idle 2-CPU machine)
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { loadSchemeText, type Scheme } from '../domain/scheme.ts';
import { INDICATOR_VALUE_REPORTED } from '../events/index.ts';
import { type IngestDeps, ingestHandler } from '../functions/ingest.ts';
import { type Dynamo, DynamoJsonClient } from '../functions/shared/aws/dynamodb.ts';
import { DynamoAssessmentStore } from '../functions/shared/dynamo-store.ts';
import { keys } from '../functions/shared/table.ts';
import { generateObservations, SCHEME_PATH } from '../scenarios/gansu/generate.ts';
import {
  createTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalClients,
  localClients,
  startDynamoDbLocal,
  uniqueTableName,
} from '../test/support/dynamodb-local.ts';
import {
  type BusEvent,
  type DynamoCall,
  departmentEvents,
  envelope,
  hooked,
  type ScenarioRow,
  sqsEvent,
  uuidOf,
} from '../test/support/pipeline.ts';
import { SCALE_ENTITIES, SCALE_INDICATORS, scaleScheme, scaleTables } from '../test/support/scale.ts';

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    'baseline-weeks': { type: 'string', default: '1' },
    'no-scale': { type: 'boolean', default: false },
  },
});
const REPS = Number(args.reps);
const BASELINE_WEEKS = Number(args['baseline-weeks']);
if (!Number.isInteger(REPS) || REPS < 1) throw new Error('--reps must be a positive integer');
if (!Number.isInteger(BASELINE_WEEKS) || BASELINE_WEEKS < 1 || BASELINE_WEEKS > 26)
  throw new Error('--baseline-weeks must be an integer in 1..26');

/** The ingest queue's event source mapping (infra/constructs/ingestion.ts): batchSize 100, 5 s window. */
const SQS_BATCH = 100;

const NAIVE = 'naive: each observation alone 逐条单独入库';
const ONE_VALUE = 'one-value events 单值事件';
const WHOLE_TABLE = 'whole-table events 整表事件';

const SCALE_SHAPE = '3,000×200';

const progress = (what: string) => process.stderr.write(`bench:ingest … ${what}\n`);

// ───────────────────────────────────────────────────────────────────────────── capacity, as DynamoDB bills it

/** DynamoDB's size of an attribute value: strings/binary by bytes, numbers by significant digits, containers 3 + 1 per element. */
function valueBytes(v: unknown): number {
  if (v === null || typeof v === 'boolean') return 1;
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (typeof v === 'number') {
    const mantissa = Math.abs(v).toExponential().split('e')[0]!.replace('.', '');
    return Math.ceil(mantissa.length / 2) + 1;
  }
  if (v instanceof Uint8Array) return v.byteLength;
  if (Array.isArray(v)) return 3 + v.reduce((s: number, x) => s + 1 + valueBytes(x), 0);
  if (typeof v === 'object')
    return (
      3 +
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .reduce((s, [k, x]) => s + 1 + Buffer.byteLength(k) + valueBytes(x), 0)
    );
  throw new Error(`no DynamoDB size for ${typeof v}`);
}

function itemBytes(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, v] of Object.entries(item))
    if (v !== undefined) size += Buffer.byteLength(name) + valueBytes(v);
  return size;
}

/** What each item kind is called in the output, from the partition key's first word (keys in table.ts). */
const kindWord = (pk: string) => pk.slice(0, pk.indexOf('#'));
const CHUNKS = 'chunks';
const INPUT_CHUNKS = 'input chunks';
const REST_CHUNKS = 'other chunks';
const KIND_LABEL = new Map([
  [kindWord(keys.chunk('h').PK), CHUNKS],
  [kindWord(keys.manifest('s', 'p', 1).PK), 'manifest'],
  [kindWord(keys.head('s', 'p').PK), 'head'],
  [kindWord(keys.receipt('s', 'p', 1).PK), 'receipt'],
  [kindWord(keys.eventReceipt('e').PK), 'event receipts'],
  [kindWord(keys.alertBucket('s', 0).PK), 'alerts'],
  [kindWord(keys.outbox('s', 'p', 1, 0).PK), 'outbox'],
]);
const KINDS = [INPUT_CHUNKS, REST_CHUNKS, ...[...KIND_LABEL.values()].filter((k) => k !== CHUNKS)];

interface Capacity {
  /** Write units as DynamoDB bills them, computed from item sizes, by item kind. */
  wcu: Map<string, number>;
  /** What DynamoDB Local reported (ReturnConsumedCapacity: TOTAL) next to what the sizes give, per write API. */
  reported: { nonTx: number; nonTxComputed: number; tx: number; txComputed: number; missing: number };
  /** Read units as DynamoDB Local reported them. */
  rcu: number;
  calls: Map<string, number>;
  /** Wall time spent waiting for DynamoDB, in ms. */
  dbMs: number;
}

const emptyCapacity = (): Capacity => ({
  wcu: new Map(),
  reported: { nonTx: 0, nonTxComputed: 0, tx: 0, txComputed: 0, missing: 0 },
  rcu: 0,
  calls: new Map(),
  dbMs: 0,
});

type Reported = { CapacityUnits?: number } | { CapacityUnits?: number }[] | undefined;
const unitsOf = (c: Reported) =>
  c === undefined ? undefined : (Array.isArray(c) ? c : [c]).reduce((s, x) => s + (x.CapacityUnits ?? 0), 0);

/**
 * Meters every call of a document client: asks for ReturnConsumedCapacity TOTAL, sums the read units DynamoDB
 * Local reports, and bills writes from item sizes (1 WCU per started KB of the larger of the old and new item;
 * twice that inside a transaction), because DynamoDB Local under-reports TransactWriteItems (see the probe).
 */
class CapacityMeter {
  current = emptyCapacity();
  /** Stored item sizes by key, so an overwrite is billed on the larger of old and new, as DynamoDB does. */
  private readonly sizes = new Map<string, number>();
  /** Write units of each chunk item, so a manifest can tell its input chunks from the rest of the body. */
  private readonly chunkUnits = new Map<string, number>();
  private inflight = 0;
  private since = 0;

  /** The store's DynamoDB port with every call metered. */
  wrap(db: Dynamo): Dynamo {
    return hooked(db, [(call, next) => this.meter(call, next)]);
  }

  reset(forgetItems: boolean): Capacity {
    const out = this.current;
    this.current = emptyCapacity();
    if (forgetItems) this.sizes.clear();
    this.chunkUnits.clear();
    return out;
  }

  private add(label: string, units: number): void {
    this.current.wcu.set(label, (this.current.wcu.get(label) ?? 0) + units);
  }

  private bill(item: Record<string, unknown>, factor: number): { units: number; key: string; size: number } {
    const key = `${item.PK}\u0000${item.SK}`;
    const size = itemBytes(item);
    const units = factor * Math.max(1, Math.ceil(Math.max(size, this.sizes.get(key) ?? 0) / 1024));
    const label = KIND_LABEL.get(kindWord(String(item.PK))) ?? 'other';
    if (label === CHUNKS) this.chunkUnits.set(String(item.PK), units);
    else this.add(label, units);
    // A manifest names its chunks: their units count as input chunks or as the rest of the body.
    if (label === 'manifest')
      for (const [part, hashes] of [
        [INPUT_CHUNKS, item.inputChunks],
        [REST_CHUNKS, item.restChunks],
      ] as const)
        for (const h of hashes as string[]) this.add(part, this.chunkUnits.get(keys.chunk(h).PK) ?? 0);
    return { units, key, size };
  }

  private async meter(call: DynamoCall, next: () => Promise<unknown>): Promise<unknown> {
    const c = this.current;
    c.calls.set(call.op, (c.calls.get(call.op) ?? 0) + 1);
    call.input.ReturnConsumedCapacity = 'TOTAL';
    // Calls overlap (the context is loaded in parallel): count the time with at least one call in flight.
    if (this.inflight++ === 0) this.since = performance.now();
    let out: { ConsumedCapacity?: Reported; UnprocessedItems?: Record<string, unknown[]> };
    try {
      out = (await next()) as typeof out;
    } finally {
      if (--this.inflight === 0) c.dbMs += performance.now() - this.since;
    }
    const reported = unitsOf(out.ConsumedCapacity);
    if (call.op === 'get' || call.op === 'query' || call.op === 'batchGet') {
      c.rcu += reported ?? 0;
      return out;
    }
    const billed: { units: number; key: string; size: number }[] = [];
    if (call.op === 'put') billed.push(this.bill(call.input.Item ?? {}, 1));
    else if (call.op === 'batchWrite') {
      const unprocessed = Object.values(out.UnprocessedItems ?? {}).flat().length;
      if (unprocessed > 0) throw new Error('bench: BatchWriteItem left items unprocessed; not billed');
      for (const requests of Object.values(call.input.RequestItems ?? {}))
        for (const r of requests) {
          if (!r.PutRequest) throw new Error('bench: unmetered BatchWriteItem request');
          billed.push(this.bill(r.PutRequest.Item ?? {}, 1));
        }
    } else {
      // Items in transaction order: chunks were billed before, so the manifest can attribute them.
      for (const t of call.input.TransactItems ?? []) {
        if (!t.Put) throw new Error('bench: unmetered transaction item (only Put is billed here)');
        billed.push(this.bill(t.Put.Item ?? {}, 2));
      }
    }
    for (const b of billed) this.sizes.set(b.key, b.size);
    const computed = billed.reduce((s, b) => s + b.units, 0);
    if (reported === undefined) c.reported.missing++;
    else if (call.op === 'transactWrite') {
      c.reported.tx += reported;
      c.reported.txComputed += computed;
    } else {
      c.reported.nonTx += reported;
      c.reported.nonTxComputed += computed;
    }
    return out;
  }
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

// ───────────────────────────────────────────────────────────────────────────────────────────── one run

interface Run {
  seconds: number;
  invocations: number;
  observations: number;
  snapshots: number;
  capacity: Capacity;
  /** The final period's stored values (indicator × entity), to show every delivery ends in the same standings. */
  finalValues: string;
}

interface Bench {
  clients: LocalClients;
  /** The functions' own DynamoDB client (functions/shared/aws), which the store is given, metered. */
  db: Dynamo;
  meter: CapacityMeter;
}

/** Delivers these SQS batches to `ingest` on a fresh table with the scheme stored; every record must apply. */
async function ingestRun(
  b: Bench,
  scheme: Scheme,
  batches: readonly (readonly BusEvent[])[],
  expected: number,
  finalPeriod: string,
): Promise<Run> {
  const table = await createTable(b.clients.client, uniqueTableName('bench-ingest'));
  try {
    // The scheme is set up unmetered: storing it (a transaction with the scheme index's Update) is not ingest.
    await new DynamoAssessmentStore(b.db, table).putScheme(scheme);
    const store = new DynamoAssessmentStore(b.meter.wrap(b.db), table);
    b.meter.reset(true);
    const counted = new Map<string, number>();
    const problems: string[] = [];
    const deps: IngestDeps = {
      store,
      async keepRejected(_raw, rejection) {
        problems.push(`rejected: ${JSON.stringify(rejection.reasons)}`);
      },
      now: () => new Date(),
      log: (level, message, extra) => {
        if (level !== 'info') problems.push(`${level}: ${message} ${JSON.stringify(extra ?? {})}`);
      },
      metric: (name, value) => counted.set(name, (counted.get(name) ?? 0) + value),
    };
    const started = performance.now();
    for (const batch of batches) {
      const out = await ingestHandler(sqsEvent(batch), deps);
      if (out.batchItemFailures.length > 0 || problems.length > 0)
        throw new Error(`bench: ingest did not apply a batch cleanly:\n${problems.join('\n')}`);
    }
    const seconds = (performance.now() - started) / 1000;
    const capacity = b.meter.reset(false);
    const observations = counted.get('ObservationsApplied') ?? 0;
    if (observations !== expected)
      throw new Error(`bench: ${observations} observations applied, ${expected} delivered`);
    const ctx = await store.loadContext(scheme, finalPeriod);
    b.meter.reset(false);
    return {
      seconds,
      invocations: batches.length,
      observations,
      snapshots: counted.get('SnapshotsWritten') ?? 0,
      capacity,
      finalValues: JSON.stringify(ctx.head?.inputs.values ?? null),
    };
  } finally {
    await b.clients.client.send(new DeleteTableCommand({ TableName: table }));
  }
}

const chunked = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

interface Row {
  name: string;
  /** entities × indicators */
  shape: string;
  weeks: string;
  events: number;
  batch: string;
  runs: Run[];
  /** Median observations per second over the runs. */
  rate: number;
  wcuPerObs: number;
  rcuPerObs: number;
}

function summarise(
  name: string,
  shape: string,
  weeks: string,
  events: number,
  batch: string,
  runs: Run[],
): Row {
  const r = runs[0]!;
  // Capacity is the same in every repetition (same data, same writes); the first run's is reported.
  return {
    name,
    shape,
    weeks,
    events,
    batch,
    runs,
    rate: median(runs.map((x) => x.observations / x.seconds)),
    wcuPerObs: sum(r.capacity.wcu) / r.observations,
    rcuPerObs: r.capacity.rcu / r.observations,
  };
}

// ───────────────────────────────────────────────────────────────────────────── Gansu: 14 × 23, 26 weeks

const benchStarted = performance.now();
const local = await startDynamoDbLocal();
const clients = localClients(local.endpoint);
// The store goes through the functions' own DynamoDB client, as in Lambda; the SDK client makes the tables.
const db = new DynamoJsonClient({
  endpoint: local.endpoint,
  region: LOCAL_REGION,
  credentials: LOCAL_CREDENTIALS,
});
const bench: Bench = { clients, db, meter: new CapacityMeter() };

try {
  // The probe behind billing writes from item sizes: a transaction of two small puts.
  const probeTable = await createTable(clients.client, uniqueTableName('bench-probe'));
  const probe = (await clients.doc.send(
    new TransactWriteCommand({
      TransactItems: [1, 2].map((i) => ({ Put: { TableName: probeTable, Item: { PK: `p${i}`, SK: 'x' } } })),
      ReturnConsumedCapacity: 'TOTAL',
    }),
  )) as { ConsumedCapacity?: Reported };
  const probeReported = unitsOf(probe.ConsumedCapacity);
  bench.meter.reset(true);
  await clients.client.send(new DeleteTableCommand({ TableName: probeTable }));

  const scheme = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
  // Latest-wins per (period, entity, indicator): the scenario's one correction would otherwise put an entity
  // twice in a published table, which the event contract refuses; every delivery below carries the same values.
  const latest = new Map<string, ScenarioRow>();
  for (const r of generateObservations()) {
    const key = `${r.period}|${r.entity}|${r.indicator}`;
    const seen = latest.get(key);
    if (!seen || Date.parse(r.observedAt) >= Date.parse(seen.observedAt)) latest.set(key, r);
  }
  const rows = [...latest.values()];
  const weeks = [...new Set(rows.map((r) => r.period))].sort();
  const allOwners = new Set(scheme.indicators.map((i) => i.owner));
  const upTo = (n: number) => rows.filter((r) => weeks.indexOf(r.period) < n);

  const valueEvents = departmentEvents(scheme, rows, allOwners);
  const tableEvents = departmentEvents(scheme, rows, new Set());
  const baseRows = upTo(BASELINE_WEEKS);
  const baseValueEvents = departmentEvents(scheme, baseRows, allOwners);
  const baseTableEvents = departmentEvents(scheme, baseRows, new Set());
  const lastWeek = weeks.at(-1)!;
  const lastBaseWeek = weeks[BASELINE_WEEKS - 1]!;
  const weeksLabel = (n: number, last: string) =>
    n === 1 ? `1 (${last.slice(-3)})` : `${n} (W01–${last.slice(-2)})`;
  const allWeeks = weeksLabel(weeks.length, lastWeek);
  const someWeeks = weeksLabel(BASELINE_WEEKS, lastBaseWeek);
  const gansuShape = `${scheme.entities.length}×${scheme.indicators.length}`;

  const sqs = (events: readonly BusEvent[]) => chunked(events, SQS_BATCH);
  const alone = (events: readonly BusEvent[]) => events.map((e) => [e]);
  const cases = [
    { name: NAIVE, weeks: someWeeks, events: baseValueEvents, batch: 1, final: lastBaseWeek },
    { name: ONE_VALUE, weeks: someWeeks, events: baseValueEvents, batch: SQS_BATCH, final: lastBaseWeek },
    { name: WHOLE_TABLE, weeks: someWeeks, events: baseTableEvents, batch: SQS_BATCH, final: lastBaseWeek },
    { name: ONE_VALUE, weeks: allWeeks, events: valueEvents, batch: SQS_BATCH, final: lastWeek },
    { name: WHOLE_TABLE, weeks: allWeeks, events: tableEvents, batch: SQS_BATCH, final: lastWeek },
  ];
  const observationsOf = (c: (typeof cases)[number]) =>
    c.final === lastWeek ? rows.length : baseRows.length;
  const deliver = (c: (typeof cases)[number]) =>
    ingestRun(bench, scheme, c.batch === 1 ? alone(c.events) : sqs(c.events), observationsOf(c), c.final);
  // Warm-up (not reported): the JVM behind DynamoDB Local and Node's JIT, so the first case measured is not
  // the one that pays for them. Repetitions are interleaved so drift on a busy machine hits every case alike.
  progress('warm-up');
  await deliver(cases[4]!);
  await ingestRun(bench, scheme, alone(valueEvents.slice(0, 100)), 100, weeks[0]!);
  const results = cases.map(() => [] as Run[]);
  for (let rep = 1; rep <= REPS; rep++)
    for (const [i, c] of cases.entries()) {
      progress(`run ${rep}/${REPS}: ${c.name}, ${c.weeks} weeks`);
      results[i]!.push(await deliver(c));
    }
  for (const [label, group] of [
    [someWeeks, results.slice(0, 3).flat()],
    [allWeeks, results.slice(3).flat()],
  ] as const)
    if (new Set(group.map((r) => r.finalValues)).size !== 1)
      throw new Error(`bench: deliveries of weeks ${label} ended in different standings`);

  const rows_: Row[] = cases.map((c, i) =>
    summarise(c.name, gansuShape, c.weeks, c.events.length, String(c.batch), results[i]!),
  );
  const naiveRow = rows_[0]!;

  // ───────────────────────────────────────────────────────────────────────── scale: 3,000 × 200, one week
  let scaleRows: Row[] = [];
  let scaleNote = '';
  if (!args['no-scale']) {
    progress('3,000 × 200: 200 published tables, then single observations');
    const s = scaleCase();
    const singles = 3;
    const runs: Run[] = [];
    const naiveRuns: Run[] = [];
    const table = await createTable(clients.client, uniqueTableName('bench-scale'));
    try {
      await new DynamoAssessmentStore(bench.db, table).putScheme(s.scheme); // set-up, unmetered
      const store = new DynamoAssessmentStore(bench.meter.wrap(bench.db), table);
      // One run only: 600,000 observations take a while; the naive point below goes on the same table.
      const started = performance.now();
      bench.meter.reset(true);
      const counted = new Map<string, number>();
      const deps: IngestDeps = {
        store,
        keepRejected: async () => {
          throw new Error('bench: scale record rejected');
        },
        now: () => new Date(),
        log: () => {},
        metric: (name, value) => counted.set(name, (counted.get(name) ?? 0) + value),
      };
      const batches = chunked(s.tables, SQS_BATCH);
      for (const batch of batches) {
        const out = await ingestHandler(sqsEvent(batch), deps);
        if (out.batchItemFailures.length > 0) throw new Error('bench: scale batch failed');
      }
      runs.push({
        seconds: (performance.now() - started) / 1000,
        invocations: batches.length,
        observations: counted.get('ObservationsApplied') ?? 0,
        snapshots: counted.get('SnapshotsWritten') ?? 0,
        capacity: bench.meter.reset(false),
        finalValues: '',
      });
      if (runs[0]!.observations !== s.observations) throw new Error('bench: scale observations missing');
      // Naive at scale: one observation alone into the full period (a late correction): a whole evaluation
      // and snapshot of 3,000 × 200 for one value.
      for (let k = 0; k < singles; k++) {
        counted.clear();
        const t0 = performance.now();
        const out = await ingestHandler(sqsEvent([s.single(k)]), deps);
        if (out.batchItemFailures.length > 0) throw new Error('bench: scale single failed');
        naiveRuns.push({
          seconds: (performance.now() - t0) / 1000,
          invocations: 1,
          observations: counted.get('ObservationsApplied') ?? 0,
          snapshots: counted.get('SnapshotsWritten') ?? 0,
          capacity: bench.meter.reset(false),
          finalValues: '',
        });
      }
    } finally {
      await clients.client.send(new DeleteTableCommand({ TableName: table }));
    }
    scaleRows = [
      summarise(NAIVE, SCALE_SHAPE, '1 (W01)', 1, '1', naiveRuns),
      summarise(WHOLE_TABLE, SCALE_SHAPE, '1 (W01)', s.tables.length, String(SQS_BATCH), runs),
    ];
    scaleNote =
      `3,000 × 200: ${s.tables.length} published tables of 3,000 values (one week), 1 run; the naive point is ` +
      `${singles} single observations sent alone into that full week afterwards (median rate; each is a whole ` +
      '3,000 × 200 evaluation and snapshot). Filling a week one value at a time would average about half that ' +
      'cost per snapshot (the stored inputs grow from empty), still hundreds of thousands of snapshots.';
  }

  // ─────────────────────────────────────────────────────────────────────────────────────────── output
  const fmt = (x: number, digits = 2) =>
    x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits);
  const ratio = (x: number) =>
    x >= 100
      ? `${Math.round(x).toLocaleString('en-US')}×`
      : x >= 0.1
        ? `${x.toFixed(x >= 10 ? 1 : 2)}×`
        : `${x.toPrecision(2)}× (1/${Math.round(1 / x).toLocaleString('en-US')})`;
  const header = [
    'case 场景',
    'n×m',
    'weeks',
    'events',
    'batch',
    'invocations',
    'snapshots',
    'observations',
    'runs',
    'obs/s (median)',
    'obs/s ours/naive',
    'WCU/obs',
    'WCU/obs ours/naive',
    'RCU/obs',
  ];
  const tableOf = (rs: Row[], base: Row) =>
    rs.map((r) => {
      const first = r.runs[0]!;
      return [
        r.name,
        r.shape,
        r.weeks,
        r.events.toLocaleString('en-US'),
        r.batch,
        first.invocations.toLocaleString('en-US'),
        first.snapshots.toLocaleString('en-US'),
        first.observations.toLocaleString('en-US'),
        String(r.runs.length),
        fmt(r.rate, 1),
        r === base ? '1 (baseline)' : ratio(r.rate / base.rate),
        fmt(r.wcuPerObs, r.wcuPerObs < 0.1 ? 4 : 2),
        r === base ? '1 (baseline)' : ratio(r.wcuPerObs / base.wcuPerObs),
        fmt(r.rcuPerObs, r.rcuPerObs < 0.1 ? 4 : 2),
      ];
    });
  const cells = [...tableOf(rows_, naiveRow), ...(scaleRows.length ? tableOf(scaleRows, scaleRows[0]!) : [])];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;

  console.log('rankwatch bench:ingest — 入库基准 / ingest benchmark');
  console.log(
    `node ${process.versions.node}, DynamoDB Local (in memory, same host), ${availableParallelism()} CPUs; ` +
      `Gansu scenario ${scheme.entities.length} entities × ${scheme.indicators.length} indicators, ` +
      `${rows.length.toLocaleString('en-US')} observations over ${weeks.length} weeks; SQS batches of ${SQS_BATCH} ` +
      'as the ingest event source mapping configures; every run on a fresh table, batches delivered one after another.',
  );
  console.log(
    `Naive baseline 基线: every observation delivered alone (one evaluation and one snapshot each), on weeks ` +
      `${someWeeks} only to keep the run short; ours is shown on the same weeks (like for like) and on ` +
      'all weeks (ratios still against the short baseline, whose early weeks carry less history: conservative).',
  );
  console.log(
    'obs/s: median of the runs, wall clock over all invocations. WCU: write units as DynamoDB bills them, ' +
      'from item sizes (1 per started KB of the larger of old and new item, ×2 in a transaction). RCU: as DynamoDB ' +
      'Local reported them (ReturnConsumedCapacity TOTAL).',
  );
  console.log();
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const c of cells) console.log(line(c));

  // Where the write units go, per snapshot.
  console.log();
  console.log('WCU per snapshot by item 每次快照写入单位（按条目）');
  const kHeader = ['case 场景', 'n×m', 'weeks', ...KINDS, 'total', 'ms/snapshot', 'of which DynamoDB'];
  const kCells = [...rows_, ...scaleRows].map((r) => {
    const first = r.runs[0]!;
    const per = (k: string) => (first.capacity.wcu.get(k) ?? 0) / first.snapshots;
    // Time from the run with the median rate (capacity is alike in every run).
    const mid = [...r.runs].sort((a, b) => a.observations / a.seconds - b.observations / b.seconds)[
      r.runs.length >> 1
    ]!;
    return [
      r.name,
      r.shape,
      r.weeks,
      ...KINDS.map((k) => fmt(per(k), 1)),
      fmt(sum(first.capacity.wcu) / first.snapshots, 1),
      fmt((mid.seconds * 1000) / mid.snapshots, 1),
      `${((mid.capacity.dbMs / (mid.seconds * 1000)) * 100).toFixed(0)}%`,
    ];
  });
  const kWidths = kHeader.map((h, i) => Math.max(h.length, ...kCells.map((c) => c[i]!.length)));
  const kLine = (c: readonly string[]) => `| ${c.map((x, i) => x.padEnd(kWidths[i]!)).join(' | ')} |`;
  console.log(kLine(kHeader));
  console.log(kLine(kWidths.map((w) => '-'.repeat(w))));
  for (const c of kCells) console.log(kLine(c));

  const all = [...rows_, ...scaleRows].flatMap((r) => r.runs.map((x) => x.capacity.reported));
  const tot = all.reduce((a, b) => ({
    nonTx: a.nonTx + b.nonTx,
    nonTxComputed: a.nonTxComputed + b.nonTxComputed,
    tx: a.tx + b.tx,
    txComputed: a.txComputed + b.txComputed,
    missing: a.missing + b.missing,
  }));
  console.log();
  console.log(
    `校验 check — PutItem/BatchWriteItem: DynamoDB Local reported ${fmt(tot.nonTx, 0)} WCU, item sizes give ` +
      `${fmt(tot.nonTxComputed, 0)} (${((tot.nonTx / tot.nonTxComputed) * 100).toFixed(1)}%). ` +
      `TransactWriteItems: Local reported ${fmt(tot.tx, 0)}, DynamoDB bills ${fmt(tot.txComputed, 0)} — Local ` +
      `under-reports transactions (probe: two ~20-byte puts in one transaction reported ${probeReported ?? 'nothing'}, ` +
      `billed 4), so every figure above is computed from item sizes.${tot.missing ? ` ${tot.missing} writes reported no capacity.` : ''}`,
  );
  console.log(
    '一致 agreement — in every group of like runs (same weeks) the final period holds identical values, whatever the delivery.',
  );
  if (scaleNote) console.log(scaleNote);
  console.log(`bench wall time ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
} finally {
  clients.client.destroy();
  await local.stop();
}

// ─────────────────────────────────────────────────────────────────────────────── the 3,000 × 200 case

/** The scale test's shape (test/integration/scale.test.ts): 3,000 entities, 200 indicators, mixed methods. */
function scaleCase() {
  const scheme = scaleScheme('bench-3000x200', { zh: '规模基准', en: 'Scale benchmark' });
  const period = '2026-W01';
  const tables = scaleTables(scheme, {
    period,
    seed: 1,
    observedAt: '2026-01-05T08:00:00+08:00',
    eventIdParts: (indicator) => ['bench-scale', period, indicator],
  });
  const single = (k: number) =>
    envelope(
      INDICATOR_VALUE_REPORTED,
      'dept.bureau',
      {
        schemaVersion: 1,
        scheme: scheme.id,
        indicator: scheme.indicators[k]!.id,
        entity: scheme.entities[k]!.id,
        period,
        value: 100 - k,
        observedAt: `2026-01-06T08:0${k}:00+08:00`,
      },
      uuidOf('bench-scale-single', String(k)),
    );
  return { scheme, tables, single, observations: SCALE_ENTITIES * SCALE_INDICATORS };
}
