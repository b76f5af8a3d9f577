// Hostile requests for the query API (issue 12), generated with fast-check and sent to the query function's
// handler in-process as API Gateway v2 events: for each route of the auditors' queries and the leaders' loop,
// path parameters and query strings of the wrong type, huge, unicode edge cases, injection-looking strings,
// repeated parameters (API Gateway joins them with commas), bad snapshot numbers, periods and times, unknown
// parameters, bad request bodies. Each must be a 4xx whose JSON body names the parameter, in Chinese and
// English, with nothing written to the store (and, for the auditors' routes, nothing read: a bad request is
// answered before the table is touched); a 5xx or a throw is a crash. Valid but unusual requests are the
// control: they must reach the store.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { type NotificationState, openState, type TransitionResult } from '../domain/lifecycle.ts';
import type { Notification } from '../domain/notifications.ts';
import type { Scheme } from '../domain/scheme.ts';
import { type QueryDeps, queryHandler } from '../functions/query.ts';
import { type AlertRoute, type QueryRoute, routeKey } from '../functions/query-routes.ts';
import { parseCallerRoles } from '../functions/shared/alert-routes.ts';
import { TransitionRefusedError } from '../functions/shared/notification-store.ts';
import { fuzzScheme } from './events.ts';
import { type KindRow, type KnownDefect, type Outcome, Tally } from './tally.ts';

type Route = QueryRoute | AlertRoute;

const SCHEME = fuzzScheme.id;
const VALID: Record<string, string> = {
  scheme: SCHEME,
  period: '2026-W05',
  entity: 'lanzhou',
  id: 'N0123456789abcdef0123',
};
/** Each route's path parameters, in the order the route checks them. */
const PATH_PARAMS: Record<Route, string[]> = {
  periods: ['scheme'],
  snapshots: ['scheme', 'period'],
  snapshot: ['scheme', 'period'],
  history: ['scheme', 'entity'],
  verify: ['scheme'],
  exportPeriod: ['scheme', 'period'],
  exportEntity: ['scheme', 'entity'],
  explain: ['scheme', 'period', 'entity'],
  notifications: ['scheme'],
  notification: ['scheme', 'id'],
  acknowledge: ['scheme', 'id'],
  silences: ['scheme'],
  silence: ['scheme'],
};
/** The query parameters of the routes that take a query string. */
const QUERY_PARAMS: Partial<Record<Route, string[]>> = {
  periods: [],
  snapshots: ['asOf', 'format'],
  snapshot: ['asOf', 'seq', 'include', 'limit', 'offset', 'format'],
  history: ['asOf', 'from', 'to', 'final', 'format'],
  verify: ['period'],
  exportPeriod: ['asOf', 'format'],
  exportEntity: ['asOf', 'from', 'to', 'all', 'format'],
  explain: ['indicator', 'asOf'],
  notifications: ['status', 'department'],
  silences: ['all'],
};
const ROUTES = Object.keys(PATH_PARAMS) as Route[];
const WITH_QUERY = Object.keys(QUERY_PARAMS) as Route[];
const AUDITOR_ROUTES = new Set<Route>([
  'periods',
  'snapshots',
  'snapshot',
  'history',
  'verify',
  'exportPeriod',
  'exportEntity',
  'explain',
]);
const BODIES: Partial<Record<Route, unknown>> = {
  acknowledge: { by: '王局长', note: 'fuzz' },
  silence: { entity: 'lanzhou', until: '2026-05-01T00:00:00+08:00', reason: 'fuzz', by: '李' },
};

export interface QueryCase {
  kind: string;
  route: Route;
  path?: Record<string, unknown>;
  query?: Record<string, string>;
  body?: string;
  base64?: boolean;
  /** The field a rejection must name; absent for the valid control requests. */
  field?: string;
  /** Whether an auditors' route may read before it finds the problem (the leaders' routes always may). */
  mayRead?: boolean;
}

const pathOf = (route: Route, over: Record<string, unknown> = {}) => ({
  ...Object.fromEntries(PATH_PARAMS[route].map((p) => [p, VALID[p]])),
  ...over,
});
const bodyOf = (route: Route) => (BODIES[route] === undefined ? {} : { body: JSON.stringify(BODIES[route]) });
/** A request to the route with one path parameter, query parameter or body changed. */
const request = (route: Route, change: Partial<QueryCase>): Omit<QueryCase, 'kind'> => ({
  route,
  path: pathOf(route),
  ...bodyOf(route),
  ...change,
});

// Log4Shell's lookup, spelt so that no linter takes it for a template string.
const JNDI = '$' + '{jndi:ldap://x/a}';
const BAD_IDS = fc.oneof(
  fc.constantFrom(
    '',
    ' gansu',
    'gan su',
    'gansu.weekly',
    'gansu\n',
    'gansu\u0000',
    'gan\uD800su',
    '\u202Egansu',
    'ｇａｎｓｕ',
    '甘肃',
    '-gansu',
    'a/b',
    '..',
    '%20',
    'g'.repeat(129),
  ),
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
    .filter((s) => !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(s)),
);
const INJECTIONS = fc.constantFrom(
  "gansu' OR '1'='1",
  'gansu"; DROP TABLE t; --',
  'gansu#SEQ#1',
  'gansu|2026-W05',
  'SCHEME#gansu',
  '<script>alert(1)</script>',
  JNDI,
  '{{7*7}}',
  '../../etc/passwd',
  '{"$ne":null}',
  'gansu%00',
  'gansu;ls',
  '$(id)',
  '`id`',
);
const BAD_PERIODS = fc.oneof(
  fc.constantFrom(
    '2026-13',
    '2025-W53',
    '2026-W54',
    '2026-W00',
    'W05',
    '２０２６-W05',
    '2026-W5',
    '',
    '2026-W05 ',
    '2026-Q5',
    '2026-H3',
    '12345',
    '2026-00',
    '2026-W05\u0000',
    'null',
    '2026-W05,2026-W06',
  ),
  fc
    .string({ maxLength: 10 })
    .filter((s) => !/^\d{4}(-H[12]|-Q[1-4]|-(0[1-9]|1[0-2])|-W(0[1-9]|[1-4]\d|5[0-3]))?$/.test(s)),
);
const BAD_SEQ = fc.constantFrom(
  '0',
  '-1',
  '1.5',
  'NaN',
  'Infinity',
  '1e3',
  '0x10',
  '１',
  '01',
  ' 1',
  '1 ',
  '+1',
  '',
  '1,2',
  '9999999999',
  '-0',
  '1_000',
  'true',
  '[1]',
);
const BAD_LIMIT = fc.constantFrom('0', '5001', '-1', '1.5', '1e3', 'NaN', '', '99999999999', '0x10', '10,20');
const BAD_OFFSET = fc.constantFrom('-1', '1.5', 'NaN', '', '01', '1e3', '0x0', '9999999999', '+0', '0,1');
const BAD_AS_OF = fc.constantFrom(
  'now',
  'yesterday',
  '1700000000',
  '2026-02-03',
  '2026-02-03T09:00:00',
  '2026-02-30T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '２０２６-02-03T09:00:00Z',
  '2026-02-03T09:00:00+25:00',
  '2026-02-03 09:00:00Z',
  '',
  'T',
  '2026-02-03T24:00:00Z',
  'Tue Feb 03 2026',
  '2026-02-03T09:00:00Z,2026-02-04T09:00:00Z',
  'null',
);
const BAD_FORMAT = fc.constantFrom('xml', 'CSV', 'JSON', 'json ', '', ' csv', 'csv,json', 'text/csv', 'yaml');
const huge = fc.integer({ min: 10, max: 20 }).chain((e) => fc.integer({ min: 2 ** e, max: 2 ** (e + 1) }));

/** Query parameters a route does not take: misspellings, prototype keys, unicode, huge names. */
const unknownKeyFor = (route: Route) =>
  fc
    .oneof(
      fc.constantFrom(
        'asof',
        'ASOF',
        'Seq',
        'seq[]',
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        'valueOf',
        ' ',
        '兰州',
        '\u0000',
        'callback',
        'format ',
        'k'.repeat(10_000),
      ),
      fc.string({ minLength: 1, maxLength: 12 }),
    )
    .filter((k) => !(QUERY_PARAMS[route] ?? []).includes(k));

/** A query string object whose keys may be `__proto__` (own properties, as JSON.parse makes them). */
function queryOf(entries: [string, string][]): Record<string, string> {
  const q: Record<string, string> = {};
  for (const [k, v] of entries) Object.defineProperty(q, k, { value: v, enumerable: true, writable: true });
  return q;
}

const NOT_A_BODY = fc.constantFrom<[string, string, boolean?]>(
  ['', '(body)'],
  ['{', '(body)'],
  ['null', '(body)'],
  ['[]', '(body)'],
  ['"by"', '(body)'],
  ['42', '(body)'],
  ['\u0000', '(body)'],
  ['@@@not base64', '(body)', true],
  [Buffer.from('{"by": ').toString('base64'), '(body)', true],
);

interface QueryKind {
  gen: fc.Arbitrary<Omit<QueryCase, 'kind'>>;
}

export const QUERY_KINDS: Record<string, QueryKind> = {
  'bad-scheme': {
    gen: fc
      .tuple(fc.constantFrom(...ROUTES), BAD_IDS)
      .map(([route, v]) => request(route, { path: pathOf(route, { scheme: v }), field: 'scheme' })),
  },
  'bad-period': {
    gen: fc
      .tuple(fc.constantFrom<Route>('snapshots', 'snapshot', 'explain'), BAD_PERIODS)
      .map(([route, v]) => request(route, { path: pathOf(route, { period: v }), field: 'period' })),
  },
  'bad-entity': {
    gen: fc
      .tuple(fc.constantFrom<Route>('history', 'explain'), BAD_IDS)
      .map(([route, v]) => request(route, { path: pathOf(route, { entity: v }), field: 'entity' })),
  },
  'bad-notification-id': {
    gen: fc
      .tuple(
        fc.constantFrom<Route>('notification', 'acknowledge'),
        fc.oneof(
          BAD_IDS,
          fc.constantFrom(
            'N0123456789ABCDEF0123',
            'N0123456789abcdef012',
            'N0123456789abcdef01234',
            'n0123456789abcdef0123',
          ),
        ),
      )
      .map(([route, v]) => request(route, { path: pathOf(route, { id: v }), field: 'id' })),
  },
  'injection-looking': {
    gen: fc
      .tuple(fc.constantFrom(...ROUTES), INJECTIONS)
      .chain(([route, v]) =>
        fc
          .constantFrom(...PATH_PARAMS[route])
          .map((p) => request(route, { path: pathOf(route, { [p]: v }), field: p })),
      ),
  },
  'missing-path-param': {
    gen: fc.tuple(fc.constantFrom(...ROUTES), fc.boolean()).chain(([route, all]) =>
      all
        ? fc.constant(request(route, { path: undefined, field: 'scheme' }))
        : fc.constantFrom(...PATH_PARAMS[route]).map((p) => {
            const path = pathOf(route);
            delete path[p];
            return request(route, { path, field: p });
          }),
    ),
  },
  'path-param-wrong-type': {
    gen: fc
      .tuple(
        fc.constantFrom(...ROUTES),
        fc.constantFrom<unknown>(42, null, true, ['gansu'], { s: 'gansu' }, 1.5),
      )
      .chain(([route, v]) =>
        fc
          .constantFrom(...PATH_PARAMS[route])
          .map((p) => request(route, { path: pathOf(route, { [p]: v }), field: p })),
      ),
  },
  'huge-param': {
    gen: fc
      .tuple(fc.constantFrom(...ROUTES), huge, fc.constantFrom('x', '9', '兰'))
      .chain(([route, n, ch]) =>
        fc
          .constantFrom(...PATH_PARAMS[route])
          .map((p) => request(route, { path: pathOf(route, { [p]: ch.repeat(n) }), field: p })),
      ),
  },
  'bad-seq': {
    gen: BAD_SEQ.map((v) => request('snapshot', { query: { seq: v }, field: 'seq' })),
  },
  'bad-limit-or-offset': {
    gen: fc
      .oneof(
        BAD_LIMIT.map((v) => ['limit', v] as const),
        BAD_OFFSET.map((v) => ['offset', v] as const),
      )
      .map(([k, v]) => request('snapshot', { query: { [k]: v }, field: k })),
  },
  'bad-as-of': {
    gen: fc
      .tuple(fc.constantFrom<Route>('snapshots', 'snapshot', 'history', 'explain'), BAD_AS_OF)
      .map(([route, v]) => request(route, { query: { asOf: v }, field: 'asOf' })),
  },
  'bad-format': {
    gen: fc
      .tuple(fc.constantFrom<Route>('snapshots', 'snapshot', 'history'), BAD_FORMAT)
      .map(([route, v]) => request(route, { query: { format: v }, field: 'format' })),
  },
  'bad-flag': {
    gen: fc.oneof(
      fc
        .constantFrom('indicator', 'INDICATORS', 'all', '', 'indicators,indicators')
        .map((v) => request('snapshot', { query: { include: v }, field: 'include' })),
      fc
        .constantFrom('yes', '1', 'TRUE', '', 'true,false')
        .map((v) => request('history', { query: { final: v }, field: 'final' })),
      fc
        .constantFrom('yes', '1', 'TRUE', '', 'true,false')
        .map((v) => request('silences', { query: { all: v }, field: 'all' })),
    ),
  },
  'bad-period-param': {
    gen: fc
      .tuple(
        fc.constantFrom<[Route, string]>(['history', 'from'], ['history', 'to'], ['verify', 'period']),
        BAD_PERIODS,
      )
      .map(([[route, k], v]) => request(route, { query: { [k]: v }, field: k })),
  },
  'unknown-param': {
    gen: fc
      .constantFrom(...WITH_QUERY)
      .chain((route) =>
        fc.tuple(fc.constant(route), unknownKeyFor(route), fc.string({ maxLength: 8 }), fc.nat({ max: 20 })),
      )
      .map(([route, key, v, many]) =>
        // Alone, or after many other unknown ones (the first is named).
        request(route, {
          query: queryOf([
            [key, v],
            ...Array.from({ length: many }, (_, i): [string, string] => [`zz${i}`, v]),
          ]),
          field: key,
        }),
      ),
  },
  'both-as-of-and-seq': {
    gen: fc
      .constantFrom('1', '2', '999999999')
      .map((seq) => request('snapshot', { query: { asOf: '2026-02-03T09:00:00+08:00', seq }, field: 'seq' })),
  },
  'bad-status-filter': {
    gen: fc
      .oneof(
        fc
          .constantFrom('opened', 'OPEN', '', 'open,closed', '<script>', 'closed', 'silenced ')
          .map((v) => ['status', v] as const),
        fc
          .constantFrom('', 'x y', '../x', 'dept\u0000', '政务', 'x'.repeat(300))
          .map((v) => ['department', v] as const),
      )
      .map(([k, v]) => request('notifications', { query: { [k]: v }, field: k })),
  },
  'bad-ack-body': {
    gen: fc
      .oneof(
        NOT_A_BODY,
        fc.constantFrom<[string, string]>(
          ['{}', 'by'],
          ['{"by":42}', 'by'],
          ['{"by":""}', 'by'],
          [JSON.stringify({ by: 'x'.repeat(101) }), 'by'],
          [JSON.stringify({ by: '王', note: 'x'.repeat(1001) }), 'note'],
          ['{"by":"王","note":null}', 'note'],
          ['{"by":"王","extra":1}', 'extra'],
          ['{"by":"王","__proto__":{"polluted":1}}', '__proto__'],
          ['{"by":["王"]}', 'by'],
        ),
      )
      .map(([body, field, base64]) =>
        request('acknowledge', { body, field, mayRead: true, ...(base64 ? { base64: true } : {}) }),
      ),
  },
  'bad-silence-body': {
    gen: fc
      .oneof(
        NOT_A_BODY,
        fc
          .constantFrom<[Record<string, unknown>, string]>(
            [{ until: undefined }, 'until'],
            [{ until: 'tomorrow' }, 'until'],
            [{ until: '2020-01-01T00:00:00Z' }, 'until'],
            [{ until: 42 }, 'until'],
            [{ entity: 'atlantis' }, 'entity'],
            [{ entity: 42 }, 'entity'],
            [{ scope: 'no_such_indicator' }, 'scope'],
            [{ rule: 'rankUp' }, 'rule'],
            [{ reason: '' }, 'reason'],
            [{ reason: '   ' }, 'reason'],
            [{ by: undefined }, 'by'],
            [{ extra: true }, 'extra'],
            [{ entity: undefined }, 'scope'],
            [{ until: 'x'.repeat(65) }, 'until'],
          )
          .map(([over, field]): [string, string] => [
            JSON.stringify({ ...(BODIES.silence as object), ...over }),
            field,
          ]),
      )
      .map(([body, field, base64]) =>
        request('silence', { body, field, mayRead: true, ...(base64 ? { base64: true } : {}) }),
      ),
  },
  'valid-unusual': {
    // The control: valid requests at the edges of what is allowed must reach the store (and not be a 4xx).
    gen: fc.constantFrom<Omit<QueryCase, 'kind'>>(
      request('periods', {}),
      request('snapshots', { query: { asOf: '2026-02-03T09:00:00.123456789+14:00', format: 'csv' } }),
      request('snapshots', { query: { asOf: '0001-01-01T00:00:00Z' } }),
      request('snapshot', { query: { seq: '999999999', include: 'indicators', format: 'csv' } }),
      request('snapshot', { query: { limit: '5000', offset: '999999999' } }),
      request('snapshot', { path: pathOf('snapshot', { period: '2026-W53' }) }),
      request('snapshot', { path: pathOf('snapshot', { period: '2026' }) }),
      request('history', {
        query: { from: '2026-W01', to: '2026-W52', final: 'false', asOf: '2026-02-03T09:00:00-23:59' },
      }),
      request('history', { path: pathOf('history', { entity: `a${'-'.repeat(127)}` }) }),
      request('verify', { query: { period: '2026-Q4' } }),
      request('explain', { query: { indicator: 'hotline_satisfaction', asOf: '2026-02-03T09:00:00+08:00' } }),
      request('notifications', { query: { status: 'open', department: 'hotline12345' } }),
      request('notification', {}),
      request('acknowledge', {}),
      request('silences', { query: { all: 'true' } }),
      request('silence', {}),
    ),
  },
};

/** One hostile request, labelled with the kind of its mutation. */
export const hostileRequest: fc.Arbitrary<QueryCase> = fc.oneof(
  ...Object.entries(QUERY_KINDS).map(([kind, k]) => k.gen.map((c) => ({ ...c, kind }))),
);

/** Defects this fuzz found in files owned by other changes (see readers.ts for how they are kept). */
export const QUERY_DEFECTS: KnownDefect[] = [];

// ── the fake store: every call recorded, writes apart ───────────────────────────────────────────────
interface Calls {
  reads: string[];
  writes: string[];
  errors: string[];
}

const LEADER = 'arn:aws:sts::123456789012:assumed-role/rankwatch-fuzz-LeaderRole/fuzz';
const callers = parseCallerRoles(JSON.stringify({ 'rankwatch-fuzz-LeaderRole': 'leader' }));
const NOW = new Date('2026-04-20T03:00:00.000Z');
const notification: Notification = {
  id: VALID.id!,
  scheme: SCHEME,
  period: '2026-W16',
  seq: 1,
  entity: 'lanzhou',
  scope: 'overall',
  severity: 'warning',
  rule: 'rankDrop',
  rules: [],
  inhibited: [],
  alertKeys: ['k-fuzz'],
  openedAt: '2026-04-20T01:00:00.000Z',
};

function depsOf(calls: Calls): QueryDeps {
  const read =
    <T>(name: string, value: T) =>
    async () => {
      calls.reads.push(name);
      return value;
    };
  const state = openState(notification);
  return {
    store: {
      periods: read('periods', ['2026-W05']),
      snapshots: read('snapshots', []),
      snapshot: read('snapshot', undefined),
      history: read('history', []),
      verify: read('verify', {
        ok: true as const,
        checked: 0,
        head: null,
        periods: 0,
        projections: { checked: 0, missing: 0 },
      }),
    } as unknown as QueryDeps['store'],
    notifications: {
      list: read('notifications.list', [state]),
      get: read('notifications.get', state),
      versions: read('notifications.versions', [state]),
      transition: async (
        _s: string,
        _id: string,
        change: (s: NotificationState) => TransitionResult | null,
      ) => {
        calls.writes.push('notifications.transition');
        const r = change(state);
        if (r === null) return null;
        if (!r.ok) throw new TransitionRefusedError(r.code, r.reason);
        return r.state;
      },
    },
    silences: {
      list: read('silences.list', []),
      active: read('silences.active', []),
      put: async () => {
        calls.writes.push('silences.put');
        return { created: true };
      },
    } as unknown as QueryDeps['silences'],
    scheme: async (id: string): Promise<Scheme> => {
      calls.reads.push('scheme');
      if (id !== SCHEME) throw Object.assign(new Error(`no scheme ${id}`), { name: 'SchemeNotFoundError' });
      return fuzzScheme;
    },
    callers,
    now: () => NOW,
    log: (level, message, extra) => {
      if (level === 'error') calls.errors.push(`${message} ${JSON.stringify(extra)}`);
    },
  };
}

export function eventOf(c: QueryCase): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: routeKey(c.route),
    rawPath: '/',
    rawQueryString: '',
    headers: {},
    ...(c.path === undefined ? {} : { pathParameters: c.path }),
    ...(c.query === undefined ? {} : { queryStringParameters: c.query }),
    ...(c.body === undefined ? {} : { body: c.body }),
    isBase64Encoded: c.base64 === true,
    requestContext: { authorizer: { iam: { userArn: LEADER } } },
  } as unknown as APIGatewayProxyEventV2;
}

const show = (s: unknown) => {
  const t = JSON.stringify(s) ?? String(s);
  return t.length > 160 ? `${t.slice(0, 160)}…(${t.length})` : t;
};

export async function judgeRequest(c: QueryCase): Promise<{ outcome: Outcome; detail?: string }> {
  const calls: Calls = { reads: [], writes: [], errors: [] };
  const where = `${c.kind} ${c.route} path=${show(c.path)} query=${show(c.query)}${c.body === undefined ? '' : ` body=${show(c.body)}`}`;
  let res: Awaited<ReturnType<typeof queryHandler>>;
  try {
    res = await queryHandler(eventOf(c), depsOf(calls));
  } catch (e) {
    return { outcome: 'crash', detail: `threw ${(e as Error).name}: ${(e as Error).message} — ${where}` };
  }
  if (res.statusCode >= 500)
    return { outcome: 'crash', detail: `${res.statusCode} ${calls.errors.join('; ')} — ${where}` };
  let json: { field?: unknown; message?: { zh?: unknown; en?: unknown } } | undefined;
  try {
    json = JSON.parse(res.body);
  } catch {}
  if (c.field === undefined) {
    const ok = (res.statusCode < 300 || res.statusCode === 404) && calls.reads.length > 0;
    return ok
      ? { outcome: 'harmless' }
      : {
          outcome: 'wrong',
          detail: `control answered ${res.statusCode} ${res.body.slice(0, 200)} — ${where}`,
        };
  }
  const named =
    res.statusCode >= 400 &&
    res.statusCode < 500 &&
    json?.field === c.field &&
    typeof json.message?.zh === 'string' &&
    json.message.zh.length > 0 &&
    typeof json.message?.en === 'string' &&
    json.message.en.length > 0;
  // The leaders' routes read the scheme or the notification first; the auditors' read nothing for a bad request.
  const mayRead = c.mayRead === true || !AUDITOR_ROUTES.has(c.route);
  const untouched = calls.writes.length === 0 && (mayRead || calls.reads.length === 0);
  if (named && untouched) return { outcome: 'rejected' };
  return {
    outcome: 'wrong',
    detail: `expected 4xx naming "${c.field.slice(0, 40)}", got ${res.statusCode} ${res.body.slice(0, 200)}${calls.writes.length ? ` wrote ${calls.writes}` : ''}${!mayRead && calls.reads.length ? ` read ${calls.reads}` : ''} — ${where}`,
  };
}

/** `n` hostile requests through the query handler, reproducible from the seed. */
export async function runQueryFuzz(n: number, seed: number): Promise<{ rows: KindRow[]; ms: number }> {
  const t0 = Date.now();
  const tally = new Tally('query');
  for (let i = 0; i < n; i += 500)
    for (const c of fc.sample(hostileRequest, { numRuns: Math.min(500, n - i), seed: seed + i })) {
      const t = performance.now();
      const v = await judgeRequest(c);
      tally.add(c.kind, v.outcome, performance.now() - t, v.detail);
    }
  return { rows: tally.rows(), ms: Date.now() - t0 };
}
