// `rankwatch dashboard`: the leaders' dashboard in a browser through a small signing proxy on this machine.
// The query API is IAM-only (SigV4) and a browser cannot sign, so credentials never reach the browser: the
// proxy listens on 127.0.0.1 and forwards the dashboard's own requests — the page, its data and the
// acknowledge route, nothing else — signed with the caller's credentials (locally the leader's key or a
// department's; on AWS the default credential chain, so the role those credentials assumed decides what the
// page shows and may do). `npm start -- --serve` starts one with the local leader's key.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ALERT_ROUTES, DASHBOARD_ROUTES } from '../../functions/query-routes.ts';
import type { Engine } from '../../local/engine.ts';
import { listenOn, PortInUseError } from '../../local/ports.ts';
import { type Credentials, LEADER_CREDENTIALS } from '../../local/principals.ts';
import { type QueryAnswer, resolveTarget, schemeOf, signedFetch } from '../engine-client.ts';
import type { CommandIo } from '../io.ts';
import { UsageError } from '../io.ts';

export const DASHBOARD_PORT = 4020;

export const usage =
  'rankwatch dashboard [--port N] [--scheme ID] [--department D] [--aws --api URL [--region R]]';

export interface DashboardOptions {
  aws?: boolean;
  api?: string;
  region?: string;
  scheme?: string;
  port?: string;
  department?: string;
}

/** One request to the API, signed by whoever the proxy acts for. */
export type Forward = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<QueryAnswer>;

export interface DashboardProxy {
  url: string;
  port: number;
  /** The dashboard page of a scheme through this proxy. */
  pageUrl(scheme: string): string;
  close(): Promise<void>;
}

/** The routes the proxy forwards (each `METHOD` and its path as a pattern); anything else is refused. */
const FORWARDED = [DASHBOARD_ROUTES.dashboard, DASHBOARD_ROUTES.dashboardData, ALERT_ROUTES.acknowledge].map(
  (r) => ({
    method: r.method,
    pattern: new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '[A-Za-z0-9_-]+')}$`),
  }),
);

/** Headers of the API's answer that the browser gets: type, caching and the page's security policy. */
const PASSED_HEADERS = [
  'content-type',
  'cache-control',
  'content-security-policy',
  'x-content-type-options',
  'referrer-policy',
];

const MAX_BODY = 16 * 1024;

/** Signs for execute-api with fixed credentials (the local engine's leader or a department). */
export function signedForward(credentials: Credentials, region: string, apiUrl: string): Forward {
  const base = apiUrl.replace(/\/$/, '');
  return (method, path, body) => signedFetch(credentials, region, method, `${base}${path}`, body);
}

function refuse(res: ServerResponse, status: number, zh: string, en: string) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: 'proxy', message: { zh, en } }));
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    // Read to the end (what is over the limit is dropped), so the refusal reaches the client.
    req.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Starts the proxy on 127.0.0.1 (port 0: any free one). Requests must name this proxy as their host (no DNS
 * rebinding); a POST must come from the page itself (its Origin, a JSON body), so another site open in the same
 * browser cannot make it acknowledge anything with the signer's credentials.
 */
export async function startDashboardProxy(options: {
  forward: Forward;
  port?: number;
  /** Where `/` leads. */
  scheme?: string;
}): Promise<DashboardProxy> {
  const host = '127.0.0.1';
  let self = '';
  let port = 0;
  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent)
        refuse(
          res,
          502,
          `无法连接查询 API：${String(e)}`,
          `the query API could not be reached: ${String(e)}`,
        );
      else res.destroy();
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const hostHeader = req.headers.host ?? '';
    if (hostHeader !== self.slice('http://'.length) && hostHeader !== `localhost:${port}`)
      return refuse(res, 421, '主机名不符', `this proxy answers only as ${self}`);
    const url = new URL(req.url ?? '/', self);
    const method = req.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/' && options.scheme) {
      res.writeHead(302, { location: `/schemes/${encodeURIComponent(options.scheme)}/dashboard` });
      return res.end();
    }
    if (!FORWARDED.some((r) => r.method === method && r.pattern.test(url.pathname)))
      return refuse(
        res,
        404,
        '代理只转发领导驾驶舱的请求',
        'this proxy forwards only the dashboard’s requests',
      );
    let body: unknown;
    if (method === 'POST') {
      const origin = req.headers.origin;
      const fetchSite = req.headers['sec-fetch-site'];
      if (
        (origin !== undefined && origin !== self && origin !== `http://localhost:${port}`) ||
        (fetchSite !== undefined && fetchSite !== 'same-origin')
      )
        return refuse(res, 403, '只接受驾驶舱页面自身的请求', 'only the dashboard page itself may post');
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
        return refuse(res, 415, '请求体须为 JSON', 'the body must be JSON (application/json)');
      const text = await readBody(req);
      if (text === undefined) return refuse(res, 413, '请求体过大', 'the body is too large');
      try {
        body = JSON.parse(text);
      } catch {
        return refuse(res, 400, '请求体须为 JSON', 'the body must be JSON');
      }
    }
    const answer = await options.forward(method as 'GET' | 'POST', `${url.pathname}${url.search}`, body);
    const headers: Record<string, string> = {};
    for (const name of PASSED_HEADERS) {
      const v = answer.headers?.[name];
      if (v !== undefined) headers[name] = v;
    }
    headers['content-type'] ??= 'application/json; charset=utf-8';
    res.writeHead(answer.statusCode, headers);
    res.end(answer.body);
  }
  let bound: { port: number; url: string };
  try {
    bound = await listenOn(server, options.port, host);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' || (e as NodeJS.ErrnoException).code === 'EACCES')
      throw new PortInUseError(options.port ?? 0, '领导驾驶舱代理 dashboard proxy');
    throw e;
  }
  const { url } = bound;
  port = bound.port;
  self = url;
  return {
    url,
    port,
    pageUrl: (scheme) => `${url}/schemes/${encodeURIComponent(scheme)}/dashboard`,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * For `npm start -- --serve`: the dashboard of the local engine's API signed as the local leader, on
 * DASHBOARD_PORT or, when that is taken, any free port. Undefined when the template has no HTTP API.
 */
export async function serveDashboard(
  engine: Pick<Engine, 'endpoints' | 'model'>,
  scheme: string,
  port = DASHBOARD_PORT,
): Promise<DashboardProxy | undefined> {
  const api = Object.values(engine.endpoints.apis)[0];
  if (!api) return undefined;
  const forward = signedForward(LEADER_CREDENTIALS, engine.model.region, api);
  try {
    return await startDashboardProxy({ forward, port, scheme });
  } catch (e) {
    if (!(e instanceof PortInUseError)) throw e;
    return startDashboardProxy({ forward, port: 0, scheme });
  }
}

function portOption(value: string | undefined): number {
  if (value === undefined) return DASHBOARD_PORT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`--port must be a port number (got "${value}")`, usage);
  return n;
}

/** The line that says where the dashboard is, Chinese first. */
export function dashboardLine(pageUrl: string, as: string): string {
  return `领导驾驶舱 dashboard: ${pageUrl}   （签名身份 signed as ${as}；凭证不会发送到浏览器 / credentials stay in this process）`;
}

export async function dashboardCommand(
  opts: DashboardOptions,
  io: CommandIo,
  until?: Promise<unknown>,
): Promise<number> {
  const port = portOption(opts.port);
  // --api names the deployed API: that is AWS, signed with the usual credential chain.
  const target = await resolveTarget({ ...opts, aws: opts.aws === true || opts.api !== undefined });
  const scheme = schemeOf(opts, target, usage);
  if (!target.loopApi)
    throw new UsageError(
      '--aws 需要 --api（堆栈输出 QueryApiUrl，或 RANKWATCH_API_URL）/ --aws needs --api URL (stack output QueryApiUrl, or RANKWATCH_API_URL)',
      usage,
    );
  const loopApi = target.loopApi;
  const department = opts.department;
  const forward: Forward = (method, path, body) => loopApi(method, path, body, { department });
  const proxy = await startDashboardProxy({ forward, port, scheme });
  const as =
    target.kind === 'aws'
      ? 'AWS 默认凭证链 the default AWS credential chain'
      : department
        ? `部门 department ${department}`
        : `领导 leader (${LEADER_CREDENTIALS.accessKeyId})`;
  io.stdout(`${dashboardLine(proxy.pageUrl(scheme), as)}\n按 Ctrl+C 停止 / press Ctrl+C to stop\n`);
  try {
    await (until ??
      new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }));
  } finally {
    await proxy.close();
  }
  return 0;
}
