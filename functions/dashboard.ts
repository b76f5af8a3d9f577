// dashboard: the leaders' dashboard on the query API — the page (`GET /schemes/{scheme}/dashboard`) and the
// data it polls (`…/dashboard/data`: ranking, the focus entity's gap and trajectory with ECharts SVG charts,
// the notifications the caller may see, the bulletins list) — a function of its own so that the charts'
// ECharts stays out of the query function's bundle. Read-only; acknowledging goes to the query function's
// route, as the page's buttons do.
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { DASHBOARD_ROUTES, type DashboardRoute, routeKey } from './query-routes.ts';
import { CALLER_ROLES_ENV, type Caller, callerOf, parseCallerRoles } from './shared/alert-routes.ts';
import { answer, noRoute, type Response } from './shared/api-answers.ts';
import { S3ObjectClient } from './shared/aws/s3.ts';
import { BULLETIN_BUCKET_ENV } from './shared/bulletin-location.ts';
import { bucketBulletins } from './shared/dashboard-data.ts';
import { type DashboardDeps, dashboardRoute } from './shared/dashboard-routes.ts';
import { NotificationStore } from './shared/notification-store.ts';
import { defaultReader, defaultStore, log, logger } from './shared/runtime.ts';
import { AuditedReader } from './shared/verification.ts';

export interface DashboardFunctionDeps extends Omit<DashboardDeps, 'caller'> {
  /** IAM role name → caller, from the stack (CALLER_ROLES). */
  callers?: ReadonlyMap<string, Caller>;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
}

const byRouteKey = new Map(
  (Object.keys(DASHBOARD_ROUTES) as DashboardRoute[]).map((r) => [routeKey(r), r] as const),
);

export async function dashboardHandler(
  event: APIGatewayProxyEventV2,
  deps: DashboardFunctionDeps,
): Promise<Response> {
  const route = byRouteKey.get(event.routeKey);
  if (!route) return noRoute(event.routeKey);
  return answer(
    event.routeKey,
    async () => {
      const { callers, log: _log, ...rest } = deps;
      const a = await dashboardRoute(route, event, {
        ...rest,
        caller: callerOf(event, callers ?? new Map()),
      });
      return { statusCode: a.status, headers: a.headers, body: a.body };
    },
    deps.log,
  );
}

let callerRoles: Map<string, Caller> | undefined;

/** Lambda entry point: no middleware, the logger gets the invocation context directly. */
export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<Response> {
  logger.addContext(context);
  const reader = defaultReader();
  const schemes = defaultStore();
  callerRoles ??= parseCallerRoles(process.env[CALLER_ROLES_ENV]);
  const bucket = process.env[BULLETIN_BUCKET_ENV];
  return dashboardHandler(event, {
    store: new AuditedReader(reader),
    heads: (scheme) => reader.allHeads(scheme),
    notifications: new NotificationStore(reader.db, reader.table),
    scheme: (id) => schemes.activeScheme(id),
    ...(bucket ? { bulletins: bucketBulletins(new S3ObjectClient(), bucket) } : {}),
    callers: callerRoles,
    log,
  });
}
