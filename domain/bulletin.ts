// The bulletins' content (周分析 weekly analysis, 月通报 monthly bulletin) from stored snapshots and the
// scheme: headline, ranking with 并列 and arrows, gap waterfalls, rank trajectories, the indicator-rank heat
// map, 红榜/黑榜, direction patterns, prescriptions and coaching pairs, alerts, rank robustness and the
// snapshots cited. Every number is read from the snapshots; what is derived (topic ranks, robustness) is
// checked against them first. Pure: the CLI and the bulletin function render the same model.
import type { AlertEvent } from './alerts.ts';
import type { CoachingPair, PatternResult, Prescription } from './diagnosis.ts';
import { evaluate, type PeriodMatrix } from './evaluate.ts';
import type { Solution } from './gap.ts';
import { periodOrdinal, sortPeriods } from './period.ts';
import { competitionRanks, roundTo } from './ranking.ts';
import { type RobustnessOptions, type RobustnessResult, rankRobustness } from './robustness.ts';
import type { Scheme } from './scheme.ts';
import type { Slip } from './slips.ts';
import { inputsToMatrix, periodFromSnapshot, type SnapshotBody } from './snapshot.ts';
import { aggregateEntity, type CompiledScheme, compileScheme } from './tree.ts';

export type BulletinKind = 'weekly' | 'monthly';

export class BulletinInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BulletinInputError';
  }
}

/** A stored snapshot: its body and, where the store has them, its chain hashes. */
export interface StoredSnapshot {
  body: SnapshotBody;
  hash?: string | null;
  previousHash?: string | null;
}

/**
 * A notification as the alert lifecycle records it (open → acknowledged → resolved, open → escalated):
 * only the fields a bulletin shows; anything else the record holds is ignored.
 */
export interface NotificationRecord {
  id?: string;
  entity: string;
  scope?: string;
  period?: string;
  severity: 'critical' | 'warning' | 'info';
  status: 'open' | 'acknowledged' | 'escalated' | 'resolved' | 'silenced';
  rules?: readonly string[];
  level?: number | string;
  openedAt?: string;
  acknowledged?: { by: string; at: string; note?: string };
  owner?: string;
}

export interface BulletinOptions {
  kind?: BulletinKind;
  /** Weekly: a period of the scheme; monthly: a month id (e.g. 2026-06). Default: the latest snapshot's. */
  period?: string;
  /** Periods in a weekly bulletin's trajectories (default 8); a monthly one shows the month's periods. */
  trajectory?: number;
  /** Rows of 红榜 and 黑榜 each (default 5). */
  board?: number;
  /** Prescriptions shown per focus entity (default 5). */
  prescriptions?: number;
  /** The heat map shows every ranked entity up to this many, else the focus entities' neighbours (default 30). */
  heatmapLimit?: number;
  /** Neighbours either side of a focus entity when the heat map is limited (default 10). */
  neighbours?: number;
  /** Waterfall bars per focus entity; smaller contributions are summed into one bar (default 12). */
  waterfallBars?: number;
  /** Alerts sent in the covered periods (what the evaluate path or the engine sent), by period. */
  alerts?: readonly { period: string; events: readonly AlertEvent[] }[];
  /** The alert lifecycle's notification records; omitted: the bulletin says none are recorded. */
  notifications?: readonly NotificationRecord[];
  /** Robustness settings over the scheme's (false: leave the section out). */
  robustness?: RobustnessOptions | false;
}

export interface Race {
  /** 争第一: holding first; reachable by one indicator's move; behind (no single move is enough); unranked. */
  status: 'first' | 'reachable' | 'behind' | 'unranked';
  /** The single-indicator move to first with the smallest relative change, when there is one. */
  easiest: {
    indicator: string;
    requiredValue: number | null;
    delta: number | null;
    deltaPct: number | null;
  } | null;
  feasibleMoves: number;
}

export interface Headline {
  entity: string;
  rank: number;
  tied: boolean;
  score: number;
  previousRank: number | null;
  /** previousRank − rank: positive when the entity moved up. */
  change: number | null;
  position: 'first' | 'behind' | 'unranked';
  versus: string | null;
  /** Gap to first (S_first − S_c), or when first the lead over second. */
  scoreGap: number;
  race: Race;
}

export interface RankingRow {
  entity: string;
  rank: number;
  tied: boolean;
  score: number;
  previousRank: number | null;
  change: number | null;
  focus: boolean;
}

export interface WaterfallBar {
  /** Indicator id, or null for the bar that sums the smaller contributions. */
  indicator: string | null;
  contribution: number;
  /** How many indicators the bar stands for (1, or the number summed into "others"). */
  count: number;
}

export interface Waterfall {
  entity: string;
  versus: string | null;
  position: 'first' | 'behind';
  scoreGap: number;
  /** Largest contributions first; Σ contribution = the stored Σ C_j. */
  bars: WaterfallBar[];
  total: number;
}

export interface TrajectorySeries {
  /** 'overall' or a top-level topic id. */
  scope: string;
  /** Rank per period (null: not ranked that period). */
  ranks: (number | null)[];
}

export interface Trajectory {
  entity: string;
  periods: string[];
  /** Ranked entities per period (the axis' depth). */
  ranked: number[];
  series: TrajectorySeries[];
}

export interface Heatmap {
  /** Columns: entities by overall rank (all, or the focus entities' neighbours). */
  entities: string[];
  indicators: string[];
  /** ranks[i][k]: rank of entities[k] on indicators[i]; null where unranked. */
  ranks: (number | null)[][];
  /** Ranked entities per indicator (the colour scale's depth). */
  depth: number[];
  limited: boolean;
  totalEntities: number;
}

export interface BoardRow {
  indicator: string;
  value: number;
  rank: number;
  tied: boolean;
  score: number;
  carried: boolean;
  previousRank: number | null;
}

export interface Board {
  entity: string;
  red: BoardRow[];
  black: BoardRow[];
}

export interface Treatment {
  entity: string;
  prescriptions: (Prescription & { owner: string })[];
  coaching: CoachingPair[];
  patterns: PatternResult[];
  /** The stored single-indicator moves to first (behind entities only). */
  toFirst: Record<string, Solution>;
}

export interface SnapshotCitation {
  period: string;
  seq: number;
  recordedAt: string;
  hash: string | null;
  previousHash: string | null;
}

export interface Bulletin {
  kind: BulletinKind;
  scheme: { id: string; version: string };
  /** The bulletin's period: a scheme period (weekly) or a month (monthly). */
  period: string;
  /** The scheme periods covered, in time order; the last is the one reported in detail. */
  periods: string[];
  /** The period the arrows and changes compare with (the latest earlier one with a snapshot). */
  compareTo: string | null;
  focus: string[];
  headline: Headline[];
  ranking: RankingRow[];
  unranked: { entity: string; reason: string }[];
  waterfalls: Waterfall[];
  trajectories: Trajectory[];
  heatmap: Heatmap;
  boards: Board[];
  treatments: Treatment[];
  alerts: {
    /** Slips that held period over period in the covered periods (one per alert key). */
    slips: Slip[];
    /** Alerts sent in the covered periods, when given. */
    sent: { period: string; event: AlertEvent }[] | null;
    /** Notification records of the lifecycle, when given. */
    notifications: NotificationRecord[] | null;
  };
  robustness: RobustnessResult | null;
  snapshots: SnapshotCitation[];
}

/** The month (YYYY-MM) an ISO week belongs to: the month of its Thursday, as ISO 8601 assigns weeks to years. */
export function monthOfWeek(week: string): string {
  // Week ordinal k starts on Monday 1969-12-29 + 7k days, so its Thursday is day 7k after the epoch.
  const thursday = new Date(periodOrdinal('week', week) * 7 * 86_400_000);
  return `${thursday.getUTCFullYear()}-${String(thursday.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The scheme periods a bulletin covers, among those with snapshots. */
function coveredPeriods(scheme: Scheme, kind: BulletinKind, period: string, available: string[]): string[] {
  if (kind === 'weekly') {
    if (!available.includes(period))
      throw new BulletinInputError(
        `period "${period}" has no snapshot (latest: ${available.at(-1) ?? 'none'})`,
      );
    return [period];
  }
  if (scheme.periodKind === 'month') {
    if (!available.includes(period)) throw new BulletinInputError(`month "${period}" has no snapshot`);
    return [period];
  }
  const weeks = available.filter((p) => monthOfWeek(p) === period);
  if (weeks.length === 0) throw new BulletinInputError(`month "${period}" has no weekly snapshot`);
  return weeks;
}

/** Index maps from the scheme's entity and indicator order to a snapshot's (which may be another version's). */
interface View {
  body: SnapshotBody;
  entity: (e: number) => number; // scheme entity index → body index, −1 when absent
  indicator: (j: number) => number;
}
function viewOf(c: CompiledScheme, body: SnapshotBody): View {
  const ents = new Map(body.inputs.entities.map((id, i) => [id, i]));
  const inds = new Map(body.inputs.indicators.map((id, i) => [id, i]));
  const e2 = c.entityIds.map((id) => ents.get(id) ?? -1);
  const j2 = c.indicators.map((ind) => inds.get(ind.id) ?? -1);
  return { body, entity: (e) => e2[e]!, indicator: (j) => j2[j]! };
}

const overallRank = (v: View, e: number) => {
  const b = v.entity(e);
  return b < 0 ? 0 : (v.body.results.overall.rank[b] ?? 0);
};
const indicatorRank = (v: View, e: number, j: number) => {
  const b = v.entity(e);
  const k = v.indicator(j);
  return b < 0 || k < 0 ? 0 : (v.body.results.indicatorRanks[k]?.[b] ?? 0);
};

/**
 * Ranks of each top-level topic in one snapshot, from its stored indicator scores aggregated up the weight
 * tree. The root of the same aggregation must give the stored composite (unless rescaled), or the snapshot
 * was not computed with this tree and the topic ranks would not be its own.
 */
function topicRanks(c: CompiledScheme, v: View, topics: number[]): Map<number, Int32Array> {
  const n = c.entityIds.length;
  const m = c.indicators.length;
  const k = c.nodes.length;
  const nodeValues = new Float64Array(n * k).fill(Number.NaN);
  const row = new Float64Array(m);
  const rescaled = c.scheme.composite.rescale !== undefined;
  for (let e = 0; e < n; e++) {
    if (overallRank(v, e) === 0) continue;
    const b = v.entity(e);
    for (let j = 0; j < m; j++) {
      const jj = v.indicator(j);
      row[j] = jj < 0 ? Number.NaN : (v.body.results.indicatorScores[jj]?.[b] ?? Number.NaN);
    }
    const root = aggregateEntity(c, row, nodeValues.subarray(e * k, e * k + k));
    const stored = v.body.results.overall.score[b] ?? Number.NaN;
    if (!rescaled && !(Math.abs(root - stored) <= 1e-9 * Math.max(1, Math.abs(stored))))
      throw new BulletinInputError(
        `snapshot ${v.body.period} #${v.body.seq}: the weight tree of scheme ${c.scheme.id} ${c.scheme.version} does not give its stored score of ${c.entityIds[e]} (${stored} ≠ ${root})`,
      );
  }
  const precision = c.scheme.composite.precision;
  const out = new Map<number, Int32Array>();
  for (const t of topics) {
    const keys = new Float64Array(n);
    for (let e = 0; e < n; e++) keys[e] = roundTo(nodeValues[e * k + t]!, precision);
    out.set(t, competitionRanks(keys, true).rank);
  }
  return out;
}

/** Re-evaluates a snapshot's inputs (for robustness) and checks the ranks are the stored ones. */
function evaluationOf(c: CompiledScheme, body: SnapshotBody, earlier: readonly SnapshotBody[]) {
  const k = c.scheme.missing.carryForward;
  const now = periodOrdinal(c.scheme.periodKind, body.period);
  const history: PeriodMatrix[] = earlier
    .filter((b) => {
      const age = now - periodOrdinal(c.scheme.periodKind, b.period);
      return age >= 1 && age <= k;
    })
    .map((b) => inputsToMatrix(c, b.period, b.inputs));
  const ev = evaluate(c, inputsToMatrix(c, body.period, body.inputs), history);
  const v = viewOf(c, body);
  for (let e = 0; e < ev.n; e++)
    if (ev.rank[e] !== overallRank(v, e))
      throw new BulletinInputError(
        `snapshot ${body.period} #${body.seq}: re-evaluating its inputs ranks ${c.entityIds[e]} ${ev.rank[e]}, the snapshot says ${overallRank(v, e)}`,
      );
  return ev;
}

function race(g: { position: 'first' | 'behind' | 'unranked'; toFirst: Record<string, Solution> }): Race {
  if (g.position === 'unranked') return { status: 'unranked', easiest: null, feasibleMoves: 0 };
  if (g.position === 'first') return { status: 'first', easiest: null, feasibleMoves: 0 };
  const moves = Object.entries(g.toFirst).filter(([, s]) => s.feasible && s.delta !== null && s.delta !== 0);
  moves.sort(
    (a, b) => (a[1].deltaPct ?? Number.POSITIVE_INFINITY) - (b[1].deltaPct ?? Number.POSITIVE_INFINITY),
  );
  const best = moves[0];
  return {
    status: best ? 'reachable' : 'behind',
    easiest: best
      ? {
          indicator: best[0],
          requiredValue: best[1].requiredValue,
          delta: best[1].delta,
          deltaPct: best[1].deltaPct,
        }
      : null,
    feasibleMoves: moves.length,
  };
}

/** The bulletin's content for a scheme from its stored snapshots (the period-final one per period). */
export function buildBulletin(
  scheme: Scheme,
  stored: readonly StoredSnapshot[],
  options: BulletinOptions = {},
): Bulletin {
  const c = compileScheme(scheme);
  const kind = options.kind ?? (scheme.periodKind === 'month' ? 'monthly' : 'weekly');
  if (kind === 'monthly' && scheme.periodKind !== 'week' && scheme.periodKind !== 'month')
    throw new BulletinInputError(
      `a monthly bulletin needs a week or month scheme (this one is by ${scheme.periodKind})`,
    );
  // The latest snapshot of each period is its period-final one.
  const byPeriod = new Map<string, StoredSnapshot>();
  for (const s of stored) {
    if (s.body.scheme.id !== scheme.id)
      throw new BulletinInputError(
        `snapshot ${s.body.period} #${s.body.seq} belongs to scheme ${s.body.scheme.id}, not ${scheme.id}`,
      );
    const had = byPeriod.get(s.body.period);
    if (!had || had.body.seq < s.body.seq) byPeriod.set(s.body.period, s);
  }
  const available = sortPeriods(scheme.periodKind, byPeriod.keys());
  if (available.length === 0) throw new BulletinInputError('no snapshots to report');
  const last = available.at(-1)!;
  const period =
    options.period ?? (kind === 'monthly' && scheme.periodKind === 'week' ? monthOfWeek(last) : last);
  const periods = coveredPeriods(scheme, kind, period, available);
  const current = byPeriod.get(periods.at(-1)!)!;
  if (current.body.scheme.version !== scheme.version)
    throw new BulletinInputError(
      `snapshot ${current.body.period} #${current.body.seq} was computed with scheme version ${current.body.scheme.version}, not ${scheme.version}`,
    );
  const firstIndex = available.indexOf(periods[0]!);
  const compareTo = firstIndex > 0 ? available[firstIndex - 1]! : null;
  const previous = compareTo ? byPeriod.get(compareTo)! : undefined;
  const now = periodFromSnapshot(current.body);
  const cv = viewOf(c, current.body);
  const pv = previous ? viewOf(c, previous.body) : undefined;
  const prevRank = (e: number) => {
    if (!pv) return null;
    const r = overallRank(pv, e);
    return r === 0 ? null : r;
  };
  const idx = (id: string) => c.entityIndex.get(id)!;
  const focus = scheme.focus;

  const ranking: RankingRow[] = now.overall.map((r) => {
    const p = prevRank(idx(r.entity));
    return {
      entity: r.entity,
      rank: r.rank,
      tied: r.tied,
      score: r.score,
      previousRank: p,
      change: p === null ? null : p - r.rank,
      focus: focus.includes(r.entity),
    };
  });
  const rowOf = new Map(ranking.map((r) => [r.entity, r]));

  const headline: Headline[] = focus.map((f) => {
    const g = now.gap[f];
    const row = rowOf.get(f);
    return {
      entity: f,
      rank: row?.rank ?? 0,
      tied: row?.tied ?? false,
      score: row?.score ?? Number.NaN,
      previousRank: row?.previousRank ?? null,
      change: row?.change ?? null,
      position: g?.position ?? 'unranked',
      versus: g?.versus ?? null,
      scoreGap: g?.scoreGap ?? 0,
      race: race(g ?? { position: 'unranked', toFirst: {} }),
    };
  });

  const maxBars = options.waterfallBars ?? 12;
  const waterfalls: Waterfall[] = [];
  for (const f of focus) {
    const g = now.gap[f];
    if (!g || g.position === 'unranked') continue;
    const all = Object.entries(g.contributions).sort((a, b) => b[1] - a[1]);
    const byMagnitude = [...all].sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
    const shown = new Set(
      byMagnitude.slice(0, all.length > maxBars ? maxBars - 1 : maxBars).map(([id]) => id),
    );
    const bars: WaterfallBar[] = all
      .filter(([id]) => shown.has(id))
      .map(([indicator, contribution]) => ({ indicator, contribution, count: 1 }));
    const rest = all.filter(([id]) => !shown.has(id));
    if (rest.length)
      bars.push({ indicator: null, contribution: rest.reduce((a, [, v]) => a + v, 0), count: rest.length });
    waterfalls.push({
      entity: f,
      versus: g.versus,
      position: g.position,
      scoreGap: g.scoreGap,
      bars,
      total: all.reduce((a, [, v]) => a + v, 0),
    });
  }

  // Trajectories: the month's periods, or the last N periods up to the reported one.
  const endIndex = available.indexOf(periods.at(-1)!);
  const span =
    kind === 'monthly'
      ? periods
      : available.slice(Math.max(0, endIndex + 1 - (options.trajectory ?? 8)), endIndex + 1);
  const topLevel = c.nodes
    .map((nd, k) => ({ nd, k }))
    .filter(({ nd, k }) => k !== c.root && nd.parent === c.root)
    .map(({ k }) => k);
  const views = span.map((p) => viewOf(c, byPeriod.get(p)!.body));
  const topicByPeriod = views.map((v) => topicRanks(c, v, topLevel));
  const rankedCount = views.map((v) => v.body.results.overall.rank.filter((r) => r > 0).length);
  const trajectories: Trajectory[] = focus.map((f) => {
    const e = idx(f);
    const orNull = (r: number) => (r > 0 ? r : null);
    return {
      entity: f,
      periods: span,
      ranked: rankedCount,
      series: [
        { scope: 'overall', ranks: views.map((v) => orNull(overallRank(v, e))) },
        ...topLevel.map((t) => ({
          scope: c.nodes[t]!.id,
          ranks: topicByPeriod.map((byTopic) => orNull(byTopic.get(t)![e]!)),
        })),
      ],
    };
  });

  // Heat map columns: every ranked entity, or past the limit each focus entity's neighbours by overall rank.
  const order = now.overall.map((r) => r.entity);
  const limit = options.heatmapLimit ?? 30;
  const near = options.neighbours ?? 10;
  let columns = order;
  if (order.length > limit) {
    const keep = new Set<number>();
    for (const f of focus) {
      const at = order.indexOf(f);
      if (at < 0) continue;
      for (let i = Math.max(0, at - near); i <= Math.min(order.length - 1, at + near); i++) keep.add(i);
    }
    keep.add(0); // the leader, whom every focus entity is measured against
    columns = [...keep].sort((a, b) => a - b).map((i) => order[i]!);
  }
  const heatmap: Heatmap = {
    entities: columns,
    indicators: c.indicators.map((i) => i.id),
    ranks: c.indicators.map((_, j) =>
      columns.map((id) => {
        const r = indicatorRank(cv, idx(id), j);
        return r > 0 ? r : null;
      }),
    ),
    depth: c.indicators.map((ind) => now.indicators[ind.id]?.length ?? 0),
    limited: columns.length < order.length,
    totalEntities: order.length,
  };

  const boardSize = options.board ?? 5;
  const boards: Board[] = focus.map((f) => {
    const e = idx(f);
    const rows: BoardRow[] = [];
    c.indicators.forEach((ind, j) => {
      const r = now.indicators[ind.id]?.find((x) => x.entity === f);
      if (!r) return;
      const p = pv ? indicatorRank(pv, e, j) : 0;
      rows.push({
        indicator: ind.id,
        // A carried value is not among the period's inputs; the diagnosis stored the value used.
        value: Number.isNaN(r.value) ? (now.diagnosis[f]?.indicators[ind.id]?.value ?? r.value) : r.value,
        rank: r.rank,
        tied: r.tied,
        score: r.score,
        carried: r.carried,
        previousRank: p > 0 ? p : null,
      });
    });
    rows.sort((a, b) => a.rank - b.rank || b.score - a.score);
    const red = rows.slice(0, Math.min(boardSize, Math.ceil(rows.length / 2)));
    const black = rows.slice(red.length).reverse().slice(0, boardSize);
    return { entity: f, red, black };
  });

  const owners = new Map(scheme.indicators.map((i) => [i.id, i.owner]));
  const treatments: Treatment[] = focus
    .filter((f) => now.diagnosis[f])
    .map((f) => {
      const d = now.diagnosis[f]!;
      return {
        entity: f,
        prescriptions: d.prescriptions
          .slice(0, options.prescriptions ?? 5)
          .map((p) => ({ ...p, owner: owners.get(p.indicator) ?? '' })),
        coaching: d.coaching,
        patterns: d.patterns,
        toFirst: now.gap[f]?.position === 'behind' ? now.gap[f]!.toFirst : {},
      };
    });

  // Period-over-period slips of the covered periods, one per alert key (the provisional ones repeat them).
  const seen = new Set<string>();
  const slips: Slip[] = [];
  for (const p of periods)
    for (const s of byPeriod.get(p)!.body.results.slips) {
      if (s.comparison !== 'period' || seen.has(s.key)) continue;
      seen.add(s.key);
      slips.push(s);
    }
  const sent = options.alerts
    ? options.alerts
        .filter((a) => periods.includes(a.period))
        .flatMap((a) => a.events.map((event) => ({ period: a.period, event })))
    : null;

  let robustness: RobustnessResult | null = null;
  if (options.robustness !== false) {
    const earlier = available.slice(0, endIndex).map((p) => byPeriod.get(p)!.body);
    robustness = rankRobustness(evaluationOf(c, current.body, earlier), options.robustness ?? {});
  }

  const snapshots: SnapshotCitation[] = [...new Set([...(compareTo ? [compareTo] : []), ...span, ...periods])]
    .sort((a, b) => periodOrdinal(scheme.periodKind, a) - periodOrdinal(scheme.periodKind, b))
    .map((p) => {
      const s = byPeriod.get(p)!;
      return {
        period: p,
        seq: s.body.seq,
        recordedAt: s.body.recordedAt,
        hash: s.hash ?? null,
        previousHash: s.previousHash ?? null,
      };
    });

  return {
    kind,
    scheme: { id: scheme.id, version: scheme.version },
    period,
    periods,
    compareTo,
    focus,
    headline,
    ranking,
    unranked: now.unranked,
    waterfalls,
    trajectories,
    heatmap,
    boards,
    treatments,
    alerts: { slips, sent, notifications: options.notifications ? [...options.notifications] : null },
    robustness,
    snapshots,
  };
}
