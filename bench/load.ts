// Load benchmark: sustained observations per second through the local engine (the bundled functions from a
// synthesised cloud assembly, DynamoDB Local, the local EventBridge and SQS) and the publish → Assessment.Recorded
// and publish → Ranking.Slipped latencies, at 14 × 30 (Gansu) and a generated N × M scheme, against the domain's
// assessment of one period on the same inputs measured in the same run. The harness (runEngineLoad) also
// counts every AWS request for bench/cost.ts.
//   npm run bench:load [-- --gansu-weeks 26 --entities 3000 --indicators 200 --scale-weeks 2 --no-scale]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { App } from 'aws-cdk-lib';
import { storeFrom } from '../cli/commands/store.ts';
import { clientsBySource, departmentEvents, type ValueRow } from '../cli/publishing.ts';
import { assessPeriod } from '../domain/assessment.ts';
import { toMatrix } from '../domain/evaluate.ts';
import { parseObservationsCsv } from '../domain/observations.ts';
import { mulberry32 } from '../domain/random.ts';
import { loadSchemeText, parseScheme, type Scheme } from '../domain/scheme.ts';
import { compileScheme } from '../domain/tree.ts';
import {
  ASSESSMENT_RECORDED,
  departmentSource,
  INDICATOR_RESULTS_PUBLISHED,
  planPutEvents,
  RANKING_SLIPPED,
} from '../events/index.ts';
import { buildApp } from '../infra/app.ts';
import { type Engine, startEngine } from '../local/engine.ts';
import { startFaultProxy, type UpstreamAnswer } from '../local/faults.ts';
import type { InvocationInfo, InvocationResult } from '../local/lambda.ts';
import { functionCredentials, localCredentialsFor } from '../local/principals.ts';

const ROOT = new URL('../', import.meta.url);
const GANSU_SCHEME = new URL('scenarios/gansu/scheme.yaml', ROOT);
const GANSU_OBSERVATIONS = new URL('scenarios/gansu/observations.csv', ROOT);

// ---------------------------------------------------------------------------------------------------------
// Counting: every request the run makes, as AWS would bill it.

/** One DynamoDB request as seen on the wire between the functions and DynamoDB Local. */
export interface DynamoRequest {
  fn: string;
  operation: string;
  status: number;
  /** Write request units (transactional writes already doubled). */
  wru: number;
  /** Read request units (eventually consistent halved, transactional doubled). */
  rru: number;
  bytesWritten: number;
}

export interface RunCounts {
  dynamodb: DynamoRequest[];
  /** Each function: invocation durations in ms and its memory (MB) from the template. */
  lambda: Record<string, { memoryMb: number; architecture: string; durationsMs: number[] }>;
  /** PutEvents: calls and billed 64 KB entry chunks, by who called (departments, relay, escalate). */
  putEvents: Record<string, { calls: number; entries: number; chunks: number }>;
  /** SQS requests by kind (send/receive/delete) and billed 64 KB chunks of the sent bodies. */
  sqs: { send: number; sendChunks: number; receive: number; emptyReceive: number; delete: number };
  /** Publishes, their billed 64 KB chunks, and deliveries to e-mail subscriptions (each filter policy applied). */
  sns: { publish: number; chunks: number; emailDeliveries: number };
  stream: { batches: number; records: number };
  s3: { requests: number };
}

const KB = 1024;
const chunks64 = (bytes: number) => Math.max(1, Math.ceil(bytes / (64 * KB)));

type Attr = Record<string, unknown>;

/** Bytes of one attribute value as DynamoDB sizes it (names and values; numbers by significant digits). */
function valueBytes(v: Attr): number {
  if ('S' in v) return Buffer.byteLength(v.S as string);
  if ('N' in v) {
    const digits = String(v.N).replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '');
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if ('B' in v) return Buffer.from(v.B as string, 'base64').length;
  if ('BOOL' in v || 'NULL' in v) return 1;
  if ('SS' in v) return (v.SS as string[]).reduce((a, s) => a + Buffer.byteLength(s), 0);
  if ('NS' in v) return (v.NS as string[]).reduce((a, n) => a + valueBytes({ N: n }), 0);
  if ('BS' in v) return (v.BS as string[]).reduce((a, b) => a + Buffer.from(b, 'base64').length, 0);
  if ('L' in v) return 3 + (v.L as Attr[]).reduce((a, x) => a + 1 + valueBytes(x), 0);
  if ('M' in v) return 3 + itemBytes(v.M as Record<string, Attr>) + Object.keys(v.M as object).length;
  return 0;
}

/** An item's size as DynamoDB bills it: the sum of attribute name and value lengths. */
export function itemBytes(item: Record<string, Attr> | undefined): number {
  if (!item) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueBytes(value);
  return size;
}

const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / KB));
const readUnits = (bytes: number, consistent: boolean) =>
  Math.max(1, Math.ceil(bytes / (4 * KB))) * (consistent ? 1 : 0.5);

interface Wire {
  Item?: Record<string, Attr>;
  Items?: Record<string, Attr>[];
  ConsistentRead?: boolean;
  RequestItems?: Record<string, { PutRequest?: { Item: Record<string, Attr> }; DeleteRequest?: unknown }[]>;
  TransactItems?: {
    Put?: { Item: Record<string, Attr> };
    Update?: unknown;
    Delete?: unknown;
    ConditionCheck?: unknown;
    Get?: unknown;
  }[];
  Responses?: Record<string, Record<string, Attr>[]> | { Item?: Record<string, Attr> }[];
}

/**
 * Units of one request from its body and answer. Writes by the item written (an overwrite bills the larger of
 * old and new; the new one is what the wire shows); reads by the bytes returned, rounded up per item for
 * GetItem/BatchGetItem/transactions and over the page for Query; a transaction's condition check as one
 * transactional read of a small item. Refused transactions consume their units too.
 */
export function units(
  operation: string,
  request: Wire,
  answer: Wire | undefined,
): { wru: number; rru: number; bytes: number } {
  switch (operation) {
    case 'PutItem': {
      const b = itemBytes(request.Item);
      return { wru: writeUnits(b), rru: 0, bytes: b };
    }
    case 'UpdateItem':
    case 'DeleteItem':
      return { wru: 1, rru: 0, bytes: 0 };
    case 'BatchWriteItem': {
      let wru = 0;
      let bytes = 0;
      for (const list of Object.values(request.RequestItems ?? {}))
        for (const r of list) {
          const b = itemBytes(r.PutRequest?.Item);
          bytes += b;
          wru += writeUnits(b);
        }
      return { wru, rru: 0, bytes };
    }
    case 'TransactWriteItems': {
      let wru = 0;
      let rru = 0;
      let bytes = 0;
      for (const t of request.TransactItems ?? []) {
        if (t.Put) {
          const b = itemBytes(t.Put.Item);
          bytes += b;
          wru += 2 * writeUnits(b);
        } else if (t.Update || t.Delete) wru += 2;
        else if (t.ConditionCheck) rru += 2;
      }
      return { wru, rru, bytes };
    }
    case 'GetItem':
      return { wru: 0, rru: readUnits(itemBytes(answer?.Item), request.ConsistentRead === true), bytes: 0 };
    case 'Query':
    case 'Scan': {
      const b = (answer?.Items ?? []).reduce((a, i) => a + itemBytes(i), 0);
      return { wru: 0, rru: readUnits(b, request.ConsistentRead === true), bytes: 0 };
    }
    case 'BatchGetItem': {
      let rru = 0;
      const req = request.RequestItems as unknown as Record<string, { ConsistentRead?: boolean }> | undefined;
      for (const [table, items] of Object.entries(
        (answer?.Responses ?? {}) as Record<string, Record<string, Attr>[]>,
      ))
        for (const i of items) rru += readUnits(itemBytes(i), req?.[table]?.ConsistentRead === true);
      return { wru: 0, rru, bytes: 0 };
    }
    case 'TransactGetItems': {
      const rru = ((answer?.Responses ?? []) as { Item?: Record<string, Attr> }[]).reduce(
        (a, r) => a + 2 * readUnits(itemBytes(r.Item), true),
        0,
      );
      return { wru: 0, rru, bytes: 0 };
    }
    default:
      return { wru: 0, rru: 0, bytes: 0 };
  }
}

/** The access key a request was signed with: each function signs with its role's key (local/principals.ts). */
const accessKeyOf = (headers: Record<string, unknown>) =>
  /Credential=([^/]+)/.exec(String(headers.authorization ?? ''))?.[1] ?? 'unknown';

// ---------------------------------------------------------------------------------------------------------
// Scenarios.

export interface Scenario {
  label: string;
  scheme: Scheme;
  /** Department events per period, in publishing order. */
  weeks: { period: string; entries: PutEventsRequestEntry[]; observations: number }[];
}

export function gansuScenario(weeks?: number): Scenario {
  const scheme = loadSchemeText(readFileSync(GANSU_SCHEME, 'utf8'), GANSU_SCHEME.pathname);
  const rows = parseObservationsCsv(
    readFileSync(GANSU_OBSERVATIONS, 'utf8'),
    scheme,
    GANSU_OBSERVATIONS.pathname,
  );
  const owner = new Map(scheme.indicators.map((i) => [i.id, i.owner]));
  const all = departmentEvents(rows as ValueRow[], {
    scheme: scheme.id,
    busName: 'PLACEHOLDER',
    sourceOf: (row) => row.source ?? departmentSource(owner.get(row.indicator) ?? 'unknown'),
  });
  return {
    label: `${scheme.entities.length}×${scheme.indicators.length} Gansu`,
    scheme,
    weeks: all.slice(0, weeks ?? all.length).map((w) => ({
      period: w.period,
      entries: w.events.map((e) => e.entry),
      observations: w.events.reduce((a, e) => a + e.entities.length, 0),
    })),
  };
}

const pad = (k: number, w: number) => String(k).padStart(w, '0');

/** A generated N × M weekly scheme (mixed normalisations in four weighted topics, five departments). */
export function generatedScenario(entities: number, indicators: number, weeks: number, seed = 7): Scenario {
  const methods = [
    { method: 'minmax' },
    { method: 'zscore' },
    { method: 'goalpost', best: 100, worst: 0 },
    { method: 'rank' },
  ] as const;
  // The deployment's departments (cdk.json): the engine knows their principals, so they may publish.
  const departments = (
    JSON.parse(readFileSync(new URL('cdk.json', ROOT), 'utf8')) as { context: { departments: string[] } }
  ).context.departments;
  const id = `bench-${entities}x${indicators}`;
  const scheme = parseScheme({
    id,
    version: '1',
    name: { zh: `负载测试 ${entities}×${indicators}`, en: `Load test ${entities}×${indicators}` },
    periodKind: 'week',
    entities: Array.from({ length: entities }, (_, e) => ({ id: `e${pad(e, 4)}`, name: { en: `E${e}` } })),
    focus: ['e0000'],
    departments: departments.map((d) => ({ id: d, name: { en: d } })),
    topics: Array.from({ length: 4 }, (_, t) => ({ id: `t${t}`, name: { en: `T${t}` }, weight: t + 1 })),
    indicators: Array.from({ length: indicators }, (_, j) => ({
      id: `i${pad(j, 3)}`,
      name: { en: `I${j}` },
      topic: `t${j % 4}`,
      weight: 1 + (j % 3),
      direction: 'higher',
      unit: '',
      owner: departments[j % departments.length]!,
      precision: 2,
      normalise: methods[j % methods.length],
    })),
    composite: { aggregate: 'arithmetic', precision: 2 },
    rules: { slip: [{ rule: 'rankDrop', min: 1 }, { rule: 'lostFirst' }] },
  });
  const rand = mulberry32(seed);
  const out: Scenario['weeks'] = [];
  for (let w = 1; w <= weeks; w++) {
    const period = `2026-W${pad(w, 2)}`;
    const observedAt = `2026-01-${pad(Math.min(28, w * 7 - 4), 2)}T08:00:00+08:00`;
    const entries = scheme.indicators.map((ind) => ({
      EventBusName: 'PLACEHOLDER',
      Source: departmentSource(ind.owner),
      DetailType: INDICATOR_RESULTS_PUBLISHED,
      Detail: JSON.stringify({
        schemaVersion: 1,
        scheme: id,
        indicator: ind.id,
        period,
        observedAt,
        values: scheme.entities.map((e) => ({ entity: e.id, value: Math.round(rand() * 10_000) / 100 })),
      }),
    }));
    out.push({ period, entries, observations: entities * indicators });
  }
  return { label: `${entities}×${indicators} generated`, scheme, weeks: out };
}

// ---------------------------------------------------------------------------------------------------------
// The run.

export interface LoadResult {
  label: string;
  observations: number;
  events: number;
  publishMs: number;
  totalMs: number;
  /** Observations per second from the first PutEvents until the engine settled. */
  perSecond: number;
  recordedMs: number[];
  alertMs: number[];
  recorded: number;
  slipped: number;
  /** The domain's assessment of the last period alone on the same inputs (ms, median of a few). */
  baselineMs: number;
  counts: RunCounts;
  loadBefore: number[];
  loadAfter: number[];
}

export interface LoadOptions {
  cdkOut: string;
  scenario: Scenario;
  timeScale?: number;
  /** Hold publishing back while the ingest queue holds more than this many messages. */
  backlog?: number;
  /** Count DynamoDB and PutEvents requests through loopback proxies (adds a hop: the cost run only). */
  count?: boolean;
  progress?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** Synthesises the CDK app into a temporary cloud assembly (functions bundled), as soak/main.ts does. */
export function synthesise(): { outdir: string; ms: number } {
  const t0 = Date.now();
  const outdir = mkdtempSync(join(tmpdir(), 'rankwatch-bench-cdk-'));
  const context = (
    JSON.parse(readFileSync(new URL('cdk.json', ROOT), 'utf8')) as { context: Record<string, unknown> }
  ).context;
  const app = new App({ outdir, context });
  buildApp(app);
  app.synth();
  return { outdir, ms: Date.now() - t0 };
}

/** The domain's assessment of the last period (no I/O): the in-run baseline the engine's latencies are set against. */
function domainBaseline(scenario: Scenario): number {
  const last = scenario.weeks.at(-1)!;
  const values: Record<string, Record<string, number>> = {};
  for (const e of last.entries) {
    const d = JSON.parse(e.Detail!) as { indicator: string; values?: { entity: string; value: number }[] };
    values[d.indicator] ??= {};
    const byEntity = values[d.indicator]!;
    for (const v of d.values ?? []) byEntity[v.entity] = v.value;
  }
  const c = compileScheme(scenario.scheme);
  const matrix = toMatrix(c, last.period, values);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    assessPeriod(scenario.scheme, matrix);
    times.push(performance.now() - t);
  }
  return median(times);
}

const FUNCTIONS = [
  'rankwatch-ingest',
  'rankwatch-project',
  'rankwatch-relay',
  'rankwatch-query',
  'rankwatch-escalate',
];

export async function runEngineLoad(options: LoadOptions): Promise<LoadResult> {
  const { scenario } = options;
  const progress = options.progress ?? (() => {});
  const work = mkdtempSync(join(tmpdir(), 'rankwatch-load-'));
  const counts: RunCounts = {
    dynamodb: [],
    lambda: {},
    putEvents: {},
    sqs: { send: 0, sendChunks: 0, receive: 0, emptyReceive: 0, delete: 0 },
    sns: { publish: 0, chunks: 0, emailDeliveries: 0 },
    stream: { batches: 0, records: 0 },
    s3: { requests: 0 },
  };
  const notePutEvents = (
    who: string,
    entries: { Detail?: string; Source?: string; DetailType?: string }[],
  ) => {
    counts.putEvents[who] ??= { calls: 0, entries: 0, chunks: 0 };
    const c = counts.putEvents[who]!;
    c.calls += 1;
    c.entries += entries.length;
    for (const e of entries) c.chunks += chunks64(Buffer.byteLength(JSON.stringify(e)));
  };
  let engine: Engine | undefined;
  // Access key → the function's service name (rankwatch-ingest …), filled in once the engine runs.
  const byKey = new Map<string, string>();
  const callerOf = (headers: Record<string, unknown>) => {
    const k = accessKeyOf(headers);
    return byKey.get(k) ?? k;
  };
  const proxies: { close(): Promise<void> }[] = [];
  const environment: Record<string, Record<string, string>> = {};
  if (options.count) {
    const dynamo = await startFaultProxy({
      target: () => engine!.endpoints.dynamodb,
      decide: (req) => ({
        kind: 'forward',
        after: (answer: UpstreamAnswer) => {
          let request: Wire = {};
          let reply: Wire | undefined;
          try {
            request = JSON.parse(req.body.toString('utf8')) as Wire;
            reply = answer.status === 200 ? (JSON.parse(answer.body.toString('utf8')) as Wire) : undefined;
          } catch {
            // a body that is not JSON is counted with no units
          }
          const u = units(req.operation, request, reply);
          counts.dynamodb.push({
            fn: callerOf(req.headers as Record<string, unknown>),
            operation: req.operation,
            status: answer.status,
            wru: u.wru,
            rru: u.rru,
            bytesWritten: u.bytes,
          });
          return answer;
        },
      }),
    });
    const bus = await startFaultProxy({
      target: () => engine!.endpoints.eventBridge,
      decide: (req) => {
        if (req.operation === 'PutEvents') {
          const body = JSON.parse(req.body.toString('utf8')) as { Entries: PutEventsRequestEntry[] };
          notePutEvents(callerOf(req.headers as Record<string, unknown>), body.Entries);
        }
        return { kind: 'pass' };
      },
    });
    proxies.push(dynamo, bus);
    for (const fn of FUNCTIONS)
      environment[fn] = { AWS_ENDPOINT_URL_DYNAMODB: dynamo.url, AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url };
  }
  const loadBefore = loadavg();
  try {
    engine = await startEngine({
      cdkOut: options.cdkOut,
      timeScale: options.timeScale ?? 20,
      stateDir: join(work, 'state'),
      alertConsole: false,
      alertsLog: false,
      functionLogs: 'silent',
      log: () => {},
      functionEnvironment: environment,
    });
    const running = engine;
    for (const fn of running.model.functions)
      byKey.set(functionCredentials(fn.name).accessKeyId, fn.environment.POWERTOOLS_SERVICE_NAME ?? fn.name);
    // Lambda: each invocation's duration, wrapped around the worker the engine's counting runtime calls.
    const ingestEnd = new Map<string, number>();
    for (const fn of running.model.functions) {
      const worker = running.workers.get(fn.name);
      if (!worker) continue;
      const entry = {
        memoryMb: fn.memorySize,
        architecture: (fn as { architecture?: string }).architecture ?? 'x86_64',
        durationsMs: [] as number[],
      };
      counts.lambda[fn.environment.POWERTOOLS_SERVICE_NAME ?? fn.name] = entry;
      const isIngest = (fn.environment.POWERTOOLS_SERVICE_NAME ?? fn.name).includes('ingest');
      const invoke = worker.invoke.bind(worker);
      worker.invoke = async (
        event: unknown,
        info: InvocationInfo,
        timeoutMs: number,
      ): Promise<InvocationResult> => {
        const t = performance.now();
        const result = await invoke(event, info, timeoutMs);
        entry.durationsMs.push(performance.now() - t);
        if (isIngest && result.ok) {
          const failed = new Set(
            (
              (result.payload as { batchItemFailures?: { itemIdentifier: string }[] } | null)
                ?.batchItemFailures ?? []
            ).map((f) => f.itemIdentifier),
          );
          const now = Date.now();
          for (const r of (event as { Records?: { messageId: string; body: string }[] }).Records ?? []) {
            if (failed.has(r.messageId)) continue;
            const id = (JSON.parse(r.body) as { id?: string }).id;
            if (id && !ingestEnd.has(id)) ingestEnd.set(id, now);
          }
        }
        return result;
      };
    }
    // SQS: every send, receive and delete on the local queues (the event source mappings' polls included).
    for (const q of running.queues.values()) {
      const send = q.send.bind(q);
      q.send = (input) => {
        counts.sqs.send += 1;
        counts.sqs.sendChunks += chunks64(Buffer.byteLength(String((input as { body?: string }).body ?? '')));
        return send(input);
      };
      const receive = q.receive.bind(q);
      q.receive = ((...args: Parameters<typeof receive>) => {
        const got = receive(...args);
        counts.sqs.receive += 1;
        if (got.length === 0) counts.sqs.emptyReceive += 1;
        return got;
      }) as typeof q.receive;
      const remove = q.delete.bind(q);
      q.delete = (handle: string) => {
        counts.sqs.delete += 1;
        return remove(handle);
      };
    }
    for (const t of running.topics.values()) {
      const publish = t.publish.bind(t);
      t.publish = (input) => {
        counts.sns.publish += 1;
        counts.sns.chunks += chunks64(Buffer.byteLength(input.message));
        return publish(input);
      };
    }
    // The bus: when each Recorded and Slipped event arrives, by (scheme, period).
    const recordedAt = new Map<string, number[]>();
    const slippedAt: { period: string; at: number }[] = [];
    running.eventBridge.onEvent((e) => {
      const d = e.detail as { scheme?: string; period?: string };
      if (d?.scheme !== scenario.scheme.id) return;
      if (e['detail-type'] === ASSESSMENT_RECORDED) {
        const list = recordedAt.get(d.period!) ?? [];
        list.push(Date.now());
        recordedAt.set(d.period!, list);
      } else if (e['detail-type'] === RANKING_SLIPPED) slippedAt.push({ period: d.period!, at: Date.now() });
    });

    const store = storeFrom({ endpoint: running.endpoints.dynamodb, table: running.table! });
    await store.putScheme(scenario.scheme);
    const ingestQueue = [...running.queues.values()].find((q) => q.name.includes('IngestionQueue'))!;
    const clients = clientsBySource(
      (source) =>
        new EventBridgeClient({
          endpoint: running.endpoints.eventBridge,
          region: running.model.region,
          credentials: localCredentialsFor(running.model, { source }),
        }),
    );
    const published: { id: string; period: string; at: number }[] = [];
    const backlog = options.backlog ?? 200;
    const t0 = Date.now();
    let observations = 0;
    try {
      for (const week of scenario.weeks) {
        const entries = week.entries.map((e) => ({ ...e, EventBusName: running.bus }));
        // Departments publish as themselves; calls of ≤ 10 entries and ≤ 256 KB (planPutEvents).
        const bySource = new Map<string, PutEventsRequestEntry[]>();
        for (const e of entries) bySource.set(e.Source!, [...(bySource.get(e.Source!) ?? []), e]);
        for (const [source, own] of bySource) {
          const plan = planPutEvents(own);
          if (plan.refused.length)
            throw new Error(`refused before sending: ${plan.refused[0]!.problems.join('; ')}`);
          for (const batch of plan.batches) {
            while (ingestQueue.size > backlog) await sleep(10);
            const out = await clients.of(source).send(new PutEventsCommand({ Entries: batch }));
            notePutEvents('departments', batch);
            if (out.FailedEntryCount)
              throw new Error(`the bus refused entries: ${JSON.stringify(out.Entries)}`);
            const at = Date.now();
            for (const r of out.Entries ?? []) published.push({ id: r.EventId!, period: week.period, at });
          }
        }
        observations += week.observations;
        progress(`${scenario.label}: published ${week.period} (${week.entries.length} events)`);
      }
    } finally {
      clients.destroy();
    }
    const publishMs = Date.now() - t0;
    await running.settle({ timeoutMs: 1_800_000 });
    const totalMs = Date.now() - t0;
    for (const b of running.batches)
      if (b.kind === 'stream') {
        counts.stream.batches += 1;
        counts.stream.records += (b.outcome as { sequenceNumbers?: string[] }).sequenceNumbers?.length ?? 0;
      }

    // publish → Recorded: from an event's PutEvents reply to the first Recorded for its period after the ingest
    // invocation that took it finished. publish → alert: from the latest event of the period that ingest had
    // taken before the Slipped event to that event.
    const recordedMs: number[] = [];
    for (const p of published) {
      const done = ingestEnd.get(p.id);
      if (done === undefined) continue;
      const next = (recordedAt.get(p.period) ?? []).find((t) => t >= done);
      if (next !== undefined) recordedMs.push(next - p.at);
    }
    for (const t of running.topics.values())
      for (const sub of t.subscriptions())
        if (sub.subscription.protocol === 'email') counts.sns.emailDeliveries += sub.messages.length;
    const alertMs: number[] = [];
    for (const s of slippedAt) {
      const cause = published
        .filter((p) => p.period === s.period && (ingestEnd.get(p.id) ?? Number.POSITIVE_INFINITY) <= s.at)
        .reduce<number | undefined>((a, p) => (a === undefined || p.at > a ? p.at : a), undefined);
      if (cause !== undefined) alertMs.push(s.at - cause);
    }
    const baselineMs = domainBaseline(scenario);
    return {
      label: scenario.label,
      observations,
      events: published.length,
      publishMs,
      totalMs,
      perSecond: observations / (totalMs / 1000),
      recordedMs,
      alertMs,
      recorded: [...recordedAt.values()].reduce((a, l) => a + l.length, 0),
      slipped: slippedAt.length,
      baselineMs,
      counts,
      loadBefore,
      loadAfter: loadavg(),
    };
  } finally {
    await engine?.stop();
    for (const p of proxies) await p.close();
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// `npm run bench:load`

const fmt = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');

export function loadLines(r: LoadResult): string[] {
  const row = (name: string, xs: number[]) =>
    `  ${name.padEnd(26)} n=${String(xs.length).padStart(5)}  p50 ${fmt(percentile(xs, 50)).padStart(8)}  p95 ${fmt(
      percentile(xs, 95),
    ).padStart(
      8,
    )}  p99 ${fmt(percentile(xs, 99)).padStart(8)}  p50/baseline ${(percentile(xs, 50) / r.baselineMs).toFixed(1)}×`;
  return [
    `${r.label}: ${r.observations.toLocaleString('en')} observations in ${r.events} events · published in ${fmt(r.publishMs)} · settled after ${fmt(r.totalMs)} → ${Math.round(r.perSecond).toLocaleString('en')} observations/s sustained`,
    `  baseline: the domain's assessment of one period alone (same inputs, no I/O) ${fmt(r.baselineMs)}; Recorded events ${r.recorded}, Ranking.Slipped ${r.slipped}`,
    row('publish → Assessment.Recorded', r.recordedMs),
    row('publish → Ranking.Slipped', r.alertMs),
    `  load average before ${load(r.loadBefore)} · after ${load(r.loadAfter)} (${availableParallelism()} CPUs)`,
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'gansu-weeks': { type: 'string', default: '26' },
      entities: { type: 'string', default: '3000' },
      indicators: { type: 'string', default: '200' },
      'scale-weeks': { type: 'string', default: '2' },
      'no-scale': { type: 'boolean', default: false },
      'time-scale': { type: 'string', default: '20' },
    },
  });
  const n = (name: keyof typeof values) => {
    const v = Number(values[name]);
    if (!Number.isInteger(v) || v <= 0) {
      console.error(`--${name} 必须是正整数 / must be a positive integer`);
      process.exit(2);
    }
    return v;
  };
  const { outdir, ms } = synthesise();
  console.error(`synthesised in ${fmt(ms)}`);
  try {
    const scenarios = [gansuScenario(n('gansu-weeks'))];
    if (!values['no-scale'])
      scenarios.push(generatedScenario(n('entities'), n('indicators'), n('scale-weeks')));
    for (const scenario of scenarios) {
      const r = await runEngineLoad({
        cdkOut: outdir,
        scenario,
        timeScale: n('time-scale'),
        progress: (l) => console.error(l),
      });
      for (const line of loadLines(r)) console.log(line);
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (process.argv[1] && new URL(`file://${process.argv[1]}`).pathname.endsWith('/bench/load.ts')) await main();
