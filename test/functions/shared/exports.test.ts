// The auditors' exports: re-imported (CSV, XLSX, JSON) they reproduce the stored snapshot's numbers; a tampered
// snapshot is refused (409); only the auditor may call the export routes (the template's IAM grants).
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportWorkbook, readExportCsv, readExportWorkbook } from '../../../cli/xlsx/export.ts';
import { canonicalJson, chainHash, jsonSafe } from '../../../domain/chain.ts';
import { parseObservationsCsv } from '../../../domain/observations.ts';
import { replaySeries } from '../../../domain/replay.ts';
import { loadSchemeText } from '../../../domain/scheme.ts';
import type { SnapshotBody } from '../../../domain/snapshot.ts';
import { queryHandler } from '../../../functions/query.ts';
import { API_ROUTES, type QueryRoute, routeKey } from '../../../functions/query-routes.ts';
import { type ExportCell, exportFromJson, type exportJson } from '../../../functions/shared/exports.ts';
import type { HeadItem, ManifestItem } from '../../../functions/shared/snapshot-reader.ts';
import { keys } from '../../../functions/shared/table.ts';
import { AuditedReader } from '../../../functions/shared/verification.ts';
import { localPrincipals, mayInvokeRoute } from '../../../local/principals.ts';
import { localModel, readCloudAssembly } from '../../../local/template.ts';
import { synthRankwatch } from '../../support/cdk.ts';

const root = new URL('../../../scenarios/gansu/', import.meta.url);
const scheme = loadSchemeText(readFileSync(new URL('scheme.yaml', root), 'utf8'), 'scheme.yaml');
const PERIODS = ['2026-W01', '2026-W02', '2026-W03'];
const observations = parseObservationsCsv(
  readFileSync(new URL('observations.csv', root), 'utf8'),
  scheme,
).filter((o) => PERIODS.includes(o.period));

/** The replayed Gansu weeks stored as the engine stores them: one chain per period, bodies as canonical text. */
function memoryStore() {
  const texts = new Map<string, string>();
  const manifests = new Map<string, ManifestItem>();
  const heads = new Map<string, HeadItem>();
  const bodies = new Map<string, SnapshotBody>();
  for (const { body: raw } of replaySeries(scheme, observations).snapshots) {
    const body = jsonSafe(raw);
    const { inputs, ...rest } = body;
    const period = body.period;
    texts.set(`in-${period}`, canonicalJson(inputs));
    texts.set(`rest-${period}`, canonicalJson(rest));
    const hash = chainHash(canonicalJson(body), null);
    const m: ManifestItem = {
      ...keys.manifest(scheme.id, period, body.seq),
      scheme: scheme.id,
      period,
      seq: body.seq,
      hash,
      previousHash: null,
      schemeVersion: body.scheme.version,
      recordedAt: body.recordedAt,
      inputChunks: [`in-${period}`],
      restChunks: [`rest-${period}`],
    };
    manifests.set(period, m);
    heads.set(period, {
      ...keys.head(scheme.id, period),
      period,
      seq: m.seq,
      hash,
      schemeVersion: m.schemeVersion,
      recordedAt: m.recordedAt,
      inputChunks: m.inputChunks,
      standings: JSON.stringify(body.results.standings),
    });
    bodies.set(period, body);
  }
  const reader = {
    table: 'memory',
    db: {
      get: async (input: { Key: { SK: string } }) => ({
        Item: [...heads.values()].find((h) => h.SK === input.Key.SK),
      }),
    },
    manifests: async (_s: string, period: string) => [manifests.get(period)].filter((m) => m !== undefined),
    readText: async (hashes: readonly string[]) => hashes.map((h) => texts.get(h) ?? '').join(''),
    allHeads: async () => [...heads.values()],
    projectionItems: async () => [],
    periods: async () => [...heads.keys()],
  };
  return { store: new AuditedReader(reader as never), texts, bodies };
}

const request = (route: QueryRoute, path: Record<string, string>, query?: Record<string, string>) =>
  ({
    version: '2.0',
    routeKey: routeKey(route),
    rawPath: '/',
    pathParameters: path,
    ...(query ? { queryStringParameters: query } : {}),
  }) as unknown as APIGatewayProxyEventV2;

const call = (
  store: AuditedReader,
  route: QueryRoute,
  path: Record<string, string>,
  query?: Record<string, string>,
) => queryHandler(request(route, path, query), { store, log: () => {} });

/** What an export's rows must say for the stored body: one row per entity, keyed by entity. */
function expectedRows(body: SnapshotBody, hash: string): Map<string, Record<string, ExportCell>> {
  const { entities, indicators, values } = body.inputs;
  const r = body.results;
  const reasons = new Map(r.unranked.map((u) => [u.entity, u.reason]));
  return new Map(
    entities.map((entity, e) => {
      const row: Record<string, ExportCell> = {
        scheme: body.scheme.id,
        schemeVersion: body.scheme.version,
        period: body.period,
        seq: body.seq,
        recordedAt: body.recordedAt,
        hash,
        entity,
        rank: r.overall.rank[e]! > 0 ? r.overall.rank[e]! : null,
        tied: r.overall.tied[e] === 1,
        composite: r.overall.score[e] ?? null,
        unranked: reasons.get(entity) ?? null,
      };
      indicators.forEach((id, j) => {
        row[`${id}.value`] = values[j]![e] ?? null;
        row[`${id}.score`] = r.indicatorScores[j]![e] ?? null;
        row[`${id}.rank`] = r.indicatorRanks[j]![e]! > 0 ? r.indicatorRanks[j]![e]! : null;
        row[`${id}.tied`] = r.indicatorTied[j]![e] === 1;
        row[`${id}.carried`] = r.carried[j]![e] === 1;
      });
      return [entity, row];
    }),
  );
}

function expectReproduces(
  imported: { columns: string[]; rows: ExportCell[][] },
  body: SnapshotBody,
  hash: string,
): void {
  const want = expectedRows(body, hash);
  expect(imported.rows).toHaveLength(want.size);
  expect(new Set(imported.columns)).toEqual(new Set(Object.keys(want.values().next().value!)));
  for (const row of imported.rows) {
    const got = Object.fromEntries(imported.columns.map((c, k) => [c, row[k] ?? null]));
    expect(got, String(got.entity)).toEqual(want.get(String(got.entity)));
  }
}

describe('a period export', () => {
  const { store, bodies } = memoryStore();
  const period = '2026-W03';
  const body = bodies.get(period)!;
  const hash = chainHash(canonicalJson(body), null);

  it('re-imported from CSV reproduces every number of the stored snapshot, each row naming version, seq and hash', async () => {
    const res = await call(store, 'exportPeriod', { scheme: scheme.id, period }, { format: 'csv' });
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toMatch(/text\/csv/);
    expectReproduces(readExportCsv(res.body), body, hash);
  });

  it('re-imported from the XLSX written from its JSON reproduces the numbers; the meta sheet names the snapshot', async () => {
    const res = await call(store, 'exportPeriod', { scheme: scheme.id, period });
    expect(res.statusCode).toBe(200);
    const json = JSON.parse(res.body) as ReturnType<typeof exportJson>;
    expect(json.meta).toMatchObject({
      kind: 'period',
      scheme: scheme.id,
      period,
      verified: { snapshots: 1, chainHead: hash },
      snapshots: [{ period, seq: body.seq, hash, previousHash: null, schemeVersion: scheme.version }],
    });
    const back = await readExportWorkbook(await exportWorkbook(exportFromJson(json)));
    expectReproduces(back, body, hash);
    expect(back.meta).toMatchObject({ kind: 'period', scheme: scheme.id, 'verified.chainHead': hash });
  });

  it('exports the snapshot known at asOf, and answers 404 before the first snapshot', async () => {
    const before = await call(
      store,
      'exportPeriod',
      { scheme: scheme.id, period },
      { asOf: '2020-01-01T00:00:00Z' },
    );
    expect(before.statusCode).toBe(404);
    const at = await call(store, 'exportPeriod', { scheme: scheme.id, period }, { asOf: body.recordedAt });
    expect(at.statusCode).toBe(200);
  });

  it('refuses to export a tampered snapshot (409 naming it) and writes no rows', async () => {
    const tampered = memoryStore();
    const key = `rest-${period}`;
    const text = tampered.texts.get(key)!;
    const score = String(tampered.bodies.get(period)!.results.overall.score[0]);
    expect(text).toContain(score);
    tampered.texts.set(key, text.replace(score, String(Number(score) + 1)));
    for (const format of ['csv', 'json']) {
      const res = await call(tampered.store, 'exportPeriod', { scheme: scheme.id, period }, { format });
      expect(res.statusCode).toBe(409);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'integrity', where: `${scheme.id}|${period}|#1` });
    }
    // Another period's chain is intact and still exports.
    expect(
      (await call(tampered.store, 'exportPeriod', { scheme: scheme.id, period: '2026-W01' })).statusCode,
    ).toBe(200);
  });

  it('refuses xlsx on the API (the CLI writes it) naming format', async () => {
    const res = await call(store, 'exportPeriod', { scheme: scheme.id, period }, { format: 'xlsx' });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ field: 'format' });
  });
});

describe('an entity export', () => {
  it('holds its history per period, re-imported from CSV equal to each stored snapshot’s numbers', async () => {
    const { store, bodies } = memoryStore();
    const res = await call(
      store,
      'exportEntity',
      { scheme: scheme.id, entity: 'lanzhou' },
      { format: 'csv' },
    );
    expect(res.statusCode).toBe(200);
    const { columns, rows } = readExportCsv(res.body);
    expect(rows.map((r) => r[columns.indexOf('period')])).toEqual(PERIODS);
    for (const row of rows) {
      const got = Object.fromEntries(columns.map((c, k) => [c, row[k] ?? null]));
      const body = bodies.get(String(got.period))!;
      const want = expectedRows(body, chainHash(canonicalJson(body), null)).get('lanzhou')!;
      for (const c of columns) expect(got[c], `${got.period} ${c}`).toEqual(want[c]);
    }
  });

  it('refuses a history that cites a tampered snapshot', async () => {
    const tampered = memoryStore();
    const key = 'in-2026-W02';
    tampered.texts.set(
      key,
      tampered.texts.get(key)!.replace(/\d\.\d/, (d) => `${d}1`),
    );
    const res = await call(tampered.store, 'exportEntity', { scheme: scheme.id, entity: 'lanzhou' });
    expect(res.statusCode).toBe(409);
  });
});

describe('who may call the export routes (the template’s IAM grants)', () => {
  let model: ReturnType<typeof localModel>;
  beforeAll(() => {
    const { outdir } = synthRankwatch();
    model = localModel(readCloudAssembly(outdir), {
      region: 'us-east-1',
      account: '000000000000',
      queueUrl: (n) => `http://sqs/${n}`,
      apiUrl: (id) => `http://${id}`,
    });
  }, 120_000);

  it('lets the auditor invoke them and refuses every department and the leader', () => {
    const principals = localPrincipals(model);
    const api = model.httpApis[0]!;
    for (const [route, path] of [
      ['exportPeriod', '/schemes/gansu-weekly-2026/periods/2026-W03/export'],
      ['exportEntity', '/schemes/gansu-weekly-2026/entities/lanzhou/export'],
    ] as const) {
      expect(API_ROUTES[route].callers).toEqual(['auditor']);
      const target = {
        region: 'us-east-1',
        account: '000000000000',
        apiId: api.id,
        stage: '$default',
        method: 'GET',
        path,
      };
      const may = (kind: string) =>
        principals.all.filter((p) => p.kind === kind).map((p) => mayInvokeRoute(p, target));
      expect(may('auditor')).toEqual([true]);
      expect(may('department').length).toBeGreaterThan(0);
      expect(may('department').every((m) => !m)).toBe(true);
      expect(may('leader')).toEqual([false]);
    }
  });
});
