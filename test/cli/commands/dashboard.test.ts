// `rankwatch dashboard`'s signing proxy: it forwards only the dashboard's requests (the page, its data, the
// acknowledge route), answers only under its own host name, and takes a POST only from the page itself.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardProxy, type Forward, startDashboardProxy } from '../../../cli/commands/dashboard.ts';
import type { QueryAnswer } from '../../../cli/engine-client.ts';

const calls: { method: string; path: string; body: unknown }[] = [];
let fail = false;
const forward: Forward = async (method, path, body) => {
  if (fail) throw new Error('connect ECONNREFUSED');
  calls.push({ method, path, body });
  const html = path.endsWith('/dashboard') || path.includes('/dashboard?');
  const answer: QueryAnswer = {
    statusCode: 200,
    body: html ? '<!doctype html><p>page</p>' : '{"ok":true}',
    headers: {
      'content-type': html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
      'content-security-policy': "default-src 'none'",
      'x-amzn-requestid': 'not passed on',
    },
    json: () => ({}),
  };
  return answer;
};

let proxy: DashboardProxy;
beforeAll(async () => {
  proxy = await startDashboardProxy({ forward, port: 0, scheme: 'gansu-weekly-2026' });
});
afterAll(async () => {
  await proxy.close();
});

/** A raw request, so that the Host and Origin headers are the test's own. */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${proxy.url}${path}`,
      {
        method,
        headers: { ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('the dashboard proxy', () => {
  it('listens on 127.0.0.1 and sends / to the scheme’s dashboard', async () => {
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(proxy.pageUrl('gansu-weekly-2026')).toBe(`${proxy.url}/schemes/gansu-weekly-2026/dashboard`);
    const res = await raw('GET', '/');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/schemes/gansu-weekly-2026/dashboard');
  });

  it('forwards the page and its data with their query strings, passing on type and security policy only', async () => {
    calls.length = 0;
    const page = await fetch(`${proxy.pageUrl('gansu-weekly-2026')}?poll=2`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(page.headers.get('x-amzn-requestid')).toBeNull();
    const data = await fetch(`${proxy.url}/schemes/gansu-weekly-2026/dashboard/data?since=0123456789abcdef`);
    expect(await data.json()).toEqual({ ok: true });
    expect(calls).toEqual([
      { method: 'GET', path: '/schemes/gansu-weekly-2026/dashboard?poll=2', body: undefined },
      {
        method: 'GET',
        path: '/schemes/gansu-weekly-2026/dashboard/data?since=0123456789abcdef',
        body: undefined,
      },
    ]);
  });

  it('forwards an acknowledgement posted by the page itself, its JSON body parsed', async () => {
    calls.length = 0;
    const res = await fetch(
      `${proxy.url}/schemes/gansu-weekly-2026/notifications/N0123456789abcdef0123/ack`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: proxy.url },
        body: JSON.stringify({ by: '王局长' }),
      },
    );
    expect(res.status).toBe(200);
    expect(calls).toEqual([
      {
        method: 'POST',
        path: '/schemes/gansu-weekly-2026/notifications/N0123456789abcdef0123/ack',
        body: { by: '王局长' },
      },
    ]);
  });

  it('forwards nothing else: not the auditors’ routes, not other methods', async () => {
    calls.length = 0;
    for (const [method, path] of [
      ['GET', '/schemes/gansu-weekly-2026/periods'],
      ['GET', '/schemes/gansu-weekly-2026/verify'],
      ['POST', '/schemes/gansu-weekly-2026/silences'],
      ['DELETE', '/schemes/gansu-weekly-2026/dashboard'],
      ['GET', '/schemes/../dashboard'],
    ]) {
      const res = await raw(method!, path!);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(JSON.parse(res.body).message.en).toContain('only the dashboard');
    }
    expect(calls).toEqual([]);
  });

  it('refuses requests under another host name (DNS rebinding) and posts from another origin or not JSON', async () => {
    calls.length = 0;
    const ack = '/schemes/gansu-weekly-2026/notifications/N0123456789abcdef0123/ack';
    expect(
      (await raw('GET', '/schemes/gansu-weekly-2026/dashboard', { host: 'evil.example:80' })).status,
    ).toBe(421);
    const json = { 'content-type': 'application/json' };
    expect((await raw('POST', ack, { ...json, origin: 'https://evil.example' }, '{"by":"x"}')).status).toBe(
      403,
    );
    expect((await raw('POST', ack, { ...json, 'sec-fetch-site': 'cross-site' }, '{"by":"x"}')).status).toBe(
      403,
    );
    expect((await raw('POST', ack, { 'content-type': 'text/plain' }, '{"by":"x"}')).status).toBe(415);
    expect((await raw('POST', ack, json, '{not json')).status).toBe(400);
    expect((await raw('POST', ack, json, JSON.stringify({ by: 'x'.repeat(20_000) }))).status).toBe(413);
    expect(calls).toEqual([]);
  });

  it('answers 502 naming the cause when the API cannot be reached', async () => {
    fail = true;
    try {
      const res = await raw('GET', '/schemes/gansu-weekly-2026/dashboard/data');
      expect(res.status).toBe(502);
      expect(JSON.parse(res.body).message.en).toContain('ECONNREFUSED');
    } finally {
      fail = false;
    }
  });
});
