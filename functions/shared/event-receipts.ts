// Event ids already seen: before anything is applied, each admitted report's id is stored once with the
// digest of its content (the event receipt, kept for good). A report whose id is held with the same digest
// is a redelivery (SQS and EventBridge deliver at least once): it goes on, and latest-wins makes it change
// nothing. One whose id is held with another digest (a changed report re-sent under an old id, or a replay)
// is rejected on `id` naming the original, and nothing of it is written.
//
// Not Powertools' idempotency utility: its records expire (an hour by default) and are kept per handler
// invocation, while ingest decides per record of a batch grouped across records, for good.
import type { DepartmentReport, RejectedRecord, ReportRecord } from './department-reports.ts';
import type { DynamoAssessmentStore, EventReceipt } from './dynamo-store.ts';

export interface SettledBatch {
  /** The groups without the reports rejected or retried here; empty groups dropped. */
  groups: DepartmentReport[][];
  /** Reports whose id was already used by other content. */
  rejections: RejectedRecord[];
  /** Records to hand back to SQS: their receipt could not be stored or read. */
  retry: string[];
  /** Ids delivered again with the content they had (harmless). */
  redelivered: string[];
}

export const EVENT_ID_REUSED = 'event_id_reused';

/**
 * Stores the receipt of every admitted report's id and sorts the reports by what the id held. Within a
 * batch the first record of an id (in batch order) is the one whose receipt is stored.
 */
export async function settleEventIds(
  groups: readonly DepartmentReport[][],
  records: readonly ReportRecord[],
  receivedAt: string,
  store: Pick<DynamoAssessmentStore, 'putEventReceipt'>,
  log: (level: 'error', message: string, extra: Record<string, unknown>) => void = () => {},
): Promise<SettledBatch> {
  const position = new Map(records.map((r, i) => [r.messageId, i]));
  const bodies = new Map(records.map((r) => [r.messageId, r.body]));
  const byId = new Map<string, DepartmentReport[]>();
  const inOrder = groups.flat().sort((a, b) => position.get(a.messageId)! - position.get(b.messageId)!);
  for (const r of inOrder) {
    const list = byId.get(r.eventId) ?? [];
    list.push(r);
    byId.set(r.eventId, list);
  }
  const dropped = new Set<string>();
  const rejections: RejectedRecord[] = [];
  const retry: string[] = [];
  const redelivered: string[] = [];
  await Promise.all(
    [...byId].map(async ([eventId, reports]) => {
      const first = reports[0]!;
      const receipt: EventReceipt = {
        eventId,
        digest: first.digest,
        detailType: first.detailType,
        source: first.source,
        scheme: first.scheme,
        period: first.period,
        receivedAt,
      };
      let held: EventReceipt;
      try {
        held = await store.putEventReceipt(receipt);
      } catch (e) {
        log('error', 'event receipt not stored; its records will be retried', { eventId, error: String(e) });
        for (const r of reports) {
          retry.push(r.messageId);
          dropped.add(r.messageId);
        }
        return;
      }
      for (const r of reports) {
        if (r.digest === held.digest) {
          if (held !== receipt || r !== first) redelivered.push(eventId);
          continue;
        }
        dropped.add(r.messageId);
        rejections.push({
          messageId: r.messageId,
          raw: bodies.get(r.messageId) ?? '',
          rejection: reused(r, held, receivedAt),
        });
      }
    }),
  );
  rejections.sort((a, b) => position.get(a.messageId)! - position.get(b.messageId)!);
  return {
    groups: groups.map((g) => g.filter((r) => !dropped.has(r.messageId))).filter((g) => g.length > 0),
    rejections,
    retry,
    redelivered,
  };
}

function reused(r: DepartmentReport, held: EventReceipt, receivedAt: string): RejectedRecord['rejection'] {
  const what = `${held.detailType}, ${held.scheme} ${held.period}`;
  return {
    originalEventId: r.eventId,
    originalDetailType: r.detailType,
    originalSource: r.source,
    department: r.department,
    cause: 'validation',
    receivedAt,
    reasons: [
      {
        path: 'id',
        code: EVENT_ID_REUSED,
        message: {
          zh: `事件标识“${r.eventId}”已于 ${held.receivedAt} 用于内容不同的事件（${what}）；已存数值不受此事件影响，更正请作为新事件发布`,
          en: `event id "${r.eventId}" was already received at ${held.receivedAt} with other content (${what}); the stored values stay as they are: publish a correction as a new event`,
        },
      },
    ],
  };
}
