// The leaders' dashboard routes through the dashboard function's handler: who may call them, what each caller
// sees, the page's content type and security policy, the data's charts and the unchanged-version short cut.
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { type DashboardFunctionDeps, dashboardHandler } from '../../../functions/dashboard.ts';
import { type DashboardRoute, routeKey } from '../../../functions/query-routes.ts';
import { parseCallerRoles } from '../../../functions/shared/alert-routes.ts';
import type { DashboardData } from '../../../functions/shared/dashboard-data.ts';
import { body, HOTLINE, head, SCHEME, snapshot, states } from './dashboard-fixtures.ts';

const callers = parseCallerRoles(
  JSON.stringify({
    LeaderRole: 'leader',
    AuditorRole: 'auditor',
    PublisherHotline: 'department:hotline12345',
  }),
);
const ARN = {
  leader: 'arn:aws:sts::123456789012:assumed-role/LeaderRole/wang',
  auditor: 'arn:aws:sts::123456789012:assumed-role/AuditorRole/audit',
  hotline: 'arn:aws:sts::123456789012:assumed-role/PublisherHotline/li',
  stranger: 'arn:aws:sts::123456789012:assumed-role/SomeOtherRole/x',
};

const SNAPSHOTS = new Map([
  ['2026-W04', snapshot(body('2026-W04', 1, 81))],
  ['2026-W05', snapshot(body('2026-W05', 2))],
]);

function deps(over: Partial<DashboardFunctionDeps> = {}) {
  const snapshotRead = vi.fn(async (_scheme: string, period: string) => SNAPSHOTS.get(period) as never);
  const d: DashboardFunctionDeps = {
    store: { snapshot: snapshotRead } as unknown as DashboardFunctionDeps['store'],
    notifications: { list: async () => states() } as unknown as DashboardFunctionDeps['notifications'],
    scheme: async (id) => {
      if (id !== 'gansu') {
        const e = new Error(`no scheme ${id}`);
        e.name = 'SchemeNotFoundError';
        throw e;
      }
      return SCHEME as never;
    },
    heads: async (id) => (id === 'gansu' ? [head('2026-W04', 1), head('2026-W05', 2)] : []),
    callers,
    log: () => {},
    ...over,
  };
  return { deps: d, snapshotRead };
}

async function call(
  route: DashboardRoute,
  as: keyof typeof ARN,
  options: { scheme?: string; query?: Record<string, string>; deps?: DashboardFunctionDeps } = {},
) {
  const event = {
    version: '2.0',
    routeKey: routeKey(route),
    rawPath: '/',
    rawQueryString: '',
    headers: {},
    pathParameters: { scheme: options.scheme ?? 'gansu' },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    isBase64Encoded: false,
    requestContext: { authorizer: { iam: { userArn: ARN[as] } } },
  } as unknown as APIGatewayProxyEventV2;
  const res = await dashboardHandler(event, options.deps ?? deps().deps);
  return { status: res.statusCode, headers: res.headers ?? {}, body: res.body };
}

describe('the dashboard page route', () => {
  it('answers the page as HTML to leaders, departments and auditors', async () => {
    for (const as of ['leader', 'hotline', 'auditor'] as const) {
      const res = await call('dashboard', as);
      expect(res.status, as).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toMatch(/^<!doctype html>/);
      expect(res.body).toContain('<table data-role="ranking">');
      expect(res.body).toContain('领导驾驶舱');
      expect(res.body).toContain('甘肃周考核');
    }
  });

  it('lets only its own inline script run (the CSP names the script’s hash) and caches nothing', async () => {
    const res = await call('dashboard', 'leader', { query: { poll: '2' } });
    const script = /<script>([\s\S]*)<\/script>/.exec(res.body)![1]!;
    const hash = createHash('sha256').update(script).digest('base64');
    expect(String(res.headers['content-security-policy'])).toContain(`script-src 'sha256-${hash}'`);
    expect(String(res.headers['content-security-policy'])).toContain("connect-src 'self'");
    expect(res.headers['cache-control']).toBe('no-store');
    expect(script).toContain('"pollMs":2000');
    // The page itself is small: the charts come with the data, as SVG rendered on the server.
    expect(Buffer.byteLength(res.body)).toBeLessThan(64 * 1024);
  });

  it('answers 404 for an unknown scheme, 403 to a role it does not know, 400 naming a bad poll', async () => {
    expect((await call('dashboard', 'leader', { scheme: 'nowhere' })).status).toBe(404);
    expect((await call('dashboardData', 'leader', { scheme: 'nowhere' })).status).toBe(404);
    expect((await call('dashboard', 'stranger')).status).toBe(403);
    const bad = await call('dashboard', 'leader', { query: { poll: '0' } });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: 'bad_request', field: 'poll' });
    expect(JSON.parse((await call('dashboard', 'leader', { query: { x: '1' } })).body).field).toBe('x');
  });

  it('answers 404 naming the route for any other route key (the query function serves those)', async () => {
    const event = {
      routeKey: 'GET /schemes/{scheme}/periods',
      pathParameters: { scheme: 'gansu' },
      requestContext: { authorizer: { iam: { userArn: ARN.leader } } },
    } as unknown as APIGatewayProxyEventV2;
    const res = await dashboardHandler(event, deps().deps);
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'no_route' });
  });
});

describe('the dashboard data route', () => {
  const data = async (as: keyof typeof ARN, query?: Record<string, string>, d = deps().deps) => {
    const res = await call('dashboardData', as, { ...(query ? { query } : {}), deps: d });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    return JSON.parse(res.body) as DashboardData & { charts?: Record<string, string> };
  };

  it('gives leaders and auditors every live notification and a department only its own', async () => {
    expect((await data('leader')).notifications).toHaveLength(3);
    const auditor = await data('auditor');
    expect(auditor.notifications).toHaveLength(3);
    expect(auditor.canAcknowledge).toBe(false);
    const hotline = await data('hotline');
    expect(hotline.notifications.map((n) => n.id)).toEqual([HOTLINE]);
    expect(hotline.caller).toEqual({ kind: 'department', department: 'hotline12345' });
  });

  it('gives the ranking, the focus entity’s gap and trajectory, and both charts as ECharts SVG', async () => {
    const d = await data('leader');
    expect(d.ranking?.filter((r) => r.rank !== null)).toHaveLength(3);
    expect(d.focus).toMatchObject({ entity: 'jiuquan', position: 'behind' });
    expect(d.trajectory?.map((p) => p.period)).toEqual(['2026-W04', '2026-W05']);
    expect(d.charts?.trajectory).toMatch(/^<svg[\s\S]*ecmeta_data_index[\s\S]*<\/svg>$/);
    // No stored decomposition in these hand-made snapshots: no waterfall.
    expect(d.charts?.waterfall).toBeUndefined();
    expect(d.bulletins).toEqual({ configured: false, items: [] });
  });

  it('reads only the periods asked for, and no snapshot at all when the caller already has the version', async () => {
    const { deps: d, snapshotRead } = deps();
    const first = await data('leader', { periods: '1' }, d);
    expect(snapshotRead.mock.calls.map((c) => c[1])).toEqual(['2026-W05']);
    snapshotRead.mockClear();
    const again = await data('leader', { since: first.version }, d);
    expect(snapshotRead).not.toHaveBeenCalled();
    expect(again).toMatchObject({ changed: false, version: first.version, head: { seq: 2 } });
    expect(again.ranking).toBeUndefined();
    expect(again.charts).toBeUndefined();
    expect(again.notifications).toHaveLength(3);
  });

  it('lists the bulletins when the function has a bulletin list', async () => {
    const d = deps().deps;
    d.bulletins = {
      list: async () => [{ key: 'bulletins/gansu/2026-W05-weekly.html', period: '2026-W05', kind: 'weekly' }],
    };
    expect((await data('leader', undefined, d)).bulletins).toEqual({
      configured: true,
      items: [{ key: 'bulletins/gansu/2026-W05-weekly.html', period: '2026-W05', kind: 'weekly' }],
    });
  });

  it('answers 400 naming since or periods when they are not what the page sends', async () => {
    for (const [field, value] of [
      ['since', 'abc'],
      ['periods', '0'],
      ['periods', 'x'],
    ]) {
      const res = await call('dashboardData', 'leader', { query: { [field!]: value! } });
      expect(res.status, `${field}=${value}`).toBe(400);
      expect(JSON.parse(res.body).field).toBe(field);
    }
  });
});
