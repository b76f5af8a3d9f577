// The engine on one machine: DynamoDB Local, the local EventBridge (HTTP), SQS (HTTP, for the functions' own
// sends), the bundled functions in worker threads, the table stream and SQS event source mappings, the
// leaders' SNS topic and the HTTP API — every piece created and wired from the synthesised cloud assembly
// (local/template.ts). `stop()` ends every thread, timer, socket and the JVM.
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { AwsApiError, type LocalServer } from './aws-json-server.ts';
import { type Clock, ScaledClock, systemClock } from './clock.ts';
import { type DynamoDbLocal, LOCAL_CREDENTIALS, startDynamoDbLocal } from './dynamodb-local.ts';
import { DynamoDbStreamReader } from './dynamodb-stream.ts';
import {
  type DeliveryFailure,
  type EventBridgeEvent,
  LocalEventBridge,
  type RuleTarget,
} from './eventbridge/bus.ts';
import { type EventBridgeServer, startEventBridgeServer } from './eventbridge/server.ts';
import { startHttpApiServer } from './http-api.ts';
import {
  type AsyncInvokeConfig,
  type InvocationInfo,
  type InvocationResult,
  type LambdaRuntime,
  LocalLambdaFunction,
  lambdaEnvironment,
  resolveHandler,
  WorkerRuntime,
} from './lambda.ts';
import { assertPortFree, freePort } from './ports.ts';
import {
  AuthenticationError,
  authenticate,
  functionCredentials,
  type LocalPrincipal,
  type LocalPrincipals,
  localPrincipals,
  mayInvokeRoute,
  mayPublish,
  mayPutEvent,
} from './principals.ts';
import { startS3Server } from './s3-server.ts';
import { LocalScheduler } from './scheduler.ts';
import { LocalSnsTopic } from './sns.ts';
import { startSnsServer } from './sns-server.ts';
import { type BatchOutcome, LocalQueue, type MessageAttributeValue, SqsEventSource } from './sqs.ts';
import { type SqsServer, startSqsServer } from './sqs-server.ts';
import { type StreamBatchOutcome, StreamEventSource } from './stream-source.ts';
import {
  type CloudAssembly,
  type FunctionModel,
  type LocalModel,
  localModel,
  readCloudAssembly,
  TemplateError,
} from './template.ts';

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_ENGINE_REGION = 'us-east-1';
/** Where the engine keeps what a user can read: alerts, function logs, the running engine's address. */
export const DEFAULT_STATE_DIR = '.rankwatch';

export interface EnginePorts {
  eventBridge?: number;
  sqs?: number;
  sns?: number;
  s3?: number;
  dynamodb?: number;
  /** The first HTTP API of the template (and the engine's control routes). */
  api?: number;
}

export interface EngineOptions {
  /** The cloud assembly directory (default `cdk.out`). */
  cdkOut?: string;
  /** Runs once the EventBridge endpoint listens and before cdk.out is read (e.g. `cdk synth`). */
  prepare?: () => Promise<void>;
  /** Called as soon as the local EventBridge listens (requests wait until the engine is wired). */
  onEventBridgeListening?: (url: string) => void;
  host?: string;
  /** Fixed ports (an error if one is taken); unset ones are picked free. */
  ports?: EnginePorts;
  /** Keep DynamoDB Local's data here instead of in memory. */
  dataDir?: string;
  /** Timers (batching windows, visibility timeouts, retry delays) run this many times faster. Default 1. */
  timeScale?: number;
  /** Default `.rankwatch` under the working directory. */
  stateDir?: string;
  /** Where SNS messages are appended (default `<stateDir>/alerts.log`); false for nowhere. */
  alertsLog?: string | false;
  /** Start the alerts log afresh (default: when the data is in memory, as the data starts afresh too). */
  resetAlertsLog?: boolean;
  /** Where SNS messages are shown as they arrive; false for nowhere. Default console.log. */
  alertConsole?: ((text: string) => void) | false;
  /** Function output: one file per function under `<stateDir>/logs` (default), this process's, or dropped. */
  functionLogs?: 'files' | 'inherit' | 'silent';
  /**
   * Extra environment per function, after the template's: keys match a function's logical id, its name or
   * its POWERTOOLS_SERVICE_NAME. For making a function fail on purpose (a bad endpoint, a missing table).
   */
  functionEnvironment?: Record<string, Record<string, string>>;
  /** Engine notes and warnings. Default: console.error. */
  log?: (message: string) => void;
  /**
   * Fire the template's EventBridge Scheduler schedules on the engine's clock (at timeScale), as AWS does.
   * Default false: they fire only when ticked (`rankwatch tick`), so a run's output does not depend on timing.
   */
  fireSchedules?: boolean;
}

export interface EngineEndpoints {
  eventBridge: string;
  sqs: string;
  /** SNS Publish for the functions (the topics of the template). */
  sns: string;
  /** S3 objects of the template's buckets (path-style; the bulletins). */
  s3: string;
  dynamodb: string;
  /** Base URL of each HTTP API, by API id. */
  apis: Record<string, string>;
  /** The engine's own routes (`/_engine/status`, `/_engine/settle`, `/_engine/tick`). */
  control: string;
}

/** What a CLI needs to find and use a running engine (written to `.rankwatch/engine.json` by `--serve`). */
export interface EngineState {
  pid: number;
  startedAt: string;
  region: string;
  account: string;
  endpoints: EngineEndpoints;
  /** The table the functions use (TABLE_NAME), and every table. */
  table: string | undefined;
  tables: string[];
  /** The first custom bus (where departments publish), and every bus. */
  bus: string;
  buses: string[];
  queues: Record<string, string>;
  functions: string[];
  rules: { name: string; bus: string; schedule?: string }[];
  /** EventBridge Scheduler schedules: expression, zone, whether they fire by themselves, next fire time. */
  schedules?: { name: string; expression: string; timeZone: string; firesOnClock: boolean; next?: string }[];
  alertsLog: string | undefined;
  dataDir: string | undefined;
  timeScale: number;
}

export interface FunctionStats {
  invocations: number;
  errors: number;
}

/** A function runtime that counts invocations and errors, and notes activity for settling. */
class CountingRuntime implements LambdaRuntime {
  readonly #inner: LambdaRuntime;
  readonly stats: FunctionStats = { invocations: 0, errors: 0 };
  readonly #activity: () => void;

  constructor(inner: LambdaRuntime, activity: () => void) {
    this.#inner = inner;
    this.#activity = activity;
  }

  async invoke(event: unknown, info: InvocationInfo, timeoutMs: number): Promise<InvocationResult> {
    this.stats.invocations += 1;
    this.#activity();
    const result = await this.#inner.invoke(event, info, timeoutMs);
    if (!result.ok) this.stats.errors += 1;
    this.#activity();
    return result;
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineError';
  }
}

/** A running engine. */
export class Engine {
  readonly model: LocalModel;
  readonly endpoints: EngineEndpoints;
  readonly eventBridge: LocalEventBridge;
  readonly clock: Clock;
  readonly timeScale: number;
  /** Queues, functions, topics by local name. */
  readonly queues = new Map<string, LocalQueue>();
  readonly functions = new Map<string, LocalLambdaFunction>();
  readonly topics = new Map<string, LocalSnsTopic>();
  readonly functionStats = new Map<string, FunctionStats>();
  /** Each function's execution environments (worker threads), by function name: for fault injection. */
  readonly workers = new Map<string, WorkerRuntime>();
  /** Every SQS and stream batch handed to a function, in order. */
  readonly batches: (
    | { kind: 'sqs'; queue: string; outcome: BatchOutcome }
    | { kind: 'stream'; function: string; outcome: StreamBatchOutcome }
  )[] = [];
  readonly alertsLog: string | undefined;
  readonly dataDir: string | undefined;
  /** Where the local S3 server keeps objects: `<objectsDir>/<bucket>/<key>`. */
  readonly objectsDir: string;
  readonly #sqsSources: SqsEventSource[] = [];
  readonly #streamSources: StreamEventSource[] = [];
  readonly #servers: LocalServer[] = [];
  /** The template's Scheduler schedules (escalate every 15 minutes, the weekly reminder). */
  readonly scheduler: LocalScheduler;
  #dynamodb: DynamoDbLocal;
  readonly #startedAt = new Date().toISOString();
  #activity = 0;
  #stopped = false;

  /** @internal use startEngine */
  constructor(parts: {
    model: LocalModel;
    endpoints: EngineEndpoints;
    eventBridge: LocalEventBridge;
    clock: Clock;
    timeScale: number;
    dynamodb: DynamoDbLocal;
    alertsLog: string | undefined;
    objectsDir: string;
    fireSchedules: boolean;
  }) {
    this.model = parts.model;
    this.endpoints = parts.endpoints;
    this.eventBridge = parts.eventBridge;
    this.clock = parts.clock;
    this.timeScale = parts.timeScale;
    this.#dynamodb = parts.dynamodb;
    this.alertsLog = parts.alertsLog;
    this.objectsDir = parts.objectsDir;
    this.dataDir = parts.dynamodb.dataDir;
    this.scheduler = new LocalScheduler(parts.clock, parts.fireSchedules, () => this.noteActivity());
  }

  /** The table the functions read and write (the first function's TABLE_NAME, else the first table). */
  get table(): string | undefined {
    const named = this.model.functions.map((f) => f.environment.TABLE_NAME).find((t) => t !== undefined);
    return named ?? this.model.tables[0]?.name;
  }

  /** The DynamoDB Local (JVM) process. */
  get dynamodbPid(): number {
    return this.#dynamodb.pid;
  }

  /** The bus departments publish to: the first custom bus of the template. */
  get bus(): string {
    return this.model.buses[0]?.name ?? 'default';
  }

  /**
   * Stops DynamoDB Local and starts it again on the same port with the same data directory (only with
   * `dataDir`: in memory the data would be gone). Requests in between fail as they would against an outage.
   */
  async restartDynamoDb(): Promise<void> {
    const { dataDir, port, endpoint } = this.#dynamodb;
    if (dataDir === undefined)
      throw new EngineError(
        'DynamoDB Local 仅在使用 --data-dir 时可重启 / restarting needs a data directory',
      );
    await this.#dynamodb.stop();
    this.#dynamodb = await startDynamoDbLocal({ host: new URL(endpoint).hostname, port, dataDir });
  }

  noteActivity(): void {
    this.#activity += 1;
  }

  /** @internal */
  addSqsSource(source: SqsEventSource): void {
    this.#sqsSources.push(source);
  }

  /** @internal */
  addStreamSource(source: StreamEventSource): void {
    this.#streamSources.push(source);
  }

  /** @internal */
  startSources(): void {
    for (const s of this.#sqsSources) s.start();
    for (const s of this.#streamSources) s.start();
  }

  /** @internal */
  addServer(server: LocalServer): void {
    this.#servers.push(server);
  }

  /**
   * Resolves when everything has been delivered: no event on its way to a target, no message in a queue a
   * function consumes (nor in flight or waiting to be seen again), no stream record unhandled, no
   * asynchronous invocation pending — and a whole round passed with nothing new happening.
   */
  async settle(options: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    for (;;) {
      const before = this.#activity;
      const round = (async () => {
        await Promise.all([
          this.eventBridge.drain(),
          ...this.#sqsSources.map((s) => s.drain()),
          ...[...this.functions.values()].map((f) => f.drain()),
        ]);
        await Promise.all(this.#streamSources.map((s) => s.catchUp()));
      })();
      const left = deadline - Date.now();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        round.then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), Math.max(0, left));
        }),
      ]);
      clearTimeout(timer);
      if (timedOut)
        throw new EngineError(
          `引擎未能在限定时间内处理完 / the engine did not settle in time: ${this.pending()}`,
        );
      const quiet =
        this.eventBridge.idle &&
        this.#sqsSources.every((s) => s.idle) &&
        this.#streamSources.every((s) => s.idle) &&
        [...this.functions.values()].every((f) => f.idle);
      if (quiet && this.#activity === before) return;
    }
  }

  /** What is still moving, for error messages. */
  pending(): string {
    const parts: string[] = [];
    if (!this.eventBridge.idle) parts.push(`${this.eventBridge.pendingDeliveries} event deliveries`);
    for (const s of this.#sqsSources)
      if (!s.idle) parts.push(`queue ${s.queue.name}: ${s.queue.size} messages (${s.describe()})`);
    for (const [name, f] of this.functions)
      if (!f.idle) parts.push(`${name}: ${f.pendingAsyncInvocations} async invocations`);
    if (this.#streamSources.some((s) => !s.idle)) parts.push('table stream records');
    // Something not settling: say what every function's environments are doing too (a stalled invocation?).
    if (parts.length)
      for (const [name, f] of this.functions) {
        const d = f.describe();
        if (d) parts.push(`${name}: ${d}`);
      }
    return parts.join('; ') || 'nothing';
  }

  /**
   * Fires scheduled rules and Scheduler schedules now (all, or the one named by name or logical id): what
   * `rankwatch tick` does. Returns their names.
   */
  tick(ruleName?: string): string[] {
    const scheduled = this.model.rules.filter((r) => r.schedule !== undefined && r.state === 'ENABLED');
    const chosen =
      ruleName === undefined
        ? scheduled
        : scheduled.filter((r) => r.name === ruleName || r.logicalId === ruleName);
    const schedules = ruleName === undefined || chosen.length === 0 ? this.scheduler.fire(ruleName) : [];
    if (ruleName !== undefined && chosen.length === 0 && schedules.length === 0) {
      throw new EngineError(
        `没有名为 ${ruleName} 的定时规则或计划 / no scheduled rule or schedule named ${ruleName}`,
      );
    }
    for (const rule of chosen) this.eventBridge.fireScheduledRule(rule.name, rule.busName);
    return [...chosen.map((r) => r.name), ...schedules];
  }

  state(): EngineState {
    return {
      pid: process.pid,
      startedAt: this.#startedAt,
      region: this.model.region,
      account: this.model.account,
      endpoints: this.endpoints,
      table: this.table,
      tables: this.model.tables.map((t) => t.name),
      bus: this.bus,
      buses: this.model.buses.map((b) => b.name),
      queues: Object.fromEntries(this.model.queues.map((q) => [q.logicalId, q.url])),
      functions: this.model.functions.map((f) => f.name),
      rules: this.model.rules.map((r) => ({
        name: r.name,
        bus: r.busName,
        ...(r.schedule === undefined ? {} : { schedule: r.schedule }),
      })),
      schedules: this.scheduler.schedules.map((m) => {
        const next = this.scheduler.firesOnClock ? this.scheduler.nextFireTimes()[m.name] : undefined;
        return {
          name: m.name,
          expression: m.expression,
          timeZone: m.timeZone,
          firesOnClock: this.scheduler.firesOnClock && m.state === 'ENABLED',
          ...(next === undefined ? {} : { next }),
        };
      }),
      alertsLog: this.alertsLog,
      dataDir: this.dataDir,
      timeScale: this.timeScale,
    };
  }

  /** Stops everything it started: servers (no port left), pollers and timers, worker threads, the JVM. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const errors: unknown[] = [];
    const attempt = async (what: () => Promise<unknown>) => {
      try {
        await what();
      } catch (e) {
        errors.push(e);
      }
    };
    this.scheduler.stop();
    await Promise.all(this.#sqsSources.map((s) => attempt(() => s.stop())));
    await Promise.all(this.#streamSources.map((s) => attempt(() => s.stop())));
    this.eventBridge.close();
    await Promise.all([...this.functions.values()].map((f) => attempt(() => f.close())));
    await Promise.all(this.#servers.map((s) => attempt(() => s.close())));
    await attempt(() => this.#dynamodb.stop());
    if (errors.length) throw errors[0];
  }
}

const functionMatches = (key: string, fn: FunctionModel) =>
  key === fn.logicalId || key === fn.name || key === fn.environment.POWERTOOLS_SERVICE_NAME;

async function listen<T extends LocalServer>(
  what: string,
  port: number | undefined,
  host: string,
  start: (port: number | undefined) => Promise<T>,
): Promise<T> {
  if (port !== undefined && port !== 0) await assertPortFree(port, host, what);
  return start(port);
}

/** Starts the engine from the cloud assembly. On any failure, whatever was started is stopped again. */
export async function startEngine(options: EngineOptions = {}): Promise<Engine> {
  const host = options.host ?? '127.0.0.1';
  const region = LOCAL_ENGINE_REGION;
  const account = LOCAL_ACCOUNT;
  const log = options.log ?? ((m: string) => console.error(m));
  const timeScale = options.timeScale ?? 1;
  const clock: Clock = timeScale === 1 ? systemClock : new ScaledClock(timeScale);
  const stateDir = resolve(options.stateDir ?? DEFAULT_STATE_DIR);
  const started: { close(): Promise<unknown> }[] = [];

  // Deliveries that fail for good without a dead-letter queue: logged (AWS would drop them).
  const eventBridge = new LocalEventBridge({ region, account, log });
  let ready!: (v?: unknown) => void;
  let failed!: (e: unknown) => void;
  const wired = new Promise((res, rej) => {
    ready = res;
    failed = rej;
  });
  wired.catch(() => {});
  // Who may do what: the principals and policies of the template, known once it is read (local/principals.ts).
  let principals: LocalPrincipals | undefined;
  const caller = async (request: Parameters<typeof authenticate>[1]): Promise<LocalPrincipal> => {
    await wired;
    try {
      return await authenticate(principals!, request);
    } catch (e) {
      if (e instanceof AuthenticationError) throw new AwsApiError(e.code, e.message, e.status);
      throw e;
    }
  };
  const security = {
    authenticate: caller,
    authorise: (
      who: unknown,
      entry: { source: string; detailType: string },
      bus: { name: string; arn: string },
    ) =>
      mayPutEvent(principals!, who as LocalPrincipal, bus, entry)
        ? undefined
        : {
            ErrorCode: 'NotAuthorizedForSourceException',
            ErrorMessage: `You do not have permissions to publish events with this source onto this event bus. 主体 ${(who as LocalPrincipal).arn} 无权以来源 ${entry.source} 发布 / not authorised to publish as ${entry.source}`,
          },
  };
  try {
    const ebServer: EventBridgeServer = await listen(
      'EventBridge',
      options.ports?.eventBridge,
      host,
      (port) =>
        startEventBridgeServer({
          eventBridge,
          host,
          ready: wired,
          security,
          ...(port === undefined ? {} : { port }),
        }),
    );
    started.push(ebServer);
    options.onEventBridgeListening?.(ebServer.url);
    await options.prepare?.();

    const assembly: CloudAssembly = readCloudAssembly(options.cdkOut ?? 'cdk.out');
    const queueByName = new Map<string, LocalQueue>();
    const [ddbStart, sqsStart] = await Promise.allSettled([
      startDynamoDbLocal({
        host,
        ...(options.ports?.dynamodb === undefined ? {} : { port: options.ports.dynamodb }),
        ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      }),
      listen('SQS', options.ports?.sqs, host, (port) =>
        startSqsServer({ queues: queueByName, host, ...(port === undefined ? {} : { port }) }),
      ) as Promise<SqsServer>,
    ]);
    if (ddbStart.status === 'fulfilled') started.push({ close: () => ddbStart.value.stop() });
    if (sqsStart.status === 'fulfilled') started.push(sqsStart.value);
    if (ddbStart.status === 'rejected') throw ddbStart.reason;
    if (sqsStart.status === 'rejected') throw sqsStart.reason;
    const ddb = ddbStart.value;
    const sqsServer = sqsStart.value;

    // HTTP APIs listen on ports chosen before the template is resolved (their URL is an attribute).
    const apiPorts = new Map<string, number>();
    const model = localModel(assembly, {
      region,
      account,
      queueUrl: (name) => `${sqsServer.url}/${account}/${name}`,
      apiUrl: (id) => `http://${host}:${apiPorts.get(id) ?? 0}`,
    });
    let first = true;
    for (const api of model.httpApis) {
      apiPorts.set(api.id, first && options.ports?.api ? options.ports.api : await freePort(host));
      first = false;
    }
    principals = localPrincipals(model);
    for (const fn of model.functions) {
      if (!existsSync(fn.codeDirectory)) {
        throw new TemplateError(
          `${fn.stack}/${fn.logicalId}: 代码目录不存在 / asset folder ${fn.codeDirectory} is missing: run npx cdk synth --quiet`,
        );
      }
    }

    const alertsLog =
      options.alertsLog === false ? undefined : resolve(options.alertsLog ?? join(stateDir, 'alerts.log'));
    if (alertsLog && (options.resetAlertsLog ?? options.dataDir === undefined)) {
      mkdirSync(join(alertsLog, '..'), { recursive: true });
      writeFileSync(alertsLog, '');
    }
    const engine = new Engine({
      model,
      endpoints: {
        eventBridge: ebServer.url,
        sqs: sqsServer.url,
        sns: '',
        s3: '',
        dynamodb: ddb.endpoint,
        apis: {},
        control: '',
      },
      eventBridge,
      clock,
      timeScale,
      dynamodb: ddb,
      alertsLog,
      objectsDir: join(stateDir, 's3'),
      fireSchedules: options.fireSchedules ?? false,
    });
    engine.addServer(ebServer);
    engine.addServer(sqsServer);
    started.length = 0;
    started.push({ close: () => engine.stop() });
    eventBridge.onEvent(() => engine.noteActivity());

    await createTables(model, ddb.endpoint);

    // Queues, then their redrive policies (a DLQ may come after its source in the template).
    for (const q of model.queues) {
      const queue = new LocalQueue({
        name: q.name,
        region,
        account,
        url: q.url,
        visibilityTimeoutSeconds: q.visibilityTimeoutSeconds,
        messageRetentionSeconds: q.messageRetentionSeconds,
        delaySeconds: q.delaySeconds,
        clock,
      });
      engine.queues.set(q.name, queue);
      queueByName.set(q.name, queue);
    }
    for (const q of model.queues) {
      if (!q.redrive) continue;
      const target = model.resolveArn(q.redrive.deadLetterQueue);
      const dlq = target?.kind === 'queue' ? engine.queues.get(target.name) : undefined;
      if (!dlq)
        throw new TemplateError(
          `${q.stack}/${q.logicalId}: dead-letter queue ${q.redrive.deadLetterQueue} is not in the assembly`,
        );
      engine.queues.get(q.name)!.redrivePolicy = {
        deadLetterQueue: dlq,
        maxReceiveCount: q.redrive.maxReceiveCount,
      };
    }

    for (const t of model.topics) {
      engine.topics.set(
        t.name,
        new LocalSnsTopic({
          name: t.name,
          region,
          account,
          logFile: alertsLog ?? false,
          subscriptions: t.subscriptions,
          ...(options.alertConsole === undefined ? {} : { console: options.alertConsole }),
        }),
      );
    }
    // SNS Publish for the functions (notify), signed and allowed by the caller's role as on AWS.
    const topicByArn = new Map(model.topics.map((t) => [t.arn, engine.topics.get(t.name)!]));
    const snsServer = await listen('SNS', options.ports?.sns, host, (port) =>
      startSnsServer({
        topic: (arn) => topicByArn.get(arn),
        host,
        authenticate: caller,
        authorise: (who, topicArn) =>
          mayPublish(who as LocalPrincipal, topicArn)
            ? undefined
            : `主体 ${(who as LocalPrincipal).arn} 无权发布到 ${topicArn} / User: ${(who as LocalPrincipal).arn} is not authorized to perform: SNS:Publish on resource: ${topicArn}`,
        ...(port === undefined ? {} : { port }),
      }),
    );
    engine.addServer(snsServer);
    engine.endpoints.sns = snsServer.url;
    // S3 objects of the template's buckets (the bulletin function's pages), kept under <stateDir>/s3.
    const s3Server = await listen('S3', options.ports?.s3, host, (port) =>
      startS3Server({
        root: engine.objectsDir,
        buckets: model.buckets.map((b) => b.name),
        host,
        authenticate: caller,
        ...(port === undefined ? {} : { port }),
      }),
    );
    engine.addServer(s3Server);
    engine.endpoints.s3 = s3Server.url;
    for (const bus of model.buses) eventBridge.createEventBus(bus.name);

    /** Something an ARN in the template names, as a place to send a message or an event. */
    const sender = (
      arn: string,
      where: string,
    ): ((body: string, attributes?: Record<string, MessageAttributeValue>) => Promise<void>) | undefined => {
      const target = model.resolveArn(arn);
      switch (target?.kind) {
        case 'queue': {
          const queue = engine.queues.get(target.name)!;
          return async (body, attributes) => {
            queue.send({ body, ...(attributes ? { messageAttributes: attributes } : {}) });
          };
        }
        case 'topic': {
          const topic = engine.topics.get(target.name)!;
          return async (body) => {
            topic.publish({ message: body });
          };
        }
        case 'function':
          return async (body) => {
            engine.functions.get(target.name)!.invokeAsync(JSON.parse(body));
          };
        case 'bus':
          return async (body) => {
            const event = JSON.parse(body) as EventBridgeEvent;
            eventBridge.putEvents([
              {
                EventBusName: target.name,
                Source: event.source,
                DetailType: event['detail-type'],
                Detail: JSON.stringify(event.detail),
                Resources: event.resources,
              },
            ]);
          };
        default:
          log(`rankwatch local: ${where}: ${arn} 在本地不可用，已跳过 / is not emulated locally; skipped`);
          return undefined;
      }
    };

    const functionLogs = options.functionLogs ?? 'files';
    const logDir = join(stateDir, 'logs');
    if (functionLogs === 'files') mkdirSync(logDir, { recursive: true });
    for (const fn of model.functions) {
      if (!fn.runtime.startsWith('nodejs')) {
        log(`rankwatch local: ${fn.name}: runtime ${fn.runtime} is not run locally; skipped`);
        continue;
      }
      const { file, exportName } = resolveHandler(fn.codeDirectory, fn.handler);
      const overrides = Object.entries(options.functionEnvironment ?? {})
        .filter(([key]) => functionMatches(key, fn))
        .map(([, env]) => env);
      const environment = {
        ...lambdaEnvironment({
          functionName: fn.name,
          region,
          memorySize: fn.memorySize,
          codeDirectory: fn.codeDirectory,
        }),
        // The function's role, as the local EventBridge knows it (the relay's may publish as the engine).
        ...(principals.byAccessKey.has(functionCredentials(fn.name).accessKeyId)
          ? {
              AWS_ACCESS_KEY_ID: functionCredentials(fn.name).accessKeyId,
              AWS_SECRET_ACCESS_KEY: functionCredentials(fn.name).secretAccessKey,
            }
          : {}),
        ...fn.environment,
        // The SDK's service-specific endpoint variables: the bundled clients reach the local services.
        AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
        AWS_ENDPOINT_URL_SQS: sqsServer.url,
        AWS_ENDPOINT_URL_EVENTBRIDGE: ebServer.url,
        AWS_ENDPOINT_URL_SNS: snsServer.url,
        AWS_ENDPOINT_URL_S3: s3Server.url,
        ...Object.assign({}, ...overrides),
      } as Record<string, string>;
      const logFile = join(logDir, `${fn.name}.log`);
      const worker = new WorkerRuntime({
        file,
        exportName,
        environment,
        logs:
          functionLogs === 'files'
            ? (line, stream) => appendFileSync(logFile, `${stream === 'stderr' ? '! ' : ''}${line}\n`)
            : functionLogs,
      });
      engine.workers.set(fn.name, worker);
      const runtime = new CountingRuntime(worker, () => engine.noteActivity());
      engine.functionStats.set(fn.name, runtime.stats);
      const invokeConfig = model.invokeConfigs.find((c) => c.functionName === fn.name);
      const asyncInvokeConfig: AsyncInvokeConfig = {};
      if (invokeConfig?.maximumRetryAttempts !== undefined)
        asyncInvokeConfig.maximumRetryAttempts = invokeConfig.maximumRetryAttempts;
      if (invokeConfig?.maximumEventAgeSeconds !== undefined)
        asyncInvokeConfig.maximumEventAgeInSeconds = invokeConfig.maximumEventAgeSeconds;
      for (const [kind, arn] of [
        ['onSuccess', invokeConfig?.onSuccessArn],
        ['onFailure', invokeConfig?.onFailureArn],
      ] as const) {
        const send = arn ? sender(arn, `${fn.name} ${kind}`) : undefined;
        if (send) asyncInvokeConfig[kind] = (record) => send(JSON.stringify(record));
      }
      engine.functions.set(
        fn.name,
        new LocalLambdaFunction({
          name: fn.name,
          runtime,
          region,
          account,
          memorySize: fn.memorySize,
          timeoutSeconds: fn.timeoutSeconds,
          asyncInvokeConfig,
          clock,
          log,
        }),
      );
    }

    for (const rule of model.rules) {
      const targets: RuleTarget[] = [];
      for (const t of rule.targets) {
        const deliver = sender(t.arn, `rule ${rule.name} target ${t.id}`);
        if (!deliver) continue;
        const dlq = t.deadLetterArn
          ? sender(t.deadLetterArn, `rule ${rule.name} target ${t.id} dead-letter queue`)
          : undefined;
        targets.push({
          id: t.id,
          arn: t.arn,
          ...(t.input === undefined ? {} : { input: t.input }),
          ...(t.inputPath === undefined ? {} : { inputPath: t.inputPath }),
          ...(t.inputTransformer === undefined ? {} : { inputTransformer: t.inputTransformer }),
          ...(t.retryPolicy === undefined ? {} : { retryPolicy: t.retryPolicy }),
          deliver: (input) => deliver(input),
          ...(dlq
            ? {
                deadLetter: (failure: DeliveryFailure) =>
                  dlq(JSON.stringify(failure.event), deadLetterAttributes(failure)),
              }
            : {}),
        });
      }
      eventBridge.putRule({
        name: rule.name,
        busName: rule.busName,
        ...(rule.pattern === undefined ? {} : { pattern: rule.pattern }),
        ...(rule.schedule === undefined ? {} : { schedule: rule.schedule }),
        state: rule.state,
        targets,
      });
    }

    // Scheduler schedules invoke their function (asynchronously, as Scheduler's Lambda target does).
    for (const sch of model.schedules) {
      const target = model.resolveArn(sch.targetArn);
      const fn = target?.kind === 'function' ? engine.functions.get(target.name) : undefined;
      if (!fn) {
        log(
          `计划 ${sch.name} 的目标不在本地运行 / schedule ${sch.name}: target ${sch.targetArn} does not run locally`,
        );
        continue;
      }
      engine.scheduler.add(sch, fn);
    }

    for (const m of model.eventSourceMappings) {
      const fn = engine.functions.get(m.functionName);
      if (!fn || !m.enabled) continue;
      if (m.kind === 'sqs') {
        const queue = engine.queues.get(m.source)!;
        const source = new SqsEventSource({
          queue,
          invoke: (event) => fn.invoke(event),
          batchSize: m.batchSize,
          maximumBatchingWindowSeconds: m.maximumBatchingWindowSeconds,
          reportBatchItemFailures: m.reportBatchItemFailures,
          ...(m.maximumConcurrency === undefined ? {} : { maximumConcurrency: m.maximumConcurrency }),
          clock,
          onBatch: (outcome) => {
            engine.noteActivity();
            engine.batches.push({ kind: 'sqs', queue: queue.name, outcome });
          },
        });
        engine.addSqsSource(source);
      } else {
        const reader = await DynamoDbStreamReader.forTable({
          endpoint: ddb.endpoint,
          region,
          table: m.source,
        });
        if (m.startingPosition === 'LATEST') {
          for (let records = await reader.read(1000); records.length; records = await reader.read(1000))
            reader.acknowledge(records);
        }
        const onFailure = m.onFailureArn
          ? sender(m.onFailureArn, `${m.logicalId} on-failure destination`)
          : undefined;
        const source = new StreamEventSource({
          reader,
          invoke: (event) => fn.invoke(event),
          functionArn: fn.arn,
          batchSize: m.batchSize,
          maximumBatchingWindowSeconds: m.maximumBatchingWindowSeconds,
          filters: m.filters,
          reportBatchItemFailures: m.reportBatchItemFailures,
          bisectBatchOnFunctionError: m.bisectBatchOnFunctionError,
          maximumRetryAttempts: m.maximumRetryAttempts,
          maximumRecordAgeSeconds: m.maximumRecordAgeSeconds,
          ...(onFailure ? { onFailure: (record) => onFailure(JSON.stringify(record)) } : {}),
          clock,
          log,
          onBatch: (outcome) => {
            engine.noteActivity();
            engine.batches.push({ kind: 'stream', function: fn.name, outcome });
          },
        });
        engine.addStreamSource(source);
      }
    }

    // HTTP APIs; the first also answers the engine's control routes (a control-only server without one).
    const control = {
      prefix: '/_engine/',
      handle: (req: IncomingMessage, res: ServerResponse) => controlRoute(engine, req, res),
    };
    const apis: Record<string, string> = {};
    let controlUrl = '';
    for (const api of model.httpApis) {
      const server = await listen('HTTP API', apiPorts.get(api.id), host, (port) =>
        startHttpApiServer({
          apiId: api.id,
          region,
          account,
          host,
          ...(port === undefined ? {} : { port }),
          routes: api.routes
            .filter((r) => engine.functions.has(r.functionName))
            .map((r) => ({
              routeKey: r.routeKey,
              authorizationType: r.authorizationType,
              invoke: (event: unknown) => engine.functions.get(r.functionName)!.invoke(event),
            })),
          // API Gateway's IAM authorisation: a known principal's signature, allowed execute-api:Invoke.
          authorise: async (request, route) => {
            let who: LocalPrincipal;
            try {
              who = await caller({ ...request, body: request.body.toString('utf8') });
            } catch (e) {
              if (!(e instanceof AwsApiError)) throw e;
              return {
                refused: {
                  status: 403,
                  message: e.code === 'MissingAuthenticationTokenException' ? 'Forbidden' : e.message,
                },
              };
            }
            const target = { region, account, apiId: api.id, ...route };
            if (mayInvokeRoute(who, target))
              return { caller: { accessKey: who.accessKeyId, accountId: account, userArn: who.arn } };
            return {
              refused: {
                status: 403,
                message: `User: ${who.arn} is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:${region}:${account}:${api.id}/${route.stage}/${route.method}${route.path}`,
              },
            };
          },
          ...(controlUrl === '' ? { extra: control } : {}),
        }),
      );
      engine.addServer(server);
      apis[api.id] = server.url;
      if (controlUrl === '') controlUrl = server.url;
    }
    if (controlUrl === '') {
      const server = await listen('control', options.ports?.api, host, (port) =>
        startHttpApiServer({
          apiId: 'control',
          routes: [],
          host,
          extra: control,
          ...(port === undefined ? {} : { port }),
        }),
      );
      engine.addServer(server);
      controlUrl = server.url;
    }
    Object.assign(engine.endpoints, { apis, control: controlUrl });

    // Only now do requests reach the bus (PutEvents waited for this) and do pollers start.
    ready();
    engine.startSources();
    return engine;
  } catch (error) {
    failed(error);
    // Whatever was started is stopped again (the engine, once it exists, stops everything it holds).
    for (const s of started.reverse()) {
      try {
        await s.close();
      } catch {
        // Already failing: the first error is the one to report.
      }
    }
    throw error;
  }
}

/** AWS's message attributes on an event EventBridge could not deliver. */
function deadLetterAttributes(failure: DeliveryFailure): Record<string, MessageAttributeValue> {
  const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  return {
    RULE_ARN: text(failure.ruleArn),
    TARGET_ARN: text(failure.targetArn ?? ''),
    ERROR_CODE: text(failure.errorCode),
    ERROR_MESSAGE: text(failure.errorMessage.slice(0, 256)),
    ...(failure.attempts > 0
      ? {
          EXHAUSTED_RETRY_CONDITION: text(
            failure.errorCode === 'EventAgeExceeded'
              ? 'MaximumEventAgeExceeded'
              : 'MaximumRetryAttemptsExceeded',
          ),
          RETRY_ATTEMPTS: { DataType: 'Number', StringValue: String(failure.attempts - 1) },
        }
      : {}),
  };
}

/** CreateTable for each table of the template (key schema, indexes, stream); an existing table is kept. */
async function createTables(model: LocalModel, endpoint: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: model.region, credentials: LOCAL_CREDENTIALS });
  try {
    for (const t of model.tables) {
      const input: CreateTableCommandInput = {
        TableName: t.name,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: t.keySchema,
        AttributeDefinitions: t.attributeDefinitions,
        ...(t.streamViewType
          ? { StreamSpecification: { StreamEnabled: true, StreamViewType: t.streamViewType as 'NEW_IMAGE' } }
          : {}),
        ...(t.globalSecondaryIndexes.length
          ? { GlobalSecondaryIndexes: t.globalSecondaryIndexes as never }
          : {}),
        ...(t.localSecondaryIndexes.length
          ? { LocalSecondaryIndexes: t.localSecondaryIndexes as never }
          : {}),
      };
      try {
        await client.send(new CreateTableCommand(input));
      } catch (e) {
        if (!(e instanceof ResourceInUseException)) throw e;
      }
    }
  } finally {
    client.destroy();
  }
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** The engine's own routes: status, settle (wait until everything is delivered), tick (fire schedules). */
async function controlRoute(
  engine: Engine,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const send = (status: number, body: unknown) => {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    response.end(text);
  };
  const path = new URL(request.url ?? '/', 'http://local').pathname;
  try {
    if (path === '/_engine/status') return send(200, { ...engine.state(), pending: engine.pending() });
    if (path === '/_engine/settle' && request.method === 'POST') {
      const body = await readJson(request);
      await engine.settle(typeof body.timeoutMs === 'number' ? { timeoutMs: body.timeoutMs } : {});
      return send(200, { settled: true });
    }
    if (path === '/_engine/tick' && request.method === 'POST') {
      const body = await readJson(request);
      const fired = engine.tick(typeof body.rule === 'string' ? body.rule : undefined);
      await engine.settle();
      return send(200, { fired });
    }
    return send(404, { message: 'Not Found' });
  } catch (e) {
    return send(e instanceof EngineError ? 400 : 500, {
      message: e instanceof Error ? e.message : String(e),
    });
  }
}
