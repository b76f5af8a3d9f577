// The leaders' dashboard data (领导驾驶舱): the current ranking with ties, the focus entity's gap to first and
// its trajectory over the last periods, the notifications the caller may see, the bulletins list, and a version
// over every period's head so the page can tell when a new snapshot was recorded. Built from the stored
// snapshots as the query routes read them (checked against the hash chain); the building itself is pure.
import { createHash } from 'node:crypto';
import type { NotificationState } from '../../domain/lifecycle.ts';
import { type Names, SEVERITY_NAMES, schemeNames, slipMessage } from '../../domain/messages.ts';
import type { Scheme } from '../../domain/scheme.ts';
import type { SnapshotBody } from '../../domain/snapshot.ts';
import { type Caller, mayRead } from './alert-routes.ts';
import type { ObjectLists } from './aws/s3.ts';
import { BULLETIN_PREFIX } from './bulletin-location.ts';
import { rankingRows } from './ranking-rows.ts';

type Text = { zh: string; en: string };

/** How many periods the trajectory shows unless the page asks for another number. */
export const DEFAULT_TRAJECTORY_PERIODS = 8;
export const MAX_TRAJECTORY_PERIODS = 52;
/** The notification states a leader still has to act on or watch (resolved and silenced ones are left out). */
export const LIVE_STATUSES: readonly NotificationState['status'][] = ['open', 'acknowledged', 'escalated'];

/** A period's head as the table keeps it (no body read): what the version is computed from. */
export interface HeadSummary {
  period: string;
  seq: number;
  hash: string;
  recordedAt: string;
}

/** A snapshot read back and checked (AuditedReader.snapshot). */
export interface CheckedSnapshot {
  manifest: { period: string; seq: number; hash: string; recordedAt: string; schemeVersion: string };
  body: SnapshotBody;
}

/** One bulletin the bulletin function stored, `bulletins/<scheme>/<period>-<kind>.html`. */
export interface BulletinEntry {
  key: string;
  period: string;
  kind: string;
  lastModified?: string;
  size?: number;
}

/** Where the bulletins list comes from: the bulletin bucket when the function has one. */
export interface BulletinList {
  list(scheme: string): Promise<BulletinEntry[]>;
}

export type SchemeView = Pick<Scheme, 'id' | 'version' | 'name' | 'entities' | 'indicators' | 'focus'>;

export interface DashboardRow {
  entity: string;
  name: Text;
  rank: number | null;
  tied: boolean;
  score: number | null;
  unranked?: string;
}

export interface FocusGap {
  entity: string;
  name: Text;
  rank: number | null;
  tied: boolean;
  score: number | null;
  /** `behind`: the gap to the leader; `first`: the lead over the runner-up; `unranked`: neither. */
  position: 'behind' | 'first' | 'unranked';
  versus: { entity: string; name: Text; score: number | null } | null;
  /** S_first − S_focus (behind), S_focus − S_second (first), 0 when unranked; full precision. */
  scoreGap: number;
  /** The engine's decomposition of the gap (C_j per indicator, largest first), when the snapshot has it. */
  contributions: { indicator: string; name: Text; value: number }[];
}

export interface TrajectoryPoint {
  period: string;
  seq: number;
  rank: number | null;
  tied: boolean;
  score: number | null;
  position: FocusGap['position'];
  scoreGap: number;
}

export interface DashboardNotification {
  id: string;
  status: NotificationState['status'];
  level: number;
  version: number;
  severity: string;
  severityName: Text;
  period: string;
  entity: string;
  entityName: Text;
  scope: 'overall' | 'indicator';
  indicator?: string;
  indicatorName?: Text;
  owner?: string;
  rule: string;
  openedAt: string;
  text: Text;
  acknowledged?: { by: string; at: string; note?: string };
}

export interface DashboardData {
  scheme: { id: string; version: string | null; name: Text };
  caller: Caller;
  /** Whether this caller's role may use the acknowledge route (auditors read only). */
  canAcknowledge: boolean;
  /** A digest of every period's head: changes whenever any snapshot is recorded. */
  version: string;
  /** The latest period's head snapshot (the one the ranking is read from). */
  head: { period: string; seq: number; hash: string; recordedAt: string } | null;
  /** False when the caller already had this version (`since`): ranking, focus and trajectory are left out. */
  changed: boolean;
  period: string | null;
  ranking?: DashboardRow[];
  focus?: FocusGap | null;
  trajectory?: TrajectoryPoint[];
  notifications: DashboardNotification[];
  bulletins: { configured: boolean; items: BulletinEntry[] };
}

export interface DashboardInput {
  schemeId: string;
  /** The active scheme, for names and the focus entity; without it ids stand for names. */
  scheme?: SchemeView;
  caller: Caller;
  heads: readonly HeadSummary[];
  /** The last snapshot of each trajectory period, oldest first; the last is the current period's. */
  snapshots: readonly CheckedSnapshot[];
  notifications: readonly NotificationState[];
  bulletins: { configured: boolean; items: BulletinEntry[] };
  since?: string;
}

/** Every period's head in one short digest: any new snapshot (of any period) gives a new version. */
export function headsVersion(heads: readonly HeadSummary[]): string {
  const text = [...heads]
    .sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0))
    .map((h) => `${h.period}#${h.seq}#${h.hash}`)
    .join('\n');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** The periods whose snapshots the dashboard reads: the last `n` periods that have a head, oldest first. */
export function trajectoryPeriods(heads: readonly HeadSummary[], n: number): string[] {
  return [...new Set(heads.map((h) => h.period))].sort().slice(-Math.max(1, n));
}

const idNames = (): Names => ({
  entity: (id) => ({ zh: id, en: id }),
  indicator: (id) => ({ zh: id, en: id }),
});

/** The focus entity: the scheme's first, else the first entity the snapshot computed a gap for. */
function focusEntity(scheme: SchemeView | undefined, body: SnapshotBody): string | undefined {
  return scheme?.focus[0] ?? Object.keys(body.results.gap ?? {})[0];
}

/**
 * The focus entity's position in one snapshot. The gap is the engine's own (`results.gap`, so it agrees with
 * its decomposition) when the snapshot holds one for the entity; otherwise it is worked out from the ranking
 * the same way: the leader is the first rank-1 entity in the snapshot's order, the runner-up (when the entity
 * is first) the next ranked entity.
 */
export function focusGap(body: SnapshotBody, entity: string, names: Names): FocusGap {
  const rows = rankingRows(body, false);
  const me = rows.find((r) => r.entity === entity);
  const base = {
    entity,
    name: names.entity(entity),
    rank: me?.rank ?? null,
    tied: me?.tied ?? false,
    score: me?.score ?? null,
  };
  const scoreOf = (id: string) => rows.find((r) => r.entity === id)?.score ?? null;
  const versusOf = (id: string | null | undefined) =>
    id ? { entity: id, name: names.entity(id), score: scoreOf(id) } : null;
  const contributionsOf = (c: Record<string, number> | undefined) =>
    Object.entries(c ?? {})
      .map(([indicator, value]) => ({ indicator, name: names.indicator(indicator), value }))
      .sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
  if (!me || me.rank === null || me.score === null)
    return { ...base, position: 'unranked', versus: null, scoreGap: 0, contributions: [] };
  const stored = body.results.gap?.[entity];
  if (stored && stored.position !== 'unranked')
    return {
      ...base,
      position: stored.position,
      versus: versusOf(stored.versus),
      scoreGap: stored.scoreGap,
      contributions: contributionsOf(stored.contributions),
    };
  // In the snapshot's entity order, as the engine orders ranked entities (rank, then position).
  const order = body.inputs.entities
    .map((id) => rows.find((r) => r.entity === id)!)
    .filter((r) => r.rank !== null && r.score !== null)
    .sort((a, b) => a.rank! - b.rank!);
  if (me.rank === 1) {
    const second = order.find((r) => r.entity !== entity);
    return {
      ...base,
      position: 'first',
      versus: versusOf(second?.entity),
      scoreGap: second ? me.score - second.score! : 0,
      contributions: [],
    };
  }
  const leader = order[0]!;
  return {
    ...base,
    position: 'behind',
    versus: versusOf(leader.entity),
    scoreGap: leader.score! - me.score,
    contributions: [],
  };
}

/** A notification as the page shows it: names and its one-line text in both languages. */
export function dashboardNotification(s: NotificationState, names: Names): DashboardNotification {
  const n = s.notification;
  const slip = n.rules.find((r) => r.rule === n.rule) ?? n.rules[0];
  const severity = SEVERITY_NAMES[n.severity as keyof typeof SEVERITY_NAMES] ?? {
    zh: n.severity,
    en: n.severity,
  };
  const scope =
    n.scope === 'overall'
      ? { zh: '总排名', en: 'overall rank' }
      : {
          zh: `「${names.indicator(n.indicator ?? '').zh}」`,
          en: `“${names.indicator(n.indicator ?? '').en}”`,
        };
  const text: Text = slip
    ? slipMessage(slip, names)
    : {
        zh: `【${severity.zh}】${names.entity(n.entity).zh} ${n.period} ${scope.zh}（${n.rule}）`,
        en: `[${severity.en}] ${names.entity(n.entity).en} ${n.period} ${scope.en} (${n.rule})`,
      };
  return {
    id: n.id,
    status: s.status,
    level: s.level,
    version: s.version,
    severity: n.severity,
    severityName: { zh: severity.zh, en: severity.en },
    period: n.period,
    entity: n.entity,
    entityName: names.entity(n.entity),
    scope: n.scope,
    ...(n.indicator === undefined
      ? {}
      : { indicator: n.indicator, indicatorName: names.indicator(n.indicator) }),
    ...(n.owner === undefined ? {} : { owner: n.owner }),
    rule: n.rule,
    openedAt: n.openedAt,
    text,
    ...(s.acknowledged ? { acknowledged: s.acknowledged } : {}),
  };
}

const latestHead = (heads: readonly HeadSummary[]) =>
  [...heads].sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0)).at(-1);

/** The current snapshot's manifest when it was read, else (unchanged version) the latest period's head. */
function headOf(current: CheckedSnapshot | undefined, heads: readonly HeadSummary[]): DashboardData['head'] {
  const h = current?.manifest ?? latestHead(heads);
  return h ? { period: h.period, seq: h.seq, hash: h.hash, recordedAt: h.recordedAt } : null;
}

const SEVERITY_ORDER: Record<string, number> = { critical: 0, warning: 1, info: 2 };

/** The dashboard for one caller, from what was read (see readDashboard in dashboard-routes.ts). */
export function buildDashboard(input: DashboardInput): DashboardData {
  const { scheme, caller } = input;
  const names = scheme ? schemeNames(scheme) : idNames();
  const version = headsVersion(input.heads);
  const current = input.snapshots.at(-1);
  const notifications = input.notifications
    .filter((s) => mayRead(caller, s) && LIVE_STATUSES.includes(s.status))
    .map((s) => dashboardNotification(s, names))
    // Open first (what still needs someone), then by severity, newest first.
    .sort(
      (a, b) =>
        Number(a.status !== 'open' && a.status !== 'escalated') -
          Number(b.status !== 'open' && b.status !== 'escalated') ||
        (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9) ||
        (a.openedAt < b.openedAt ? 1 : a.openedAt > b.openedAt ? -1 : 0),
    );
  const out: DashboardData = {
    scheme: {
      id: input.schemeId,
      version: scheme?.version ?? current?.manifest.schemeVersion ?? null,
      name: {
        zh: scheme?.name.zh ?? scheme?.name.en ?? input.schemeId,
        en: scheme?.name.en ?? scheme?.name.zh ?? input.schemeId,
      },
    },
    caller,
    canAcknowledge: caller.kind !== 'auditor',
    version,
    head: headOf(current, input.heads),
    changed: input.since !== version,
    period: current?.manifest.period ?? latestHead(input.heads)?.period ?? null,
    notifications,
    bulletins: input.bulletins,
  };
  if (!out.changed) return out;
  if (!current) return { ...out, ranking: [], focus: null, trajectory: [] };
  out.ranking = rankingRows(current.body, false).map((r) => ({
    entity: r.entity,
    name: names.entity(r.entity),
    rank: r.rank,
    tied: r.tied,
    score: r.score,
    ...(r.unranked === undefined ? {} : { unranked: r.unranked }),
  }));
  const focus = focusEntity(scheme, current.body);
  out.focus = focus === undefined ? null : focusGap(current.body, focus, names);
  out.trajectory =
    focus === undefined
      ? []
      : input.snapshots.map(({ manifest, body }) => {
          const g = focusGap(body, focus, names);
          return {
            period: manifest.period,
            seq: manifest.seq,
            rank: g.rank,
            tied: g.tied,
            score: g.score,
            position: g.position,
            scoreGap: g.scoreGap,
          };
        });
  return out;
}

/** `bulletins/<scheme>/2026-W26-weekly.html` → its period and kind; undefined for any other key. */
export function bulletinEntry(scheme: string, key: string): BulletinEntry | undefined {
  const prefix = `${BULLETIN_PREFIX}${scheme}/`;
  if (!key.startsWith(prefix)) return undefined;
  const m = /^(.+)-(weekly|monthly)\.html$/.exec(key.slice(prefix.length));
  return m ? { key, period: m[1]!, kind: m[2]! } : undefined;
}

/** The bulletins list from the bulletin bucket: its objects under the scheme's prefix, newest period first. */
export function bucketBulletins(objects: ObjectLists, bucket: string): BulletinList {
  return {
    async list(scheme) {
      const found = await objects.listObjects(bucket, `${BULLETIN_PREFIX}${scheme}/`);
      return found
        .map((o) => {
          const entry = bulletinEntry(scheme, o.Key);
          return entry
            ? {
                ...entry,
                ...(o.LastModified === undefined ? {} : { lastModified: o.LastModified }),
                ...(o.Size === undefined ? {} : { size: o.Size }),
              }
            : undefined;
        })
        .filter((e): e is BulletinEntry => e !== undefined)
        .sort((a, b) => b.period.localeCompare(a.period) || a.kind.localeCompare(b.kind));
    },
  };
}
