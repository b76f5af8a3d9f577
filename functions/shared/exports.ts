// Auditors' exports: one period's snapshot (every entity's values, indicator scores and ranks, overall rank, tie
// flag and composite) or one entity's history (a row per snapshot), each row naming the scheme version, the
// snapshot number and its hash. Built only from answers checked against the hash chain (AuditedReader), and a
// period's chain — manifests, bodies, head and history items — is verified as a whole before it is exported.
import { csv } from './csv.ts';
import { rankingRows } from './ranking-rows.ts';
import type { AuditedReader } from './verification.ts';
import { IntegrityError } from './verification.ts';

export type ExportCell = string | number | boolean | null;

/** The snapshots an export was built from, as the chain records them. */
export interface ExportedSnapshot {
  period: string;
  seq: number;
  recordedAt: string;
  hash: string;
  previousHash: string | null;
  schemeVersion: string;
}

export interface ExportMeta {
  kind: 'period' | 'entity';
  scheme: string;
  period?: string;
  entity?: string;
  asOf?: string;
  /** What was checked against the chain before exporting. */
  verified: { snapshots: number; chainHead: string | null };
  snapshots: ExportedSnapshot[];
}

/** An export: its metadata, the column names and one row of cells per entity (period) or snapshot (entity). */
export interface ExportTable {
  meta: ExportMeta;
  columns: string[];
  rows: ExportCell[][];
}

/** Columns every row starts with: which scheme version, snapshot and hash the numbers come from. */
export const PROVENANCE_COLUMNS = ['scheme', 'schemeVersion', 'period', 'seq', 'recordedAt', 'hash'] as const;

type Store = Pick<AuditedReader, 'snapshot' | 'snapshots' | 'history' | 'verify'>;

/** Refuses to export a period whose stored chain does not verify (IntegrityError naming the first bad item). */
async function verifiedPeriod(store: Store, scheme: string, period: string) {
  const verdict = await store.verify(scheme, period);
  if (!verdict.ok) throw new IntegrityError(verdict.firstBad, verdict.reason);
  return verdict;
}

/**
 * A period's export: the latest snapshot, or the one known at `asOf`, best first. Undefined when the period
 * had no snapshot (then).
 */
export async function periodExport(
  store: Store,
  scheme: string,
  period: string,
  opts: { asOf?: string } = {},
): Promise<ExportTable | undefined> {
  const verdict = await verifiedPeriod(store, scheme, period);
  const found = await store.snapshot(scheme, period, opts.asOf === undefined ? {} : { asOf: opts.asOf });
  if (!found) return undefined;
  const { manifest: m, body } = found;
  const indicators = body.inputs.indicators;
  const columns = [
    ...PROVENANCE_COLUMNS,
    'entity',
    'rank',
    'tied',
    'composite',
    'unranked',
    ...indicators.flatMap((id) => [
      `${id}.value`,
      `${id}.score`,
      `${id}.rank`,
      `${id}.tied`,
      `${id}.carried`,
    ]),
  ];
  const rows = rankingRows(body, true).map((r): ExportCell[] => [
    scheme,
    m.schemeVersion,
    period,
    m.seq,
    m.recordedAt,
    m.hash,
    r.entity,
    r.rank,
    r.tied,
    r.score,
    r.unranked ?? null,
    ...indicators.flatMap((id) => {
      const c = r.indicators?.[id];
      return [c?.value ?? null, c?.score ?? null, c?.rank ?? null, c?.tied ?? false, c?.carried ?? false];
    }),
  ]);
  return {
    meta: {
      kind: 'period',
      scheme,
      period,
      ...(opts.asOf ? { asOf: opts.asOf } : {}),
      verified: { snapshots: verdict.checked, chainHead: verdict.head },
      snapshots: [
        {
          period,
          seq: m.seq,
          recordedAt: m.recordedAt,
          hash: m.hash,
          previousHash: m.previousHash,
          schemeVersion: m.schemeVersion,
        },
      ],
    },
    columns,
    rows,
  };
}

/**
 * An entity's export: its history, the last snapshot of each period (every snapshot with `all`), as known at
 * `asOf`. Each cited snapshot's body is checked against its manifest and the manifests of its period against
 * each other (verifiedHistory); a history item that disagrees with its snapshot is refused.
 */
export async function entityExport(
  store: Store,
  scheme: string,
  entity: string,
  opts: { asOf?: string; from?: string; to?: string; all?: boolean } = {},
): Promise<ExportTable | undefined> {
  const items = await store.history(scheme, entity, {
    ...(opts.asOf ? { asOf: opts.asOf } : {}),
    ...(opts.from ? { from: opts.from } : {}),
    ...(opts.to ? { to: opts.to } : {}),
    finalOnly: !opts.all,
  });
  if (items.length === 0) return undefined;
  // The scheme version of each cited snapshot, from its period's linked manifests.
  const manifests = new Map<string, ExportedSnapshot>();
  for (const period of new Set(items.map((i) => i.period)))
    for (const m of await store.snapshots(scheme, period))
      manifests.set(`${period}#${m.seq}`, {
        period,
        seq: m.seq,
        recordedAt: m.recordedAt,
        hash: m.hash,
        previousHash: m.previousHash,
        schemeVersion: m.schemeVersion,
      });
  const indicators = [...new Set(items.flatMap((i) => Object.keys(i.indicators)))];
  const snapshots: ExportedSnapshot[] = [];
  const rows = items.map((i): ExportCell[] => {
    const m = manifests.get(`${i.period}#${i.seq}`);
    if (!m || m.hash !== i.hash)
      throw new IntegrityError(`${scheme}|${i.period}|#${i.seq}`, 'history cites a snapshot its chain lacks');
    snapshots.push(m);
    return [
      scheme,
      m.schemeVersion,
      i.period,
      i.seq,
      i.recordedAt,
      i.hash,
      entity,
      i.rank > 0 ? i.rank : null,
      i.tied,
      i.score,
      ...indicators.flatMap((id) => {
        const [value, score, rank] = i.indicators[id] ?? [null, null, 0];
        return [value, score, rank > 0 ? rank : null];
      }),
    ];
  });
  return {
    meta: {
      kind: 'entity',
      scheme,
      entity,
      ...(opts.asOf ? { asOf: opts.asOf } : {}),
      verified: { snapshots: items.length, chainHead: snapshots.at(-1)?.hash ?? null },
      snapshots,
    },
    columns: [
      ...PROVENANCE_COLUMNS,
      'entity',
      'rank',
      'tied',
      'composite',
      ...indicators.flatMap((id) => [`${id}.value`, `${id}.score`, `${id}.rank`]),
    ],
    rows,
  };
}

/** The export as CSV: provenance in every row, so the file needs no preamble to be re-imported. */
export function exportCsv(t: ExportTable): string {
  return csv(t.columns, t.rows);
}

/** The export as JSON: `meta`, `columns` and the rows as objects keyed by column. */
export function exportJson(t: ExportTable): {
  meta: ExportMeta;
  columns: string[];
  rows: Record<string, ExportCell>[];
} {
  return {
    meta: t.meta,
    columns: t.columns,
    rows: t.rows.map((r) => Object.fromEntries(t.columns.map((c, k) => [c, r[k] ?? null]))),
  };
}

/** An export read back from its JSON form (the CLI writes XLSX from it). */
export function exportFromJson(json: ReturnType<typeof exportJson>): ExportTable {
  return {
    meta: json.meta,
    columns: json.columns,
    rows: json.rows.map((r) => json.columns.map((c) => r[c] ?? null)),
  };
}
