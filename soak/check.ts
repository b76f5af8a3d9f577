// The soak's checker, Jepsen-style: it judges what the engine left behind — the stored snapshots, the events
// that reached the bus, the dead-letter queues — against the plan alone. The reference is the domain's own
// evaluation (assessSeries) of the plan's applied inputs, de-duplicated latest-wins by observedAt, computed
// without any of the engine's ingest, store or relay code; each problem is counted as lost, duplicated or wrong.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { assessSeries } from '../domain/assessment.ts';
import { canonicalJson, jsonSafe } from '../domain/chain.ts';
import { periodFromSnapshot } from '../domain/snapshot.ts';
import {
  OBSERVATION_REJECTED,
  RANKING_REACHED_FIRST,
  RANKING_RECOVERED,
  RANKING_SLIPPED,
} from '../events/index.ts';
import { ENGINE_SOURCE } from '../events/sources.ts';
import type { DynamoAssessmentStore } from '../functions/shared/dynamo-store.ts';
import type { EventBridgeEvent } from '../local/eventbridge/bus.ts';
import type { QueuedMessage } from '../local/sqs.ts';
import { latestInputs, type SoakPlan } from './plan.ts';

export interface SoakFindings {
  lost: string[];
  duplicated: string[];
  wrong: string[];
  /** Figures that are not problems: copies the relay re-sent with the same event id, DLQ copies, snapshots. */
  figures: {
    snapshots: number;
    periods: number;
    alerts: number;
    rejections: number;
    resentCopies: number;
    rejectedRecordCopies: number;
  };
}

export interface SoakObservation {
  plan: SoakPlan;
  /** EventBridge's id for each plan event, in plan order (from the PutEvents answers). */
  eventIds: string[];
  /** Every event the bus accepted, in order. */
  busEvents: EventBridgeEvent[];
  store: DynamoAssessmentStore;
  dynamodbEndpoint: string;
  /** Queue contents by purpose. */
  queues: {
    ingestDeadLetters: QueuedMessage[];
    rejectedRecords: QueuedMessage[];
    /** Every other dead-letter or failure queue (relay, projection, undeliverable targets), by name. */
    otherDeadLetters: Record<string, QueuedMessage[]>;
    /** Each department's rejections queue, by department id. */
    departmentRejections: Record<string, QueuedMessage[]>;
  };
}

const ALERT_TYPES = {
  slipped: RANKING_SLIPPED,
  recovered: RANKING_RECOVERED,
  reachedFirst: RANKING_REACHED_FIRST,
} as const;

/** The comparable part of a period: inputs and everything evaluated from them (not the provisional slips). */
function standing(p: ReturnType<typeof periodFromSnapshot>) {
  return canonicalJson(
    jsonSafe({
      overall: p.overall,
      // stored inputs hold only observed values: a carried value is derived again from earlier periods
      indicators: Object.fromEntries(
        Object.entries(p.indicators).map(([id, rows]) => [
          id,
          rows.map((r) => ({ ...r, value: r.carried ? null : r.value })),
        ]),
      ),
      unranked: p.unranked,
      gap: p.gap,
      diagnosis: p.diagnosis,
    }),
  );
}

async function scanOutbox(endpoint: string, table: string): Promise<{ id: string; detailType: string }[]> {
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  const events: { id: string; detailType: string }[] = [];
  try {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new ScanCommand({
          TableName: table,
          FilterExpression: 'begins_with(PK, :outbox)',
          ExpressionAttributeValues: { ':outbox': 'OUTBOX#' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? [])
        events.push(...(JSON.parse(item.events as string) as { id: string; detailType: string }[]));
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    doc.destroy();
  }
  return events;
}

export async function checkSoak(o: SoakObservation): Promise<SoakFindings> {
  const { plan, store } = o;
  const lost: string[] = [];
  const duplicated: string[] = [];
  const wrong: string[] = [];

  // 1. Final standings, ranks and scores of every period equal the reference evaluation.
  const reference = assessSeries(plan.scheme, latestInputs(plan));
  const heads = await store.allHeads(plan.scheme.id);
  let snapshots = 0;
  const finalOf = new Map<string, ReturnType<typeof periodFromSnapshot>>();
  for (const head of heads) {
    const manifests = await store.manifests(plan.scheme.id, head.period);
    snapshots += manifests.length;
    const last = manifests.reduce((a, b) => (b.seq > a.seq ? b : a));
    if (last.seq !== head.seq || last.hash !== head.hash)
      wrong.push(`${head.period}: the head is not the last snapshot`);
    finalOf.set(head.period, periodFromSnapshot(await store.snapshotBody(last)));
  }
  for (const expected of reference.periods) {
    const got = finalOf.get(expected.period);
    if (!got) lost.push(`${expected.period}: no snapshot`);
    else if (standing(got) !== standing(expected))
      wrong.push(`${expected.period}: final standings differ from the reference evaluation`);
    finalOf.delete(expected.period);
  }
  for (const period of finalOf.keys()) wrong.push(`${period}: a period the plan never applied`);

  // 2. The chain of every period verifies.
  const verdict = await store.verify(plan.scheme.id);
  if (!verdict.ok) wrong.push(`chain: ${JSON.stringify(verdict)}`);

  // 3. Every engine event committed to the outbox reached the bus; each was committed once (its id is
  // stable: an alert key sent twice would be two outbox entries with one id); copies on the bus carry it.
  const outbox = await scanOutbox(o.dynamodbEndpoint, store.table);
  const committed = new Map<string, number>();
  for (const e of outbox) committed.set(e.id, (committed.get(e.id) ?? 0) + 1);
  for (const [id, n] of committed) if (n > 1) duplicated.push(`outbox event ${id} committed ${n} times`);
  const onBus = new Map<string, number>();
  for (const e of o.busEvents) {
    if (e.source !== ENGINE_SOURCE) continue;
    const id = String(e.detail.eventId);
    onBus.set(id, (onBus.get(id) ?? 0) + 1);
  }
  for (const id of committed.keys())
    if (!onBus.has(id)) lost.push(`outbox event ${id} never reached the bus`);
  for (const id of onBus.keys()) if (!committed.has(id)) wrong.push(`event ${id} on the bus is in no outbox`);
  const resentCopies = [...onBus.values()].reduce((n, c) => n + c - 1, 0);

  // Every alert key once per kind, with one event id; and every alert the reference raises at once
  // (reached-first, slips of rules without `for`) was sent: each period's final snapshot holds what the
  // reference's period holds, compared with the previous period's final snapshot.
  const alertIds = new Map<string, Set<string>>();
  for (const e of o.busEvents) {
    if (e.source !== ENGINE_SOURCE || !e['detail-type'].startsWith('Ranking.')) continue;
    const key = `${e['detail-type']}|${String(e.detail.alertKey)}`;
    const ids = alertIds.get(key) ?? new Set();
    ids.add(String(e.detail.eventId));
    alertIds.set(key, ids);
  }
  for (const [key, ids] of alertIds)
    if (ids.size > 1) duplicated.push(`${key} sent with ${ids.size} event ids`);
  const immediate = new Set<string>(
    plan.scheme.rules.slip
      .filter((r) => plan.scheme.rules.slip.every((s) => s.rule !== r.rule || s.for === 1))
      .map((r) => r.rule),
  );
  for (const p of reference.periods)
    for (const a of p.alerts) {
      const key = `${ALERT_TYPES[a.kind]}|${a.key}`;
      const must =
        a.kind === 'reachedFirst' || (a.kind === 'slipped' && immediate.has(a.key.split('|').at(-1)!));
      if (must && !alertIds.has(key)) lost.push(`${key}: raised by the reference, never sent`);
    }

  // 4. Every bad input rejected exactly once with its reasons, to its department; nothing good rejected.
  const rejectedOnBus = new Map<string, { ids: Set<string>; detail: Record<string, unknown> }>();
  for (const e of o.busEvents) {
    if (e.source !== ENGINE_SOURCE || e['detail-type'] !== OBSERVATION_REJECTED) continue;
    const original = String(e.detail.originalEventId);
    const seen = rejectedOnBus.get(original) ?? { ids: new Set<string>(), detail: e.detail };
    seen.ids.add(String(e.detail.eventId));
    rejectedOnBus.set(original, seen);
  }
  const expectedRejected = new Set<string>();
  const toDepartment = new Map<string, Set<string>>();
  for (const [dept, messages] of Object.entries(o.queues.departmentRejections))
    toDepartment.set(
      dept,
      new Set(
        messages.map((m) =>
          String((JSON.parse(m.body) as { detail: { originalEventId: string } }).detail.originalEventId),
        ),
      ),
    );
  plan.events.forEach((e, i) => {
    const id = o.eventIds[i]!;
    const seen = rejectedOnBus.get(id);
    if (e.expect.outcome === 'applied') {
      if (seen) wrong.push(`${e.kind} event ${id} was rejected: ${JSON.stringify(seen.detail.reasons)}`);
      return;
    }
    expectedRejected.add(id);
    if (!seen) {
      lost.push(`${e.kind} event ${id}: no Observation.Rejected`);
      return;
    }
    if (seen.ids.size > 1) duplicated.push(`${e.kind} event ${id} rejected ${seen.ids.size} times`);
    const got = (seen.detail.reasons as { path: string; code: string }[])
      .map((r) => `${r.path}:${r.code}`)
      .sort();
    const want = e.expect.reasons.map((r) => `${r.path}:${r.code}`).sort();
    if (canonicalJson(got) !== canonicalJson(want) || seen.detail.cause !== e.expect.cause)
      wrong.push(
        `${e.kind} event ${id}: rejected for ${got.join(', ')} (${String(seen.detail.cause)}), expected ${want.join(', ')}`,
      );
    const dept = e.source.replace(/^dept\./, '');
    if (!toDepartment.get(dept)?.has(id))
      lost.push(`${e.kind} event ${id}: its rejection never reached ${dept}`);
  });

  // 5. Dead letters hold only what was meant to be rejected: the raw bad records, nothing else.
  for (const m of o.queues.ingestDeadLetters)
    lost.push(`ingest DLQ holds ${m.messageId}: ${m.body.slice(0, 120)}`);
  for (const [name, messages] of Object.entries(o.queues.otherDeadLetters))
    for (const m of messages) lost.push(`${name} holds ${m.messageId}: ${m.body.slice(0, 120)}`);
  const kept = new Map<string, number>();
  for (const m of o.queues.rejectedRecords) {
    const id = String((JSON.parse(m.body) as { id?: string }).id);
    kept.set(id, (kept.get(id) ?? 0) + 1);
  }
  for (const id of kept.keys())
    if (!expectedRejected.has(id)) wrong.push(`rejected-records queue holds ${id}, a good record`);
  for (const id of expectedRejected)
    if (!kept.has(id)) lost.push(`raw record ${id} missing from the rejected-records queue`);
  const rejectedRecordCopies = [...kept.values()].reduce((n, c) => n + c - 1, 0);

  return {
    lost,
    duplicated,
    wrong,
    figures: {
      snapshots,
      periods: heads.length,
      alerts: alertIds.size,
      rejections: rejectedOnBus.size,
      resentCopies,
      rejectedRecordCopies,
    },
  };
}
