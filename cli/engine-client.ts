// Where CLI commands send their requests: the local engine found through `.rankwatch/engine.json` (written
// by `rankwatch start --serve`), or AWS with `--aws` (credentials and region from the usual AWS chain). Both
// answer the auditors' queries through the query function's own code: the local engine's HTTP API runs the
// bundled function; against AWS the same handler runs in this process over the deployed table.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DEFAULT_BUS_NAME } from '../events/sources.ts';
import { QUERY_ROUTES, type QueryRoute, routeKey } from '../functions/query-routes.ts';
import { documentClient, sdkDynamo } from '../functions/shared/aws/sdk.ts';
import { DynamoAssessmentStore } from '../functions/shared/dynamo-store.ts';
import type { EngineState } from '../local/engine.ts';
import {
  AUDITOR_CREDENTIALS,
  type Credentials,
  departmentCredentials,
  LEADER_CREDENTIALS,
  localCredentialsFor,
  signedHeaders,
} from '../local/principals.ts';
import { UsageError } from './io.ts';

/** The running engine's address file, relative to the working directory unless RANKWATCH_ENGINE_FILE says. */
export function engineFile(): string {
  return resolve(process.env.RANKWATCH_ENGINE_FILE ?? '.rankwatch/engine.json');
}

export class EngineNotRunningError extends Error {
  constructor(detail: string) {
    super(
      `本地引擎未运行（${detail}）：先在另一个终端运行 npm start -- --serve，或加 --aws 连接 AWS / the local engine is not running (${detail}): start it with \`npm start -- --serve\` in another terminal, or pass --aws`,
    );
    this.name = 'EngineNotRunningError';
  }
}

export function writeEngineState(state: EngineState & { schemes?: string[] }): string {
  const file = engineFile();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
  return file;
}

export function removeEngineState(pid = process.pid): void {
  const file = engineFile();
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as EngineState;
    if (state.pid === pid) rmSync(file, { force: true });
  } catch {
    // No file, or not ours: nothing to remove.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running engine's state, checked: the file exists, its process lives and the engine answers. */
export async function runningEngine(): Promise<EngineState & { schemes?: string[] }> {
  const file = engineFile();
  if (!existsSync(file)) throw new EngineNotRunningError(`${file} 不存在 / not found`);
  const state = JSON.parse(readFileSync(file, 'utf8')) as EngineState & { schemes?: string[] };
  if (!alive(state.pid))
    throw new EngineNotRunningError(`进程 ${state.pid} 已退出 / process ${state.pid} has exited`);
  try {
    const res = await fetch(`${state.endpoints.control}/_engine/status`, {
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`status ${res.status}`);
  } catch (e) {
    throw new EngineNotRunningError(
      `${state.endpoints.control} 无响应 / does not answer: ${(e as Error).message}`,
    );
  }
  return state;
}

export interface TargetOptions {
  aws?: boolean;
  /** With --aws: the query API's URL (stack output QueryApiUrl); default RANKWATCH_API_URL. */
  api?: string;
  table?: string;
  region?: string;
  bus?: string;
}

export interface QueryAnswer {
  statusCode: number;
  body: string;
  /** The response's headers (lower-case names), where the answer came over HTTP. */
  headers?: Record<string, string>;
  json(): unknown;
}

/** One place commands talk to: the local engine or AWS. */
export interface Target {
  kind: 'local' | 'aws';
  engine: (EngineState & { schemes?: string[] }) | undefined;
  busName: string;
  /** A client signing as the department that owns `source` (`dept.<id>`) locally; the usual chain on AWS. */
  eventBridge(source?: string): EventBridgeClient;
  store(): DynamoAssessmentStore;
  query(
    route: QueryRoute,
    path: Record<string, string>,
    query?: Record<string, string | undefined>,
  ): Promise<QueryAnswer>;
  /**
   * A leaders'-loop route of the HTTP API, so the API's role checks apply (a department may act only on its
   * own indicators). Locally signed as the leader or as `as.department`; on AWS (with --api) signed with the
   * caller's own credentials from the usual chain, so the role the caller assumed decides.
   */
  loopApi?(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    as: { department?: string | undefined },
  ): Promise<QueryAnswer>;
  /** Local: waits until the engine has delivered everything. AWS: nothing to wait for. */
  settle(): Promise<void>;
  /** Local only: fires scheduled rules. */
  control(path: string, body: unknown): Promise<unknown>;
}

const LOCAL = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

function answer(statusCode: number, body: string, headers?: Headers): QueryAnswer {
  return {
    statusCode,
    body,
    ...(headers ? { headers: Object.fromEntries(headers.entries()) } : {}),
    json: () => JSON.parse(body) as unknown,
  };
}

function fill(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
}

export async function resolveTarget(opts: TargetOptions): Promise<Target> {
  if (opts.aws) {
    const table = opts.table ?? process.env.RANKWATCH_TABLE;
    const region = opts.region ? { region: opts.region } : {};
    let store: DynamoAssessmentStore | undefined;
    const getStore = () => {
      if (!table)
        throw new UsageError(
          '--aws 需要 --table（CloudFormation 生成的表名，见 rankwatch-<stage>-stateful 堆栈）/ --aws needs --table NAME (the deployed table, see the stateful stack)',
          '... --aws --table NAME [--region R]',
        );
      store ??= new DynamoAssessmentStore(sdkDynamo(documentClient(new DynamoDBClient(region))), table);
      return store;
    };
    const apiUrl = opts.api ?? process.env.RANKWATCH_API_URL;
    return {
      kind: 'aws',
      engine: undefined,
      busName: opts.bus ?? DEFAULT_BUS_NAME,
      eventBridge: () => new EventBridgeClient(region),
      store: getStore,
      ...(apiUrl ? { loopApi: awsLoopApi(apiUrl, opts.region) } : {}),
      async query(route, path, query = {}) {
        const { queryHandler } = await import('../functions/query.ts');
        const { AuditedReader } = await import('../functions/shared/verification.ts');
        const rawPath = fill(QUERY_ROUTES[route].path, path);
        const q = Object.fromEntries(
          Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined),
        );
        const event = {
          version: '2.0',
          routeKey: routeKey(route),
          rawPath,
          rawQueryString: new URLSearchParams(q).toString(),
          headers: {},
          pathParameters: path,
          ...(Object.keys(q).length ? { queryStringParameters: q } : {}),
          isBase64Encoded: false,
        } as unknown as APIGatewayProxyEventV2;
        const out = await queryHandler(event, {
          store: new AuditedReader(getStore()),
          schemeVersion: (id, version) => getStore().schemeVersion(id, version),
          log: (level, message, extra) => {
            if (level !== 'info') console.error(`${level}: ${message}`, extra ?? '');
          },
        });
        return answer(out.statusCode, out.body);
      },
      settle: async () => {},
      control: async () => {
        throw new UsageError(
          'AWS 上的定时规则按计划自行触发 / on AWS, schedules fire by themselves',
          'rankwatch tick',
        );
      },
    };
  }
  const engine = await runningEngine();
  const table = opts.table ?? engine.table;
  let store: DynamoAssessmentStore | undefined;
  const api = Object.values(engine.endpoints.apis)[0];
  const control = async (path: string, body: unknown) => {
    const res = await fetch(`${engine.endpoints.control}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    const json = (await res.json()) as { message?: string };
    if (!res.ok) throw new Error(json.message ?? `engine answered ${res.status}`);
    return json;
  };
  return {
    kind: 'local',
    engine,
    busName: opts.bus ?? engine.bus,
    eventBridge: (source) =>
      new EventBridgeClient({
        region: LOCAL.region,
        endpoint: engine.endpoints.eventBridge,
        credentials: localCredentialsFor(undefined, source ? { source } : { role: 'operator' }),
      }),
    store: () => {
      if (!table) throw new Error('the local engine has no table');
      store ??= new DynamoAssessmentStore(
        sdkDynamo(documentClient(new DynamoDBClient({ ...LOCAL, endpoint: engine.endpoints.dynamodb }))),
        table,
      );
      return store;
    },
    async query(route, path, query = {}) {
      if (!api) throw new Error('the template has no HTTP API for queries');
      const q = new URLSearchParams(
        Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined),
      ).toString();
      const url = `${api}${fill(QUERY_ROUTES[route].path, path)}${q ? `?${q}` : ''}`;
      // The query API is the auditors': the CLI signs as the local auditor (local/principals.ts).
      const headers = await signedHeaders(
        AUDITOR_CREDENTIALS,
        { method: 'GET', url },
        { service: 'execute-api', region: engine.region },
      );
      const res = await fetch(url, { headers });
      return answer(res.status, await res.text());
    },
    async loopApi(method, path, body, as) {
      if (!api) throw new Error('the template has no HTTP API');
      const credentials = as.department ? departmentCredentials(as.department) : LEADER_CREDENTIALS;
      return signedFetch(credentials, engine.region, method, `${api}${path}`, body);
    },
    settle: async () => {
      await control('/_engine/settle', {});
    },
    control,
  };
}

/** An HTTP API request signed for execute-api (SigV4) with these credentials; a body is sent as JSON. */
export async function signedFetch(
  credentials: Credentials,
  region: string,
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
): Promise<QueryAnswer> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers = await signedHeaders(
    credentials,
    {
      method,
      url,
      ...(text === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: text }),
    },
    { service: 'execute-api', region },
  );
  const res = await fetch(url, { method, headers, ...(text === undefined ? {} : { body: text }) });
  return answer(res.status, await res.text(), res.headers);
}

/** The region of an execute-api URL (`https://ID.execute-api.REGION.amazonaws.com[.cn]/`), if it names one. */
export function apiRegion(url: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(url).hostname)?.[1];
}

/**
 * The deployed API's leaders'-loop routes, signed (SigV4, execute-api) with the credentials of the usual AWS
 * chain: the API authorises by the role those credentials belong to (the Leader role, or a department's).
 */
function awsLoopApi(apiUrl: string, regionOption: string | undefined): NonNullable<Target['loopApi']> {
  let base: URL;
  try {
    base = new URL(apiUrl);
  } catch {
    throw new UsageError(`--api 不是网址 / --api is not a URL: "${apiUrl}"`, '... --aws --api URL');
  }
  const region =
    regionOption ?? apiRegion(apiUrl) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region)
    throw new UsageError(
      '--aws --api: 需要 --region / give --region (the URL names none)',
      '... --aws --api URL',
    );
  return async (method, path, body, as) => {
    if (as.department)
      throw new UsageError(
        '在 AWS 上由所承担的角色决定身份，--department 仅用于本地引擎 / on AWS the role your credentials assumed decides; --department is for the local engine',
        '... --aws --api URL',
      );
    // The SDK's default credential chain, as every --aws command uses (profiles, SSO, assumed roles).
    const credentials = await new DynamoDBClient({ region }).config.credentials();
    const url = new URL(path.replace(/^\//, ''), base.href.endsWith('/') ? base.href : `${base.href}/`).href;
    return signedFetch(credentials, region, method, url, body);
  };
}

/** The scheme a command is about: --scheme, else RANKWATCH_SCHEME, else the one the local engine stored. */
export function schemeOf(opts: { scheme?: string }, target: Target, usage: string): string {
  const id = opts.scheme ?? process.env.RANKWATCH_SCHEME ?? target.engine?.schemes?.[0];
  if (!id) throw new UsageError('--scheme ID is required', usage);
  return id;
}
