// Silences on the query API: list them (GET …/silences[?all=true]) and set one (POST …/silences). A leader
// may silence anything; a department only one of its own indicators (scope required); the auditor reads only.
// Every field is checked against the scheme (a typo cannot silence nothing forever); errors name the field.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import type { Scheme } from '../../domain/scheme.ts';
import { parseSilence, type Silence, SilenceValidationError } from '../../domain/silences.ts';
import { ID_PATTERN } from '../../events/ids.ts';
import { type Caller, ForbiddenError } from './alert-routes.ts';
import { BadRequestError, jsonBody, say } from './query-params.ts';
import { type SilenceStore, silenceId } from './silence-store.ts';

export type SilenceReader = Pick<SilenceStore, 'put' | 'list' | 'active'>;

export interface SilenceRouteDeps {
  silences: SilenceReader;
  scheme(id: string): Promise<Scheme>;
  caller: Caller;
  now(): Date;
}

const schemeId = z.string().check(z.maxLength(128), z.regex(ID_PATTERN));
const silenceBody = z.strictObject({
  entity: z.optional(z.string().check(z.maxLength(128))),
  scope: z.optional(z.string().check(z.maxLength(128))),
  rule: z.optional(z.string().check(z.maxLength(64))),
  until: z.string().check(z.maxLength(64)),
  reason: z.string().check(z.minLength(1), z.maxLength(1000)),
  by: z.string().check(z.minLength(1), z.maxLength(100)),
});

/** The department's own indicators (a department's view and what it may silence). */
const ownIndicators = (scheme: Scheme, department: string) =>
  new Set(scheme.indicators.filter((i) => i.owner === department).map((i) => i.id));

export async function silenceRoute(
  route: 'silences' | 'silence',
  event: APIGatewayProxyEventV2,
  deps: SilenceRouteDeps,
): Promise<{ status: number; body: unknown }> {
  const parsedScheme = schemeId.safeParse(event.pathParameters?.scheme);
  if (!parsedScheme.success)
    throw new BadRequestError(
      'scheme',
      say('方案编号只能由字母、数字、- 和 _ 组成', 'scheme id: letters, digits, - and _'),
    );
  const scheme = await deps.scheme(parsedScheme.data);
  const caller = deps.caller;
  const mine = caller.kind === 'department' ? ownIndicators(scheme, caller.department) : undefined;
  if (route === 'silences') {
    const q = event.queryStringParameters ?? {};
    const unknown = Object.keys(q).find((k) => k !== 'all');
    if (unknown !== undefined)
      throw new BadRequestError(
        unknown,
        say(`不支持的查询参数“${unknown}”`, `unknown query parameter "${unknown}"`),
      );
    if (q.all !== undefined && q.all !== 'true' && q.all !== 'false')
      throw new BadRequestError('all', say('all 只能是 true 或 false', 'all: true or false'));
    const list =
      q.all === 'true'
        ? await deps.silences.list(scheme.id)
        : await deps.silences.active(scheme.id, deps.now().toISOString());
    const visible = mine ? list.filter((s) => s.scope !== undefined && mine.has(s.scope)) : list;
    return { status: 200, body: { scheme: scheme.id, silences: visible } };
  }

  const b = jsonBody(
    event,
    silenceBody,
    say('静默请求', 'silence'),
    '{"until": "…", "reason": "…", "by": "…", "entity"?, "scope"?, "rule"?}',
  );
  if (b.entity === undefined && b.scope === undefined && b.rule === undefined)
    throw new BadRequestError(
      'scope',
      say('须至少指定 entity、scope、rule 之一', 'name at least one of entity, scope, rule'),
    );
  if (mine && (b.scope === undefined || !mine.has(b.scope)))
    throw new ForbiddenError(
      say(
        '部门只能静默本部门指标的预警（scope 须为本部门指标）',
        'a department may silence only its own indicators (scope)',
      ),
    );
  let silence: Silence;
  try {
    const s = parseSilence(
      { id: '', scheme: scheme.id, ...b, createdAt: deps.now().toISOString() },
      { entities: scheme.entities.map((e) => e.id), indicators: scheme.indicators.map((i) => i.id) },
    );
    silence = { ...s, id: silenceId(s) };
  } catch (e) {
    if (e instanceof SilenceValidationError)
      throw new BadRequestError(e.field, say(`静默请求的 ${e.field} 无效：${e.message}`, e.message));
    throw e;
  }
  const { created } = await deps.silences.put(silence);
  return { status: created ? 201 : 200, body: { scheme: scheme.id, silence } };
}
