// ingest: SQS batch of department events → validate, authorise, group by (scheme, period) → record each
// group as one snapshot in one transaction. Bad records are acknowledged, rejected through the outbox and
// kept in a DLQ; a group that loses the head race is retried through a partial batch failure.

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { checkReport } from '../domain/authorise.ts';
import { canonicalJson, jsonSafe } from '../domain/chain.ts';
import type { Observation } from '../domain/observations.ts';
import { periodOrdinal } from '../domain/period.ts';
import { recordAssessment } from '../domain/record.ts';
import type { Scheme } from '../domain/scheme.ts';
import {
  DEPARTMENT_EVENT_CONTRACTS,
  departmentFromSource,
  describeZodIssues,
  INDICATOR_RESULTS_PUBLISHED,
  INDICATOR_VALUE_REPORTED,
  type IndicatorResultsPublishedDetail,
  type IndicatorValueReportedDetail,
} from '../events/index.ts';
import { type DynamoAssessmentStore, HeadConflictError, SchemeNotFoundError } from './shared/dynamo-store.ts';
import { eventsForRecorded, type Rejection, rejectionEvent } from './shared/outbox.ts';
import { count, defaultSqs, defaultStore, log, logger, metrics } from './shared/runtime.ts';

export interface IngestDeps {
  store: DynamoAssessmentStore;
  /** Keeps the raw rejected record for inspection (the rejected-records DLQ). */
  keepRejected(raw: string, rejection: Rejection): Promise<void>;
  now(): Date;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
  metric(
    name: 'ObservationsApplied' | 'ObservationsRejected' | 'SnapshotsWritten' | 'AlertsEmitted',
    value: number,
  ): void;
  /** In-process attempts of a group before it is handed back to SQS as a partial failure. */
  attempts?: number;
}

type Reason = Rejection['reasons'][number];
const reason = (path: string, code: string, en: string, zh: string): Reason => ({
  path,
  code,
  message: { zh, en },
});

interface Accepted {
  messageId: string;
  /** `single`: Indicator.ValueReported (detail.entity); `table`: Indicator.ResultsPublished (detail.values[i]). */
  shape: 'single' | 'table';
  scheme: string;
  period: string;
  observations: Observation[];
}

type Parsed = { ok: true; value: Accepted } | { ok: false; rejection: Rejection; raw: string };

/** Parses one SQS record as a department event; every problem is a field-level reason. */
function parseRecord(
  record: SQSRecord,
  receivedAt: string,
): Parsed | { ok: false; rejection: Rejection; raw: string } {
  const raw = record.body;
  const reject = (
    reasons: Reason[],
    extra: Partial<Rejection> = {},
    cause: Rejection['cause'] = 'validation',
  ): Parsed => ({
    ok: false,
    raw,
    rejection: {
      originalEventId: record.messageId,
      department: null,
      cause,
      reasons,
      receivedAt,
      ...extra,
    },
  });
  let event: Record<string, unknown>;
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      return reject([
        reason('(root)', 'invalid_type', 'the record is not a JSON object', '记录不是 JSON 对象'),
      ]);
    event = parsed as Record<string, unknown>;
  } catch {
    return reject([reason('(root)', 'invalid_json', 'the record is not valid JSON', '记录不是合法的 JSON')]);
  }
  const detailType = typeof event['detail-type'] === 'string' ? (event['detail-type'] as string) : undefined;
  const source = typeof event.source === 'string' ? (event.source as string) : undefined;
  const originalEventId = typeof event.id === 'string' ? (event.id as string) : record.messageId;
  const department = source ? (departmentFromSource(source) ?? null) : null;
  const ctx: Partial<Rejection> = {
    originalEventId,
    department,
    ...(detailType ? { originalDetailType: detailType } : {}),
    ...(source ? { originalSource: source } : {}),
  };
  const contract = DEPARTMENT_EVENT_CONTRACTS.find((c) => c.detailType === detailType);
  if (!contract)
    return reject(
      [
        reason(
          'detail-type',
          'unknown_detail_type',
          `"${detailType}" is not an event departments publish`,
          `“${detailType}”不是部门可发布的事件类型`,
        ),
      ],
      ctx,
    );
  const result = contract.envelope.safeParse(event);
  if (!result.success) return reject(describeZodIssues(result.error, { input: event }), ctx);
  if (department === null)
    return reject(
      [
        reason(
          'source',
          'not_department',
          'source must be dept.<department id>',
          '来源必须为 dept.<部门标识>',
        ),
      ],
      ctx,
    );
  const observedAt = (event.detail as { observedAt?: string }).observedAt;
  const base = { observedAt, source: source!, eventId: originalEventId };
  let observations: Observation[];
  let scheme: string;
  let period: string;
  let shape: Accepted['shape'];
  if (detailType === INDICATOR_VALUE_REPORTED) {
    shape = 'single';
    const d = event.detail as IndicatorValueReportedDetail;
    scheme = d.scheme;
    period = d.period;
    observations = [{ period, entity: d.entity, indicator: d.indicator, value: d.value, ...base }];
  } else if (detailType === INDICATOR_RESULTS_PUBLISHED) {
    shape = 'table';
    const d = event.detail as IndicatorResultsPublishedDetail;
    scheme = d.scheme;
    period = d.period;
    observations = d.values.map((v) => ({
      period,
      entity: v.entity,
      indicator: d.indicator,
      value: v.value,
      ...base,
    }));
  } else {
    return reject(
      [reason('detail-type', 'unknown_detail_type', `unsupported "${detailType}"`, `不支持“${detailType}”`)],
      ctx,
    );
  }
  return { ok: true, value: { messageId: record.messageId, shape, scheme, period, observations } };
}

export async function ingestHandler(event: SQSEvent, deps: IngestDeps): Promise<SQSBatchResponse> {
  const receivedAt = deps.now().toISOString();
  const failures = new Set<string>();
  const rejections: { messageId: string; rejection: Rejection; raw: string }[] = [];
  const groups = new Map<string, Accepted[]>();
  const schemes = new Map<string, Scheme | Error>();

  for (const record of event.Records) {
    const parsed = parseRecord(record, receivedAt);
    if (!parsed.ok) {
      rejections.push({ messageId: record.messageId, rejection: parsed.rejection, raw: parsed.raw });
      continue;
    }
    const a = parsed.value;
    let scheme = schemes.get(a.scheme);
    if (!scheme) {
      try {
        scheme = await deps.store.activeScheme(a.scheme);
      } catch (e) {
        scheme = e as Error;
      }
      schemes.set(a.scheme, scheme);
    }
    const department = departmentFromSource(a.observations[0]!.source!)!;
    const rejectionBase = {
      originalEventId: a.observations[0]!.eventId!,
      department,
      originalSource: a.observations[0]!.source!,
      receivedAt,
    };
    if (scheme instanceof SchemeNotFoundError) {
      rejections.push({
        messageId: a.messageId,
        raw: record.body,
        rejection: {
          ...rejectionBase,
          cause: 'validation',
          reasons: [
            reason('detail.scheme', 'unknown_scheme', scheme.message, `方案“${a.scheme}”不存在或未启用`),
          ],
        },
      });
      continue;
    }
    if (scheme instanceof Error) {
      failures.add(record.messageId); // the store is unavailable: retry later
      continue;
    }
    const check = checkReport(scheme, department, a);
    if (check.reasons.length) {
      rejections.push({
        messageId: a.messageId,
        raw: record.body,
        rejection: { ...rejectionBase, cause: check.cause, reasons: check.reasons },
      });
      continue;
    }
    const key = `${a.scheme}\u0000${a.period}`;
    const list = groups.get(key) ?? [];
    list.push(a);
    groups.set(key, list);
  }

  for (const r of rejections) {
    try {
      const ev = rejectionEvent(r.rejection);
      await deps.store.putRejection(r.rejection.originalEventId, ev, receivedAt);
      await deps.keepRejected(r.raw, r.rejection);
      deps.metric('ObservationsRejected', 1);
      deps.log('warn', 'record rejected', {
        messageId: r.messageId,
        cause: r.rejection.cause,
        reasons: r.rejection.reasons,
      });
    } catch (e) {
      deps.log('error', 'could not record a rejection; will retry', {
        messageId: r.messageId,
        error: String(e),
      });
      failures.add(r.messageId);
    }
  }

  // Earlier periods first: a later period's snapshot compares with and carries forward from the earlier
  // one's head, so a batch spanning periods must not depend on the order its records arrived in.
  const ordered = [...groups.values()].sort((x, y) => {
    const a = x[0]!;
    const b = y[0]!;
    if (a.scheme !== b.scheme) return a.scheme < b.scheme ? -1 : 1;
    const kind = (schemes.get(a.scheme) as Scheme).periodKind;
    return periodOrdinal(kind, a.period) - periodOrdinal(kind, b.period);
  });
  for (const group of ordered) {
    const scheme = schemes.get(group[0]!.scheme) as Scheme;
    const period = group[0]!.period;
    const observations = group.flatMap((a) => a.observations);
    const attempts = deps.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        const written = await applyGroup(scheme, period, observations, deps);
        deps.metric('ObservationsApplied', observations.length);
        if (written) {
          deps.metric('SnapshotsWritten', 1);
          deps.metric('AlertsEmitted', written.alerts);
        }
        break;
      } catch (e) {
        if (e instanceof HeadConflictError && attempt < attempts) continue;
        deps.log(
          e instanceof HeadConflictError ? 'warn' : 'error',
          'group not applied; its records will be retried',
          {
            scheme: scheme.id,
            period,
            error: String(e),
          },
        );
        for (const a of group) failures.add(a.messageId);
        break;
      }
    }
  }

  // Late data: periods after the earliest one touched may have used stale carried values or history.
  const bySchemeGroups = new Map<string, Accepted[][]>();
  for (const g of ordered) {
    if (g.some((a) => failures.has(a.messageId))) continue;
    const list = bySchemeGroups.get(g[0]!.scheme) ?? [];
    list.push(g);
    bySchemeGroups.set(g[0]!.scheme, list);
  }
  for (const [schemeId, groups] of bySchemeGroups) {
    const scheme = schemes.get(schemeId) as Scheme;
    const touched = groups.map((g) => g[0]!.period);
    try {
      const written = await propagate(scheme, touched, deps);
      if (written) deps.metric('SnapshotsWritten', written);
    } catch (e) {
      deps.log('error', 'later periods not re-assessed; the records will be retried', {
        scheme: schemeId,
        error: String(e),
      });
      for (const g of groups) for (const a of g) failures.add(a.messageId);
    }
  }
  return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
}

/** Loads the period's state, records the assessment and commits it; null when nothing changed. */
async function applyGroup(
  scheme: Scheme,
  period: string,
  observations: Observation[],
  deps: IngestDeps,
  force = false,
): Promise<{ seq: number; alerts: number } | null> {
  const ctx = await deps.store.loadContext(scheme, period);
  const result = recordAssessment({
    scheme,
    period,
    head: ctx.head,
    earlier: ctx.earlier,
    history: ctx.history,
    alertStates: ctx.alerts.states,
    announced: (key) => ctx.alerts.states.has(key),
    observations,
    now: deps.now().toISOString(),
    force,
  });
  if (result.kind === 'unchanged') return null;
  if (force && ctx.head) {
    // A re-assessment that reproduces the stored results writes nothing.
    const stored = await deps.store.snapshotBody((await deps.store.manifestAsOf(scheme.id, period))!);
    if (canonicalJson(jsonSafe(stored.results)) === canonicalJson(jsonSafe(result.body.results))) return null;
  }
  // Reached-first announcements are remembered in the alert state too, so they are sent once per key.
  const changes = [...result.alertChanges];
  for (const ev of result.alertEvents)
    if (ev.kind === 'reachedFirst')
      changes.push({
        key: ev.key,
        status: 'resolved',
        count: 1,
        slip: reachedFirstPlaceholder(ev.transition),
        firedAt: result.body.recordedAt,
      });
  await deps.store.commit({
    scheme,
    body: result.body,
    standings: result.standings,
    previousHash: ctx.head?.hash ?? null,
    expectedSeq: ctx.head?.seq ?? 0,
    alertChanges: changes,
    alerts: ctx.alerts,
    events: (hash) => eventsForRecorded(scheme, result, hash, ctx.head?.hash ?? null),
  });
  return { seq: result.body.seq, alerts: result.alertEvents.length };
}

/**
 * Re-assesses the periods after the earliest touched one, in time order, so that correctness does not
 * depend on delivery order. Periods up to the last touched one are always re-assessed; after it, the
 * first period whose results come out unchanged ends the cascade. Returns the snapshots written.
 */
async function propagate(scheme: Scheme, touched: readonly string[], deps: IngestDeps): Promise<number> {
  const kind = scheme.periodKind;
  const ord = (p: string) => periodOrdinal(kind, p);
  const first = Math.min(...touched.map(ord));
  const last = Math.max(...touched.map(ord));
  const later = (await deps.store.periods(scheme.id))
    .filter((p) => ord(p) > first)
    .sort((a, b) => ord(a) - ord(b));
  let written = 0;
  for (const q of later) {
    let result: { seq: number } | null = null;
    for (let attempt = 1; ; attempt++) {
      try {
        result = await applyGroup(scheme, q, [], deps, true);
        break;
      } catch (e) {
        if (!(e instanceof HeadConflictError) || attempt >= (deps.attempts ?? 3)) throw e;
      }
    }
    if (result) written++;
    else if (ord(q) > last) break;
  }
  return written;
}

/** Alert state of a reached-first announcement: stored so the key is never announced twice. */
function reachedFirstPlaceholder(
  t: import('../domain/slips.ts').Transition,
): import('../domain/slips.ts').Slip {
  return {
    key: t.key,
    entity: t.entity,
    scope: t.scope,
    ...(t.indicator ? { indicator: t.indicator } : {}),
    rule: 'lostFirst',
    severity: 'info',
    for: 1,
    comparison: t.comparison,
    fromPeriod: t.fromPeriod,
    toPeriod: t.period,
    fromRank: t.fromRank,
    toRank: 1,
    fromMargin: 0,
    toMargin: 0,
    score: 0,
    mean: 0,
  };
}

/** Production dependencies: the table, the rejected-records DLQ (REJECTED_QUEUE_URL), Powertools. */
export function defaultIngestDeps(): IngestDeps {
  const queueUrl = process.env.REJECTED_QUEUE_URL;
  return {
    store: defaultStore(),
    async keepRejected(raw, rejection) {
      if (!queueUrl) throw new Error('REJECTED_QUEUE_URL is not set');
      await defaultSqs().sendMessage({
        QueueUrl: queueUrl,
        MessageBody: raw,
        MessageAttributes: {
          cause: { DataType: 'String', StringValue: rejection.cause },
          originalEventId: { DataType: 'String', StringValue: rejection.originalEventId },
        },
      });
    },
    now: () => new Date(),
    log,
    metric: count,
  };
}

/**
 * Lambda entry point. Grouping by (scheme, period) spans records, so the partial batch response is built
 * here rather than by Powertools' per-record BatchProcessor.
 */
export const handler = middy((event: SQSEvent) => ingestHandler(event, defaultIngestDeps()))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
