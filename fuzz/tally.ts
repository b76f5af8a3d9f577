// The count of a reader or query fuzz (issue 12): each case's outcome per mutation kind, the summary lines
// `npm run fuzz` prints, and the defects the fuzz already knows about (found, reported, not yet fixed
// because their file belongs to another change) kept apart from new ones, so neither can hide.

/** rejected and harmless are the two right outcomes; a case that is neither is a crash or a wrong one. */
export type Outcome = 'rejected' | 'harmless' | 'crash' | 'wrong';

export interface KindRow {
  part: string;
  kind: string;
  cases: number;
  rejected: number;
  harmless: number;
  /** An exception other than the reader's own rejection (TypeError, RangeError, a stack overflow, a 5xx). */
  crashes: number;
  /** Accepted what must be rejected, rejected what must not be, or rejected without naming line and field. */
  wrong: number;
  slowestMs: number;
  totalMs: number;
  /** The first few failures, to reproduce by hand. */
  examples: string[];
}

/** A defect the fuzz found that waits for a fix in a file owned by another change. */
export interface KnownDefect {
  part: string;
  kind: string;
  /** The file the fix belongs in. */
  file: string;
  what: string;
}

/** A case that takes longer than this counts as a hang (the readers are synchronous: it cannot be cut off). */
export const SLOW_MS = 10_000;

export class Tally {
  readonly part: string;
  readonly #rows = new Map<string, KindRow>();
  constructor(part: string) {
    this.part = part;
  }

  add(kind: string, outcome: Outcome, ms: number, detail?: string): void {
    let row = this.#rows.get(kind);
    if (!row) {
      row = {
        part: this.part,
        kind,
        cases: 0,
        rejected: 0,
        harmless: 0,
        crashes: 0,
        wrong: 0,
        slowestMs: 0,
        totalMs: 0,
        examples: [],
      };
      this.#rows.set(kind, row);
    }
    const slow = ms > SLOW_MS && (outcome === 'rejected' || outcome === 'harmless');
    const counted: Outcome = slow ? 'wrong' : outcome;
    row.cases++;
    if (counted === 'crash') row.crashes++;
    else row[counted]++;
    row.slowestMs = Math.max(row.slowestMs, ms);
    row.totalMs += ms;
    const why = slow ? `took ${Math.round(ms)} ms` : detail;
    if ((counted === 'crash' || counted === 'wrong') && row.examples.length < 3 && why)
      row.examples.push(why.length > 300 ? `${why.slice(0, 300)}…` : why);
  }

  rows(): KindRow[] {
    return [...this.#rows.values()].sort((a, b) => a.kind.localeCompare(b.kind));
  }
}

const failed = (r: KindRow) => r.crashes > 0 || r.wrong > 0;
const keyOf = (x: { part: string; kind: string }) => `${x.part}/${x.kind}`;

/** Rows that failed without a known defect to explain them. */
export function unexpectedFailures(rows: readonly KindRow[], known: readonly KnownDefect[]): KindRow[] {
  const excused = new Set(known.map(keyOf));
  return rows.filter((r) => failed(r) && !excused.has(keyOf(r)));
}

/** Known defects the run no longer reproduces: fixed, so their entry (and its excuse) should go. */
export function fixedDefects(rows: readonly KindRow[], known: readonly KnownDefect[]): KnownDefect[] {
  const byKey = new Map(rows.map((r) => [keyOf(r), r]));
  return known.filter((k) => {
    const row = byKey.get(keyOf(k));
    return row !== undefined && !failed(row);
  });
}

/** Whether every case came out right: no crash, no wrong outcome, known or not. */
export const tallyPassed = (rows: readonly KindRow[]) => rows.every((r) => !failed(r));

export function tallyLines(title: string, rows: readonly KindRow[], known: readonly KnownDefect[]): string[] {
  const knownOf = new Map(known.map((k) => [keyOf(k), k]));
  const sum = (f: (r: KindRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  const lines = rows.map((r) => {
    const k = knownOf.get(keyOf(r));
    const bad = failed(r);
    return (
      `${r.part}/${r.kind}: ${r.cases} cases · rejected ${r.rejected} · harmless ${r.harmless} · crashes ${r.crashes}` +
      (r.wrong ? ` · wrong ${r.wrong}` : '') +
      (r.slowestMs > 1000 ? ` · slowest ${(r.slowestMs / 1000).toFixed(1)} s` : '') +
      (bad && k ? ` · 已知缺陷 known defect (${k.file}: ${k.what})` : '') +
      (bad ? r.examples.map((e) => `\n    e.g. ${e}`).join('') : '')
    );
  });
  return [
    ...lines,
    `合计 total ${title} · 用例 cases ${sum((r) => r.cases)} · 拒收 rejected ${sum((r) => r.rejected)} · 无害 harmless ${sum((r) => r.harmless)} · 崩溃 crashes ${sum((r) => r.crashes)} · 结果不对 wrong ${sum((r) => r.wrong)} · ${(sum((r) => r.totalMs) / 1000).toFixed(1)} s`,
  ];
}
