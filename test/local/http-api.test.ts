import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../local/aws-json-server.ts';
import { startHttpApiServer } from '../../local/http-api.ts';

let server: LocalServer;
const events: Record<string, unknown>[] = [];

beforeAll(async () => {
  server = await startHttpApiServer({
    apiId: 'abc123',
    routes: [
      {
        routeKey: 'GET /schemes/{scheme}/periods',
        invoke: async (event) => {
          events.push(event as Record<string, unknown>);
          return {
            statusCode: 200,
            headers: { 'content-type': 'application/json' },
            body: '{"periods":["2026-W01"]}',
          };
        },
      },
      {
        routeKey: 'GET /schemes/{scheme}/verify',
        invoke: async () => {
          throw new Error('function error');
        },
      },
      { routeKey: 'ANY /raw/{proxy+}', invoke: async () => ({ hello: 'world' }) },
    ],
    extra: {
      prefix: '/_engine/',
      handle: async (_req, res) => {
        res.writeHead(204);
        res.end();
      },
    },
  });
});

afterAll(async () => {
  await server.close();
});

describe('the local HTTP API (payload format 2.0)', () => {
  it('matches the route, fills path and query parameters and answers with the function’s response', async () => {
    const res = await fetch(`${server.url}/schemes/gansu%2Dweekly/periods?format=csv&x=1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ periods: ['2026-W01'] });
    expect(events.at(-1)).toMatchObject({
      version: '2.0',
      routeKey: 'GET /schemes/{scheme}/periods',
      rawPath: '/schemes/gansu%2Dweekly/periods',
      rawQueryString: 'format=csv&x=1',
      pathParameters: { scheme: 'gansu-weekly' },
      queryStringParameters: { format: 'csv', x: '1' },
      requestContext: { apiId: 'abc123', stage: '$default', http: { method: 'GET' } },
    });
  });

  it('answers 404 for a path no route has, and for a method the route does not take', async () => {
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${server.url}/schemes/s/periods`, { method: 'POST' })).status).toBe(404);
  });

  it('answers 500 Internal Server Error when the function fails, as API Gateway does', async () => {
    const res = await fetch(`${server.url}/schemes/s/verify`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('sends a function result without statusCode as a 200 JSON body, and a greedy path parameter whole', async () => {
    const res = await fetch(`${server.url}/raw/a/b/c`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ hello: 'world' });
  });

  it('hands the engine’s own prefix to its control handler', async () => {
    expect((await fetch(`${server.url}/_engine/status`)).status).toBe(204);
  });
});
