// The fuzz run: hostile department events through the real ingest handler over DynamoDB Local, ten to an SQS
// batch, then judged from outside: each event rejected exactly once with field-level reasons (a path, a
// code, Chinese and English text), no batch failed (no crash, nothing retried), and nothing but the scheme
// and the rejections' own outbox items in the table (no snapshot, head, chunk, receipt, alert or history).
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createPipeline } from '../test/support/pipeline.ts';
import { fuzzScheme, hostileEvents } from './events.ts';

export interface FuzzRow {
  kind: string;
  tried: number;
  rejected: number;
  /** Rejected with reasons that do not name a field, or lack a code or a language. */
  unclear: number;
}

export interface FuzzResult {
  rows: FuzzRow[];
  /** Batches the handler failed or records it handed back (a crash or a retry). */
  failedRecords: number;
  /** Items the table holds beyond the scheme and the rejections (partial writes). */
  strayItems: string[];
  /** Events rejected more than once, or not at all. */
  duplicates: number;
  missing: number;
  ms: number;
}

export async function runFuzz(endpoint: string, n: number, seed: number): Promise<FuzzResult> {
  const t0 = Date.now();
  const p = await createPipeline(endpoint, fuzzScheme, `fuzz-${seed}`);
  const hostile = hostileEvents(n, seed);
  let failedRecords = 0;
  for (let i = 0; i < hostile.length; i += 10) {
    const out = await p.ingest(hostile.slice(i, i + 10).map((h) => h.event));
    failedRecords += out.batchItemFailures.length;
  }
  const byId = new Map<string, number>();
  for (const r of p.rejected)
    byId.set(r.rejection.originalEventId, (byId.get(r.rejection.originalEventId) ?? 0) + 1);
  const reasonsOf = new Map(p.rejected.map((r) => [r.rejection.originalEventId, r.rejection.reasons]));
  const rows = new Map<string, FuzzRow>();
  let duplicates = 0;
  let missing = 0;
  for (const h of hostile) {
    const row = rows.get(h.kind) ?? { kind: h.kind, tried: 0, rejected: 0, unclear: 0 };
    rows.set(h.kind, row);
    row.tried++;
    const times = byId.get(h.event.id) ?? 0;
    if (times === 0) missing++;
    if (times > 1) duplicates++;
    if (times >= 1) row.rejected++;
    const reasons = reasonsOf.get(h.event.id) ?? [];
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
      );
    if (times >= 1 && !clear) row.unclear++;
  }
  const strayItems: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await p.doc.send(
      new ScanCommand({ TableName: p.table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) {
      const pk = String(item.PK);
      if (pk.startsWith('SCHEME#') || pk === 'SCHEMES' || pk === 'OUTBOX#REJECTED') continue;
      strayItems.push(`${pk} ${String(item.SK)}`);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return {
    rows: [...rows.values()].sort((a, b) => a.kind.localeCompare(b.kind)),
    failedRecords,
    strayItems,
    duplicates,
    missing,
    ms: Date.now() - t0,
  };
}

export const fuzzPassed = (r: FuzzResult) =>
  r.failedRecords === 0 &&
  r.strayItems.length === 0 &&
  r.duplicates === 0 &&
  r.missing === 0 &&
  r.rows.every((row) => row.rejected === row.tried && row.unclear === 0);

export function fuzzLines(r: FuzzResult): string[] {
  const tried = r.rows.reduce((s, x) => s + x.tried, 0);
  const rejected = r.rows.reduce((s, x) => s + x.rejected, 0);
  return [
    ...r.rows.map(
      (x) =>
        `${x.kind} · tried ${x.tried} · rejected ${x.rejected}${x.unclear ? ` · unclear ${x.unclear}` : ''}`,
    ),
    `合计 total · 事件 events ${tried} · 拒收 rejected ${rejected} · 未拒收 accepted ${r.missing} · 重复拒收 duplicated ${r.duplicates} · 失败记录 failed records ${r.failedRecords} · 残留写入 partial writes ${r.strayItems.length} · ${(r.ms / 1000).toFixed(1)} s`,
  ];
}
