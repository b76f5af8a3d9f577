// An API Gateway HTTP API on one machine: the routes of the template (`GET /schemes/{scheme}/periods`), each
// a Lambda proxy integration invoked with the payload format 2.0 event, the function's answer turned into the
// HTTP response as API Gateway does. Routes with AWS_IAM authorisation go through `authorise` first (the
// engine checks the caller's SigV4 signature and its execute-api:Invoke permission on the route).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { LocalServer } from './aws-json-server.ts';
import { listenOn } from './ports.ts';

export interface HttpApiRoute {
  /** `GET /schemes/{scheme}/periods`, `ANY /{proxy+}` or `$default`. */
  routeKey: string;
  /** `AWS_IAM` routes are authorised before the integration runs; `NONE` (the default) are not. */
  authorizationType?: string;
  invoke(event: unknown): Promise<unknown>;
}

/** A refusal as API Gateway answers it: status and message (e.g. 403, "Forbidden"). */
export interface HttpApiRefusal {
  status: number;
  message: string;
}

/** Who signed an allowed request, as the IAM authoriser puts it in `requestContext.authorizer.iam`. */
export interface HttpApiCaller {
  accessKey: string;
  accountId: string;
  /** The principal's ARN (a role's `arn:aws:iam::…:role/NAME`, a user's `…:user/NAME`). */
  userArn: string;
}

export interface HttpApiServerOptions {
  apiId: string;
  routes: readonly HttpApiRoute[];
  region?: string;
  account?: string;
  port?: number;
  host?: string;
  /** Decides an AWS_IAM route's request: the caller it lets through, or a refusal; without it such routes are open. */
  authorise?(
    request: { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer },
    route: { routeKey: string; method: string; path: string; stage: string },
  ): Promise<{ caller: HttpApiCaller } | { refused: HttpApiRefusal }>;
  /** Requests under this path prefix go to `extra` instead (the engine's own control routes). */
  extra?: { prefix: string; handle(request: IncomingMessage, response: ServerResponse): Promise<void> };
}

interface CompiledRoute {
  route: HttpApiRoute;
  method: string;
  regex: RegExp;
  names: string[];
  /** More literal characters first, as API Gateway prefers the most specific route. */
  specificity: number;
}

function compile(route: HttpApiRoute): CompiledRoute {
  if (route.routeKey === '$default') {
    return { route, method: 'ANY', regex: /^.*$/, names: [], specificity: -1 };
  }
  const [method = 'ANY', path = '/'] = route.routeKey.split(' ');
  const names: string[] = [];
  let specificity = 0;
  const source = path
    .split('/')
    .map((segment) => {
      const greedy = /^\{(\w+)\+\}$/.exec(segment);
      if (greedy) {
        names.push(greedy[1]!);
        return '(.+)';
      }
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param) {
        names.push(param[1]!);
        return '([^/]+)';
      }
      specificity += segment.length + 1;
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { route, method: method.toUpperCase(), regex: new RegExp(`^${source}$`), names, specificity };
}

/** Starts the API; resolves once it listens. */
export async function startHttpApiServer(options: HttpApiServerOptions): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  const routes = options.routes.map(compile).sort((a, b) => b.specificity - a.specificity);
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: 'Internal Server Error', detail: String(error) }));
      }
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://local');
    if (options.extra && url.pathname.startsWith(options.extra.prefix)) {
      await options.extra.handle(request, response);
      return;
    }
    const method = (request.method ?? 'GET').toUpperCase();
    const path = decodeURIComponent(url.pathname);
    const match = routes
      .map((r) => ({ r, m: r.regex.exec(path) }))
      .find(({ r, m }) => m !== null && (r.method === 'ANY' || r.method === method));
    if (!match?.m) {
      send(response, 404, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Not Found' }));
      return;
    }
    const body = await readBody(request);
    let caller: HttpApiCaller | undefined;
    if (match.r.route.authorizationType === 'AWS_IAM' && options.authorise) {
      const decided = await options.authorise(
        { method, url: request.url ?? '/', headers: request.headers, body },
        { routeKey: match.r.route.routeKey, method, path: url.pathname, stage: '$default' },
      );
      if ('refused' in decided) {
        send(
          response,
          decided.refused.status,
          { 'content-type': 'application/json', 'x-amzn-errortype': 'ForbiddenException' },
          JSON.stringify({ message: decided.refused.message }),
        );
        return;
      }
      caller = decided.caller;
    }
    const now = Date.now();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(request.headers)) {
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
    }
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
    const pathParameters = Object.fromEntries(match.r.names.map((n, i) => [n, match.m![i + 1]!]));
    const isText = /json|text|xml|urlencoded/.test(headers['content-type'] ?? 'text');
    const event = {
      version: '2.0',
      routeKey: match.r.route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      headers,
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      ...(match.r.names.length ? { pathParameters } : {}),
      requestContext: {
        accountId: options.account ?? '000000000000',
        // API Gateway's IAM authoriser context: the functions tell callers apart by userArn.
        ...(caller
          ? {
              authorizer: {
                iam: {
                  accessKey: caller.accessKey,
                  accountId: caller.accountId,
                  callerId: caller.accessKey,
                  cognitoIdentity: null,
                  principalOrgId: null,
                  userArn: caller.userArn,
                  userId: caller.accessKey,
                },
              },
            }
          : {}),
        apiId: options.apiId,
        domainName: headers.host ?? 'localhost',
        domainPrefix: (headers.host ?? 'localhost').split('.')[0],
        http: {
          method,
          path: url.pathname,
          protocol: `HTTP/${request.httpVersion}`,
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey: match.r.route.routeKey,
        stage: '$default',
        time: new Date(now).toUTCString(),
        timeEpoch: now,
      },
      ...(body.length
        ? { body: isText ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !isText }
        : { isBase64Encoded: false }),
    };
    let result: unknown;
    try {
      result = await match.r.route.invoke(event);
    } catch {
      // API Gateway's answer when the integration fails.
      send(
        response,
        500,
        { 'content-type': 'application/json' },
        JSON.stringify({ message: 'Internal Server Error' }),
      );
      return;
    }
    respond(response, result);
  }

  const { port, url } = await listenOn(server, options.port, host);
  return {
    url,
    port,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Payload 2.0 response: an object with statusCode is used as given; anything else is a 200 JSON body. */
function respond(response: ServerResponse, result: unknown): void {
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    const r = result as {
      statusCode: number;
      headers?: Record<string, string>;
      body?: string;
      isBase64Encoded?: boolean;
      cookies?: string[];
    };
    const body = r.body === undefined ? '' : r.isBase64Encoded ? Buffer.from(r.body, 'base64') : r.body;
    send(
      response,
      r.statusCode,
      { ...(r.headers ?? {}), ...(r.cookies?.length ? { 'set-cookie': r.cookies.join(', ') } : {}) },
      body,
    );
    return;
  }
  send(
    response,
    200,
    { 'content-type': 'application/json' },
    typeof result === 'string' ? result : JSON.stringify(result ?? null),
  );
}

function send(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
): void {
  response.writeHead(status, {
    ...headers,
    'content-length': Buffer.byteLength(body),
    'apigw-requestid': randomUUID(),
  });
  response.end(body);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
