// rankwatch command line: dispatches sub-commands; `run` is exported so tests drive it in-process.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { evaluateCommand } from './commands/evaluate.ts';
import { type CommandIo, processIo, UsageError } from './io.ts';

const HELP = `rankwatch — 考核排名监测 / performance-assessment engine

用法 Usage:
  rankwatch evaluate --scheme FILE --observations FILE.csv|FILE.xlsx [--format table|json] [--lang zh|en]
  rankwatch bulletin --scheme FILE --observations FILE.csv [--period P] [--kind weekly|monthly] [--lang zh|en]
                    --out FILE.html [--pdf FILE.pdf]   周分析/月通报（离线）/ weekly analysis or monthly bulletin, offline
  rankwatch demo [--lang zh|en]      评估甘肃场景（离线，无引擎）/ evaluate the Gansu scenario offline
  rankwatch start [--serve] [--port N] [--data-dir DIR] [--time-scale N] [--no-synth] [--no-scenario]
                                     本地引擎跑甘肃场景（npm start）/ the engine on this machine plays the scenario
  rankwatch publish --indicator ID --entity ID --period P --value X [--department D]
  rankwatch publish --csv FILE [--department D]       部门上报并等待结果 / report and wait for the outcome
  rankwatch publish --xlsx FILE [--department D]      上报 Excel 表（长表或宽表）/ report an Excel workbook (long or wide)
  rankwatch template --department D --period P --scheme FILE --out FILE.xlsx
                                                      部门填报模板（离线）/ a department's fill-in workbook, offline
  rankwatch standings [--period P]                    当前排名 / current ranking
  rankwatch history --entity ID [--all]               单位历史 / an entity's history
  rankwatch snapshot --period P [--as-of T | --seq N] 某时点快照 / a snapshot as known at a time
  rankwatch verify [--period P]                       校验哈希链 / verify the hash chain
  rankwatch export (--period P | --entity E [--all]) [--as-of T] --format csv|xlsx|json [--out FILE]
                                                      审计导出（先校验哈希链）/ audit export, chain verified first
  rankwatch explain --period P --entity E [--indicator I] [--as-of T] [--lang zh|en] [--format text|json]
                                                      排名与得分溯源（先校验哈希链）/ how a rank and score came about, chain verified first
  rankwatch test-pattern (--pattern JSON | --rule NAME) --event JSON   测试事件模式 / TestEventPattern
  rankwatch alerts [--open] [--department D]          预警提醒及其状态 / notifications and their state
  rankwatch ack ID --by NAME [--note TEXT]            确认预警提醒 / acknowledge a notification
  rankwatch silence --entity E --scope S --rule R --until T --reason TEXT
                                                      静默：记录但不发送 / silence: recorded, not sent
  rankwatch silences [--all]                          生效的静默 / silences in force
  rankwatch tick [--rule NAME]                        立即触发定时规则 / fire scheduled rules now
  rankwatch dashboard [--port N] [--department D] [--aws --api URL]
                                                      领导驾驶舱（本机签名代理）/ the leaders' dashboard through a local signing proxy
  rankwatch scheme put FILE                           保存并启用方案 / store and activate a scheme
  rankwatch replay --scheme ID --version V [--from P] [--to P] [--format table|json]
                 [--job [--queue-url URL] [--no-wait] [--timeout SECONDS]]
                                                      按方案新版本重算历史并列出排名变化 / replay history under a version, with the rank changes
                                                      （--job：经重算任务队列逐周期执行 / as the queued job, one period per invocation）

  Engine commands use the local engine started by \`npm start -- --serve\` (found through .rankwatch/engine.json);
  add --aws [--table T] [--region R] [--bus B] to use AWS (credentials from the usual AWS chain);
  ack and silence with --aws --api URL (stack output QueryApiUrl, or RANKWATCH_API_URL) go through the API,
  which checks the role your credentials assumed (Leader, or a department for its own indicators).
  --scheme ID defaults to the scheme the local engine stored (or RANKWATCH_SCHEME).
`;

const STORE_OPTIONS = {
  table: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  aws: { type: 'boolean' },
} as const;

/** Options of every command that talks to the engine (local by default, AWS with --aws). */
const TARGET_OPTIONS = {
  aws: { type: 'boolean' },
  api: { type: 'string' },
  table: { type: 'string' },
  region: { type: 'string' },
  bus: { type: 'string' },
  scheme: { type: 'string' },
  lang: { type: 'string' },
} as const;

const QUERY_OPTIONS = {
  ...TARGET_OPTIONS,
  period: { type: 'string' },
  entity: { type: 'string' },
  'as-of': { type: 'string' },
  seq: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  all: { type: 'boolean' },
  format: { type: 'string' },
} as const;

export async function run(argv: string[], io: CommandIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'evaluate': {
        const { values } = parseArgs({
          args: rest,
          options: {
            scheme: { type: 'string' },
            observations: { type: 'string' },
            format: { type: 'string' },
            lang: { type: 'string' },
          },
          strict: true,
        });
        return await evaluateCommand(values, io);
      }
      case 'bulletin': {
        const { values } = parseArgs({
          args: rest,
          options: {
            scheme: { type: 'string' },
            observations: { type: 'string' },
            period: { type: 'string' },
            kind: { type: 'string' },
            lang: { type: 'string' },
            out: { type: 'string' },
            pdf: { type: 'string' },
          },
          strict: true,
        });
        const { bulletinCommand } = await import('./commands/bulletin.ts');
        return await bulletinCommand(values, io);
      }
      case 'template': {
        const { values } = parseArgs({
          args: rest,
          options: {
            department: { type: 'string' },
            period: { type: 'string' },
            scheme: { type: 'string' },
            out: { type: 'string' },
          },
          strict: true,
        });
        const { templateCommand } = await import('./commands/template.ts');
        return await templateCommand(values, io);
      }
      case 'scheme': {
        const [sub, ...args] = rest;
        if (sub !== 'put')
          throw new UsageError(`unknown scheme command "${sub ?? ''}"`, 'rankwatch scheme put FILE');
        const { values, positionals } = parseArgs({
          args,
          options: STORE_OPTIONS,
          allowPositionals: true,
          strict: true,
        });
        const { schemePutCommand } = await import('./commands/store.ts');
        return await schemePutCommand(positionals[0], values, io);
      }
      case 'replay': {
        const { values } = parseArgs({
          args: rest,
          options: {
            ...STORE_OPTIONS,
            scheme: { type: 'string' },
            version: { type: 'string' },
            from: { type: 'string' },
            to: { type: 'string' },
            format: { type: 'string' },
            lang: { type: 'string' },
            job: { type: 'boolean' },
            'queue-url': { type: 'string' },
            'no-wait': { type: 'boolean' },
            timeout: { type: 'string' },
          },
          strict: true,
        });
        const { replayCommand } = await import('./commands/replay.ts');
        return await replayCommand(values, io);
      }
      case 'verify': {
        const { values } = parseArgs({
          args: rest,
          options: { ...STORE_OPTIONS, ...QUERY_OPTIONS },
          strict: true,
        });
        if (values.endpoint) {
          // A DynamoDB endpoint given directly: walk the chain through the store, without an engine.
          const { verifyCommand } = await import('./commands/store.ts');
          return await verifyCommand(values, io);
        }
        const { verifyQueryCommand } = await import('./commands/query.ts');
        return await verifyQueryCommand(values, io);
      }
      case 'alerts': {
        const { values } = parseArgs({
          args: rest,
          options: {
            ...TARGET_OPTIONS,
            scheme: { type: 'string' },
            open: { type: 'boolean' },
            department: { type: 'string' },
            format: { type: 'string' },
          },
          strict: true,
        });
        const { alertsCommand } = await import('./commands/alerts.ts');
        return await alertsCommand(values, io);
      }
      case 'ack': {
        const { values, positionals } = parseArgs({
          args: rest,
          options: {
            ...TARGET_OPTIONS,
            scheme: { type: 'string' },
            by: { type: 'string' },
            note: { type: 'string' },
            at: { type: 'string' },
            department: { type: 'string' },
          },
          allowPositionals: true,
          strict: true,
        });
        const { ackCommand } = await import('./commands/alerts.ts');
        return await ackCommand(positionals[0], values, io);
      }
      case 'silence':
      case 'silences': {
        const { values } = parseArgs({
          args: rest,
          options: {
            ...TARGET_OPTIONS,
            scheme: { type: 'string' },
            entity: { type: 'string' },
            scope: { type: 'string' },
            rule: { type: 'string' },
            until: { type: 'string' },
            reason: { type: 'string' },
            by: { type: 'string' },
            at: { type: 'string' },
            all: { type: 'boolean' },
            format: { type: 'string' },
            department: { type: 'string' },
          },
          strict: true,
        });
        const { silenceCommand, silencesCommand } = await import('./commands/alerts.ts');
        return command === 'silence' ? await silenceCommand(values, io) : await silencesCommand(values, io);
      }
      case 'standings':
      case 'history':
      case 'snapshot': {
        const { values } = parseArgs({ args: rest, options: QUERY_OPTIONS, strict: true });
        const q = await import('./commands/query.ts');
        if (command === 'standings') return await q.standingsCommand(values, io);
        if (command === 'history') return await q.historyCommand(values, io);
        return await q.snapshotCommand(values, io);
      }
      case 'export': {
        const { values } = parseArgs({
          args: rest,
          options: { ...QUERY_OPTIONS, out: { type: 'string' } },
          strict: true,
        });
        const { exportCommand } = await import('./commands/export.ts');
        return await exportCommand(values, io);
      }
      case 'explain': {
        const { values } = parseArgs({
          args: rest,
          options: { ...QUERY_OPTIONS, indicator: { type: 'string' } },
          strict: true,
        });
        const { explainCommand } = await import('./commands/explain.ts');
        return await explainCommand(values, io);
      }
      case 'publish': {
        const { values } = parseArgs({
          args: rest,
          options: {
            ...TARGET_OPTIONS,
            indicator: { type: 'string' },
            entity: { type: 'string' },
            period: { type: 'string' },
            value: { type: 'string' },
            department: { type: 'string' },
            'observed-at': { type: 'string' },
            csv: { type: 'string' },
            xlsx: { type: 'string' },
            'no-wait': { type: 'boolean' },
            timeout: { type: 'string' },
          },
          strict: true,
        });
        const { publishCommand } = await import('./commands/publish.ts');
        return await publishCommand(values, io);
      }
      case 'test-pattern': {
        const { values } = parseArgs({
          args: rest,
          options: {
            ...TARGET_OPTIONS,
            pattern: { type: 'string' },
            rule: { type: 'string' },
            event: { type: 'string' },
          },
          strict: true,
        });
        const { testPatternCommand } = await import('./commands/pattern.ts');
        return await testPatternCommand(values, io);
      }
      case 'dashboard': {
        const { values } = parseArgs({
          args: rest,
          options: { ...TARGET_OPTIONS, port: { type: 'string' }, department: { type: 'string' } },
          strict: true,
        });
        const { dashboardCommand } = await import('./commands/dashboard.ts');
        return await dashboardCommand(values, io);
      }
      case 'tick': {
        const { values } = parseArgs({
          args: rest,
          options: { ...TARGET_OPTIONS, rule: { type: 'string' } },
          strict: true,
        });
        const { tickCommand } = await import('./commands/tick.ts');
        return await tickCommand(values, io);
      }
      case 'start': {
        const { values } = parseArgs({
          args: rest,
          options: {
            serve: { type: 'boolean' },
            port: { type: 'string' },
            'sqs-port': { type: 'string' },
            'api-port': { type: 'string' },
            'dynamodb-port': { type: 'string' },
            host: { type: 'string' },
            'data-dir': { type: 'string' },
            'time-scale': { type: 'string' },
            'no-synth': { type: 'boolean' },
            'no-scenario': { type: 'boolean' },
            lang: { type: 'string' },
          },
          strict: true,
        });
        const { startCommand } = await import('./commands/start.ts');
        return await startCommand(values, io);
      }
      case 'demo': {
        const { values } = parseArgs({ args: rest, options: { lang: { type: 'string' } }, strict: true });
        const { demoCommand } = await import('./commands/demo.ts');
        return await demoCommand(values, io);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(HELP);
        return command === undefined ? 1 : 0;
      default:
        io.stderr(`rankwatch: unknown command "${command}"\n\n${HELP}`);
        return 2;
    }
  } catch (e) {
    const err = e as Error & { code?: string };
    if (e instanceof UsageError) {
      io.stderr(`rankwatch: ${e.message}\nusage: ${e.usage}\n`);
      return 2;
    }
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      io.stderr(`rankwatch: ${err.message}\n`);
      return 2;
    }
    if (err.code === 'ENOENT') {
      io.stderr(`rankwatch: file not found: ${(err as Error & { path?: string }).path ?? err.message}\n`);
      return 1;
    }
    io.stderr(`rankwatch: ${err.name === 'Error' ? '' : `${err.name}: `}${err.message}\n`);
    return 1;
  }
}

const invoked = process.argv[1] ? realpathSync(process.argv[1]) : '';
const self = realpathSync(fileURLToPath(import.meta.url));
const viaBin = invoked.endsWith('/bin/rankwatch.js') || invoked.endsWith('/rankwatch');
if (invoked === self || viaBin) {
  process.exitCode = await run(process.argv.slice(2));
}
