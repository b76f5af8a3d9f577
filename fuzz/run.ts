// The fuzz run: hostile department events through the real ingest handler over DynamoDB Local, ten to an SQS
// batch, then judged from outside. First the valid originals that replayed ids reuse are published (each
// applied, none rejected); then every hostile event: each rejected exactly once with field-level reasons (a
// path, a code, Chinese and English text, and the reason its kind calls for), exact redeliveries not
// rejected at all, no batch failed (no crash, nothing retried), and no item of the table written or changed
// by them but the rejections' own outbox items (no snapshot, head, chunk, receipt, alert or history).
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createPipeline, type Pipeline } from '../test/support/pipeline.ts';
import { fuzzScheme, type Hostile, hostileEvents } from './events.ts';

export interface FuzzRow {
  kind: string;
  tried: number;
  rejected: number;
  /** Redeliveries that were, as they must be, not rejected. */
  harmless: number;
  /** Rejected with reasons that do not name a field, or lack a code or a language, or the kind's reason. */
  unclear: number;
}

export interface FuzzResult {
  rows: FuzzRow[];
  /** The valid originals published first, and how many of them were rejected or failed (must be none). */
  originals: { published: number; rejected: number; failedRecords: number };
  /** Batches the handler failed or records it handed back (a crash or a retry). */
  failedRecords: number;
  /** Items the hostile events wrote, changed or removed, beyond the rejections (partial writes). */
  strayItems: string[];
  /** Events rejected more than once, or not at all; redeliveries rejected. */
  duplicates: number;
  missing: number;
  wronglyRejected: number;
  ms: number;
}

/** Every item of the table as text by key, but the rejections' outbox items. */
async function tableItems(p: Pipeline): Promise<Map<string, string>> {
  const items = new Map<string, string>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await p.doc.send(
      new ScanCommand({ TableName: p.table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) {
      if (item.PK === 'OUTBOX#REJECTED') continue;
      items.set(`${String(item.PK)} ${String(item.SK)}`, JSON.stringify(item));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

async function ingestAll(p: Pipeline, events: readonly Hostile['event'][]): Promise<number> {
  let failed = 0;
  for (let i = 0; i < events.length; i += 10) {
    const out = await p.ingest(events.slice(i, i + 10));
    failed += out.batchItemFailures.length;
  }
  return failed;
}

export async function runFuzz(endpoint: string, n: number, seed: number): Promise<FuzzResult> {
  const t0 = Date.now();
  const p = await createPipeline(endpoint, fuzzScheme, `fuzz-${seed}`);
  const hostile = hostileEvents(n, seed);
  const originals = hostile.flatMap((h) => (h.original ? [h.original] : []));
  const originalFailures = await ingestAll(p, originals);
  const originalsRejected = p.rejected.length;
  const before = await tableItems(p);

  const failedRecords = await ingestAll(
    p,
    hostile.map((h) => h.event),
  );
  // Judged by the raw record: an id ingest cannot take is rejected under the SQS message id instead.
  const byRaw = new Map<string, (typeof p.rejected)[number][]>();
  for (const r of p.rejected.slice(originalsRejected)) {
    const list = byRaw.get(r.raw) ?? [];
    list.push(r);
    byRaw.set(r.raw, list);
  }
  const rows = new Map<string, FuzzRow>();
  let duplicates = 0;
  let missing = 0;
  let wronglyRejected = 0;
  for (const h of hostile) {
    const row = rows.get(h.kind) ?? { kind: h.kind, tried: 0, rejected: 0, harmless: 0, unclear: 0 };
    rows.set(h.kind, row);
    row.tried++;
    const rejections = byRaw.get(JSON.stringify(h.event)) ?? [];
    const times = rejections.length;
    if (h.expect === 'harmless') {
      if (times === 0) row.harmless++;
      else {
        row.rejected++;
        wronglyRejected++;
      }
      continue;
    }
    if (times === 0) missing++;
    if (times > 1) duplicates++;
    if (times >= 1) row.rejected++;
    const reasons = rejections[0]?.rejection.reasons ?? [];
    const clear =
      reasons.length > 0 &&
      reasons.every(
        (r) =>
          typeof r.path === 'string' &&
          r.path.length > 0 &&
          typeof r.code === 'string' &&
          r.code.length > 0 &&
          r.message.zh.length > 0 &&
          r.message.en.length > 0,
      ) &&
      (!h.reason ||
        reasons.some((r) => r.path === h.reason!.path && (!h.reason!.code || r.code === h.reason!.code)));
    if (times >= 1 && !clear) row.unclear++;
  }
  const after = await tableItems(p);
  const strayItems: string[] = [];
  for (const [key, item] of after) {
    const was = before.get(key);
    if (was === undefined) strayItems.push(key);
    else if (was !== item) strayItems.push(`${key} (changed)`);
  }
  for (const key of before.keys()) if (!after.has(key)) strayItems.push(`${key} (removed)`);
  return {
    rows: [...rows.values()].sort((a, b) => a.kind.localeCompare(b.kind)),
    originals: { published: originals.length, rejected: originalsRejected, failedRecords: originalFailures },
    failedRecords,
    strayItems,
    duplicates,
    missing,
    wronglyRejected,
    ms: Date.now() - t0,
  };
}

export const fuzzPassed = (r: FuzzResult) =>
  r.originals.rejected === 0 &&
  r.originals.failedRecords === 0 &&
  r.failedRecords === 0 &&
  r.strayItems.length === 0 &&
  r.duplicates === 0 &&
  r.missing === 0 &&
  r.wronglyRejected === 0 &&
  r.rows.every((row) => row.rejected + row.harmless === row.tried && row.unclear === 0);

export function fuzzLines(r: FuzzResult): string[] {
  const sum = (f: (x: FuzzRow) => number) => r.rows.reduce((s, x) => s + f(x), 0);
  const o = r.originals;
  return [
    ...r.rows.map(
      (x) =>
        `${x.kind} · tried ${x.tried} · ${x.harmless ? `harmless ${x.harmless}` : `rejected ${x.rejected}`}` +
        (x.harmless && x.rejected ? ` · rejected ${x.rejected}` : '') +
        (x.unclear ? ` · unclear ${x.unclear}` : ''),
    ),
    `原始事件 originals · 发布 published ${o.published} · 拒收 rejected ${o.rejected} · 失败记录 failed records ${o.failedRecords}`,
    `合计 total · 事件 events ${sum((x) => x.tried)} · 拒收 rejected ${sum((x) => x.rejected)} · 无害重投 harmless redeliveries ${sum((x) => x.harmless)} · 未拒收 accepted ${r.missing} · 误拒 wrongly rejected ${r.wronglyRejected} · 重复拒收 duplicated ${r.duplicates} · 失败记录 failed records ${r.failedRecords} · 残留写入 partial writes ${r.strayItems.length} · ${(r.ms / 1000).toFixed(1)} s`,
  ];
}
