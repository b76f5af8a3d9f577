// `rankwatch replay`: re-evaluates the stored periods of a scheme under one of its stored versions, each period
// appended to its own chain (the old snapshots stay and still verify), and prints the diff: per period, who
// changed rank, by how much, and which indicator's weight or normalisation moved them. Periods are replayed
// one by one in time order through the store (the local engine's table, --endpoint, or AWS with --aws).

import { toJson } from '../../domain/assessment.ts';
import type { EntityChange } from '../../domain/methodology-diff.ts';
import { isValidPeriod } from '../../domain/period.ts';
import type { Scheme } from '../../domain/scheme.ts';
import { type PeriodReplay, replayPeriod, replayPeriods } from '../../functions/shared/methodology-replay.ts';
import { type CommandIo, UsageError } from '../io.ts';
import { type StoreOptions, storeFor } from './store.ts';

export const REPLAY_USAGE =
  'rankwatch replay --scheme ID --version V [--from P] [--to P] [--format table|json] [--lang zh|en] [--table T] [--endpoint URL | --aws]';

export interface ReplayOptions extends StoreOptions {
  scheme?: string;
  version?: string;
  from?: string;
  to?: string;
  format?: string;
  lang?: string;
}

/** How many indicators a table line names per moved entity. */
const CAUSES_SHOWN = 2;

export async function replayCommand(opts: ReplayOptions, io: CommandIo): Promise<number> {
  if (!opts.scheme) throw new UsageError('--scheme ID is required', REPLAY_USAGE);
  if (!opts.version) throw new UsageError('--version V is required', REPLAY_USAGE);
  const format = opts.format ?? 'table';
  if (format !== 'table' && format !== 'json')
    throw new UsageError(`--format must be table or json, not "${format}"`, REPLAY_USAGE);
  const lang = opts.lang === 'en' ? 'en' : 'zh';
  const store = await storeFor(opts);
  const scheme = await store.schemeVersion(opts.scheme, opts.version);
  for (const [flag, p] of [
    ['--from', opts.from],
    ['--to', opts.to],
  ] as const)
    if (p !== undefined && !isValidPeriod(scheme.periodKind, p))
      throw new UsageError(`${flag} ${p} is not a ${scheme.periodKind} period id`, REPLAY_USAGE);
  const periods = await replayPeriods(store, scheme, {
    ...(opts.from ? { from: opts.from } : {}),
    ...(opts.to ? { to: opts.to } : {}),
  });
  const results: PeriodReplay[] = [];
  // In time order: each period's slips and diagnosis read the earlier periods' heads, by then replayed.
  for (const period of periods)
    results.push(
      await replayPeriod(
        { scheme: scheme.id, version: scheme.version, period },
        { store, now: () => new Date() },
      ),
    );
  if (format === 'json') io.stdout(`${toJson(replayReport(scheme, results))}\n`);
  else io.stdout(replayTable(scheme, results, lang));
  return 0;
}

/** The JSON report: per period the new snapshot, its link to the old head, and every rank change with its causes. */
export function replayReport(scheme: Scheme, results: readonly PeriodReplay[]) {
  return {
    scheme: { id: scheme.id, version: scheme.version },
    periods: results.map((r) =>
      r.status === 'skipped'
        ? { period: r.period, status: r.status, reason: r.reason }
        : {
            period: r.period,
            status: r.status,
            fromVersion: r.fromVersion,
            seq: r.seq,
            hash: r.hash,
            previousHash: r.previousHash,
            changes: r.diff.changed.map(change),
          },
    ),
  };
}

function change(e: EntityChange) {
  return {
    entity: e.entity,
    fromRank: e.fromRank,
    toRank: e.toRank,
    delta: e.delta,
    fromScore: e.fromScore,
    toScore: e.toScore,
    driver: e.driver,
    effects: e.effects,
  };
}

/** What a leader reads: per period the link, then each moved entity with the indicators that moved it. */
export function replayTable(scheme: Scheme, results: readonly PeriodReplay[], lang: 'zh' | 'en'): string {
  const entityName = new Map(scheme.entities.map((e) => [e.id, e.name[lang]]));
  const indicatorName = new Map(scheme.indicators.map((i) => [i.id, i.name[lang]]));
  const zh = lang === 'zh';
  const lines: string[] = [
    zh
      ? `方案 ${scheme.id} 按版本 ${scheme.version} 重算（旧快照保留）`
      : `${scheme.id} replayed under version ${scheme.version} (old snapshots kept)`,
  ];
  let replayed = 0;
  for (const r of results) {
    if (r.status === 'skipped') {
      lines.push(`${r.period}  ${zh ? '跳过' : 'skipped'}: ${r.reason}`);
      continue;
    }
    replayed++;
    const link = `#${r.seq} ← ${r.previousHash.slice(0, 12)}`;
    lines.push(
      `${r.period}  v${r.fromVersion} → v${scheme.version}  ${link}  ${
        zh ? `排名变化 ${r.diff.changed.length} 个` : `${r.diff.changed.length} rank change(s)`
      }`,
    );
    for (const e of r.diff.changed) {
      const moved =
        e.toRank === 0 || e.fromRank === 0
          ? zh
            ? '（未排名）'
            : '(unranked)'
          : e.delta > 0
            ? `↑${e.delta}`
            : `↓${-e.delta}`;
      const causes = e.effects
        .slice(0, CAUSES_SHOWN)
        .map((f) => {
          const by =
            Math.abs(f.weight) >= Math.abs(f.normalisation)
              ? zh
                ? '权重'
                : 'weight'
              : zh
                ? '标准化'
                : 'normalisation';
          const pts = `${f.relative >= 0 ? '+' : ''}${f.relative.toFixed(2)}`;
          const name = indicatorName.get(f.indicator) ?? f.indicator;
          return zh ? `${name}（${by} ${pts}）` : `${name} (${by} ${pts})`;
        })
        .join(zh ? '；' : '; ');
      lines.push(
        `  ${entityName.get(e.entity) ?? e.entity}  ${e.fromRank || '-'} → ${e.toRank || '-'} ${moved}  ${
          zh ? '主因' : 'because of'
        } ${causes}`,
      );
    }
  }
  lines.push(
    zh
      ? `共重算 ${replayed} 个周期，跳过 ${results.length - replayed} 个；用 rankwatch verify 校验新旧链`
      : `${replayed} period(s) replayed, ${results.length - replayed} skipped; rankwatch verify checks old and new links`,
  );
  return `${lines.join('\n')}\n`;
}
