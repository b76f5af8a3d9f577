// What auditors and leaders ask the engine, through the query API's own code: `standings` (the current
// ranking), `history --entity`, `snapshot --period [--as-of]` and `verify`. Locally the engine's HTTP API runs
// the bundled query function; with --aws the same handler runs here over the deployed table.
import type { Lang } from '../../domain/messages.ts';
import { displayName, type Scheme } from '../../domain/scheme.ts';
import type { QueryRoute } from '../../functions/query-routes.ts';
import { resolveTarget, schemeOf, type Target, type TargetOptions } from '../engine-client.ts';
import { type CommandIo, UsageError } from '../io.ts';
import { fmt, table, type VerdictLike, verdictText } from '../text.ts';

export interface QueryOptions extends TargetOptions {
  scheme?: string;
  period?: string;
  entity?: string;
  'as-of'?: string;
  seq?: string;
  from?: string;
  to?: string;
  all?: boolean;
  format?: string;
  lang?: string;
}

interface RankingRow {
  entity: string;
  rank: number | null;
  tied: boolean;
  score: number | null;
  unranked?: string;
}

interface SnapshotAnswer {
  scheme: string;
  period: string;
  seq: number;
  recordedAt: string;
  hash: string;
  previousHash: string | null;
  schemeVersion: string;
  ranking: RankingRow[];
}

class QueryFailedError extends Error {
  constructor(status: number, body: string) {
    let text = body;
    try {
      const json = JSON.parse(body) as { message?: { zh?: string; en?: string } | string; field?: string };
      const m = json.message;
      text = typeof m === 'object' && m ? `${m.zh} / ${m.en}` : String(m ?? body);
      if (json.field) text = `${json.field}: ${text}`;
    } catch {
      // Not JSON: shown as it came.
    }
    super(`查询失败 / query failed (${status}): ${text}`);
    this.name = 'QueryFailedError';
  }
}

async function ask<T>(
  target: Target,
  route: QueryRoute,
  path: Record<string, string>,
  query: Record<string, string | undefined> = {},
): Promise<T> {
  const answer = await target.query(route, path, query);
  if (answer.statusCode !== 200) throw new QueryFailedError(answer.statusCode, answer.body);
  return answer.json() as T;
}

async function schemeFor(target: Target, id: string): Promise<Scheme | undefined> {
  try {
    return await target.store().activeScheme(id);
  } catch {
    return undefined;
  }
}

function langOf(opts: QueryOptions, usage: string): Lang {
  const lang = opts.lang ?? 'zh';
  if (lang !== 'zh' && lang !== 'en') throw new UsageError(`--lang must be zh or en (got "${lang}")`, usage);
  return lang;
}

const nameOf = (scheme: Scheme | undefined, entity: string, lang: Lang) =>
  displayName(
    scheme?.entities.find((e) => e.id === entity)?.name ?? { zh: entity, en: entity },
    lang,
    entity,
  );

function arrow(now: number | null, before: number | null | undefined): string {
  if (now === null) return '';
  if (before === undefined || before === null) return 'new';
  if (now < before) return `↑${before - now}`;
  if (now > before) return `↓${now - before}`;
  return '→';
}

function rankingTable(
  scheme: Scheme | undefined,
  rows: RankingRow[],
  before: Map<string, number | null>,
  lang: Lang,
): string {
  const zh = lang === 'zh';
  const ranked = rows.filter((r) => r.rank !== null);
  const out = table(
    [zh ? '名次' : 'Rank', zh ? '市州' : 'Entity', zh ? '得分' : 'Score', zh ? '较上期' : 'vs prev.'],
    ranked.map((r) => [
      `${r.rank}${r.tied ? (zh ? ' (并列)' : ' (tied)') : ''}`,
      (scheme?.focus.includes(r.entity) ? '▶ ' : '  ') + nameOf(scheme, r.entity, lang),
      fmt(r.score, scheme?.composite.precision ?? 2),
      arrow(r.rank, before.get(r.entity)),
    ]),
    [2],
  );
  const unranked = rows.filter((r) => r.rank === null);
  return unranked.length
    ? `${out}\n${zh ? '未排名' : 'Unranked'}: ${unranked.map((r) => `${nameOf(scheme, r.entity, lang)} (${r.unranked})`).join('; ')}`
    : out;
}

function header(scheme: Scheme | undefined, s: SnapshotAnswer, lang: Lang): string {
  const title = scheme ? displayName(scheme.name, lang, scheme.id) : s.scheme;
  return lang === 'zh'
    ? `${title} · ${s.period} · 第${s.seq}号快照 · 记录于 ${s.recordedAt} · 哈希 ${s.hash.slice(0, 16)}… (方案版本 ${s.schemeVersion})`
    : `${title} · ${s.period} · snapshot #${s.seq} · recorded ${s.recordedAt} · hash ${s.hash.slice(0, 16)}… (scheme version ${s.schemeVersion})`;
}

export const standingsUsage =
  'rankwatch standings [--scheme ID] [--period P] [--lang zh|en] [--format json] [--aws --table T]';

/** The current ranking of the latest period (or --period), with arrows against the period before. */
export async function standingsCommand(opts: QueryOptions, io: CommandIo): Promise<number> {
  const lang = langOf(opts, standingsUsage);
  const target = await resolveTarget(opts);
  const schemeId = schemeOf(opts, target, standingsUsage);
  const { periods } = await ask<{ periods: string[] }>(target, 'periods', { scheme: schemeId });
  if (periods.length === 0) {
    io.stdout(`${schemeId}: 还没有快照 / no snapshots yet\n`);
    return 1;
  }
  const period = opts.period ?? periods[periods.length - 1]!;
  const snap = await ask<SnapshotAnswer>(target, 'snapshot', { scheme: schemeId, period });
  if (opts.format === 'json') {
    io.stdout(`${JSON.stringify(snap, null, 2)}\n`);
    return 0;
  }
  const i = periods.indexOf(period);
  const before = new Map<string, number | null>();
  if (i > 0) {
    const prev = await ask<SnapshotAnswer>(target, 'snapshot', { scheme: schemeId, period: periods[i - 1]! });
    for (const r of prev.ranking) before.set(r.entity, r.rank);
  }
  const scheme = await schemeFor(target, schemeId);
  io.stdout(`${header(scheme, snap, lang)}\n\n${rankingTable(scheme, snap.ranking, before, lang)}\n`);
  return 0;
}

export const snapshotUsage =
  'rankwatch snapshot --period P [--as-of 2026-07-01T08:00:00+08:00 | --seq N] [--scheme ID] [--lang zh|en] [--format json] [--aws --table T]';

/** One snapshot of a period: the head, the one known at --as-of, or number --seq. */
export async function snapshotCommand(opts: QueryOptions, io: CommandIo): Promise<number> {
  const lang = langOf(opts, snapshotUsage);
  if (!opts.period) throw new UsageError('--period P is required', snapshotUsage);
  const target = await resolveTarget(opts);
  const schemeId = schemeOf(opts, target, snapshotUsage);
  const snap = await ask<SnapshotAnswer>(
    target,
    'snapshot',
    { scheme: schemeId, period: opts.period },
    { asOf: opts['as-of'], seq: opts.seq },
  );
  if (opts.format === 'json') {
    io.stdout(`${JSON.stringify(snap, null, 2)}\n`);
    return 0;
  }
  const scheme = await schemeFor(target, schemeId);
  const { snapshots } = await ask<{ snapshots: { seq: number; recordedAt: string }[] }>(target, 'snapshots', {
    scheme: schemeId,
    period: opts.period,
  });
  // Arrows against the snapshot before: the previous one of this period, or the last of the period before.
  const before = new Map<string, number | null>();
  let prev: SnapshotAnswer | undefined;
  if (snap.seq > 1) {
    prev = await ask<SnapshotAnswer>(
      target,
      'snapshot',
      { scheme: schemeId, period: opts.period },
      { seq: String(snap.seq - 1) },
    );
  } else {
    const { periods } = await ask<{ periods: string[] }>(target, 'periods', { scheme: schemeId });
    const earlier = periods[periods.indexOf(opts.period) - 1];
    if (earlier) prev = await ask<SnapshotAnswer>(target, 'snapshot', { scheme: schemeId, period: earlier });
  }
  for (const r of prev?.ranking ?? []) before.set(r.entity, r.rank);
  const zh = lang === 'zh';
  io.stdout(
    `${header(scheme, snap, lang)}\n${zh ? '前一哈希' : 'previous hash'} ${snap.previousHash ?? '—'} · ${zh ? `本周期共 ${snapshots.length} 个快照` : `${snapshots.length} snapshot(s) in this period`}${opts['as-of'] ? ` · ${zh ? '截至' : 'as of'} ${opts['as-of']}` : ''}\n\n${rankingTable(scheme, snap.ranking, before, lang)}\n`,
  );
  return 0;
}

export const historyUsage =
  'rankwatch history --entity ID [--scheme ID] [--from P] [--to P] [--as-of T] [--all] [--lang zh|en] [--format json] [--aws --table T]';

interface HistoryEntry {
  period: string;
  seq: number;
  recordedAt: string;
  hash: string;
  rank: number | null;
  tied: boolean;
  score: number | null;
}

/** One entity's ranks over time: the final snapshot of each period (every snapshot with --all). */
export async function historyCommand(opts: QueryOptions, io: CommandIo): Promise<number> {
  const lang = langOf(opts, historyUsage);
  if (!opts.entity) throw new UsageError('--entity ID is required', historyUsage);
  const target = await resolveTarget(opts);
  const schemeId = schemeOf(opts, target, historyUsage);
  const { history } = await ask<{ history: HistoryEntry[] }>(
    target,
    'history',
    { scheme: schemeId, entity: opts.entity },
    { final: opts.all ? undefined : 'true', from: opts.from, to: opts.to, asOf: opts['as-of'] },
  );
  if (opts.format === 'json') {
    io.stdout(`${JSON.stringify(history, null, 2)}\n`);
    return 0;
  }
  const scheme = await schemeFor(target, schemeId);
  const zh = lang === 'zh';
  let previous: number | null | undefined;
  const rows = history.map((h) => {
    const line = [
      h.period,
      `#${h.seq}`,
      h.rank === null ? '—' : `${h.rank}${h.tied ? (zh ? ' (并列)' : ' (tied)') : ''}`,
      fmt(h.score, scheme?.composite.precision ?? 2),
      arrow(h.rank, previous),
      h.recordedAt,
      `${h.hash.slice(0, 12)}…`,
    ];
    previous = h.rank;
    return line;
  });
  io.stdout(
    `${nameOf(scheme, opts.entity, lang)} · ${scheme ? displayName(scheme.name, lang, schemeId) : schemeId}${opts['as-of'] ? ` · ${zh ? '截至' : 'as of'} ${opts['as-of']}` : ''}\n\n${table(
      zh
        ? ['周期', '快照', '名次', '得分', '变化', '记录时间', '哈希']
        : ['Period', 'Snapshot', 'Rank', 'Score', 'Change', 'Recorded', 'Hash'],
      rows,
      [3],
    )}\n`,
  );
  return history.length ? 0 : 1;
}

export const verifyUsage = 'rankwatch verify [--scheme ID] [--period P] [--aws --table T]';

/** Walks the hash chains: 0 when intact, 3 naming the first snapshot that fails. */
export async function verifyQueryCommand(opts: QueryOptions, io: CommandIo): Promise<number> {
  const target = await resolveTarget(opts);
  const schemeId = schemeOf(opts, target, verifyUsage);
  const v = await ask<VerdictLike>(target, 'verify', { scheme: schemeId }, { period: opts.period });
  io.stdout(`${verdictText(v)}\n`);
  return v.ok ? 0 : 3;
}
