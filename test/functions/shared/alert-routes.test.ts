import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type NotificationState, openState, type TransitionResult } from '../../../domain/lifecycle.ts';
import type { Notification } from '../../../domain/notifications.ts';
import { type QueryDeps, queryHandler } from '../../../functions/query.ts';
import { type AlertRoute, routeKey } from '../../../functions/query-routes.ts';
import {
  type Caller,
  type NotificationReader,
  parseCallerRoles,
  roleNameOf,
} from '../../../functions/shared/alert-routes.ts';
import { TransitionRefusedError } from '../../../functions/shared/notification-store.ts';

const SCHEME = 'gansu';
const notification = (id: string, owner?: string): Notification => ({
  id,
  scheme: SCHEME,
  period: '2026-W16',
  seq: 1,
  entity: 'lanzhou',
  scope: owner ? 'indicator' : 'overall',
  ...(owner ? { indicator: 'hotline_satisfaction', owner } : {}),
  severity: 'warning',
  rule: 'rankDrop',
  rules: [],
  inhibited: [],
  alertKeys: [`k-${id}`],
  openedAt: '2026-04-20T01:00:00.000Z',
});
const HOTLINE = 'N00000000000000000001';
const OVERALL = 'N00000000000000000002';

/** The store's semantics in memory: version-checked transitions, every version kept. */
function memoryStore(): NotificationReader & { versionsOf: Map<string, NotificationState[]> } {
  const versionsOf = new Map<string, NotificationState[]>();
  for (const n of [notification(HOTLINE, 'hotline12345'), notification(OVERALL)])
    versionsOf.set(n.id, [openState(n)]);
  return {
    versionsOf,
    list: async () => [...versionsOf.values()].map((v) => v.at(-1)!),
    get: async (_s, id) => versionsOf.get(id)?.at(-1),
    versions: async (_s, id) => versionsOf.get(id) ?? [],
    transition: async (_s, id, change: (s: NotificationState) => TransitionResult | null) => {
      const r = change(versionsOf.get(id)!.at(-1)!);
      if (r === null) return null;
      if (!r.ok) throw new TransitionRefusedError(r.code, r.reason);
      versionsOf.get(id)!.push(r.state);
      return r.state;
    },
  };
}

const callers = parseCallerRoles(
  JSON.stringify({
    'rankwatch-dev-LeaderRole': 'leader',
    'rankwatch-dev-AuditorRole': 'auditor',
    'rankwatch-dev-PublisherHotline': 'department:hotline12345',
    'rankwatch-dev-PublisherData': 'department:datasharing',
  }),
);
const ARN = {
  leader: 'arn:aws:sts::123456789012:assumed-role/rankwatch-dev-LeaderRole/wang',
  auditor: 'arn:aws:sts::123456789012:assumed-role/rankwatch-dev-AuditorRole/audit',
  hotline: 'arn:aws:sts::123456789012:assumed-role/rankwatch-dev-PublisherHotline/li',
  data: 'arn:aws:sts::123456789012:assumed-role/rankwatch-dev-PublisherData/zhao',
  stranger: 'arn:aws:sts::123456789012:assumed-role/SomeOtherRole/x',
};

async function call(
  route: AlertRoute,
  as: keyof typeof ARN,
  path: Record<string, string>,
  options: { body?: unknown; query?: Record<string, string>; store?: NotificationReader } = {},
) {
  const event = {
    version: '2.0',
    routeKey: routeKey(route),
    rawPath: '/',
    rawQueryString: '',
    headers: {},
    pathParameters: { scheme: SCHEME, ...path },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    isBase64Encoded: false,
    requestContext: { authorizer: { iam: { userArn: ARN[as] } } },
  } as unknown as APIGatewayProxyEventV2;
  const deps: QueryDeps = {
    store: {} as QueryDeps['store'],
    notifications: options.store ?? memoryStore(),
    callers,
    now: () => new Date('2026-04-20T03:00:00.000Z'),
    log: () => {},
  };
  const res = await queryHandler(event, deps);
  return { status: res.statusCode, json: JSON.parse(res.body) as Record<string, unknown> };
}

describe('the caller', () => {
  it('is the role an assumed-role or role ARN names, and unknown roles are nobody', () => {
    expect(roleNameOf(ARN.leader)).toBe('rankwatch-dev-LeaderRole');
    expect(roleNameOf('arn:aws:iam::123456789012:role/path/rankwatch-dev-AuditorRole')).toBe(
      'rankwatch-dev-AuditorRole',
    );
    expect(roleNameOf('arn:aws:iam::123456789012:user/someone')).toBeUndefined();
    expect(callers.get('rankwatch-dev-PublisherHotline')).toEqual<Caller>({
      kind: 'department',
      department: 'hotline12345',
    });
  });
});

describe('acknowledging through the API', () => {
  it('lets the owning department acknowledge its indicator’s notification, and records who and when', async () => {
    const store = memoryStore();
    const r = await call(
      'acknowledge',
      'hotline',
      { id: HOTLINE },
      { body: { by: '李科长', note: '正在整改' }, store },
    );
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      status: 'acknowledged',
      version: 2,
      acknowledged: { by: '李科长', at: '2026-04-20T03:00:00.000Z', note: '正在整改' },
    });
    expect(store.versionsOf.get(HOTLINE)!.map((s) => s.status)).toEqual(['open', 'acknowledged']);
  });

  it('does not let a department acknowledge, or even see, another department’s or the overall notification', async () => {
    expect((await call('acknowledge', 'data', { id: HOTLINE }, { body: { by: '赵' } })).status).toBe(404);
    expect((await call('acknowledge', 'hotline', { id: OVERALL }, { body: { by: '李' } })).status).toBe(404);
    const list = await call('notifications', 'data', {});
    expect(list.status).toBe(200);
    expect(list.json.notifications).toEqual([]);
  });

  it('lets a leader acknowledge any; the second acknowledgement is a 409 that names who was first', async () => {
    const store = memoryStore();
    expect(
      (await call('acknowledge', 'leader', { id: OVERALL }, { body: { by: '王局长' }, store })).status,
    ).toBe(200);
    const again = await call('acknowledge', 'hotline', { id: HOTLINE }, { body: { by: '李' }, store });
    expect(again.status).toBe(200);
    const late = await call('acknowledge', 'leader', { id: OVERALL }, { body: { by: '张副局长' }, store });
    expect(late.status).toBe(409);
    expect(late.json).toMatchObject({ error: 'already_acknowledged' });
    expect((late.json.message as { zh: string }).zh).toContain('王局长');
  });

  it('refuses auditors and unknown roles with 403, and reads stay open to auditors', async () => {
    expect((await call('acknowledge', 'auditor', { id: OVERALL }, { body: { by: 'x' } })).status).toBe(403);
    expect((await call('acknowledge', 'stranger', { id: OVERALL }, { body: { by: 'x' } })).status).toBe(403);
    expect((await call('notifications', 'stranger', {})).status).toBe(403);
    const one = await call('notification', 'auditor', { id: OVERALL });
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ status: 'open', versions: [{ version: 1, status: 'open' }] });
  });

  it('names the bad field of a request: the id, the body, an unknown field, an unknown query parameter', async () => {
    expect((await call('acknowledge', 'leader', { id: 'nope' }, { body: { by: 'x' } })).json).toMatchObject({
      error: 'bad_request',
      field: 'id',
    });
    expect((await call('acknowledge', 'leader', { id: OVERALL }, { body: 'not json' })).json).toMatchObject({
      field: '(body)',
    });
    expect(
      (await call('acknowledge', 'leader', { id: OVERALL }, { body: { by: 'x', extra: 1 } })).json,
    ).toMatchObject({
      field: 'extra',
    });
    expect((await call('acknowledge', 'leader', { id: OVERALL }, { body: { by: '' } })).json).toMatchObject({
      field: 'by',
    });
    expect((await call('notifications', 'leader', {}, { query: { owner: 'x' } })).json).toMatchObject({
      field: 'owner',
    });
  });

  it('lists what a leader may see, filtered by status and department', async () => {
    const all = await call('notifications', 'leader', {});
    expect((all.json.notifications as unknown[]).length).toBe(2);
    const hotline = await call('notifications', 'leader', {}, { query: { department: 'hotline12345' } });
    expect((hotline.json.notifications as NotificationState[]).map((s) => s.notification.id)).toEqual([
      HOTLINE,
    ]);
    const open = await call('notifications', 'leader', {}, { query: { status: 'open' } });
    expect((open.json.notifications as unknown[]).length).toBe(2);
    const none = await call('notifications', 'leader', {}, { query: { status: 'resolved' } });
    expect(none).toMatchObject({ status: 200, json: { notifications: [] } });
  });

  it('answers 400 naming the filter, not an empty 200, for a status or department that can match nothing', async () => {
    for (const status of ['opened', 'OPEN', '', 'open,closed', 'closed', 'silenced '])
      expect(await call('notifications', 'leader', {}, { query: { status } })).toMatchObject({
        status: 400,
        json: { error: 'bad_request', field: 'status' },
      });
    for (const department of ['', 'x y', '../x', 'dept\u0000', '政务', 'x'.repeat(65)])
      expect(await call('notifications', 'leader', {}, { query: { department } })).toMatchObject({
        status: 400,
        json: { error: 'bad_request', field: 'department' },
      });
    const r = await call('notifications', 'leader', {}, { query: { status: 'opened' } });
    expect(JSON.stringify(r.json)).toContain('open, acknowledged, escalated, resolved, silenced');
  });
});
