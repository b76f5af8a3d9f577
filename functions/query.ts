// query: the auditors' HTTP API (IAM-authorised) over the snapshot store — the periods of a scheme, the
// snapshots of a period, one snapshot as it was known at a time (or by number), one entity's history, how a
// stored rank came about (explain) and the hash-chain verification — as JSON or CSV. Read-only; parameters
// are validated and a bad one is a 400 that names it, in Chinese and English. The same function serves the
// leaders' loop (notifications, acknowledgements, silences), each route for the callers it names; the
// dashboard's routes are the dashboard function's (its charts' ECharts stays out of this bundle).
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Scheme } from '../domain/scheme.ts';
import { ALERT_ROUTES, type AlertRoute, type QueryRoute, routeKey } from './query-routes.ts';
import {
  alertRoute,
  allowedCaller,
  CALLER_ROLES_ENV,
  type Caller,
  callerOf,
  NotFoundError,
  type NotificationReader,
  parseCallerRoles,
} from './shared/alert-routes.ts';
import { answer, json, noRoute, problem, type Response } from './shared/api-answers.ts';
import { csv } from './shared/csv.ts';
import { explainRoute } from './shared/explain.ts';
import { entityExport, exportCsv, exportJson, periodExport } from './shared/exports.ts';
import { NotificationStore } from './shared/notification-store.ts';
import { BadRequestError, PATH, parse, QUERY, say } from './shared/query-params.ts';
import { rankingRows } from './shared/ranking-rows.ts';
import { defaultReader, defaultStore, log, logger } from './shared/runtime.ts';
import { type SilenceReader, silenceRoute } from './shared/silence-routes.ts';
import { SilenceStore } from './shared/silence-store.ts';
import type { ManifestItem } from './shared/snapshot-reader.ts';
import { AuditedReader } from './shared/verification.ts';

export { MAX_BODY_BYTES } from './shared/api-answers.ts';
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
  /** A stored scheme version, for the explain route (the version a snapshot records). */
  schemeVersion?(id: string, version: string): Promise<Scheme>;
  /** IAM role name → caller, from the stack (CALLER_ROLES). */
  callers?: ReadonlyMap<string, Caller>;
  now?(): Date;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
}

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

  // Exports (functions/shared/exports.ts): csv or json; a chain that does not verify is a 409 (IntegrityError).
  async exportPeriod(event, { store }) {
    const { scheme, period } = parse(PATH.exportPeriod, event.pathParameters ?? {});
    const q = parse(QUERY.exportPeriod, event.queryStringParameters ?? {});
    const t = await periodExport(store, scheme, period, q.asOf === undefined ? {} : { asOf: q.asOf });
    if (!t)
      return problem(
        404,
        'not_found',
        null,
        say(`${scheme} ${period} 没有快照`, `${scheme} ${period} has no snapshot`),
      );
    const seq = t.meta.snapshots[0]?.seq;
    return q.format === 'csv'
      ? csvResponse(`${scheme}_${period}_${seq}_export`, exportCsv(t))
      : json(200, exportJson(t));
  },

  async exportEntity(event, { store }) {
    const { scheme, entity } = parse(PATH.exportEntity, event.pathParameters ?? {});
    const q = parse(QUERY.exportEntity, event.queryStringParameters ?? {});
    const t = await entityExport(store, scheme, entity, {
      ...(q.asOf ? { asOf: q.asOf } : {}),
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
      all: q.all === 'true',
    });
    if (!t)
      return problem(
        404,
        'not_found',
        null,
        say(`${scheme} 没有 ${entity} 的历史`, `${scheme} has no history of ${entity}`),
      );
    return q.format === 'csv'
      ? csvResponse(`${scheme}_${entity}_export`, exportCsv(t))
      : json(200, exportJson(t));
  },

  explain: (event, deps) => explainRoute(event, deps), // functions/shared/explain.ts
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

const byRouteKey = new Map<string, Handler>([
  ...(Object.keys(routes) as QueryRoute[]).map((r) => [routeKey(r), routes[r]] as const),
  ...(Object.keys(alertHandlers) as AlertRoute[]).map((r) => [routeKey(r), alertHandlers[r]] as const),
]);

export async function queryHandler(event: APIGatewayProxyEventV2, deps: QueryDeps): Promise<Response> {
  const route = byRouteKey.get(event.routeKey);
  if (!route) return noRoute(event.routeKey);
  return answer(event.routeKey, () => route(event, deps), deps.log);
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
    schemeVersion: (id, version) => schemes.schemeVersion(id, version),
    callers: callerRoles,
    log,
  });
}
