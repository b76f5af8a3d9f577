// The leaders' loop on the query API: list notifications, read one with its full history (every stored
// version), acknowledge one. The API authorises with IAM; this module decides who the caller is from the role
// it signed with (a table of role names the stack gives the function) and what it may do: a leader any
// notification, a department only those of indicators it owns, an auditor read only.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { acknowledge, NOTIFICATION_STATUSES, type NotificationState } from '../../domain/lifecycle.ts';
import { ID_PATTERN } from '../../events/ids.ts';
import { DEPARTMENT_ID_PATTERN } from '../../events/sources.ts';
import type { AlertRoute, CallerKind } from '../query-routes.ts';
import type { NotificationStore } from './notification-store.ts';
import { NotificationNotFoundError, TransitionRefusedError } from './notification-store.ts';
import { BadRequestError, jsonBody, say, type Text } from './query-params.ts';

/** Environment variable: JSON object of IAM role name → `leader`, `auditor` or `department:<id>`. */
export const CALLER_ROLES_ENV = 'CALLER_ROLES';

export type Caller = { kind: 'leader' | 'auditor' } | { kind: 'department'; department: string };

export type NotificationReader = Pick<NotificationStore, 'list' | 'get' | 'versions' | 'transition'>;

export class ForbiddenError extends Error {
  readonly text: Text;
  constructor(text: Text) {
    super(text.en);
    this.name = 'ForbiddenError';
    this.text = text;
  }
}

export class NotFoundError extends Error {
  readonly text: Text;
  constructor(text: Text) {
    super(text.en);
    this.name = 'NotFoundError';
    this.text = text;
  }
}

/** The refused change, with what the lifecycle said (e.g. who acknowledged first). */
export class ConflictError extends Error {
  readonly code: string;
  readonly text: Text;
  constructor(code: string, text: Text) {
    super(text.en);
    this.name = 'ConflictError';
    this.code = code;
    this.text = text;
  }
}

/** The role name in the caller's ARN: `…:assumed-role/NAME/session` (STS) or `…:role/NAME` (IAM). */
export function roleNameOf(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  const m = /:assumed-role\/([^/]+)\//.exec(arn) ?? /:role\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m?.[1];
}

export function parseCallerRoles(text: string | undefined): Map<string, Caller> {
  const out = new Map<string, Caller>();
  if (!text) return out;
  for (const [role, kind] of Object.entries(JSON.parse(text) as Record<string, string>)) {
    if (kind === 'leader' || kind === 'auditor') out.set(role, { kind });
    else if (kind.startsWith('department:'))
      out.set(role, { kind: 'department', department: kind.slice(11) });
  }
  return out;
}

/** Who signed the request, from the IAM authoriser's context; undefined when the role is not one we know. */
export function callerOf(
  event: APIGatewayProxyEventV2,
  roles: ReadonlyMap<string, Caller>,
): Caller | undefined {
  const iam = (event.requestContext as { authorizer?: { iam?: { userArn?: string } } } | undefined)
    ?.authorizer?.iam;
  const name = roleNameOf(iam?.userArn);
  return name === undefined ? undefined : roles.get(name);
}

/** The caller, if it may use a route these kinds may use; otherwise a ForbiddenError. */
export function allowedCaller(caller: Caller | undefined, allowed: readonly CallerKind[]): Caller {
  if (!caller || !allowed.includes(caller.kind))
    throw new ForbiddenError(
      say(
        '调用者无权访问此接口',
        `this caller (${caller?.kind ?? 'an unknown role'}) may not use this route`,
      ),
    );
  return caller;
}

const schemeId = z.string().check(z.maxLength(128), z.regex(ID_PATTERN));
const notificationId = z.string().check(z.regex(/^N[0-9a-f]{20}$/));
const ackBody = z.strictObject({
  by: z.string().check(z.minLength(1), z.maxLength(100)),
  note: z.optional(z.string().check(z.maxLength(1000))),
});

function pathParam<T>(schema: z.ZodMiniType<T>, value: string | undefined, field: string, text: Text): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new BadRequestError(field, text);
  return r.data;
}

const SCHEME_TEXT = say('方案编号只能由字母、数字、- 和 _ 组成', 'scheme id: letters, digits, - and _');
const ID_TEXT = say('提醒编号应为 N 加 20 位十六进制数', 'notification id: N followed by 20 hex digits');
const STATUS_TEXT = say(
  `状态只能是 ${NOTIFICATION_STATUSES.join('、')} 之一`,
  `status: one of ${NOTIFICATION_STATUSES.join(', ')}`,
);
const DEPARTMENT_TEXT = say(
  '部门编号只能由字母、数字、- 和 _ 组成（至多 64 个字符）',
  'department id: letters, digits, - and _ (at most 64)',
);

/** A department reads only its own indicators' notifications; leaders and auditors read every one. */
export function mayRead(caller: Caller, s: NotificationState): boolean {
  return caller.kind !== 'department' || s.notification.owner === caller.department;
}

type Answer = { status: number; body: unknown };

/** The route's answer; errors above are turned into status codes by the query function's edge. */
export async function alertRoute(
  route: AlertRoute,
  event: APIGatewayProxyEventV2,
  deps: { notifications: NotificationReader; caller: Caller | undefined; now(): Date },
  allowed: readonly CallerKind[],
): Promise<Answer> {
  const caller = allowedCaller(deps.caller, allowed);
  const scheme = pathParam(schemeId, event.pathParameters?.scheme, 'scheme', SCHEME_TEXT);
  if (route === 'notifications') {
    const q = event.queryStringParameters ?? {};
    const unknown = Object.keys(q).find((k) => k !== 'status' && k !== 'department');
    if (unknown !== undefined)
      throw new BadRequestError(
        unknown,
        say(`不支持的查询参数“${unknown}”`, `unknown query parameter "${unknown}"`),
      );
    // A filter that can match nothing is a mistake (a misspelt status), not an empty list.
    if (q.status !== undefined && !(NOTIFICATION_STATUSES as readonly string[]).includes(q.status))
      throw new BadRequestError('status', STATUS_TEXT);
    if (q.department !== undefined && !DEPARTMENT_ID_PATTERN.test(q.department))
      throw new BadRequestError('department', DEPARTMENT_TEXT);
    const states = (await deps.notifications.list(scheme)).filter(
      (s) =>
        mayRead(caller, s) &&
        (q.status === undefined || s.status === q.status) &&
        (q.department === undefined || s.notification.owner === q.department),
    );
    return { status: 200, body: { scheme, notifications: states } };
  }
  const id = pathParam(notificationId, event.pathParameters?.id, 'id', ID_TEXT);
  const current = await deps.notifications.get(scheme, id);
  if (!current || !mayRead(caller, current))
    throw new NotFoundError(say(`${scheme} 没有提醒 ${id}`, `${scheme} has no notification ${id}`));
  if (route === 'notification')
    return {
      status: 200,
      body: { scheme, ...current, versions: await deps.notifications.versions(scheme, id) },
    };

  const ack = jsonBody(event, ackBody, say('确认请求', 'acknowledgement'), '{"by": "…", "note": "…"}');
  const at = deps.now().toISOString();
  try {
    const next = await deps.notifications.transition(scheme, id, (s) =>
      acknowledge(s, { by: ack.by, at, ...(ack.note ? { note: ack.note } : {}) }),
    );
    return { status: 200, body: { scheme, ...next } };
  } catch (e) {
    if (e instanceof TransitionRefusedError) throw new ConflictError(e.code, e.reason);
    if (e instanceof NotificationNotFoundError)
      throw new NotFoundError(say(`${scheme} 没有提醒 ${id}`, `${scheme} has no notification ${id}`));
    throw e;
  }
}
