// The query API's routes — the auditors' queries and the leaders' loop — in one list for the HTTP API (infra),
// its IAM grants, and the query function's router.

export const QUERY_ROUTES = {
  periods: { method: 'GET', path: '/schemes/{scheme}/periods' },
  snapshots: { method: 'GET', path: '/schemes/{scheme}/periods/{period}/snapshots' },
  snapshot: { method: 'GET', path: '/schemes/{scheme}/periods/{period}/snapshot' },
  history: { method: 'GET', path: '/schemes/{scheme}/entities/{entity}/history' },
  verify: { method: 'GET', path: '/schemes/{scheme}/verify' },
  // Exports (csv | json; the CLI writes .xlsx from the JSON): the chain verified before anything is written.
  exportPeriod: { method: 'GET', path: '/schemes/{scheme}/periods/{period}/export' },
  exportEntity: { method: 'GET', path: '/schemes/{scheme}/entities/{entity}/export' },
  // How one entity's stored rank and score came about (lineage, normalisation, weights, ties); chain verified first.
  explain: { method: 'GET', path: '/schemes/{scheme}/periods/{period}/entities/{entity}/explain' },
} as const;

export type QueryRoute = keyof typeof QUERY_ROUTES;

/** Who may call a route: the IAM grants (infra) and the function's own check of the caller both read this. */
export type CallerKind = 'auditor' | 'leader' | 'department';

/** The leaders' loop on the same API: notifications listed, one with its history, one acknowledged; silences. */
export const ALERT_ROUTES = {
  notifications: {
    method: 'GET',
    path: '/schemes/{scheme}/notifications',
    callers: ['auditor', 'leader', 'department'],
  },
  notification: {
    method: 'GET',
    path: '/schemes/{scheme}/notifications/{id}',
    callers: ['auditor', 'leader', 'department'],
  },
  acknowledge: {
    method: 'POST',
    path: '/schemes/{scheme}/notifications/{id}/ack',
    callers: ['leader', 'department'],
  },
  silences: {
    method: 'GET',
    path: '/schemes/{scheme}/silences',
    callers: ['auditor', 'leader', 'department'],
  },
  silence: {
    method: 'POST',
    path: '/schemes/{scheme}/silences',
    callers: ['leader', 'department'],
  },
} as const satisfies Record<string, { method: string; path: string; callers: readonly CallerKind[] }>;

export type AlertRoute = keyof typeof ALERT_ROUTES;

/**
 * The leaders' dashboard on the same API: the page (HTML, ECharts SVG) and the data it polls. What a caller
 * sees follows its role as on the notification routes (a department only its own indicators' notifications).
 */
export const DASHBOARD_ROUTES = {
  dashboard: {
    method: 'GET',
    path: '/schemes/{scheme}/dashboard',
    callers: ['auditor', 'leader', 'department'],
  },
  dashboardData: {
    method: 'GET',
    path: '/schemes/{scheme}/dashboard/data',
    callers: ['auditor', 'leader', 'department'],
  },
} as const satisfies Record<string, { method: string; path: string; callers: readonly CallerKind[] }>;

export type DashboardRoute = keyof typeof DASHBOARD_ROUTES;
export type ApiRoute = QueryRoute | AlertRoute | DashboardRoute;

/** Every route of the API; the auditors' query routes are callable by auditors only. */
export const API_ROUTES: Record<ApiRoute, { method: string; path: string; callers: readonly CallerKind[] }> =
  {
    ...(Object.fromEntries(
      Object.entries(QUERY_ROUTES).map(([name, r]) => [name, { ...r, callers: ['auditor'] }]),
    ) as unknown as Record<QueryRoute, { method: string; path: string; callers: readonly CallerKind[] }>),
    ...ALERT_ROUTES,
    ...DASHBOARD_ROUTES,
  };

/** The HTTP API route key (`GET /schemes/{scheme}/periods`) a request arrives with. */
export function routeKey(route: ApiRoute): string {
  const r = API_ROUTES[route];
  return `${r.method} ${r.path}`;
}
