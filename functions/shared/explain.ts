// The auditors' explain route: how one entity's stored rank and score in a period came about (domain/explain.ts),
// built only from snapshots checked against the hash chain. The period's chain — and the chains of the earlier
// periods a carried value may come from — is verified as a whole first; one that does not verify is a 409
// (IntegrityError), as for exports. The scheme is the version the snapshot was evaluated under.

import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ExplainError, type Explanation, explain } from '../../domain/explain.ts';
import { periodOrdinal } from '../../domain/period.ts';
import type { Scheme } from '../../domain/scheme.ts';
import type { SnapshotBody } from '../../domain/snapshot.ts';
import { compileScheme } from '../../domain/tree.ts';
import { NotFoundError } from './alert-routes.ts';
import { json, type Response } from './api-answers.ts';
import { BadRequestError, PATH, parse, QUERY, say } from './query-params.ts';
import { type AuditedReader, IntegrityError } from './verification.ts';

type Store = Pick<AuditedReader, 'periods' | 'snapshots' | 'snapshot' | 'verify'>;

export interface ExplainDeps {
  store: Store;
  /** A stored scheme version (the one the snapshot records); absent, the route answers 404. */
  schemeVersion?(id: string, version: string): Promise<Scheme>;
}

/** What the route answers: the explanation, the snapshot's hash and what was verified. */
export type ExplainAnswer = Explanation & {
  hash: string;
  previousHash: string | null;
  verified: { snapshots: number; chainHead: string | null };
};

async function verified(store: Store, scheme: string, period: string) {
  const verdict = await store.verify(scheme, period);
  if (!verdict.ok) throw new IntegrityError(verdict.firstBad, verdict.reason);
  return verdict;
}

/** Every snapshot of a period up to `last` (by seq), bodies checked against the chain. */
async function bodiesUpTo(
  store: Store,
  scheme: string,
  period: string,
  last: number,
): Promise<SnapshotBody[]> {
  const out: SnapshotBody[] = [];
  for (let seq = 1; seq <= last; seq++) {
    const found = await store.snapshot(scheme, period, { seq });
    if (found) out.push(found.body);
  }
  return out;
}

/**
 * The explanation of `entity` in the period's latest snapshot, or the one known at `asOf`. Lineage walks the
 * period's earlier snapshots; carried values come from the earlier periods' snapshots known when this one was
 * recorded (as ingest read their heads).
 */
export async function explainEntity(
  deps: ExplainDeps,
  scheme: string,
  period: string,
  entity: string,
  opts: { indicator?: string; asOf?: string } = {},
): Promise<ExplainAnswer> {
  const { store } = deps;
  const verdict = await verified(store, scheme, period);
  const found = await store.snapshot(scheme, period, opts.asOf === undefined ? {} : { asOf: opts.asOf });
  if (!found)
    throw new NotFoundError(
      opts.asOf === undefined
        ? say(`${scheme} ${period} 没有快照`, `${scheme} ${period} has no snapshot`)
        : say(
            `${opts.asOf} 时 ${scheme} ${period} 尚无快照`,
            `${scheme} ${period} had no snapshot at ${opts.asOf}`,
          ),
    );
  const { manifest, body } = found;
  if (!body.inputs.entities.includes(entity))
    throw new NotFoundError(
      say(`${scheme} ${period} 没有单位 ${entity}`, `${scheme} ${period} has no entity ${entity}`),
    );
  if (!deps.schemeVersion)
    throw new NotFoundError(say('此部署无法读取方案版本', 'no scheme versions are readable here'));
  let schemeAt: Scheme;
  try {
    schemeAt = await deps.schemeVersion(scheme, body.scheme.version);
  } catch (e) {
    if ((e as Error).name === 'SchemeNotFoundError')
      throw new NotFoundError(
        say(
          `没有方案 ${scheme} 版本 ${body.scheme.version}`,
          `no scheme ${scheme} version ${body.scheme.version}`,
        ),
      );
    throw e;
  }
  if (opts.indicator !== undefined && !schemeAt.indicators.some((i) => i.id === opts.indicator))
    throw new BadRequestError(
      'indicator',
      say(
        `方案 ${scheme} 版本 ${schemeAt.version} 没有指标 ${opts.indicator}`,
        `scheme ${scheme} version ${schemeAt.version} has no indicator ${opts.indicator}`,
      ),
    );
  const earlier = await bodiesUpTo(store, scheme, period, manifest.seq - 1);
  // Carried values: the last snapshot of each earlier period within the window, as known at recordedAt.
  const k = schemeAt.missing.carryForward;
  const carrySources: { period: string; inputs: SnapshotBody['inputs'] }[] = [];
  if (k > 0) {
    const now = periodOrdinal(schemeAt.periodKind, period);
    for (const p of await store.periods(scheme)) {
      let age: number;
      try {
        age = now - periodOrdinal(schemeAt.periodKind, p);
      } catch {
        continue; // a period id of another kind is not carried from
      }
      if (age < 1 || age > k) continue;
      await verified(store, scheme, p);
      const source = await store.snapshot(scheme, p, { asOf: body.recordedAt });
      if (source) carrySources.push({ period: p, inputs: source.body.inputs });
    }
  }
  let explanation: Explanation;
  try {
    explanation = explain({
      compiled: compileScheme(schemeAt),
      body,
      earlier,
      carrySources,
      entity,
      ...(opts.indicator === undefined ? {} : { indicator: opts.indicator }),
    });
  } catch (e) {
    if (e instanceof ExplainError) throw new BadRequestError(e.field, say(e.message, e.message));
    throw e;
  }
  return {
    ...explanation,
    hash: manifest.hash,
    previousHash: manifest.previousHash,
    verified: { snapshots: verdict.checked, chainHead: verdict.head },
  };
}

/** GET /schemes/{scheme}/periods/{period}/entities/{entity}/explain?indicator=&asOf= */
export async function explainRoute(event: APIGatewayProxyEventV2, deps: ExplainDeps): Promise<Response> {
  const { scheme, period, entity } = parse(PATH.explain, event.pathParameters ?? {});
  const q = parse(QUERY.explain, event.queryStringParameters ?? {});
  const answer = await explainEntity(deps, scheme, period, entity, {
    ...(q.indicator === undefined ? {} : { indicator: q.indicator }),
    ...(q.asOf === undefined ? {} : { asOf: q.asOf }),
  });
  return json(200, answer);
}
