// The auditors' query API parameters: one zod/mini schema per route's path and query string, and the
// bilingual message each bad parameter gets (a 400 that names the field).
import * as z from 'zod/mini';
import { ID_PATTERN, isPeriodId } from '../../events/ids.ts';
import type { QueryRoute } from '../query-routes.ts';

export type Text = { zh: string; en: string };

export const MAX_LIMIT = 5000;

export const say = (zh: string, en: string): Text => ({ zh, en });
const MESSAGES = {
  scheme: say(
    '方案编号只能由字母、数字、- 和 _ 组成（最多 128 个字符）',
    'scheme id: letters, digits, - and _ (at most 128)',
  ),
  entity: say(
    '单位编号只能由字母、数字、- 和 _ 组成（最多 128 个字符）',
    'entity id: letters, digits, - and _ (at most 128)',
  ),
  indicator: say(
    '指标编号只能由字母、数字、- 和 _ 组成（最多 128 个字符）',
    'indicator id: letters, digits, - and _ (at most 128)',
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
  all: say('all 须为 true 或 false', 'all must be true or false'),
  include: say('include 只能为 indicators', 'include can only be indicators'),
  limit: say(`limit 须为 1 到 ${MAX_LIMIT} 的整数`, `limit must be an integer from 1 to ${MAX_LIMIT}`),
  offset: say('offset 须为非负整数', 'offset must be a non-negative integer'),
} as const;

/** zod/mini issues carry one string; the bilingual text travels as JSON inside it. */
const error = (field: keyof typeof MESSAGES) => ({ error: JSON.stringify(MESSAGES[field]) });

const idOf = (field: 'scheme' | 'entity' | 'indicator') =>
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

export const PATH = {
  periods: z.object({ scheme: schemeId }),
  snapshots: z.object({ scheme: schemeId, period: periodId }),
  snapshot: z.object({ scheme: schemeId, period: periodId }),
  history: z.object({ scheme: schemeId, entity: idOf('entity') }),
  verify: z.object({ scheme: schemeId }),
  exportPeriod: z.object({ scheme: schemeId, period: periodId }),
  exportEntity: z.object({ scheme: schemeId, entity: idOf('entity') }),
  explain: z.object({ scheme: schemeId, period: periodId, entity: idOf('entity') }),
} satisfies Record<QueryRoute, z.ZodMiniType>;

export const QUERY = {
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
  exportPeriod: z.strictObject({ asOf: optionalAsOf, format }),
  exportEntity: z.strictObject({
    asOf: optionalAsOf,
    from: optionalPeriod,
    to: optionalPeriod,
    all: z.optional(z.enum(['true', 'false'], error('all'))),
    format,
  }),
  explain: z.strictObject({ indicator: z.optional(idOf('indicator')), asOf: optionalAsOf }),
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
export function parse<T extends z.ZodMiniType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '?';
    throw new BadRequestError(key, say(`不支持的查询参数“${key}”`, `unknown query parameter "${key}"`));
  }
  throw new BadRequestError(issue.path.map(String).join('.') || '(query)', textOf(issue.message));
}

/**
 * The request's JSON body parsed with a strict schema; a body that is not JSON, or the first problem with it,
 * becomes a BadRequestError naming the field (`(body)` for the whole). `shape` shows what is expected.
 */
export function jsonBody<T>(
  event: { body?: string; isBase64Encoded?: boolean },
  schema: z.ZodMiniType<T>,
  what: Text,
  shape: string,
): T {
  let body: unknown;
  try {
    body = JSON.parse(
      event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString() : (event.body ?? ''),
    );
  } catch {
    throw new BadRequestError('(body)', say(`请求体须为 JSON：${shape}`, `the body must be JSON: ${shape}`));
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field =
    issue.code === 'unrecognized_keys' ? issue.keys[0]! : issue.path.map(String).join('.') || '(body)';
  throw new BadRequestError(
    field,
    say(`${what.zh}的 ${field} 无效`, `${what.en}: ${field}: ${issue.message}`),
  );
}
