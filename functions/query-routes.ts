// The auditors' query API routes: one list for the HTTP API (infra) and the query function's router.

export const QUERY_ROUTES = {
  periods: { method: 'GET', path: '/schemes/{scheme}/periods' },
  snapshots: { method: 'GET', path: '/schemes/{scheme}/periods/{period}/snapshots' },
  snapshot: { method: 'GET', path: '/schemes/{scheme}/periods/{period}/snapshot' },
  history: { method: 'GET', path: '/schemes/{scheme}/entities/{entity}/history' },
  verify: { method: 'GET', path: '/schemes/{scheme}/verify' },
} as const;

export type QueryRoute = keyof typeof QUERY_ROUTES;

/** The HTTP API route key (`GET /schemes/{scheme}/periods`) a request arrives with. */
export function routeKey(route: QueryRoute): string {
  const r = QUERY_ROUTES[route];
  return `${r.method} ${r.path}`;
}
