// `rankwatch replay`: re-evaluates the stored periods of a scheme under one of its stored versions, each period
// appended to its own chain (the old snapshots stay and still verify), and prints the diff: per period, who
// changed rank, by how much, and which indicator's weight or normalisation moved them. Periods are replayed
// one by one in time order: in this process through the store (the local engine's table, --endpoint, or AWS
// with --aws), or with --job as the bounded replay job (infra/constructs/replay.ts) — the first period's
// message sent to the job queue, the replay function doing one period per invocation and queueing the next —
// and the report read back from the store once every period's head is under the version.

import { randomUUID } from 'node:crypto';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { toJson } from '../../domain/assessment.ts';
import type { EntityChange } from '../../domain/methodology-diff.ts';
import { isValidPeriod } from '../../domain/period.ts';
import type { Scheme } from '../../domain/scheme.ts';
import type { DynamoAssessmentStore } from '../../functions/shared/dynamo-store.ts';
import {
  type PeriodReplay,
  type ReplayJobMessage,
  replayPeriod,
  replayPeriods,
  storedReplay,
} from '../../functions/shared/methodology-replay.ts';
import { type CommandIo, UsageError } from '../io.ts';
import { type StoreOptions, storeFor } from './store.ts';

export const REPLAY_USAGE =
  'rankwatch replay --scheme ID --version V [--from P] [--to P] [--format table|json] [--lang zh|en] [--table T] [--endpoint URL | --aws] [--job [--queue-url URL] [--no-wait] [--timeout SECONDS]]';

/** The job queue's URL when --queue-url is not given (with --aws: the engine stack's output ReplayQueueUrl). */
export const REPLAY_QUEUE_URL_ENV = 'RANKWATCH_REPLAY_QUEUE_URL';

export interface ReplayOptions extends StoreOptions {
  scheme?: string;
  version?: string;
  from?: string;
  to?: string;
  format?: string;
  lang?: string;
  /** Run as the replay job through its queue instead of in this process. */
  job?: boolean;
  'queue-url'?: string;
  'no-wait'?: boolean;
  /** Seconds to wait for the job (default 900). */
  timeout?: string;
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
  if (!opts.job && (opts['queue-url'] !== undefined || opts['no-wait'] || opts.timeout !== undefined))
    throw new UsageError('--queue-url, --no-wait and --timeout go with --job', REPLAY_USAGE);
  // Only the local engine's queue is found by itself; elsewhere the job's queue must be named.
  if (opts.job && (opts.aws || opts.endpoint) && !(opts['queue-url'] ?? process.env[REPLAY_QUEUE_URL_ENV]))
    throw new UsageError(
      `--job 需要 --queue-url（引擎堆栈输出 ReplayQueueUrl）或 ${REPLAY_QUEUE_URL_ENV} / --job needs --queue-url URL (the engine stack's output ReplayQueueUrl) or ${REPLAY_QUEUE_URL_ENV}`,
      REPLAY_USAGE,
    );
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
  if (opts.job) return replayJob(opts, store, scheme, periods, { format, lang }, io);
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

/** A place to send the job's first message: its queue's URL and a client that reaches it. */
interface JobQueue {
  url: string;
  client: SQSClient;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * The replay job's queue: --queue-url (or RANKWATCH_REPLAY_QUEUE_URL); else, on the local engine, the queue
 * of the template's Replay construct (infra/constructs/replay.ts: logical id `ReplayQueue` + hash) found
 * through the engine file, as every engine command finds the engine.
 */
async function jobQueue(opts: ReplayOptions): Promise<JobQueue> {
  const url = opts['queue-url'] ?? process.env[REPLAY_QUEUE_URL_ENV];
  if (url) {
    if (opts.aws) return { url, client: new SQSClient(opts.region ? { region: opts.region } : {}) };
    // Not AWS: a local SQS endpoint, reached at the queue URL's origin.
    return {
      url,
      client: new SQSClient({
        endpoint: new URL(url).origin,
        region: opts.region ?? 'us-east-1',
        credentials: LOCAL_CREDENTIALS,
      }),
    };
  }
  const { runningEngine } = await import('../engine-client.ts');
  const engine = await runningEngine();
  const found = Object.entries(engine.queues).find(([logicalId]) =>
    /^ReplayQueue[0-9A-F]{8}$/.test(logicalId),
  );
  if (!found)
    throw new Error(
      '本地引擎的模板中没有重算任务队列（重新 cdk synth 并重启引擎）/ the local engine runs no replay job queue: synthesise again and restart it',
    );
  return {
    url: found[1],
    client: new SQSClient({
      endpoint: engine.endpoints.sqs,
      region: engine.region,
      credentials: LOCAL_CREDENTIALS,
    }),
  };
}

/**
 * --job: sends the first period's message to the job queue, then (unless --no-wait) polls the store until
 * every period of the range has its head under the version, and prints the report the in-process replay
 * prints, read back from the stored snapshots. Exit 4 when some period was not replayed in time (a failed
 * period stops the job in its DLQ).
 */
async function replayJob(
  opts: ReplayOptions,
  store: DynamoAssessmentStore,
  scheme: Scheme,
  periods: readonly string[],
  out: { format: 'table' | 'json'; lang: 'zh' | 'en' },
  io: CommandIo,
): Promise<number> {
  const timeoutMs = Number(opts.timeout ?? 900) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0)
    throw new UsageError(`--timeout must be a number of seconds, not "${opts.timeout}"`, REPLAY_USAGE);
  // Periods already under the version are skipped, as the in-process replay skips them.
  const already = new Set<string>();
  for (const p of periods)
    if ((await store.readHead(scheme.id, p))?.schemeVersion === scheme.version) already.add(p);
  const todo = periods.filter((p) => !already.has(p));
  const first = todo[0];
  if (first !== undefined) {
    const queue = await jobQueue(opts);
    const message: ReplayJobMessage = {
      scheme: scheme.id,
      version: scheme.version,
      period: first,
      to: periods.at(-1)!,
      job: randomUUID(),
    };
    try {
      await queue.client.send(
        new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(message) }),
      );
    } finally {
      queue.client.destroy();
    }
    io.stderr(
      `已提交重算任务 ${message.job}：${first} 至 ${message.to}，共 ${todo.length} 个周期 / replay job ${message.job} queued: ${todo.length} period(s), ${first} to ${message.to} (${queue.url})\n`,
    );
    if (opts['no-wait']) return 0;
  }
  const done = new Map<string, PeriodReplay>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // In time order: the job replays a period only after the one before it, so the first missing one stops the round.
    for (const p of todo) {
      if (done.has(p)) continue;
      const r = await storedReplay(store, scheme, p);
      if (!r) break;
      done.set(p, r);
    }
    if (done.size === todo.length || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const results: PeriodReplay[] = periods.flatMap((p) => {
    if (already.has(p))
      return [
        { period: p, status: 'skipped' as const, reason: `head already under version ${scheme.version}` },
      ];
    const r = done.get(p);
    return r ? [r] : [];
  });
  if (out.format === 'json') io.stdout(`${toJson(replayReport(scheme, results))}\n`);
  else io.stdout(replayTable(scheme, results, out.lang));
  const missing = todo.filter((p) => !done.has(p));
  if (missing.length === 0) return 0;
  io.stderr(
    `${timeoutMs / 1000} 秒内未重算完：${missing.join(', ')}（失败的周期在重算任务的死信队列中）/ not replayed within ${timeoutMs / 1000} s: ${missing.join(', ')} (a period that failed is in the replay job's DLQ)\n`,
  );
  return 4;
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
