// `rankwatch start` (npm start): synthesises the CDK app, starts the engine from cdk.out on this machine,
// stores the Gansu scheme, has the departments publish the scenario's 26 weeks on the local EventBridge with
// the real SDK, waits until everything is delivered and prints what each user would see — read back from the
// engine's stored snapshots and the leaders' alert log. Then it stops everything and exits; with --serve it
// stays up for the CLI, the AWS CLI and the SDK.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Lang } from '../../domain/messages.ts';
import { parseObservationsCsv } from '../../domain/observations.ts';
import { displayName, loadSchemeText, type Scheme } from '../../domain/scheme.ts';
import { periodFromSnapshot } from '../../domain/snapshot.ts';
import {
  ASSESSMENT_RECORDED,
  departmentSource,
  INDICATOR_RESULTS_PUBLISHED,
  INDICATOR_VALUE_REPORTED,
  OBSERVATION_REJECTED,
  RANKING_REACHED_FIRST,
  RANKING_RECOVERED,
  RANKING_SLIPPED,
} from '../../events/index.ts';
import type { DynamoAssessmentStore } from '../../functions/shared/dynamo-store.ts';
import { type Engine, startEngine } from '../../local/engine.ts';
import { departmentCredentials, localCredentialsFor, signedHeaders } from '../../local/principals.ts';
import { publishLocalBulletins } from '../bulletin-report.ts';
import { engineFile, removeEngineState, runningEngine, writeEngineState } from '../engine-client.ts';
import { type CommandIo, processIo, UsageError } from '../io.ts';
import { lifecycleSection, routingLines } from '../lifecycle-report.ts';
import { clientsBySource, departmentEvents, putAll, type ValueRow } from '../publishing.ts';
import { renderPeriod } from '../report.ts';
import { parseAlertsLog } from '../snapshot-view.ts';
import { type VerdictLike, verdictText } from '../text.ts';
import { type DashboardProxy, dashboardLine, serveDashboard } from './dashboard.ts';
import { schemePutCommand, storeFrom } from './store.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCENARIO = join(ROOT, 'scenarios', 'gansu');
export const SCHEME_FILE = join(SCENARIO, 'scheme.yaml');
export const OBSERVATIONS_FILE = join(SCENARIO, 'observations.csv');
/** Timers run this many times faster unless --time-scale says otherwise (see README, fidelity notes). */
export const DEFAULT_TIME_SCALE = 20;
export const SERVE_PORT = 4010;

export const usage =
  'rankwatch start [--serve] [--port N] [--data-dir DIR] [--time-scale N] [--no-synth] [--no-scenario] [--lang zh|en]';

export interface StartOptions {
  serve?: boolean;
  port?: string;
  'sqs-port'?: string;
  'api-port'?: string;
  'dynamodb-port'?: string;
  host?: string;
  'data-dir'?: string;
  'time-scale'?: string;
  'no-synth'?: boolean;
  'no-scenario'?: boolean;
  lang?: string;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function portOf(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`${flag} must be a port number (got "${value}")`, usage);
  return n;
}

/** `cdk synth --quiet` with this Node (the pinned 22), offline: no version check, no telemetry, no notices. */
export function synthesise(root = ROOT): Promise<void> {
  return new Promise((resolve, reject) => {
    const cdk = join(root, 'node_modules', 'aws-cdk', 'bin', 'cdk');
    const child = spawn(process.execPath, [cdk, 'synth', '--quiet'], {
      cwd: root,
      env: {
        ...process.env,
        PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
        CDK_DISABLE_VERSION_CHECK: '1',
        CDK_DISABLE_CLI_TELEMETRY: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`cdk synth 失败 / cdk synth failed (exit ${code}):\n${output.trim()}`)),
    );
  });
}

/** A progress bar on stderr: redrawn in place on a terminal, one line per step otherwise. */
function progress(io: CommandIo, tty: boolean) {
  return (done: number, total: number, label: string) => {
    const width = 26;
    const filled = Math.round((done / Math.max(1, total)) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const line = `  [${bar}] ${String(done).padStart(String(total).length)}/${total} ${label}`;
    io.stderr(tty ? `\r${line}${done === total ? '\n' : ''}` : `${line}\n`);
  };
}

export interface ScenarioSummary {
  events: number;
  byType: Record<string, number>;
  ms: number;
}

/** The departments publish the scenario week by week; each week is delivered before the next one. */
export async function publishScenario(
  engine: Engine,
  scheme: Scheme,
  rows: readonly ValueRow[],
  onWeek: (done: number, total: number, period: string, events: number) => void = () => {},
): Promise<ScenarioSummary> {
  const owner = new Map(scheme.indicators.map((i) => [i.id, i.owner]));
  const weeks = departmentEvents(rows, {
    scheme: scheme.id,
    busName: engine.bus,
    sourceOf: (row) => row.source ?? departmentSource(owner.get(row.indicator) ?? 'unknown'),
  });
  // Each department publishes as itself, with its local credentials (local/principals.ts).
  const clients = clientsBySource(
    (source) =>
      new EventBridgeClient({
        endpoint: engine.endpoints.eventBridge,
        region: engine.model.region,
        credentials: localCredentialsFor(engine.model, { source }),
      }),
  );
  const byType: Record<string, number> = {};
  let events = 0;
  const started = Date.now();
  onWeek(0, weeks.length, '', 0);
  try {
    for (const [i, week] of weeks.entries()) {
      await putAll(
        (source) => clients.of(source),
        week.events.map((e) => e.entry),
      );
      for (const e of week.events) byType[e.detailType] = (byType[e.detailType] ?? 0) + 1;
      events += week.events.length;
      await engine.settle();
      onWeek(i + 1, weeks.length, week.period, week.events.length);
    }
  } finally {
    clients.destroy();
  }
  return { events, byType, ms: Date.now() - started };
}

/** What each user sees, from the stored snapshots, the leaders' alert log and the chain verification. */
async function report(
  engine: Engine,
  store: DynamoAssessmentStore,
  scheme: Scheme,
  lang: Lang,
  busEvents: Map<string, number>,
  io: CommandIo,
): Promise<void> {
  const heads = await store.allHeads(scheme.id);
  const manifests = await Promise.all(heads.map((h) => store.manifests(scheme.id, h.period)));
  const snapshots = manifests.reduce((n, m) => n + m.length, 0);
  const bodyOf = async (i: number) => {
    const list = manifests[i] ?? [];
    const head = list.reduce((a, b) => (b.seq > a.seq ? b : a));
    return store.snapshotBody(head);
  };
  const alerts =
    engine.alertsLog && existsSync(engine.alertsLog)
      ? parseAlertsLog(readFileSync(engine.alertsLog, 'utf8')).filter((a) => a.kind === 'slipped')
      : [];
  const out: string[] = [];
  if (heads.length > 0) {
    const last = periodFromSnapshot(await bodyOf(heads.length - 1));
    const prev = heads.length > 1 ? periodFromSnapshot(await bodyOf(heads.length - 2)) : undefined;
    const lastAlerts = alerts
      .filter((a) => a.period === last.period)
      .map((a) => (lang === 'zh' ? a.zh : a.en));
    out.push('━━ 领导看到的 · what the leaders see ━━', '');
    out.push(renderPeriod(scheme, last, prev, lang, { alerts: lastAlerts }), '');
  }
  out.push(
    `领导收到的全部排名预警通知（SNS → ${engine.alertsLog ?? '—'}）共 ${alerts.length} 条，同一单位同一范围同一周的规则合并为一条 / every notification the leaders received: ${alerts.length} (the rules that hold for one entity, scope and week are one notification)`,
  );
  for (const a of alerts) out.push(`  ${lang === 'zh' ? a.zh : a.en}`);
  out.push('');
  const loop = await lifecycleSection(store, scheme, () => engine.settle());
  out.push(...loop.lines);
  out.push(...routingLines(engine.topics.values()));
  out.push(
    ...(await publishLocalBulletins(engine, scheme.id, join(dirname(engine.objectsDir), 'bulletins'))).lines,
  );
  const api = Object.values(engine.endpoints.apis)[0];
  let chain = '—';
  if (api) {
    // The auditors' route: signed as the local auditor.
    const url = `${api}/schemes/${encodeURIComponent(scheme.id)}/verify`;
    const headers = await signedHeaders(
      localCredentialsFor(engine.model, { role: 'auditor' }),
      { method: 'GET', url },
      { service: 'execute-api', region: engine.model.region },
    );
    const res = await fetch(url, { headers });
    chain = verdictText((await res.json()) as VerdictLike);
  }
  out.push('━━ 审计看到的 · what the auditors see ━━', '');
  out.push(
    `快照 / snapshots: ${snapshots}（${heads.length} 个周期 periods，${heads[0]?.period ?? ''}–${heads.at(-1)?.period ?? ''}）`,
  );
  out.push(chain);
  out.push(
    `查询 API（查询函数，路由来自模板）/ query API (the query function, routes from the template): ${api ?? '—'}`,
    '',
  );
  const count = (detailType: string) => busEvents.get(detailType) ?? 0;
  const dlq = [...engine.queues.values()].filter((q) => /Dlq|DeadLetter|Failures|Rejected/i.test(q.name));
  out.push('━━ 部门与运维看到的 · what departments and operators see ━━', '');
  out.push(
    `总线事件 / bus events: 部门上报 department reports ${count(INDICATOR_RESULTS_PUBLISHED) + count(INDICATOR_VALUE_REPORTED)} · ` +
      [
        ['评估记录', ASSESSMENT_RECORDED],
        ['排名下滑', RANKING_SLIPPED],
        ['恢复', RANKING_RECOVERED],
        ['登顶', RANKING_REACHED_FIRST],
        ['拒收', OBSERVATION_REJECTED],
      ]
        .map(([zh, type]) => `${zh} ${type} ${count(type!)}`)
        .join(' · '),
  );
  out.push(
    `函数调用 / invocations: ${[...engine.functionStats].map(([name, s]) => `${shortName(name)} ${s.invocations}${s.errors ? ` (${s.errors} 失败 failed)` : ''}`).join(' · ')}`,
  );
  out.push(
    `死信与失败队列 / dead-letter and failure queues: ${dlq.map((q) => `${shortName(q.name)} ${q.size}`).join(' · ')}`,
  );
  io.stdout(`${out.join('\n')}\n`);
}

/** `rankwatch-dev-engine-IngestionIngestFunction19855651` → `IngestionIngestFunction`. */
function shortName(name: string): string {
  return name.replace(/^rankwatch-[a-z]+-(engine|stateful)-/, '').replace(/[0-9A-F]{8}$/, '');
}

function servingText(engine: Engine, scheme: Scheme, dashboard?: DashboardProxy): string {
  const e = engine.endpoints;
  const api = Object.values(e.apis)[0];
  const detail = JSON.stringify({
    schemaVersion: 1,
    scheme: scheme.id,
    indicator: 'hotline_satisfaction',
    entity: 'lanzhou',
    period: '2026-W26',
    value: 99.5,
    observedAt: new Date().toISOString(),
  });
  const hotline = departmentCredentials('hotline12345');
  const auditor = localCredentialsFor(engine.model, { role: 'auditor' });
  const entries = JSON.stringify([
    {
      EventBusName: engine.bus,
      Source: 'dept.hotline12345',
      DetailType: INDICATOR_VALUE_REPORTED,
      Detail: detail,
    },
  ]);
  return [
    '',
    '本地引擎运行中 / the local engine is serving:',
    `  EventBridge (PutEvents, TestEventPattern): ${e.eventBridge}   总线 bus: ${engine.bus}`,
    `  DynamoDB Local: ${e.dynamodb}   表 table: ${engine.table}${engine.dataDir ? `（数据目录 data: ${engine.dataDir}）` : '（内存 in memory）'}`,
    `  SQS: ${e.sqs}`,
    `  查询 API / query API: ${api ?? '—'}   e.g. curl --aws-sigv4 aws:amz:${engine.model.region}:execute-api --user ${auditor.accessKeyId}:${auditor.secretAccessKey} ${api}/schemes/${scheme.id}/periods`,
    ...(dashboard ? [`  ${dashboardLine(dashboard.pageUrl(scheme.id), '领导 leader')}`] : []),
    `  领导预警 / leaders' alerts: ${engine.alertsLog ?? '—'}   函数日志 function logs: .rankwatch/logs/`,
    `  引擎地址文件 / engine file: ${engineFile()}`,
    ...(engine.state().schedules ?? []).map(
      (x) =>
        `  计划 / schedule ${x.name}: ${x.expression} ${x.timeZone} · 下次 next ${x.next ?? '—'}（引擎时钟 ${engine.timeScale} 倍速 / engine clock at ${engine.timeScale}×）`,
    ),
    '',
    '示例 / examples:',
    `  AWS_ACCESS_KEY_ID=${hotline.accessKeyId} AWS_SECRET_ACCESS_KEY=${hotline.secretAccessKey} aws events put-events --endpoint-url ${e.eventBridge} --region ${engine.model.region} --entries '${entries}'`,
    '  （本地按部门签名：每个部门有自己的访问密钥，见 README「本地主体」/ locally each department signs with its own key: README "Local principals"）',
    '  npx rankwatch publish --indicator hotline_satisfaction --entity lanzhou --period 2026-W26 --value 99.5',
    '  npx rankwatch publish --indicator gov_online_rate --entity lanzhou --period 2026-W26 --value 99 --department hotline12345   # 被拒收 rejected: not the owner',
    '  npx rankwatch standings · npx rankwatch history --entity lanzhou · npx rankwatch snapshot --period 2026-W16 · npx rankwatch verify',
    '  npx rankwatch alerts --open · npx rankwatch ack ID --by 局长 · npx rankwatch silence --entity lanzhou --rule rankDrop --until 2026-12-31T00:00:00+08:00 --reason 数据迁移 · npx rankwatch tick',
    `  npx rankwatch test-pattern --rule ${engine.model.rules[0]?.name ?? 'RULE'} --event '${JSON.stringify({ source: 'dept.hotline12345', 'detail-type': INDICATOR_VALUE_REPORTED, detail: {} })}'`,
    '',
    '按 Ctrl+C 停止 / press Ctrl+C to stop',
  ].join('\n');
}

export async function startCommand(
  opts: StartOptions,
  io: CommandIo,
  until?: Promise<unknown>,
): Promise<number> {
  const lang = (opts.lang ?? 'zh') as Lang;
  if (lang !== 'zh' && lang !== 'en')
    throw new UsageError(`--lang must be zh or en (got "${opts.lang}")`, usage);
  const timeScale = Number(opts['time-scale'] ?? DEFAULT_TIME_SCALE);
  if (!Number.isFinite(timeScale) || timeScale < 1)
    throw new UsageError(`--time-scale must be ≥ 1 (got "${opts['time-scale']}")`, usage);
  const serve = opts.serve === true;
  if (serve) {
    const other = await runningEngine().catch(() => undefined);
    if (other) {
      throw new Error(
        `已有本地引擎在运行（进程 ${other.pid}，${other.endpoints.eventBridge}）/ a local engine is already running (pid ${other.pid}); stop it first`,
      );
    }
  }
  const t0 = Date.now();
  const tty = io === processIo && process.stderr.isTTY === true;
  io.stdout('rankwatch 本地引擎 · 甘肃场景 / the local engine · the Gansu scenario\n');
  let synthMs = 0;
  const busEvents = new Map<string, number>();
  let live = false;
  const engine = await startEngine({
    cdkOut: join(ROOT, 'cdk.out'),
    ...(opts['no-synth']
      ? {}
      : {
          prepare: async () => {
            const s = Date.now();
            io.stdout('① 合成 CDK 应用 / synthesising the CDK app (cdk synth --quiet, offline) …\n');
            await synthesise();
            synthMs = Date.now() - s;
          },
        }),
    onEventBridgeListening: (url) =>
      io.stdout(`本地 EventBridge 已监听 / local EventBridge listening: ${url}\n`),
    ...(opts.host ? { host: opts.host } : {}),
    ports: {
      ...(portOf(opts.port, '--port') !== undefined
        ? { eventBridge: portOf(opts.port, '--port')! }
        : serve
          ? { eventBridge: SERVE_PORT }
          : {}),
      ...(opts['sqs-port'] ? { sqs: portOf(opts['sqs-port'], '--sqs-port')! } : {}),
      ...(opts['api-port'] ? { api: portOf(opts['api-port'], '--api-port')! } : {}),
      ...(opts['dynamodb-port'] ? { dynamodb: portOf(opts['dynamodb-port'], '--dynamodb-port')! } : {}),
    },
    ...(opts['data-dir'] ? { dataDir: opts['data-dir'] } : {}),
    timeScale,
    alertConsole: (text) => {
      if (live) io.stdout(`${text}\n`);
    },
    log: (message) => io.stderr(`${message}\n`),
  });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= engine.stop());
  let dashboard: DashboardProxy | undefined;
  try {
    engine.eventBridge.onEvent((event) =>
      busEvents.set(event['detail-type'], (busEvents.get(event['detail-type']) ?? 0) + 1),
    );
    const m = engine.model;
    io.stdout(
      `${synthMs ? `   合成用时 / synthesised in ${seconds(synthMs)}\n` : ''}② 引擎已按模板接线 / engine wired from cdk.out in ${seconds(Date.now() - t0 - synthMs)}: ` +
        `${m.tables.length} 表 table · ${m.buses.length} 总线 bus · ${m.rules.length} 规则 rules · ${m.queues.length} 队列 queues · ` +
        `${m.functions.length} 函数 functions · ${m.eventSourceMappings.length} 事件源映射 event source mappings · ${m.httpApis.length} HTTP API · ${m.topics.length} SNS 主题 topics\n` +
        `   DynamoDB Local（Java，${engine.dataDir ? `数据目录 ${engine.dataDir}` : '内存 in memory'}）${engine.endpoints.dynamodb} · 计时器 ${timeScale} 倍速 / timers at ${timeScale}× (batching windows, visibility timeouts, retry delays)\n`,
    );
    const scheme = loadSchemeText(readFileSync(SCHEME_FILE, 'utf8'), SCHEME_FILE);
    io.stdout('③ 保存考核方案 / storing the scheme (rankwatch scheme put): ');
    const put = await schemePutCommand(
      SCHEME_FILE,
      { endpoint: engine.endpoints.dynamodb, table: engine.table! },
      io,
    );
    if (put !== 0) return put;
    const store = storeFrom({ endpoint: engine.endpoints.dynamodb, table: engine.table! });
    if (!opts['no-scenario']) {
      const rows = parseObservationsCsv(readFileSync(OBSERVATIONS_FILE, 'utf8'), scheme, OBSERVATIONS_FILE);
      const weeks = new Set(rows.map((r) => r.period)).size;
      io.stdout(
        `④ 各部门通过本地 EventBridge 发布 ${weeks} 周数据（真实 SDK，每周一批）/ departments publish ${weeks} weeks on the local EventBridge (the real SDK, week by week):\n`,
      );
      const bar = progress(io, tty);
      const summary = await publishScenario(engine, scheme, rows, (done, total, period, events) =>
        bar(done, total, done === 0 ? '' : `${period} · ${events} 事件 events`),
      );
      io.stdout(
        `   ${summary.events} 个事件 events (${Object.entries(summary.byType)
          .map(([t, n]) => `${t} ×${n}`)
          .join(', ')}) · ${seconds(summary.ms)}\n`,
      );
      io.stdout(
        `⑤ 结果（读自引擎存储的快照）/ results, read back from the engine's stored snapshots — ${displayName(scheme.name, lang, scheme.id)}\n\n`,
      );
      await report(engine, store, scheme, lang, busEvents, io);
    }
    if (!serve) return 0;
    live = true;
    // Serving: the template's schedules (escalate every 15 minutes, the Monday 周提醒) fire on the engine's
    // clock from now on, at --time-scale (after the scenario, so its report does not depend on timing).
    engine.scheduler.start();
    writeEngineState({ ...engine.state(), schemes: [scheme.id] });
    // The leaders' dashboard through a local signing proxy, as the leader (README, 领导驾驶舱).
    dashboard = await serveDashboard(engine, scheme.id);
    io.stdout(`${servingText(engine, scheme, dashboard)}\n`);
    await (until ??
      new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }));
    io.stdout('\n正在停止 / stopping …\n');
    return 0;
  } finally {
    removeEngineState();
    await dashboard?.close();
    await stop();
    io.stdout(
      `引擎已停止，无残留进程与端口 / engine stopped: no process or port left · 用时 total ${seconds(Date.now() - t0)}\n`,
    );
  }
}
