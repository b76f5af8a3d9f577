// Department reports from an SQS batch: each record parsed against the department event contracts, checked
// against its scheme (domain/authorise.ts), and either admitted into a (scheme, period) group or rejected
// with field-level reasons. No writes happen here; ingest persists what this returns.
import { createHash } from 'node:crypto';
import { checkReport, DEFAULT_OBSERVED_AT_TOLERANCE_MS, type ReportTiming } from '../../domain/authorise.ts';
import { canonicalJson } from '../../domain/chain.ts';
import type { Observation } from '../../domain/observations.ts';
import { periodOrdinal } from '../../domain/period.ts';
import type { Scheme } from '../../domain/scheme.ts';
import {
  DEPARTMENT_EVENT_CONTRACTS,
  departmentFromSource,
  describeZodIssues,
  INDICATOR_RESULTS_PUBLISHED,
  INDICATOR_VALUE_REPORTED,
  type IndicatorResultsPublishedDetail,
  type IndicatorValueReportedDetail,
} from '../../events/index.ts';
import { SchemeNotFoundError } from './dynamo-store.ts';
import type { Rejection } from './outbox.ts';

/**
 * Environment variable: seconds a report's observedAt may lie after the time ingest received it (clock
 * skew between departments and the engine); set from CDK context `observedAtToleranceSeconds`.
 */
export const OBSERVED_AT_TOLERANCE_ENV = 'OBSERVED_AT_TOLERANCE_SECONDS';

/** The tolerance in ms from the environment value; default 5 minutes; anything but a number ≥ 0 throws. */
export function observedAtToleranceMs(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_OBSERVED_AT_TOLERANCE_MS;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new RangeError(`${OBSERVED_AT_TOLERANCE_ENV} must be a number of seconds ≥ 0, not "${value}"`);
  return seconds * 1000;
}

type Reason = Rejection['reasons'][number];
const reason = (path: string, code: string, en: string, zh: string): Reason => ({
  path,
  code,
  message: { zh, en },
});

/**
 * An envelope id ingest takes: what EventBridge gives is a UUID. It becomes part of table keys (the event
 * receipt, the rejection), so anything DynamoDB could refuse as a key (empty, long, not ASCII) is rejected.
 */
export const EVENT_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/**
 * SHA-256 of an event's content as RFC 8785 canonical JSON: detail-type, source and detail, not the
 * envelope's delivery fields (time, account, region, replay-name), so a redelivery has the digest it had.
 */
export function eventDigest(detailType: string, source: string, detail: unknown): string {
  const text = canonicalJson({ 'detail-type': detailType, source, detail });
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** One department event that passed its contract: the observations it carries and where they belong. */
export interface DepartmentReport {
  messageId: string;
  /** `single`: Indicator.ValueReported (detail.entity); `table`: Indicator.ResultsPublished (detail.values[i]). */
  shape: 'single' | 'table';
  scheme: string;
  period: string;
  department: string;
  source: string;
  /** The event's id (the envelope `id`), or the SQS message id when the record has none. */
  eventId: string;
  /** The event's content digest (eventDigest): tells a redelivery from the id reused with other content. */
  digest: string;
  detailType: string;
  observations: Observation[];
}

/** A record that will not be applied: its rejection, and the raw body to keep in the DLQ. */
export interface RejectedRecord {
  messageId: string;
  rejection: Rejection;
  raw: string;
}

export type ParsedRecord = { ok: true; report: DepartmentReport } | ({ ok: false } & RejectedRecord);

/** The SQS record fields this module reads. */
export interface ReportRecord {
  messageId: string;
  body: string;
}

/** Parses one SQS record as a department event; every problem is a field-level reason. */
export function parseDepartmentRecord(record: ReportRecord, receivedAt: string): ParsedRecord {
  const raw = record.body;
  const reject = (
    reasons: Reason[],
    extra: Partial<Rejection> = {},
    cause: Rejection['cause'] = 'validation',
  ): ParsedRecord => ({
    ok: false,
    messageId: record.messageId,
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
  const id = typeof event.id === 'string' ? (event.id as string) : undefined;
  const idFits = id !== undefined && EVENT_ID_PATTERN.test(id);
  const originalEventId = idFits ? id : record.messageId;
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
  const idReasons =
    id !== undefined && !idFits
      ? [
          reason(
            'id',
            'invalid_event_id',
            'the event id must be 1–128 printable ASCII characters (EventBridge gives a UUID)',
            '事件标识须为 1–128 个可打印 ASCII 字符（EventBridge 给出的是 UUID）',
          ),
        ]
      : [];
  const result = contract.envelope.safeParse(event);
  if (!result.success)
    return reject([...idReasons, ...describeZodIssues(result.error, { input: event })], ctx);
  if (idReasons.length) return reject(idReasons, ctx);
  if (department === null || source === undefined)
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
  const base = { observedAt, source, eventId: originalEventId };
  const report = {
    messageId: record.messageId,
    department,
    source,
    eventId: originalEventId,
    digest: eventDigest(contract.detailType, source, event.detail),
    detailType: contract.detailType,
  };
  if (detailType === INDICATOR_VALUE_REPORTED) {
    const d = event.detail as IndicatorValueReportedDetail;
    const observations = [
      { period: d.period, entity: d.entity, indicator: d.indicator, value: d.value, ...base },
    ];
    return {
      ok: true,
      report: { ...report, shape: 'single', scheme: d.scheme, period: d.period, observations },
    };
  }
  if (detailType === INDICATOR_RESULTS_PUBLISHED) {
    const d = event.detail as IndicatorResultsPublishedDetail;
    const observations = d.values.map((v) => ({
      period: d.period,
      entity: v.entity,
      indicator: d.indicator,
      value: v.value,
      ...base,
    }));
    return {
      ok: true,
      report: { ...report, shape: 'table', scheme: d.scheme, period: d.period, observations },
    };
  }
  return reject(
    [reason('detail-type', 'unknown_detail_type', `unsupported "${detailType}"`, `不支持“${detailType}”`)],
    ctx,
  );
}

/** What a batch comes to before anything is written. */
export interface AdmittedBatch {
  /** Admitted reports grouped by (scheme, period); per scheme, earlier periods first. */
  groups: DepartmentReport[][];
  /** The active scheme of every group's scheme id. */
  schemes: Map<string, Scheme>;
  rejections: RejectedRecord[];
  /** Records to hand back to SQS untouched (their scheme could not be read). */
  retry: string[];
}

/**
 * Parses and checks every record of a batch. `activeScheme` is read once per scheme id; a scheme that does
 * not exist (SchemeNotFoundError) rejects its records, any other failure to read it retries them.
 */
export async function admitBatch(
  records: readonly ReportRecord[],
  timing: Required<ReportTiming>,
  activeScheme: (schemeId: string) => Promise<Scheme>,
): Promise<AdmittedBatch> {
  const { receivedAt } = timing;
  const rejections: RejectedRecord[] = [];
  const retry: string[] = [];
  const byKey = new Map<string, DepartmentReport[]>();
  const read = new Map<string, Scheme | Error>();
  for (const record of records) {
    const parsed = parseDepartmentRecord(record, receivedAt);
    if (!parsed.ok) {
      rejections.push({ messageId: parsed.messageId, rejection: parsed.rejection, raw: parsed.raw });
      continue;
    }
    const a = parsed.report;
    let scheme = read.get(a.scheme);
    if (!scheme) {
      try {
        scheme = await activeScheme(a.scheme);
      } catch (e) {
        scheme = e as Error;
      }
      read.set(a.scheme, scheme);
    }
    const rejectionBase = {
      originalEventId: a.eventId,
      department: a.department,
      originalSource: a.source,
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
      retry.push(record.messageId); // the store is unavailable: retry later
      continue;
    }
    const check = checkReport(scheme, a.department, a, timing);
    if (check.reasons.length) {
      rejections.push({
        messageId: a.messageId,
        raw: record.body,
        rejection: { ...rejectionBase, cause: check.cause, reasons: check.reasons },
      });
      continue;
    }
    const key = `${a.scheme}\u0000${a.period}`;
    const list = byKey.get(key) ?? [];
    list.push(a);
    byKey.set(key, list);
  }
  const schemes = new Map<string, Scheme>();
  for (const [id, s] of read) if (!(s instanceof Error)) schemes.set(id, s);
  return { groups: orderGroups([...byKey.values()], schemes), schemes, rejections, retry };
}

/**
 * Earlier periods first: a later period's snapshot compares with and carries forward from the earlier
 * one's head, so a batch spanning periods must not depend on the order its records arrived in.
 */
function orderGroups(
  groups: DepartmentReport[][],
  schemes: ReadonlyMap<string, Scheme>,
): DepartmentReport[][] {
  return groups.sort((x, y) => {
    const a = x[0]!;
    const b = y[0]!;
    if (a.scheme !== b.scheme) return a.scheme < b.scheme ? -1 : 1;
    const kind = schemes.get(a.scheme)!.periodKind;
    return periodOrdinal(kind, a.period) - periodOrdinal(kind, b.period);
  });
}
