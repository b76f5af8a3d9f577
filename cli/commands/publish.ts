// `rankwatch publish`: what a department does — one value as `Indicator.ValueReported`, or a CSV table (or an
// .xlsx workbook, long or wide) as one `Indicator.ResultsPublished` per (indicator, period) — put on the bus
// with the SDK, then the outcome of each event: applied (in which snapshot, the new rank, any alerts it
// raised) or rejected (the reasons the engine gave in `Observation.Rejected`). The outcome is read from the
// table, so it works the same locally and on AWS: a rejection is stored under the original event id, an
// applied event in the snapshot's receipt.
import { readFile } from 'node:fs/promises';
import type { Lang } from '../../domain/messages.ts';
import {
  ObservationsError,
  parseFiniteNumber,
  parseObservationsCsv,
  readObservationsCsv,
} from '../../domain/observations.ts';
import { displayName, type Scheme } from '../../domain/scheme.ts';
import {
  INDICATOR_VALUE_REPORTED,
  type IndicatorValueReportedDetail,
  RANKING_REACHED_FIRST,
  RANKING_RECOVERED,
  RANKING_SLIPPED,
} from '../../events/index.ts';
import { departmentSource } from '../../events/sources.ts';
import type { DynamoAssessmentStore } from '../../functions/shared/dynamo-store.ts';
import type { OutboxEvent } from '../../functions/shared/outbox.ts';
import { keys } from '../../functions/shared/table.ts';
import { resolveTarget, schemeOf, type Target, type TargetOptions } from '../engine-client.ts';
import { type CommandIo, UsageError } from '../io.ts';
import {
  clientsBySource,
  type DepartmentEvent,
  departmentEvents,
  putAll,
  type ValueRow,
} from '../publishing.ts';

export const usage = `rankwatch publish --indicator ID --entity ID --period P --value X [--department D] [--observed-at T]
       rankwatch publish --csv FILE [--department D]
       rankwatch publish --xlsx FILE [--department D]
         [--scheme ID] [--no-wait] [--timeout SECONDS] [--lang zh|en] [--aws [--table T] [--region R] [--bus B]]`;

export interface PublishOptions extends TargetOptions {
  scheme?: string;
  indicator?: string;
  entity?: string;
  period?: string;
  value?: string;
  department?: string;
  'observed-at'?: string;
  csv?: string;
  xlsx?: string;
  'no-wait'?: boolean;
  timeout?: string;
  lang?: string;
}

const ALERT_TYPES = new Set<string>([RANKING_SLIPPED, RANKING_RECOVERED, RANKING_REACHED_FIRST]);

type Outcome =
  | { kind: 'applied'; seq: number; hash: string }
  | { kind: 'rejected'; detail: Record<string, unknown> }
  | { kind: 'pending' };

const valueRowOf = (o: ValueRow): ValueRow => ({
  period: o.period,
  entity: o.entity,
  indicator: o.indicator,
  value: o.value,
  ...(o.observedAt ? { observedAt: o.observedAt } : {}),
  ...(o.source ? { source: o.source } : {}),
});

/**
 * Rows of a long CSV (`period,entity,indicator,value[,observedAt,source]`), read by the same reader as
 * `rankwatch evaluate` (domain/observations.ts): against the stored scheme when the engine has one, else for
 * the file's shape alone (header, row widths, filled ids, finite decimal values), the engine then checking ids
 * and times and answering with reasons. Every problem is one line `FILE:LINE: FIELD: message` of a UsageError.
 */
export function rowsOfCsv(text: string, file: string, scheme?: Scheme): ValueRow[] {
  if (text.replace(/^\uFEFF/, '').trim() === '')
    throw new UsageError(
      `${file}:1: (file): 文件为空，没有可发布的数值 / the file is empty: nothing to publish`,
      usage,
    );
  try {
    const rows = scheme ? parseObservationsCsv(text, scheme, file) : readObservationsCsv(text, file);
    return rows.map(valueRowOf);
  } catch (e) {
    if (!(e instanceof ObservationsError)) throw e;
    const n = e.errors.length;
    const shown = e.errors.slice(0, 20).map((x) => `${file}:${x.line}: ${x.field}: ${x.message}`);
    const more = n > 20 ? [`… 另有 ${n - 20} 处 / and ${n - 20} more`] : [];
    throw new UsageError(
      [`${file}: ${n} 处有误，未发布任何数值 / ${n} problem(s), nothing published`, ...shown, ...more].join(
        '\n',
      ),
      usage,
    );
  }
}

/**
 * Rows of an .xlsx workbook (long or wide layout, cli/xlsx/read.ts), read against the stored scheme: entities and
 * indicators may be named in Chinese and periods are sheet names, so the scheme is needed to read it at all.
 */
async function rowsOfXlsx(file: string, scheme: Scheme | undefined, schemeId: string): Promise<ValueRow[]> {
  if (!scheme)
    throw new UsageError(
      `方案 "${schemeId}" 未保存，无法读取 .xlsx（先运行 rankwatch scheme put FILE）/ scheme "${schemeId}" is not stored, and --xlsx is read against it (rankwatch scheme put FILE)`,
      usage,
    );
  const { readObservationsXlsx } = await import('../xlsx/read.ts');
  return (await readObservationsXlsx(await readFile(file), scheme, file)).map(valueRowOf);
}

async function outcomeOf(
  store: DynamoAssessmentStore,
  schemeId: string,
  period: string,
  eventId: string,
): Promise<Outcome> {
  const rejection = await store.db.get({
    TableName: store.table,
    Key: keys.rejection(eventId),
    ConsistentRead: true,
  });
  if (rejection.Item) {
    const [event] = JSON.parse(rejection.Item.events as string) as OutboxEvent[];
    return { kind: 'rejected', detail: event?.detail ?? {} };
  }
  const receipts = await store.db.query({
    TableName: store.table,
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.receipt(schemeId, period, 0).PK },
    ConsistentRead: true,
  });
  const receipt = (receipts.Items ?? []).find((i) => (i.eventIds as string[] | undefined)?.includes(eventId));
  if (!receipt) return { kind: 'pending' };
  const seq = Number(String(receipt.SK).slice('SEQ#'.length));
  const manifest = (await store.manifests(schemeId, period)).find((m) => m.seq === seq);
  return { kind: 'applied', seq, hash: manifest?.hash ?? '' };
}

/** Alerts the snapshot put in the outbox (the events the relay sends on). */
async function alertsOf(
  store: DynamoAssessmentStore,
  schemeId: string,
  period: string,
  seq: number,
): Promise<OutboxEvent[]> {
  const pk = keys.outbox(schemeId, period, seq, 0);
  const out = await store.db.query({
    TableName: store.table,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :seq)',
    ExpressionAttributeValues: { ':pk': pk.PK, ':seq': pk.SK.slice(0, pk.SK.lastIndexOf('#') + 1) },
  });
  return (out.Items ?? [])
    .flatMap((i) => JSON.parse(i.events as string) as OutboxEvent[])
    .filter((e) => ALERT_TYPES.has(e.detailType));
}

/** "兰州市 总排名第2名（↑1）" for an entity in a snapshot, against the one before it. */
async function standingLine(
  store: DynamoAssessmentStore,
  scheme: Scheme | undefined,
  period: string,
  seq: number,
  entity: string,
  indicator: string | undefined,
  lang: Lang,
): Promise<string> {
  const manifests = (await store.manifests(scheme?.id ?? '', period)).sort((a, b) => a.seq - b.seq);
  const m = manifests.find((x) => x.seq === seq);
  if (!m || !scheme) return '';
  const body = await store.snapshotBody(m);
  const e = body.inputs.entities.indexOf(entity);
  if (e < 0) return '';
  let before: number | undefined;
  const prior = manifests.find((x) => x.seq === seq - 1);
  if (prior) {
    const pb = await store.snapshotBody(prior);
    before = pb.results.overall.rank[pb.inputs.entities.indexOf(entity)];
  }
  const rank = body.results.overall.rank[e] ?? 0;
  const tied = body.results.overall.tied[e] === 1;
  const arrow =
    before === undefined || before === 0
      ? ''
      : rank < before
        ? ` ↑${before - rank}`
        : rank > before
          ? ` ↓${rank - before}`
          : ' →';
  const name = displayName(
    scheme.entities.find((x) => x.id === entity)?.name ?? { zh: entity },
    lang,
    entity,
  );
  const j = indicator ? body.inputs.indicators.indexOf(indicator) : -1;
  const indRank = j >= 0 ? body.results.indicatorRanks[j]?.[e] : undefined;
  const ind = indicator ? scheme.indicators.find((i) => i.id === indicator) : undefined;
  const indText =
    indRank && ind
      ? lang === 'zh'
        ? `；「${displayName(ind.name, 'zh')}」第${indRank}名`
        : `; ${displayName(ind.name, 'en')} rank ${indRank}`
      : '';
  return lang === 'zh'
    ? `${name} 总排名第${rank}名${tied ? '（并列）' : ''}${arrow}${indText}`
    : `${name} overall rank ${rank}${tied ? ' (tied)' : ''}${arrow}${indText}`;
}

async function waitForOutcomes(
  target: Target,
  schemeId: string,
  events: readonly { event: DepartmentEvent; id: string }[],
  timeoutMs: number,
): Promise<Outcome[]> {
  const store = target.store();
  const check = () =>
    Promise.all(events.map(({ event, id }) => outcomeOf(store, schemeId, event.period, id)));
  if (target.kind === 'local') {
    // The local engine says when everything it was given has been delivered: then the outcome is final.
    await target.settle();
    return check();
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcomes = await check();
    if (outcomes.every((o) => o.kind !== 'pending') || Date.now() > deadline) return outcomes;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function publishCommand(opts: PublishOptions, io: CommandIo): Promise<number> {
  const lang = (opts.lang ?? 'zh') as Lang;
  const one = opts.indicator !== undefined || opts.entity !== undefined || opts.value !== undefined;
  if (opts.csv !== undefined && opts.xlsx !== undefined)
    throw new UsageError('--csv 与 --xlsx 只能选一个 / --csv and --xlsx are exclusive', usage);
  if (one === (opts.csv !== undefined || opts.xlsx !== undefined))
    throw new UsageError(
      'give either one value (--indicator --entity --period --value) or --csv FILE or --xlsx FILE',
      usage,
    );
  const target = await resolveTarget(opts);
  const schemeId = schemeOf(opts, target, usage);
  let scheme: Scheme | undefined;
  try {
    scheme = await target.store().activeScheme(schemeId);
  } catch (e) {
    if ((e as Error).name !== 'SchemeNotFoundError') throw e;
  }
  const owner = new Map(scheme?.indicators.map((i) => [i.id, i.owner]) ?? []);
  const sourceOf = (row: ValueRow) => {
    const dept = opts.department ?? (row.source ? undefined : owner.get(row.indicator));
    if (row.source && !opts.department) return row.source;
    if (!dept)
      throw new UsageError(
        `--department is needed: the indicator "${row.indicator}" has no owner in scheme "${schemeId}"${scheme ? '' : ' (not stored)'}`,
        usage,
      );
    return departmentSource(dept);
  };

  let events: DepartmentEvent[];
  if (one) {
    for (const flag of ['indicator', 'entity', 'period', 'value'] as const)
      if (opts[flag] === undefined) throw new UsageError(`--${flag} is required`, usage);
    const value = parseFiniteNumber(opts.value!);
    if (value === null)
      throw new UsageError(`--value must be a finite decimal number (got "${opts.value}")`, usage);
    const row: ValueRow = { period: opts.period!, entity: opts.entity!, indicator: opts.indicator!, value };
    const detail: IndicatorValueReportedDetail = {
      schemaVersion: 1,
      scheme: schemeId,
      indicator: row.indicator,
      entity: row.entity,
      period: row.period,
      value,
      observedAt: opts['observed-at'] ?? new Date().toISOString(),
    };
    const source = sourceOf(row);
    events = [
      {
        period: row.period,
        indicator: row.indicator,
        source,
        detailType: INDICATOR_VALUE_REPORTED,
        entities: [row.entity],
        entry: {
          EventBusName: target.busName,
          Source: source,
          DetailType: INDICATOR_VALUE_REPORTED,
          Detail: JSON.stringify(detail),
        },
      },
    ];
  } else {
    const rows =
      opts.csv !== undefined
        ? rowsOfCsv(await readFile(opts.csv, 'utf8'), opts.csv, scheme)
        : await rowsOfXlsx(opts.xlsx!, scheme, schemeId);
    if (rows.length === 0)
      throw new UsageError(
        `${opts.csv ?? opts.xlsx}: 没有数据行，没有可发布的数值 / no data rows: nothing to publish`,
        usage,
      );
    events = departmentEvents(rows, { scheme: schemeId, busName: target.busName, sourceOf }).flatMap(
      (p) => p.events,
    );
  }

  const clients = clientsBySource((source) => target.eventBridge(source));
  let ids: string[];
  try {
    ids = await putAll(
      (source) => clients.of(source),
      events.map((e) => e.entry),
    );
  } finally {
    clients.destroy();
  }
  io.stdout(
    `已发布 ${ids.length} 个事件到总线 ${target.busName}（${target.kind === 'local' ? '本地引擎 local engine' : 'AWS'}）/ published ${ids.length} event(s)\n`,
  );
  if (opts['no-wait']) {
    for (const [i, e] of events.entries())
      io.stdout(`  ${ids[i]}  ${e.detailType} ${e.indicator} ${e.period}\n`);
    return 0;
  }
  const timeoutMs = Number(opts.timeout ?? 60) * 1000;
  const outcomes = await waitForOutcomes(
    target,
    schemeId,
    events.map((event, i) => ({ event, id: ids[i]! })),
    timeoutMs,
  );
  const store = target.store();
  let rejected = 0;
  let pending = 0;
  const shown = new Set<string>();
  for (const [i, event] of events.entries()) {
    const o = outcomes[i]!;
    const what = `${event.detailType} ${event.indicator} ${event.period}${event.entities.length === 1 ? ` ${event.entities[0]}` : ` (${event.entities.length})`}`;
    if (o.kind === 'rejected') {
      rejected++;
      const d = o.detail as {
        cause?: string;
        reasons?: { path: string; code: string; message: { zh: string; en: string } }[];
      };
      io.stdout(`✗ 已拒收 / rejected (${d.cause ?? '?'}): ${what}\n`);
      for (const r of d.reasons ?? [])
        io.stdout(`    ${r.path} [${r.code}] ${r.message.zh} / ${r.message.en}\n`);
      continue;
    }
    if (o.kind === 'pending') {
      if (target.kind === 'local') {
        io.stdout(
          `= 未改变任何数值（重复或较旧的上报）/ changed nothing (a duplicate or an older report): ${what}\n`,
        );
      } else {
        pending++;
        io.stdout(
          `? ${timeoutMs / 1000} 秒内未见结果 / no outcome within ${timeoutMs / 1000} s: ${what} (${ids[i]})\n`,
        );
      }
      continue;
    }
    io.stdout(
      `✓ 已应用 / applied: ${what} → ${event.period} 第${o.seq}号快照 snapshot #${o.seq} (${o.hash.slice(0, 12)}…)\n`,
    );
    const entities = event.entities.length === 1 ? event.entities : (scheme?.focus ?? []);
    for (const entity of entities) {
      const line = await standingLine(store, scheme, event.period, o.seq, entity, event.indicator, lang);
      if (line) io.stdout(`    ${line}\n`);
    }
    const key = `${event.period}#${o.seq}`;
    if (!shown.has(key)) {
      shown.add(key);
      for (const a of await alertsOf(store, schemeId, event.period, o.seq)) {
        const message = (a.detail as { message?: { zh: string; en: string } }).message;
        const silenced = a.silenced ? ` [已静默，未发送 / silenced, not sent: ${a.silenced}]` : '';
        io.stdout(
          `    ⚑ ${a.detailType}: ${message ? message[lang] : String(a.detail.alertKey)}${silenced}\n`,
        );
      }
    }
  }
  return rejected ? 3 : pending ? 4 : 0;
}
