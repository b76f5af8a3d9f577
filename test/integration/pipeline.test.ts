// The event pipeline end to end against DynamoDB Local: Gansu scenario events through ingest, the table's
// stream through the relay, EventBridge mocked at the client. Each scenario runs on a table of its own.
import { readFileSync } from 'node:fs';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { assessSeries } from '../../domain/assessment.ts';
import { mulberry32 } from '../../domain/random.ts';
import { loadSchemeText, type Scheme } from '../../domain/scheme.ts';
import type { SnapshotBody } from '../../domain/snapshot.ts';
import {
  INDICATOR_RESULTS_PUBLISHED,
  INDICATOR_VALUE_REPORTED,
  OBSERVATION_REJECTED,
} from '../../events/index.ts';
import { keys } from '../../functions/shared/table.ts';
import { generateObservations, SCHEME_PATH } from '../../scenarios/gansu/generate.ts';
import {
  alertKeys,
  type BusEvent,
  createPipeline,
  departmentEvents,
  envelope,
  finalSnapshots,
  outboxEvents,
  type PeriodFinal,
  type Pipeline,
  type ScenarioRow,
  uuidOf,
} from '../support/pipeline.ts';
import { expectedSentAlerts } from '../support/sent-alerts.ts';
import { expectSnapshotMatches } from '../support/snapshot-tables.ts';

const endpoint = inject('dynamodbEndpoint');
const scheme: Scheme = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const rows: ScenarioRow[] = generateObservations();
/** The hotline reports value by value; every other department publishes whole tables. */
const VALUE_REPORTERS = new Set(['hotline12345']);
/** Weeks used where a scenario is run several times (covers Gannan's two silent weeks and several alerts). */
const SHORT_WEEKS = 10;

const weekOf = (period: string) => Number(period.slice(-2));
const eventsOf = (weeks: number) =>
  departmentEvents(
    scheme,
    rows.filter((r) => weekOf(r.period) <= weeks),
    VALUE_REPORTERS,
  );
const periodOfEvent = (e: BusEvent) => String(e.detail.period);

/** One batch per period, in time order. */
function periodBatches(events: readonly BusEvent[]): BusEvent[][] {
  const batches = new Map<string, BusEvent[]>();
  for (const e of events) {
    const list = batches.get(periodOfEvent(e)) ?? [];
    list.push(e);
    batches.set(periodOfEvent(e), list);
  }
  return [...batches.values()];
}

/** A seeded shuffle (mulberry32), so a failing order can be replayed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rand = mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** What must not depend on delivery: per period, the inputs and everything evaluated from them. */
function standingsOf(finals: readonly PeriodFinal[]) {
  return finals.map(({ period, body }) => ({
    period,
    inputs: body.inputs,
    overall: body.results.overall,
    unranked: body.results.unranked,
    indicatorScores: body.results.indicatorScores,
    indicatorRanks: body.results.indicatorRanks,
    indicatorTied: body.results.indicatorTied,
    carried: body.results.carried,
    gap: body.results.gap,
    diagnosis: body.results.diagnosis,
  }));
}

const expectedAlertKeys = expectedSentAlerts;

async function run(name: string, batches: readonly (readonly BusEvent[])[]): Promise<Pipeline> {
  const p = await createPipeline(endpoint, scheme, name);
  await p.deliver(batches);
  await p.relayAll();
  return p;
}

describe('the Gansu scenario delivered one period per batch', () => {
  let p: Pipeline;
  let finals: PeriodFinal[];
  const series = assessSeries(scheme, rows);

  beforeAll(async () => {
    p = await run('gansu', periodBatches(eventsOf(26)));
    finals = await finalSnapshots(p, scheme.id);
  });

  it('records one snapshot per period and a chain that verifies', async () => {
    expect(finals.map((f) => f.period)).toEqual(series.periods.map((s) => s.period));
    expect(finals.every((f) => f.snapshots === 1)).toBe(true);
    await expect(p.store.verify(scheme.id)).resolves.toMatchObject({ ok: true, checked: 26, periods: 26 });
  });

  it('stores, for every period, the ranks, scores, gaps, diagnosis and slips that rankwatch evaluate (assessSeries) computes', () => {
    expect(finals).toHaveLength(series.periods.length);
    finals.forEach((f, i) => {
      const expected = series.periods[i]!;
      expectSnapshotMatches(f.body, expected);
    });
  });

  it('publishes exactly the alerts assessSeries raises (slips as notifications), each once, and one Assessment.Recorded per snapshot', () => {
    const expected = expectedAlertKeys(series);
    expect(expected.length).toBeGreaterThan(10);
    expect(alertKeys(p.published)).toEqual(expected);
    const recorded = p.published.filter((e) => e.detailType === 'Assessment.Recorded');
    expect(recorded.map((e) => e.detail.period)).toEqual(finals.map((f) => f.period));
    expect(new Set(p.published.map((e) => e.eventId)).size).toBe(p.published.length);
  });

  it('names the snapshot whose stored chunk has one flipped byte, and verifies again once it is restored', async () => {
    const manifests = (await Promise.all(finals.map((f) => p.store.manifests(scheme.id, f.period)))).flat();
    // Input and result chunks of early, middle and late snapshots.
    const picks = [
      { m: manifests[0]!, chunk: manifests[0]!.inputChunks[0]! },
      { m: manifests[12]!, chunk: manifests[12]!.restChunks[0]! },
      { m: manifests[25]!, chunk: manifests[25]!.inputChunks.at(-1)! },
    ];
    for (const { m, chunk } of picks) {
      const key = keys.chunk(chunk);
      const item = (await p.doc.send(new GetCommand({ TableName: p.table, Key: key }))).Item!;
      const original = item.data as Uint8Array;
      const flipped = new Uint8Array(original);
      const at = Math.floor(flipped.length / 2);
      flipped[at] = flipped[at]! ^ 0x01;
      await p.doc.send(new PutCommand({ TableName: p.table, Item: { ...item, data: flipped } }));
      const verdict = await p.store.verify(scheme.id);
      expect(verdict).toMatchObject({ ok: false, firstBad: `${scheme.id}|${m.period}|#${m.seq}` });
      await p.doc.send(new PutCommand({ TableName: p.table, Item: { ...item, data: original } }));
    }
    await expect(p.store.verify(scheme.id)).resolves.toMatchObject({ ok: true, checked: 26 });
  });

  it('names the snapshot whose manifest hash was altered', async () => {
    const [m] = await p.store.manifests(scheme.id, finals[17]!.period);
    const key = keys.manifest(scheme.id, m!.period, m!.seq);
    const altered = `${m!.hash.slice(0, -1)}${m!.hash.endsWith('0') ? '1' : '0'}`;
    const set = (hash: string) =>
      p.doc.send(
        new UpdateCommand({
          TableName: p.table,
          Key: key,
          UpdateExpression: 'SET #h = :h',
          ExpressionAttributeNames: { '#h': 'hash' },
          ExpressionAttributeValues: { ':h': hash },
        }),
      );
    await set(altered);
    await expect(p.store.verify(scheme.id)).resolves.toMatchObject({
      ok: false,
      firstBad: `${scheme.id}|${m!.period}|#${m!.seq}`,
    });
    await set(m!.hash);
    await expect(p.store.verify(scheme.id)).resolves.toMatchObject({ ok: true });
  });
});

describe('delivery order and duplication', () => {
  const events = eventsOf(SHORT_WEEKS);
  const batches = periodBatches(events);
  let reference: Pipeline;
  let referenceFinals: PeriodFinal[];

  beforeAll(async () => {
    reference = await run('order-ref', batches);
    referenceFinals = await finalSnapshots(reference, scheme.id);
  });

  it('the reference run raises alerts to compare with', () => {
    expect(referenceFinals).toHaveLength(SHORT_WEEKS);
    expect(alertKeys(reference.published).length).toBeGreaterThan(3);
  });

  it('delivering every batch twice adds no snapshot, no outbox entry and no event', async () => {
    const p = await run(
      'order-twice',
      batches.flatMap((b) => [b, b]),
    );
    const finals = await finalSnapshots(p, scheme.id);
    expect(finals.map((f) => f.snapshots)).toEqual(referenceFinals.map((f) => f.snapshots));
    expect(standingsOf(finals)).toEqual(standingsOf(referenceFinals));
    expect(alertKeys(p.published)).toEqual(alertKeys(reference.published));
    const outbox = await outboxEvents(p);
    expect(outbox.map((e) => e.id).sort()).toEqual((await outboxEvents(reference)).map((e) => e.id).sort());
    expect(new Set(outbox.map((e) => e.id)).size).toBe(outbox.length);
    expect(p.published.map((e) => e.eventId).sort()).toEqual(
      reference.published.map((e) => e.eventId).sort(),
    );
  });

  it('shuffled records and two periods per batch give the same standings, ranks and alerts', async () => {
    const pairs: BusEvent[][] = [];
    for (let i = 0; i < batches.length; i += 2)
      pairs.push(shuffled([...batches[i]!, ...(batches[i + 1] ?? [])], 7 + i));
    const p = await run('order-shuffled', pairs);
    const finals = await finalSnapshots(p, scheme.id);
    expect(standingsOf(finals)).toEqual(standingsOf(referenceFinals));
    expect(alertKeys(p.published)).toEqual(alertKeys(reference.published));
    const outbox = await outboxEvents(p);
    expect(new Set(outbox.map((e) => e.id)).size).toBe(outbox.length);
  });

  it('weeks delivered in reverse order give the same final standings: later periods are re-assessed when earlier data arrives', async () => {
    const p = await run('order-reversed', [...batches].reverse());
    const finals = await finalSnapshots(p, scheme.id);
    expect(standingsOf(finals)).toEqual(standingsOf(referenceFinals));
    // each week is written once for its own data, then again each time an earlier week changes its history
    expect(finals.every((f) => f.snapshots >= 1)).toBe(true);
    await expect(p.store.verify(scheme.id)).resolves.toMatchObject({ ok: true });
  });

  it('one late week, delivered after all the others, leaves the same final standings as in-order delivery', async () => {
    const late = batches[2]!;
    const p = await run('order-late-week', [...batches.filter((b) => b !== late), late]);
    expect(standingsOf(await finalSnapshots(p, scheme.id))).toEqual(standingsOf(referenceFinals));
  });

  it('periods cut into batches of 23 shuffled records, with a duplicate of each batch, give the same final standings and ranks and no duplicate outbox entry', async () => {
    // Periods still arrive in time order, but each period's snapshot is now built in several steps. The
    // provisional comparisons between those steps are part of SPEC's alert semantics ("previous snapshot
    // of the same period"), so the alerts raised on the way legitimately depend on the cut; what must not
    // depend on it are the final standings, one alert per key, and an outbox without duplicates.
    const cut: BusEvent[][] = [];
    batches.forEach((b, i) => {
      const records = shuffled(b, 100 + i);
      for (let k = 0; k < records.length; k += 23) cut.push(records.slice(k, k + 23));
    });
    const p = await run(
      'order-cut',
      cut.flatMap((b) => [b, shuffled(b, b.length)]),
    );
    const finals = await finalSnapshots(p, scheme.id);
    expect(finals.some((f) => f.snapshots > 1)).toBe(true);
    expect(standingsOf(finals)).toEqual(standingsOf(referenceFinals));
    await expect(p.store.verify(scheme.id)).resolves.toMatchObject({ ok: true });
    const outbox = await outboxEvents(p);
    expect(new Set(outbox.map((e) => e.id)).size).toBe(outbox.length);
    const keysPublished = alertKeys(p.published);
    expect(new Set(keysPublished).size).toBe(keysPublished.length);
    // Each final snapshot holds what the reference's only snapshot held, so every slip of a rule that fires
    // at once (no `for`) and every reached-first the reference announced was announced here too.
    const immediate = new Set<string>(
      scheme.rules.slip
        .filter((r) => scheme.rules.slip.every((o) => o.rule !== r.rule || o.for === 1))
        .map((r) => r.rule),
    );
    const mustAppear = alertKeys(reference.published).filter(
      (k) =>
        k.startsWith('Ranking.ReachedFirst|') ||
        (k.startsWith('Ranking.Slipped|') && immediate.has(k.split('|').at(-1)!)),
    );
    expect(mustAppear.length).toBeGreaterThan(0);
    expect(keysPublished).toEqual(expect.arrayContaining(mustAppear));
  });
});

describe('concurrent writers of one period', () => {
  const week1 = periodBatches(eventsOf(1))[0]!;
  const tableOf = (indicator: string) =>
    week1.find((e) => e['detail-type'] === INDICATOR_RESULTS_PUBLISHED && e.detail.indicator === indicator)!;
  const a = tableOf('gov_online_rate');
  const b = tableOf('data_catalogue_rate');

  /** Makes the first two loadContext calls wait for each other, so both writers compute from the same head. */
  function raceOnLoad(p: Pipeline): { loads: () => number } {
    const original = p.store.loadContext.bind(p.store);
    let loads = 0;
    let release!: () => void;
    const bothLoaded = new Promise<void>((r) => {
      release = r;
    });
    p.store.loadContext = async (s, period) => {
      const ctx = await original(s, period);
      loads++;
      if (loads === 2) release();
      if (loads <= 2) await bothLoaded;
      return ctx;
    };
    return { loads: () => loads };
  }

  function headValues(body: SnapshotBody, indicator: string): (number | null)[] {
    return body.inputs.values[body.inputs.indicators.indexOf(indicator)]!;
  }

  it('lose no update: the loser retries in-process and both tables end up in the head', async () => {
    const p = await createPipeline(endpoint, scheme, 'race-retry');
    const race = raceOnLoad(p);
    const [ra, rb] = await Promise.all([p.ingest([a]), p.ingest([b])]);
    expect(ra.batchItemFailures).toEqual([]);
    expect(rb.batchItemFailures).toEqual([]);
    expect(race.loads()).toBe(3); // two racers and one retry
    const [final] = await finalSnapshots(p, scheme.id);
    expect(final!.snapshots).toBe(2);
    expect(headValues(final!.body, 'gov_online_rate')).toEqual(
      (a.detail.values as { value: number }[]).map((v) => v.value),
    );
    expect(headValues(final!.body, 'data_catalogue_rate')).toEqual(
      (b.detail.values as { value: number }[]).map((v) => v.value),
    );
    await expect(p.store.verify(scheme.id)).resolves.toMatchObject({ ok: true, checked: 2 });
  });

  it('lose no update: without in-process retries the loser reports a partial batch failure and is redelivered', async () => {
    const p = await createPipeline(endpoint, scheme, 'race-redeliver');
    raceOnLoad(p);
    const [ra, rb] = await Promise.all([p.ingest([a], { attempts: 1 }), p.ingest([b], { attempts: 1 })]);
    const failures = [...ra.batchItemFailures, ...rb.batchItemFailures];
    expect(failures).toHaveLength(1);
    const loser = ra.batchItemFailures.length ? a : b;
    expect(
      p.logs.some((l) => l.level === 'warn' && String(l.extra?.error).includes('HeadConflictError')),
    ).toBe(true);
    await p.deliver([[loser]]);
    const [final] = await finalSnapshots(p, scheme.id);
    expect(final!.snapshots).toBe(2);
    expect(headValues(final!.body, 'gov_online_rate').every((v) => v !== null)).toBe(true);
    expect(headValues(final!.body, 'data_catalogue_rate').every((v) => v !== null)).toBe(true);
  });
});

describe('crashes lose no alert', () => {
  const batches = periodBatches(eventsOf(SHORT_WEEKS));
  let reference: Pipeline;

  beforeAll(async () => {
    reference = await run('crash-ref', batches);
  });

  it('a crash after the transaction and before the relay: the redelivered batch changes nothing and every alert goes out once', async () => {
    const p = await createPipeline(endpoint, scheme, 'crash-commit');
    let crashes = 0;
    p.hooks.push(async (call, next) => {
      const result = await next();
      const items = call.op === 'transactWrite' ? (call.input.TransactItems ?? []) : [];
      const outbox = items.some((t) => String(t.Put?.Item?.PK).startsWith('OUTBOX#'));
      if (outbox && crashes < 3 && items.length > 0) {
        crashes++;
        throw new Error('injected crash after the transaction');
      }
      return result;
    });
    await p.deliver(batches);
    expect(crashes).toBe(3);
    await p.relayAll();
    expect(alertKeys(p.published)).toEqual(alertKeys(reference.published));
    expect(new Set(p.published.map((e) => e.eventId)).size).toBe(p.published.length);
    expect((await finalSnapshots(p, scheme.id)).map((f) => f.snapshots)).toEqual(
      (await finalSnapshots(reference, scheme.id)).map((f) => f.snapshots),
    );
  });

  it('a crash between PutEvents and the relay bookkeeping: the outbox item is re-sent with the same event ids', async () => {
    const p = await createPipeline(endpoint, scheme, 'crash-relay');
    await p.deliver(batches);
    let crashed = false;
    p.hooks.push(async (call, next) => {
      const writes = call.op === 'batchWrite' ? (call.input.RequestItems?.[p.table] ?? []) : [];
      const marksSent = writes.some((w) => String(w.PutRequest?.Item?.PK).startsWith('SENT#'));
      if (marksSent && !crashed && p.published.some((e) => e.detailType.startsWith('Ranking.'))) {
        crashed = true;
        throw new Error('injected crash before the sent markers were written');
      }
      return next();
    });
    await p.relayAll();
    expect(crashed).toBe(true);
    // Every alert went out; the copies sent twice carry the same event id and the same detail.
    expect([...new Set(alertKeys(p.published))]).toEqual(alertKeys(reference.published));
    const byId = new Map<string, string[]>();
    for (const e of p.published) byId.set(e.eventId, [...(byId.get(e.eventId) ?? []), e.entry.Detail!]);
    const resent = [...byId.values()].filter((copies) => copies.length > 1);
    expect(resent.length).toBeGreaterThan(0);
    for (const copies of resent) expect(new Set(copies).size).toBe(1);
    expect([...byId.keys()].sort()).toEqual(reference.published.map((e) => e.eventId).sort());
  });
});

describe('bad records in a batch', () => {
  it('are rejected with field-level reasons and kept, while the rest of the batch is applied', async () => {
    const p = await createPipeline(endpoint, scheme, 'rejects');
    const week1 = periodBatches(eventsOf(1))[0]!;
    const good = week1.filter((e) => e['detail-type'] === INDICATOR_RESULTS_PUBLISHED).slice(0, 3);
    const detail = (over: Record<string, unknown>) => ({
      schemaVersion: 1,
      scheme: scheme.id,
      indicator: 'hotline_satisfaction',
      entity: 'lanzhou',
      period: '2026-W01',
      value: 95,
      observedAt: '2026-01-05T09:00:00+08:00',
      ...over,
    });
    const notOwner = envelope(
      INDICATOR_VALUE_REPORTED,
      'dept.govservice',
      detail({}),
      uuidOf('bad', 'owner'),
    );
    const unknownEntity = envelope(
      INDICATOR_VALUE_REPORTED,
      'dept.hotline12345',
      detail({ entity: 'atlantis' }),
      uuidOf('bad', 'entity'),
    );
    const badValue = envelope(
      INDICATOR_VALUE_REPORTED,
      'dept.hotline12345',
      detail({ value: 'ninety' }),
      uuidOf('bad', 'value'),
    );
    const batch = [good[0]!, '{"detail-type": ', notOwner, good[1]!, unknownEntity, badValue, good[2]!];
    const out = await p.ingest(batch);
    expect(out.batchItemFailures).toEqual([]);
    expect(p.rejected.map((r) => r.rejection.reasons.map((x) => `${x.path}:${x.code}`))).toEqual([
      ['(root):invalid_json'],
      ['detail.indicator:not_owner'],
      ['detail.entity:unknown_entity'],
      ['detail.value:invalid_type'],
    ]);
    await p.relayAll();
    const rejections = p.published.filter((e) => e.detailType === OBSERVATION_REJECTED);
    expect(rejections.map((e) => String(e.detail.department)).sort()).toEqual([
      'govservice',
      'hotline12345',
      'hotline12345',
      'null',
    ]);
    expect(rejections.find((e) => e.detail.department === 'govservice')?.detail).toMatchObject({
      originalEventId: notOwner.id,
      cause: 'authorisation',
    });
    const [final] = await finalSnapshots(p, scheme.id);
    expect(final!.snapshots).toBe(1);
    for (const g of good) {
      const j = final!.body.inputs.indicators.indexOf(String(g.detail.indicator));
      expect(final!.body.inputs.values[j]).toEqual(
        (g.detail.values as { value: number }[]).map((v) => v.value),
      );
    }
    const hotline = final!.body.inputs.indicators.indexOf('hotline_satisfaction');
    expect(final!.body.inputs.values[hotline]!.every((v) => v === null)).toBe(true);
  });
});
