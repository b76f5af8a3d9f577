// query: the auditors' HTTP API (IAM-authorised) over the snapshot store — the periods of a scheme, the
// snapshots of a period, one snapshot as it was known at a time (or by number), one entity's history and
// the hash-chain verification — as JSON or CSV. Read-only; parameters are validated and a bad one is a
// 400 that names it, in Chinese and English.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import type { SnapshotBody } from '../domain/snapshot.ts';
import { ID_PATTERN, isPeriodId } from '../events/ids.ts';
import { type QueryRoute, routeKey } from './query-routes.ts';
import { defaultReader, log, logger } from './shared/runtime.ts';
import type { DynamoSnapshotReader, ManifestItem } from './shared/snapshot-reader.ts';

export type SnapshotReader = Pick<
  DynamoSnapshotReader,
  'manifests' | 'manifestAsOf' | 'snapshotBody' | 'entityHistory' | 'periods' | 'verify'
>;

export interface QueryDeps {
  store: SnapshotReader;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
}

type Response = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };
type Text = { zh: string; en: string };

/** Lambda's response limit is 6 MB; beyond this the caller is asked to page. */
export const MAX_BODY_BYTES = 5_500_000;
export const MAX_LIMIT = 5000;

// ── parameters ──────────────────────────────────────────────────────────────────────────────────────
const say = (zh: string, en: string): Text => ({ zh, en });
const MESSAGES = {
  scheme: say(
    '方案编号只能由字母、数字、- 和 _ 组成（最多 128 个字符）',
    'scheme id: letters, digits, - and _ (at most 128)',
  ),
  entity: say(
    '单位编号只能由字母、数字、- 和 _ 组成（最多 128 个字符）',
    'entity id: letters, digits, - and _ (at most 128)',
  ),
  period: say(
    '考核周期格式应为 2026、2026-H1、2026-Q3、2026-08 或 2026-W33',
    'period must look like 2026, 2026-H1, 2026-Q3, 2026-08 or 2026-W33',
  ),
  asOf: say(
    '时间须为带时区的 ISO 8601 格式，如 2026-09-01T08:00:00+08:00',
    'a time in ISO 8601 with a zone, e.g. 2026-09-01T08:00:00+08:00',
  ),
  seq: say('快照序号须为正整数', 'snapshot number must be a positive integer'),
  format: say('导出格式须为 json 或 csv', 'format must be json or csv'),
  final: say('final 须为 true 或 false', 'final must be true or false'),
  include: say('include 只能为 indicators', 'include can only be indicators'),
  limit: say(`limit 须为 1 到 ${MAX_LIMIT} 的整数`, `limit must be an integer from 1 to ${MAX_LIMIT}`),
  offset: say('offset 须为非负整数', 'offset must be a non-negative integer'),
} as const;

/** zod/mini issues carry one string; the bilingual text travels as JSON inside it. */
const error = (field: keyof typeof MESSAGES) => ({ error: JSON.stringify(MESSAGES[field]) });

const idOf = (field: 'scheme' | 'entity') =>
  z.string(error(field)).check(z.maxLength(128, error(field)), z.regex(ID_PATTERN, error(field)));
const period = (field: 'period') =>
  z.string(error(field)).check(z.refine((p) => isPeriodId(p), error(field)));
const asOf = z.pipe(
  z.iso.datetime({ offset: true, ...error('asOf') }),
  // Stored times are `toISOString()` text, compared as strings: bring every zone to that form.
  z.transform((t: string) => new Date(t).toISOString()),
);
const positiveInt = (field: 'seq' | 'limit') =>
  z.pipe(
    z.string(error(field)).check(z.regex(/^[1-9]\d{0,8}$/, error(field))),
    z.transform((s: string) => Number(s)),
  );
const format = z._default(z.enum(['json', 'csv'], error('format')), 'json');

// Each schema built once and shared by the routes that take the same parameter.
const schemeId = idOf('scheme');
const periodId = period('period');
const optionalAsOf = z.optional(asOf);
const optionalPeriod = z.optional(periodId);

const PATH = {
  periods: z.object({ scheme: schemeId }),
  snapshots: z.object({ scheme: schemeId, period: periodId }),
  snapshot: z.object({ scheme: schemeId, period: periodId }),
  history: z.object({ scheme: schemeId, entity: idOf('entity') }),
  verify: z.object({ scheme: schemeId }),
} satisfies Record<QueryRoute, z.ZodMiniType>;

const QUERY = {
  periods: z.strictObject({}),
  snapshots: z.strictObject({ asOf: optionalAsOf, format }),
  snapshot: z.strictObject({
    asOf: optionalAsOf,
    seq: z.optional(positiveInt('seq')),
    include: z.optional(z.enum(['indicators'], error('include'))),
    limit: z.optional(positiveInt('limit').check(z.refine((n: number) => n <= MAX_LIMIT, error('limit')))),
    offset: z.optional(
      z.pipe(
        z.string(error('offset')).check(z.regex(/^(0|[1-9]\d{0,8})$/, error('offset'))),
        z.transform((s: string) => Number(s)),
      ),
    ),
    format,
  }),
  history: z.strictObject({
    asOf: optionalAsOf,
    from: optionalPeriod,
    to: optionalPeriod,
    final: z.optional(z.enum(['true', 'false'], error('final'))),
    format,
  }),
  verify: z.strictObject({ period: optionalPeriod }),
} satisfies Record<QueryRoute, z.ZodMiniType>;

export class BadRequestError extends Error {
  readonly field: string;
  readonly text: Text;
  constructor(field: string, text: Text) {
    super(`${field}: ${text.en}`);
    this.name = 'BadRequestError';
    this.field = field;
    this.text = text;
  }
}

function textOf(message: string): Text {
  try {
    const t = JSON.parse(message) as Text;
    if (typeof t.zh === 'string' && typeof t.en === 'string') return t;
  } catch {}
  return say('参数无效', message);
}

/** Parses with a schema; the first problem becomes a BadRequestError naming the field. */
function parse<T extends z.ZodMiniType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '?';
    throw new BadRequestError(key, say(`不支持的查询参数“${key}”`, `unknown query parameter "${key}"`));
  }
  throw new BadRequestError(issue.path.map(String).join('.') || '(query)', textOf(issue.message));
}

// ── responses ───────────────────────────────────────────────────────────────────────────────────────
const json = (statusCode: number, body: unknown): Response => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

const problem = (statusCode: number, code: string, field: string | null, message: Text): Response =>
  json(statusCode, { error: code, ...(field === null ? {} : { field }), message });

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** CSV text with a UTF-8 byte-order mark, so spreadsheet programs read the Chinese names right. */
export function csv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return `\ufeff${[header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;
}

const csvResponse = (fileName: string, text: string): Response => ({
  statusCode: 200,
  headers: {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${fileName}.csv"`,
  },
  body: text,
});

// ── snapshot rows ───────────────────────────────────────────────────────────────────────────────────
export interface IndicatorCell {
  value: number | null;
  score: number | null;
  rank: number | null;
  tied: boolean;
  carried: boolean;
}

export interface RankingRow {
  entity: string;
  /** null when unranked (see `unranked`). */
  rank: number | null;
  tied: boolean;
  score: number | null;
  unranked?: string;
  indicators?: Record<string, IndicatorCell>;
}

/** The overall ranking of a snapshot, best first (unranked entities last, by id). */
export function rankingRows(body: SnapshotBody, withIndicators: boolean): RankingRow[] {
  const { inputs, results } = body;
  const reasons = new Map(results.unranked.map((u) => [u.entity, u.reason]));
  const rows = inputs.entities.map((entity, e): RankingRow => {
    const rank = results.overall.rank[e] ?? 0;
    const row: RankingRow = {
      entity,
      rank: rank > 0 ? rank : null,
      tied: results.overall.tied[e] === 1,
      score: results.overall.score[e] ?? null,
    };
    if (rank === 0) row.unranked = reasons.get(entity) ?? 'not ranked';
    if (withIndicators) {
      row.indicators = {};
      inputs.indicators.forEach((id, j) => {
        const r = results.indicatorRanks[j]?.[e] ?? 0;
        row.indicators![id] = {
          value: inputs.values[j]?.[e] ?? null,
          score: results.indicatorScores[j]?.[e] ?? null,
          rank: r > 0 ? r : null,
          tied: results.indicatorTied[j]?.[e] === 1,
          carried: results.carried[j]?.[e] === 1,
        };
      });
    }
    return row;
  });
  return rows.sort(
    (a, b) =>
      (a.rank ?? Number.POSITIVE_INFINITY) - (b.rank ?? Number.POSITIVE_INFINITY) ||
      (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0),
  );
}

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
    const all = (await store.manifests(scheme, period)).sort((a, b) => a.seq - b.seq);
    const known = q.asOf === undefined ? all : all.filter((m) => m.recordedAt <= q.asOf!);
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
    const manifest =
      q.seq !== undefined
        ? (await store.manifests(scheme, period)).find((m) => m.seq === q.seq)
        : await store.manifestAsOf(scheme, period, q.asOf);
    if (!manifest)
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
    const body = await store.snapshotBody(manifest);
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
    const items = await store.entityHistory(scheme, entity, {
      ...(q.asOf ? { asOf: q.asOf } : {}),
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
      finalOnly: q.final === 'true',
    });
    const entries = items.map((i) => ({
      period: i.period as string,
      seq: i.seq as number,
      recordedAt: i.recordedAt as string,
      hash: i.hash as string,
      rank: (i.rank as number) > 0 ? (i.rank as number) : null,
      tied: i.tied === true,
      score: (i.score as number | null) ?? null,
      indicators: Object.fromEntries(
        Object.entries((i.indicators ?? {}) as Record<string, [number | null, number | null, number]>).map(
          ([id, [value, score, rank]]) => [id, { value, score, rank: rank > 0 ? rank : null }],
        ),
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

const byRouteKey = new Map(
  (Object.keys(routes) as QueryRoute[]).map((r) => [routeKey(r), routes[r]] as const),
);

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
    deps.log('error', 'query failed', { routeKey: event.routeKey, error: String(e) });
    return problem(500, 'internal', null, say('查询失败，请稍后重试', 'the query failed; try again later'));
  }
}

/** Lambda entry point: no middleware, the logger gets the invocation context directly. */
export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<Response> {
  logger.addContext(context);
  return queryHandler(event, { store: defaultReader(), log });
}
