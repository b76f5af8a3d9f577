// The leaders' dashboard on the query API: the page (`GET …/dashboard`) and the data it polls
// (`GET …/dashboard/data`), for the callers the route table names. What is read — every period's head, the
// last periods' snapshots (checked against the hash chain), the notifications, the bulletins — is read here;
// what is shown is decided in dashboard-data.ts, how it looks in bulletin/dashboard-page.ts.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { dashboardCharts, dashboardPage } from '../../bulletin/dashboard-page.ts';
import { DASHBOARD_ROUTES, type DashboardRoute } from '../query-routes.ts';
import { allowedCaller, type Caller, NotFoundError, type NotificationReader } from './alert-routes.ts';
import {
  type BulletinList,
  buildDashboard,
  type CheckedSnapshot,
  DEFAULT_TRAJECTORY_PERIODS,
  type HeadSummary,
  headsVersion,
  MAX_TRAJECTORY_PERIODS,
  type SchemeView,
  trajectoryPeriods,
} from './dashboard-data.ts';
import { PATH, parse, say } from './query-params.ts';
import type { AuditedReader } from './verification.ts';

export interface DashboardDeps {
  /** Snapshots as the auditors' routes read them: checked against the chain. */
  store: Pick<AuditedReader, 'snapshot'>;
  /** Every period's head (no body read): the version, and which periods the trajectory reads. */
  heads(scheme: string): Promise<HeadSummary[]>;
  notifications?: Pick<NotificationReader, 'list'>;
  /** The active scheme (names, focus); a SchemeNotFoundError when there is none. */
  scheme?(id: string): Promise<SchemeView>;
  /** The bulletin bucket's list, when the function has one. */
  bulletins?: BulletinList;
  caller: Caller | undefined;
}

export interface DashboardAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const error = (zh: string, en: string) => ({ error: JSON.stringify(say(zh, en)) });
const periodsParam = z.optional(
  z.pipe(
    z
      .string()
      .check(
        z.regex(
          /^[1-9]\d?$/,
          error(
            `periods 须为 1 到 ${MAX_TRAJECTORY_PERIODS} 的整数`,
            `periods must be an integer from 1 to ${MAX_TRAJECTORY_PERIODS}`,
          ),
        ),
      ),
    z.transform((s: string) => Math.min(Number(s), MAX_TRAJECTORY_PERIODS)),
  ),
);
const QUERY = {
  dashboard: z.strictObject({
    poll: z.optional(
      z.pipe(
        z
          .string()
          .check(
            z.regex(/^([1-9]\d?|[12]\d\d|300)$/, error('poll 须为 1 到 300 秒', 'poll: 1 to 300 seconds')),
          ),
        z.transform((s: string) => Number(s)),
      ),
    ),
    periods: periodsParam,
  }),
  dashboardData: z.strictObject({
    since: z.optional(
      z.string().check(z.regex(/^[0-9a-f]{16}$/, error('since 须为版本号', 'since: a version'))),
    ),
    periods: periodsParam,
  }),
} satisfies Record<DashboardRoute, z.ZodMiniType>;

/** The scheme, or undefined when the store has none (other failures propagate). */
async function schemeOrNone(deps: DashboardDeps, id: string): Promise<SchemeView | undefined> {
  if (!deps.scheme) return undefined;
  try {
    return await deps.scheme(id);
  } catch (e) {
    if ((e as Error).name === 'SchemeNotFoundError') return undefined;
    throw e;
  }
}

export async function dashboardRoute(
  route: DashboardRoute,
  event: APIGatewayProxyEventV2,
  deps: DashboardDeps,
): Promise<DashboardAnswer> {
  const caller = allowedCaller(deps.caller, DASHBOARD_ROUTES[route].callers);
  const { scheme: id } = parse(PATH.periods, event.pathParameters ?? {});
  const [heads, scheme] = await Promise.all([deps.heads(id), schemeOrNone(deps, id)]);
  if (heads.length === 0 && !scheme) throw new NotFoundError(say(`没有方案 ${id}`, `no scheme ${id}`));

  if (route === 'dashboard') {
    const q = parse(QUERY.dashboard, event.queryStringParameters ?? {});
    const page = dashboardPage({
      scheme: { id, name: scheme?.name ?? { zh: id, en: id } },
      ...(q.poll === undefined ? {} : { pollSeconds: q.poll }),
      periods: q.periods ?? DEFAULT_TRAJECTORY_PERIODS,
    });
    return { status: 200, headers: page.headers, body: page.html };
  }

  const q = parse(QUERY.dashboardData, event.queryStringParameters ?? {});
  const [snapshots, notifications, bulletins] = await Promise.all([
    readSnapshots(deps, id, heads, q.since, q.periods ?? DEFAULT_TRAJECTORY_PERIODS),
    deps.notifications?.list(id) ?? [],
    deps.bulletins
      ? deps.bulletins.list(id).then((items) => ({ configured: true, items }))
      : { configured: false, items: [] },
  ]);
  const data = buildDashboard({
    schemeId: id,
    ...(scheme ? { scheme } : {}),
    caller,
    heads,
    snapshots,
    notifications,
    bulletins,
    ...(q.since === undefined ? {} : { since: q.since }),
  });
  const body = data.changed ? { ...data, charts: dashboardCharts(data) } : data;
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

/**
 * The last snapshot of each trajectory period, oldest first, each checked against the chain; none when the
 * caller already has this version (the page keeps what it has and refreshes only the notifications).
 */
async function readSnapshots(
  deps: DashboardDeps,
  scheme: string,
  heads: readonly HeadSummary[],
  since: string | undefined,
  n: number,
): Promise<CheckedSnapshot[]> {
  if (since === headsVersion(heads)) return [];
  const read = await Promise.all(trajectoryPeriods(heads, n).map((p) => deps.store.snapshot(scheme, p)));
  return read.flatMap((s): CheckedSnapshot[] => (s === undefined ? [] : [s]));
}
