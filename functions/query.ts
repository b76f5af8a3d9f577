// query: the auditors' HTTP API (IAM-authorised) over the snapshot store — the periods of a scheme, the
// snapshots of a period, one snapshot as it was known at a time (or by number), one entity's history and
// the hash-chain verification — as JSON or CSV. Read-only; parameters are validated and a bad one is a
// 400 that names it, in Chinese and English. The same API serves the leaders' loop (notifications,
// acknowledgements, silences) and the leaders' dashboard (the page and its data), each for the callers its
// route names.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Scheme } from '../domain/scheme.ts';
import {
  ALERT_ROUTES,
  type AlertRoute,
  DASHBOARD_ROUTES,
  type DashboardRoute,
  type QueryRoute,
  routeKey,
} from './query-routes.ts';
import {
  alertRoute,
  allowedCaller,
  CALLER_ROLES_ENV,
  type Caller,
  ConflictError,
  callerOf,
  ForbiddenError,
  NotFoundError,
  type NotificationReader,
  parseCallerRoles,
} from './shared/alert-routes.ts';
import { csv } from './shared/csv.ts';
import type { BulletinList, HeadSummary } from './shared/dashboard-data.ts';
import { NotificationStore } from './shared/notification-store.ts';
import { BadRequestError, PATH, parse, QUERY, say, type Text } from './shared/query-params.ts';
import { rankingRows } from './shared/ranking-rows.ts';
import { defaultReader, defaultStore, log, logger } from './shared/runtime.ts';
import { type SilenceReader, silenceRoute } from './shared/silence-routes.ts';
import { SilenceStore } from './shared/silence-store.ts';
import type { ManifestItem } from './shared/snapshot-reader.ts';
import { AuditedReader, IntegrityError } from './shared/verification.ts';

export { csv, csvField } from './shared/csv.ts';
export { MAX_LIMIT } from './shared/query-params.ts';
export { rankingRows } from './shared/ranking-rows.ts';

/** What the routes read through: answers checked against the chained snapshots (see verification.ts). */
export type SnapshotReader = Pick<AuditedReader, 'periods' | 'snapshots' | 'snapshot' | 'history' | 'verify'>;

export interface QueryDeps {
  store: SnapshotReader;
  /** The leaders' loop routes (absent: those routes answer 404). */
  notifications?: NotificationReader;
  /** Silences and the active scheme (validating a silence), for the silence routes. */
  silences?: SilenceReader;
  scheme?(id: string): Promise<Scheme>;
  /** The leaders' dashboard: every period's head and the bulletins list (absent: those routes answer 404). */
  dashboard?: { heads(scheme: string): Promise<HeadSummary[]>; bulletins?: BulletinList };
  /** IAM role name → caller, from the stack (CALLER_ROLES). */
  callers?: ReadonlyMap<string, Caller>;
  now?(): Date;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
}

type Response = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

/** Lambda's response limit is 6 MB; beyond this the caller is asked to page. */
export const MAX_BODY_BYTES = 5_500_000;

// ── responses ───────────────────────────────────────────────────────────────────────────────────────
const json = (statusCode: number, body: unknown): Response => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

const problem = (statusCode: number, code: string, field: string | null, message: Text): Response =>
  json(statusCode, { error: code, ...(field === null ? {} : { field }), message });

const csvResponse = (fileName: string, text: string): Response => ({
  statusCode: 200,
  headers: {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${fileName}.csv"`,
  },
  body: text,
});

const manifestSummary = (m: ManifestItem) => ({
  seq: m.seq,
  recordedAt: m.recordedAt,
  hash: m.hash,
  previousHash: m.previousHash,
  schemeVersion: m.schemeVersion,
});

// ── routes ──────────────────────────────────────────────────────────────────────────────────────────
type Handler = (event: APIGatewayProxyEventV2, deps: QueryDeps) => Promise<Response>;

const routes: Record<QueryRoute, Handler> = {
  async periods(event, { store }) {
    const { scheme } = parse(PATH.periods, event.pathParameters ?? {});
    parse(QUERY.periods, event.queryStringParameters ?? {});
    return json(200, { scheme, periods: await store.periods(scheme) });
  },

  async snapshots(event, { store }) {
    const { scheme, period } = parse(PATH.snapshots, event.pathParameters ?? {});
    const q = parse(QUERY.snapshots, event.queryStringParameters ?? {});
    const known = await store.snapshots(scheme, period, q.asOf);
    if (q.format === 'csv')
      return csvResponse(
        `${scheme}_${period}_snapshots`,
        csv(
          ['seq', 'recordedAt', 'hash', 'previousHash', 'schemeVersion'],
          known.map((m) => [m.seq, m.recordedAt, m.hash, m.previousHash, m.schemeVersion]),
        ),
      );
    return json(200, {
      scheme,
      period,
      ...(q.asOf ? { asOf: q.asOf } : {}),
      snapshots: known.map(manifestSummary),
    });
  },

  async snapshot(event, { store }) {
    const { scheme, period } = parse(PATH.snapshot, event.pathParameters ?? {});
    const q = parse(QUERY.snapshot, event.queryStringParameters ?? {});
    if (q.asOf !== undefined && q.seq !== undefined)
      throw new BadRequestError('seq', say('asOf 与 seq 只能给出其一', 'give either asOf or seq, not both'));
    const found = await store.snapshot(scheme, period, {
      ...(q.seq !== undefined ? { seq: q.seq } : {}),
      ...(q.asOf !== undefined ? { asOf: q.asOf } : {}),
    });
    if (!found)
      return problem(
        404,
        'not_found',
        null,
        q.seq !== undefined
          ? say(`${scheme} ${period} 没有第 ${q.seq} 号快照`, `${scheme} ${period} has no snapshot ${q.seq}`)
          : q.asOf !== undefined
            ? say(
                `${q.asOf} 时 ${scheme} ${period} 尚无快照`,
                `${scheme} ${period} had no snapshot at ${q.asOf}`,
              )
            : say(`${scheme} ${period} 没有快照`, `${scheme} ${period} has no snapshot`),
      );
    const { manifest, body } = found;
    const withIndicators = q.include === 'indicators';
    const all = rankingRows(body, withIndicators);
    const offset = q.offset ?? 0;
    const rows = all.slice(offset, q.limit === undefined ? undefined : offset + q.limit);
    if (q.format === 'csv') {
      const indicators = withIndicators ? body.inputs.indicators : [];
      const header = [
        'entity',
        'rank',
        'tied',
        'score',
        'unranked',
        ...indicators.flatMap((id) => [`${id}.value`, `${id}.score`, `${id}.rank`, `${id}.carried`]),
      ];
      return csvResponse(
        `${scheme}_${period}_${manifest.seq}`,
        csv(
          header,
          rows.map((r) => [
            r.entity,
            r.rank,
            r.tied,
            r.score,
            r.unranked,
            ...indicators.flatMap((id) => {
              const c = r.indicators?.[id];
              return [c?.value, c?.score, c?.rank, c?.carried];
            }),
          ]),
        ),
      );
    }
    return json(200, {
      scheme,
      period,
      ...(q.asOf ? { asOf: q.asOf } : {}),
      ...manifestSummary(manifest),
      entities: all.length,
      offset,
      ranking: rows,
    });
  },

  async history(event, { store }) {
    const { scheme, entity } = parse(PATH.history, event.pathParameters ?? {});
    const q = parse(QUERY.history, event.queryStringParameters ?? {});
    const items = await store.history(scheme, entity, {
      ...(q.asOf ? { asOf: q.asOf } : {}),
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
      finalOnly: q.final === 'true',
    });
    const entries = items.map((i) => ({
      period: i.period,
      seq: i.seq,
      recordedAt: i.recordedAt,
      hash: i.hash,
      rank: i.rank > 0 ? i.rank : null,
      tied: i.tied,
      score: i.score,
      indicators: Object.fromEntries(
        Object.entries(i.indicators).map(([id, [value, score, rank]]) => [
          id,
          { value, score, rank: rank > 0 ? rank : null },
        ]),
      ),
    }));
    if (q.format === 'csv') {
      const indicators = [...new Set(entries.flatMap((e) => Object.keys(e.indicators)))];
      return csvResponse(
        `${scheme}_${entity}_history`,
        csv(
          [
            'period',
            'seq',
            'recordedAt',
            'hash',
            'rank',
            'tied',
            'score',
            ...indicators.flatMap((id) => [`${id}.value`, `${id}.score`, `${id}.rank`]),
          ],
          entries.map((e) => [
            e.period,
            e.seq,
            e.recordedAt,
            e.hash,
            e.rank,
            e.tied,
            e.score,
            ...indicators.flatMap((id) => {
              const c = e.indicators[id];
              return [c?.value, c?.score, c?.rank];
            }),
          ]),
        ),
      );
    }
    return json(200, { scheme, entity, ...(q.asOf ? { asOf: q.asOf } : {}), history: entries });
  },

  async verify(event, { store }) {
    const { scheme } = parse(PATH.verify, event.pathParameters ?? {});
    const q = parse(QUERY.verify, event.queryStringParameters ?? {});
    const verdict = await store.verify(scheme, q.period);
    return json(200, { scheme, ...(q.period ? { period: q.period } : {}), ...verdict });
  },
};

// The leaders' loop: the routes' allowed callers come from the same table the IAM grants are made from.
const alertHandlers = Object.fromEntries(
  (Object.keys(ALERT_ROUTES) as AlertRoute[]).map((r) => [
    r,
    (async (event, deps) => {
      if (!deps.notifications)
        return problem(404, 'no_route', null, say('此部署没有预警提醒接口', 'no notification routes here'));
      const caller = callerOf(event, deps.callers ?? new Map());
      const now = deps.now ?? (() => new Date());
      if (r === 'silences' || r === 'silence') {
        if (!deps.silences || !deps.scheme)
          return problem(404, 'no_route', null, say('此部署没有静默接口', 'no silence routes here'));
        const { silences, scheme } = deps;
        const answer = await silenceRoute(r, event, {
          silences,
          scheme: async (id) => {
            try {
              return await scheme(id);
            } catch (e) {
              if ((e as Error).name === 'SchemeNotFoundError')
                throw new NotFoundError(say(`没有方案 ${id}`, `no scheme ${id}`));
              throw e;
            }
          },
          caller: allowedCaller(caller, ALERT_ROUTES[r].callers),
          now,
        });
        return json(answer.status, answer.body);
      }
      const answer = await alertRoute(
        r,
        event,
        { notifications: deps.notifications, caller, now },
        ALERT_ROUTES[r].callers,
      );
      return json(answer.status, answer.body);
    }) satisfies Handler,
  ]),
) as Record<AlertRoute, Handler>;

// The leaders' dashboard: its module (and the ECharts it renders the charts with) is evaluated on first use;
// the bundle still carries it, which the other routes' cold start pays for in parsing (README, Known limits).
const dashboardHandlers = Object.fromEntries(
  (Object.keys(DASHBOARD_ROUTES) as DashboardRoute[]).map((r) => [
    r,
    (async (event, deps) => {
      if (!deps.dashboard)
        return problem(404, 'no_route', null, say('此部署没有领导驾驶舱', 'no dashboard here'));
      const { dashboardRoute } = await import('./shared/dashboard-routes.ts');
      const answer = await dashboardRoute(r, event, {
        store: deps.store,
        heads: deps.dashboard.heads,
        ...(deps.notifications ? { notifications: deps.notifications } : {}),
        ...(deps.scheme ? { scheme: deps.scheme } : {}),
        ...(deps.dashboard.bulletins ? { bulletins: deps.dashboard.bulletins } : {}),
        caller: callerOf(event, deps.callers ?? new Map()),
      });
      return { statusCode: answer.status, headers: answer.headers, body: answer.body };
    }) satisfies Handler,
  ]),
) as Record<DashboardRoute, Handler>;

const byRouteKey = new Map<string, Handler>([
  ...(Object.keys(routes) as QueryRoute[]).map((r) => [routeKey(r), routes[r]] as const),
  ...(Object.keys(alertHandlers) as AlertRoute[]).map((r) => [routeKey(r), alertHandlers[r]] as const),
  ...(Object.keys(dashboardHandlers) as DashboardRoute[]).map(
    (r) => [routeKey(r), dashboardHandlers[r]] as const,
  ),
]);

export async function queryHandler(event: APIGatewayProxyEventV2, deps: QueryDeps): Promise<Response> {
  const route = byRouteKey.get(event.routeKey);
  if (!route)
    return problem(
      404,
      'no_route',
      null,
      say(`没有此接口：${event.routeKey}`, `no such route: ${event.routeKey}`),
    );
  try {
    const response = await route(event, deps);
    if (Buffer.byteLength(response.body) > MAX_BODY_BYTES)
      return problem(
        413,
        'too_large',
        'limit',
        say(
          '结果过大，请用 limit 和 offset 分页，或不带 include=indicators',
          'the result is too large: page it with limit and offset, or leave out include=indicators',
        ),
      );
    return response;
  } catch (e) {
    if (e instanceof BadRequestError) return problem(400, 'bad_request', e.field, e.text);
    if (e instanceof ForbiddenError) return problem(403, 'forbidden', null, e.text);
    if (e instanceof NotFoundError) return problem(404, 'not_found', null, e.text);
    if (e instanceof ConflictError) return problem(409, e.code, null, e.text);
    if (e instanceof IntegrityError) {
      // Not a client error and not a retryable one: the table no longer agrees with its hash chain.
      deps.log('error', 'integrity check failed', {
        routeKey: event.routeKey,
        where: e.where,
        reason: e.reason,
      });
      return json(409, {
        error: 'integrity',
        where: e.where,
        reason: e.reason,
        message: say(
          `存储的数据与哈希链不一致（${e.where}：${e.reason}），不予作答；请运行 rankwatch verify 并报告`,
          `the stored data does not agree with the hash chain (${e.where}: ${e.reason}); no answer is given — run rankwatch verify and report it`,
        ),
      });
    }
    deps.log('error', 'query failed', { routeKey: event.routeKey, error: String(e) });
    return problem(500, 'internal', null, say('查询失败，请稍后重试', 'the query failed; try again later'));
  }
}

let callerRoles: Map<string, Caller> | undefined;

/** Lambda entry point: no middleware, the logger gets the invocation context directly. */
export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<Response> {
  logger.addContext(context);
  const reader = defaultReader();
  const schemes = defaultStore();
  callerRoles ??= parseCallerRoles(process.env[CALLER_ROLES_ENV]);
  return queryHandler(event, {
    store: new AuditedReader(reader),
    notifications: new NotificationStore(reader.db, reader.table),
    silences: new SilenceStore(reader.db, reader.table),
    scheme: (id) => schemes.activeScheme(id),
    // The bulletins list stays empty: listing the bulletin bucket needs S3, which the functions' small AWS
    // client does not speak (README, Known limits).
    dashboard: { heads: (scheme) => reader.allHeads(scheme) },
    callers: callerRoles,
    log,
  });
}
