import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { canonicalJson, chainHash } from '../../domain/chain.ts';
import type { SnapshotBody } from '../../domain/snapshot.ts';
import {
  csv,
  csvField,
  MAX_BODY_BYTES,
  type QueryDeps,
  queryHandler,
  rankingRows,
  type SnapshotReader,
} from '../../functions/query.ts';
import { type QueryRoute, routeKey } from '../../functions/query-routes.ts';
import { documentClient, sdkDynamo } from '../../functions/shared/aws/sdk.ts';
import { toChunks } from '../../functions/shared/chunks.ts';
import { DynamoAssessmentStore, type ManifestItem } from '../../functions/shared/dynamo-store.ts';
import { keys } from '../../functions/shared/table.ts';
import { AuditedReader, IntegrityError } from '../../functions/shared/verification.ts';

const SCHEME = 'gansu';
const PERIOD = '2026-W05';

/** Four entities, two indicators: lanzhou and tianshui tie for first, gannan has no value at all. */
function body(seq: number, recordedAt: string): SnapshotBody {
  return {
    scheme: { id: SCHEME, version: '1' },
    period: PERIOD,
    seq,
    recordedAt,
    applied: [`event-${seq}`],
    inputs: {
      entities: ['tianshui', 'lanzhou', 'jiuquan', 'gannan'],
      indicators: ['hotline', 'online'],
      events: [],
      values: [
        [97, 98.5, 90.25, null],
        [20, 10, 30, null],
      ],
      cellEvents: [
        [null, null, null, null],
        [null, null, null, null],
      ],
    },
    results: {
      overall: { score: [80, 80, 60 + seq, null], rank: [1, 1, 3, 0], tied: [1, 1, 0, 0] },
      unranked: [{ entity: 'gannan', reason: 'no value for any indicator' }],
      indicatorScores: [
        [50, 100, 0, null],
        [80, 20, 100, null],
      ],
      indicatorRanks: [
        [2, 1, 3, 0],
        [2, 3, 1, 0],
      ],
      indicatorTied: [
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
      carried: [
        [1, 0, 0, 0],
        [0, 0, 0, 0],
      ],
      gap: {},
      diagnosis: {},
      slips: [],
      standings: { period: PERIOD, entities: {} },
    },
  } as unknown as SnapshotBody;
}

const manifest = (seq: number, recordedAt: string, previousHash: string | null): ManifestItem => ({
  ...keys.manifest(SCHEME, PERIOD, seq),
  scheme: SCHEME,
  period: PERIOD,
  seq,
  hash: `hash-${seq}`,
  previousHash,
  schemeVersion: '1',
  recordedAt,
  inputChunks: [`in-${seq}`],
  restChunks: [`rest-${seq}`],
});

const MANIFESTS = [
  manifest(1, '2026-02-02T01:00:00.000Z', null),
  manifest(2, '2026-02-03T01:00:00.000Z', 'hash-1'),
  manifest(3, '2026-02-04T01:00:00.000Z', 'hash-2'),
];

function fakeReader(): SnapshotReader & { [K in keyof SnapshotReader]: ReturnType<typeof vi.fn> } {
  return {
    periods: vi.fn(async () => ['2026-W04', PERIOD]),
    snapshots: vi.fn(async (_s: string, _p: string, asOf?: string) =>
      MANIFESTS.filter((m) => asOf === undefined || m.recordedAt <= asOf),
    ),
    snapshot: vi.fn(async (_s: string, _p: string, at: { seq?: number; asOf?: string } = {}) => {
      const known = MANIFESTS.filter((m) => at.asOf === undefined || m.recordedAt <= at.asOf);
      const manifest = at.seq === undefined ? known.at(-1) : known.find((m) => m.seq === at.seq);
      return manifest && { manifest, body: body(manifest.seq, manifest.recordedAt) };
    }),
    history: vi.fn(async () => [
      {
        period: '2026-W04',
        seq: 1,
        recordedAt: '2026-01-26T01:00:00.000Z',
        hash: 'h4',
        rank: 2,
        tied: false,
        score: 71.5,
        indicators: { hotline: [97, 50, 2], online: [null, null, 0] },
      },
      {
        period: PERIOD,
        seq: 3,
        recordedAt: '2026-02-04T01:00:00.000Z',
        hash: 'hash-3',
        rank: 1,
        tied: true,
        score: 80,
        indicators: { hotline: [98.5, 100, 1], online: [10, 20, 3] },
      },
    ]),
    verify: vi.fn(async () => ({
      ok: true as const,
      checked: 3,
      head: 'hash-3',
      periods: 1,
      projections: { checked: 12, missing: 0 },
    })),
  } as never;
}

function request(
  route: QueryRoute,
  pathParameters: Record<string, string>,
  queryStringParameters?: Record<string, string>,
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: routeKey(route),
    rawPath: '/',
    rawQueryString: '',
    headers: {},
    pathParameters,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    isBase64Encoded: false,
    requestContext: {} as APIGatewayProxyEventV2['requestContext'],
  };
}

function depsWith(store: SnapshotReader) {
  return { store, log: vi.fn<QueryDeps['log']>() };
}

async function call(
  route: QueryRoute,
  path: Record<string, string>,
  query?: Record<string, string>,
  store: SnapshotReader = fakeReader(),
) {
  const res = await queryHandler(request(route, path, query), depsWith(store));
  const json = res.headers?.['content-type']?.toString().startsWith('application/json')
    ? (JSON.parse(res.body) as Record<string, unknown>)
    : undefined;
  return { ...res, json };
}

describe('the query API', () => {
  it('lists the periods of a scheme that have snapshots', async () => {
    const store = fakeReader();
    const res = await call('periods', { scheme: SCHEME }, undefined, store);
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual({ scheme: SCHEME, periods: ['2026-W04', PERIOD] });
    expect(store.periods).toHaveBeenCalledWith(SCHEME);
  });

  it('lists the snapshots of a period in order, only those recorded by asOf (any zone)', async () => {
    const all = await call('snapshots', { scheme: SCHEME, period: PERIOD });
    expect((all.json!.snapshots as { seq: number }[]).map((s) => s.seq)).toEqual([1, 2, 3]);
    // 09:00 in Beijing is 01:00 UTC: the second snapshot was recorded exactly then.
    const asOf = await call(
      'snapshots',
      { scheme: SCHEME, period: PERIOD },
      { asOf: '2026-02-03T09:00:00+08:00' },
    );
    expect(asOf.json).toMatchObject({ asOf: '2026-02-03T01:00:00.000Z' });
    expect(asOf.json!.snapshots).toEqual([
      {
        seq: 1,
        recordedAt: '2026-02-02T01:00:00.000Z',
        hash: 'hash-1',
        previousHash: null,
        schemeVersion: '1',
      },
      {
        seq: 2,
        recordedAt: '2026-02-03T01:00:00.000Z',
        hash: 'hash-2',
        previousHash: 'hash-1',
        schemeVersion: '1',
      },
    ]);
  });

  it('returns the head snapshot with ties sharing rank 1 and the unranked entity last with its reason', async () => {
    const res = await call('snapshot', { scheme: SCHEME, period: PERIOD });
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({
      seq: 3,
      hash: 'hash-3',
      previousHash: 'hash-2',
      entities: 4,
      offset: 0,
    });
    expect(res.json!.ranking).toEqual([
      { entity: 'lanzhou', rank: 1, tied: true, score: 80 },
      { entity: 'tianshui', rank: 1, tied: true, score: 80 },
      { entity: 'jiuquan', rank: 3, tied: false, score: 63 },
      { entity: 'gannan', rank: null, tied: false, score: null, unranked: 'no value for any indicator' },
    ]);
  });

  it('returns the snapshot as known at asOf, asking the store with the time in stored form', async () => {
    const store = fakeReader();
    const res = await call(
      'snapshot',
      { scheme: SCHEME, period: PERIOD },
      { asOf: '2026-02-03T12:00:00+08:00' },
      store,
    );
    expect(store.snapshot).toHaveBeenCalledWith(SCHEME, PERIOD, { asOf: '2026-02-03T04:00:00.000Z' });
    expect(res.json).toMatchObject({ seq: 2, asOf: '2026-02-03T04:00:00.000Z' });
  });

  it('returns a snapshot by its number', async () => {
    const res = await call('snapshot', { scheme: SCHEME, period: PERIOD }, { seq: '1' });
    expect(res.json).toMatchObject({ seq: 1, hash: 'hash-1' });
    expect((res.json!.ranking as { score: number }[])[2]!.score).toBe(61);
  });

  it('answers 404 when no snapshot was known at the time or has that number', async () => {
    const early = await call(
      'snapshot',
      { scheme: SCHEME, period: PERIOD },
      { asOf: '2026-01-01T00:00:00Z' },
    );
    expect(early.statusCode).toBe(404);
    expect(early.json).toMatchObject({ error: 'not_found' });
    expect((early.json!.message as { zh: string }).zh).toContain('尚无快照');
    const missing = await call('snapshot', { scheme: SCHEME, period: PERIOD }, { seq: '9' });
    expect(missing.statusCode).toBe(404);
    expect((missing.json!.message as { en: string }).en).toBe(`${SCHEME} ${PERIOD} has no snapshot 9`);
  });

  it('adds each indicator’s value, score, rank, tie and carry flag on request', async () => {
    const res = await call('snapshot', { scheme: SCHEME, period: PERIOD }, { include: 'indicators' });
    const tianshui = (res.json!.ranking as { entity: string; indicators: unknown }[])[1]!;
    expect(tianshui).toMatchObject({
      entity: 'tianshui',
      indicators: {
        hotline: { value: 97, score: 50, rank: 2, tied: false, carried: true },
        online: { value: 20, score: 80, rank: 2, tied: false, carried: false },
      },
    });
    const gannan = (res.json!.ranking as { indicators: Record<string, unknown> }[])[3]!;
    expect(gannan.indicators.hotline).toEqual({
      value: null,
      score: null,
      rank: null,
      tied: false,
      carried: false,
    });
  });

  it('pages the ranking with limit and offset and still reports the whole count', async () => {
    const res = await call('snapshot', { scheme: SCHEME, period: PERIOD }, { limit: '2', offset: '1' });
    expect(res.json).toMatchObject({ entities: 4, offset: 1 });
    expect((res.json!.ranking as { entity: string }[]).map((r) => r.entity)).toEqual(['tianshui', 'jiuquan']);
  });

  it('exports a snapshot as CSV with a byte-order mark, one row per entity, best first', async () => {
    const res = await call(
      'snapshot',
      { scheme: SCHEME, period: PERIOD },
      { format: 'csv', include: 'indicators' },
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${SCHEME}_${PERIOD}_3.csv"`,
    });
    expect(res.body.startsWith('\ufeff')).toBe(true);
    expect(res.body.slice(1).split('\r\n')).toEqual([
      'entity,rank,tied,score,unranked,hotline.value,hotline.score,hotline.rank,hotline.carried,online.value,online.score,online.rank,online.carried',
      'lanzhou,1,true,80,,98.5,100,1,false,10,20,3,false',
      'tianshui,1,true,80,,97,50,2,true,20,80,2,false',
      'jiuquan,3,false,63,,90.25,0,3,false,30,100,1,false',
      'gannan,,false,,no value for any indicator,,,,false,,,,false',
      '',
    ]);
  });

  it('exports the snapshot list as CSV', async () => {
    const res = await call('snapshots', { scheme: SCHEME, period: PERIOD }, { format: 'csv' });
    expect(res.body.slice(1).split('\r\n').slice(0, 2)).toEqual([
      'seq,recordedAt,hash,previousHash,schemeVersion',
      '1,2026-02-02T01:00:00.000Z,hash-1,,1',
    ]);
  });

  it('returns an entity’s history from the projection, with final-only and the period range passed on', async () => {
    const store = fakeReader();
    const res = await call(
      'history',
      { scheme: SCHEME, entity: 'lanzhou' },
      { final: 'true', from: '2026-W01', to: PERIOD, asOf: '2026-02-05T00:00:00Z' },
      store,
    );
    expect(store.history).toHaveBeenCalledWith(SCHEME, 'lanzhou', {
      asOf: '2026-02-05T00:00:00.000Z',
      from: '2026-W01',
      to: PERIOD,
      finalOnly: true,
    });
    expect(res.json!.history).toEqual([
      {
        period: '2026-W04',
        seq: 1,
        recordedAt: '2026-01-26T01:00:00.000Z',
        hash: 'h4',
        rank: 2,
        tied: false,
        score: 71.5,
        indicators: {
          hotline: { value: 97, score: 50, rank: 2 },
          online: { value: null, score: null, rank: null },
        },
      },
      {
        period: PERIOD,
        seq: 3,
        recordedAt: '2026-02-04T01:00:00.000Z',
        hash: 'hash-3',
        rank: 1,
        tied: true,
        score: 80,
        indicators: {
          hotline: { value: 98.5, score: 100, rank: 1 },
          online: { value: 10, score: 20, rank: 3 },
        },
      },
    ]);
  });

  it('exports an entity’s history as CSV', async () => {
    const res = await call('history', { scheme: SCHEME, entity: 'lanzhou' }, { format: 'csv' });
    expect(res.body.slice(1).split('\r\n').slice(0, 3)).toEqual([
      'period,seq,recordedAt,hash,rank,tied,score,hotline.value,hotline.score,hotline.rank,online.value,online.score,online.rank',
      '2026-W04,1,2026-01-26T01:00:00.000Z,h4,2,false,71.5,97,50,2,,,',
      `${PERIOD},3,2026-02-04T01:00:00.000Z,hash-3,1,true,80,98.5,100,1,10,20,3`,
    ]);
  });

  it('verifies the chain of a scheme or of one period', async () => {
    const store = fakeReader();
    const all = await call('verify', { scheme: SCHEME }, undefined, store);
    expect(all.json).toEqual({
      scheme: SCHEME,
      ok: true,
      checked: 3,
      head: 'hash-3',
      periods: 1,
      projections: { checked: 12, missing: 0 },
    });
    expect(store.verify).toHaveBeenLastCalledWith(SCHEME, undefined);
    await call('verify', { scheme: SCHEME }, { period: PERIOD }, store);
    expect(store.verify).toHaveBeenLastCalledWith(SCHEME, PERIOD);
  });

  it('answers 409 naming the item, and no rows, when the store disagrees with its hash chain', async () => {
    const store = fakeReader();
    store.history.mockRejectedValueOnce(
      new IntegrityError(`${SCHEME}|2026-W10|#3|lanzhou (history)`, 'rank 9 ≠ 1'),
    );
    const res = await call('history', { scheme: SCHEME, entity: 'lanzhou' }, undefined, store);
    expect(res.statusCode).toBe(409);
    expect(res.json).toMatchObject({
      error: 'integrity',
      where: `${SCHEME}|2026-W10|#3|lanzhou (history)`,
      reason: 'rank 9 ≠ 1',
    });
    expect(res.json).not.toHaveProperty('history');
    expect((res.json!.message as { zh: string }).zh).toContain('哈希链');
  });
});

describe('bad requests', () => {
  const cases: [string, QueryRoute, Record<string, string>, Record<string, string> | undefined, string][] = [
    ['a period that is no period id', 'snapshot', { scheme: SCHEME, period: '2026-13' }, undefined, 'period'],
    [
      'week 53 of a year without one',
      'snapshots',
      { scheme: SCHEME, period: '2025-W53' },
      undefined,
      'period',
    ],
    ['a scheme id with a space', 'periods', { scheme: 'gan su' }, undefined, 'scheme'],
    ['a scheme id of 129 characters', 'periods', { scheme: 'g'.repeat(129) }, undefined, 'scheme'],
    ['an entity id with a dot', 'history', { scheme: SCHEME, entity: 'lan.zhou' }, undefined, 'entity'],
    [
      'a time without a zone',
      'snapshot',
      { scheme: SCHEME, period: PERIOD },
      { asOf: '2026-02-03T09:00:00' },
      'asOf',
    ],
    ['a snapshot number of 0', 'snapshot', { scheme: SCHEME, period: PERIOD }, { seq: '0' }, 'seq'],
    [
      'a snapshot number that is not a number',
      'snapshot',
      { scheme: SCHEME, period: PERIOD },
      { seq: 'x' },
      'seq',
    ],
    ['an unknown format', 'snapshot', { scheme: SCHEME, period: PERIOD }, { format: 'xml' }, 'format'],
    ['a limit above the maximum', 'snapshot', { scheme: SCHEME, period: PERIOD }, { limit: '5001' }, 'limit'],
    ['a negative offset', 'snapshot', { scheme: SCHEME, period: PERIOD }, { offset: '-1' }, 'offset'],
    [
      'final that is not a boolean',
      'history',
      { scheme: SCHEME, entity: 'lanzhou' },
      { final: 'yes' },
      'final',
    ],
    ['a bad from period', 'history', { scheme: SCHEME, entity: 'lanzhou' }, { from: 'W05' }, 'from'],
    [
      'an unknown parameter',
      'snapshot',
      { scheme: SCHEME, period: PERIOD },
      { asof: '2026-02-03T09:00:00Z' },
      'asof',
    ],
    ['format on verify', 'verify', { scheme: SCHEME }, { format: 'csv' }, 'format'],
    [
      'both asOf and seq',
      'snapshot',
      { scheme: SCHEME, period: PERIOD },
      { asOf: '2026-02-03T09:00:00Z', seq: '1' },
      'seq',
    ],
  ];

  it.each(cases)('answers 400 naming the field for %s', async (_what, route, path, query, field) => {
    const store = fakeReader();
    const res = await call(route, path, query, store);
    expect(res.statusCode).toBe(400);
    expect(res.json).toMatchObject({ error: 'bad_request', field });
    const message = res.json!.message as { zh: string; en: string };
    expect(message.zh).toMatch(/[\u4e00-\u9fff]/);
    expect(message.en).toMatch(/[a-z]/);
    expect(message.zh).not.toBe(message.en);
    for (const read of Object.values(store)) expect(read).not.toHaveBeenCalled();
  });
});

describe('failures', () => {
  it('answers 404 for a route it does not serve', async () => {
    const res = await queryHandler(
      { ...request('periods', { scheme: SCHEME }), routeKey: 'DELETE /schemes/{scheme}' },
      depsWith(fakeReader()),
    );
    expect(res.statusCode).toBe(404);
  });

  it('answers 500 without the cause when the store fails, and logs the cause', async () => {
    const store = fakeReader();
    store.periods.mockRejectedValueOnce(new Error('AccessDeniedException: secret detail'));
    const deps = depsWith(store);
    const res = await queryHandler(request('periods', { scheme: SCHEME }), deps);
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret detail');
    expect(deps.log).toHaveBeenCalledWith('error', 'query failed', {
      routeKey: routeKey('periods'),
      error: 'Error: AccessDeniedException: secret detail',
    });
  });

  it('answers 413 naming limit when the answer would exceed the Lambda response limit', async () => {
    const store = fakeReader();
    const item = {
      period: PERIOD,
      seq: 1,
      recordedAt: 'x',
      hash: 'h'.repeat(64),
      rank: 1,
      tied: false,
      score: 1,
    };
    const many = Array.from({ length: Math.ceil(MAX_BODY_BYTES / 100) }, () => ({ ...item, indicators: {} }));
    store.history.mockResolvedValueOnce(many);
    const res = await call('history', { scheme: SCHEME, entity: 'lanzhou' }, undefined, store);
    expect(res.statusCode).toBe(413);
    expect(res.json).toMatchObject({ error: 'too_large', field: 'limit' });
  });
});

describe('CSV fields', () => {
  it('are quoted only when they hold a comma, a quote or a line break, with quotes doubled', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('兰州, 甘肃')).toBe('"兰州, 甘肃"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(0)).toBe('0');
    expect(csv(['a', 'b'], [[1, 'x,y']])).toBe('\ufeffa,b\r\n1,"x,y"\r\n');
  });

  it('rank rows break ties by entity id so an export is stable', () => {
    expect(rankingRows(body(1, 'x'), false).map((r) => r.entity)).toEqual([
      'lanzhou',
      'tianshui',
      'jiuquan',
      'gannan',
    ]);
  });
});

describe('the query API over the DynamoDB store', () => {
  const doc = mockClient(DynamoDBDocumentClient);
  afterEach(() => doc.reset());

  /** Manifests and their chunk items as the store writes them (canonical JSON, gzip, content-addressed). */
  function stored() {
    const chunks = new Map<string, Uint8Array>();
    let previousHash: string | null = null;
    const manifests = MANIFESTS.map((m) => {
      const { inputs, ...rest } = body(m.seq, m.recordedAt);
      const inputChunks = toChunks(canonicalJson(inputs));
      const restChunks = toChunks(canonicalJson(rest));
      for (const c of [...inputChunks, ...restChunks]) chunks.set(c.hash, c.data);
      const hash = chainHash(canonicalJson({ ...rest, inputs }), previousHash);
      const item = {
        ...m,
        hash,
        previousHash,
        inputChunks: inputChunks.map((c) => c.hash),
        restChunks: restChunks.map((c) => c.hash),
      };
      previousHash = hash;
      return item;
    });
    doc.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => {
      const pk = input.ExpressionAttributeValues[':pk'];
      return { Items: pk === keys.manifestPartition(SCHEME, PERIOD) ? manifests : [] };
    });
    const last = manifests.at(-1)!;
    doc.on(GetCommand).callsFake((input: { Key: { SK: string } }) => ({
      Item:
        input.Key.SK === keys.head(SCHEME, PERIOD).SK
          ? {
              ...keys.head(SCHEME, PERIOD),
              ...last,
              PK: keys.head(SCHEME, PERIOD).PK,
              SK: keys.head(SCHEME, PERIOD).SK,
              standings: JSON.stringify(body(last.seq, last.recordedAt).results.standings),
            }
          : undefined,
    }));
    doc
      .on(BatchGetCommand)
      .callsFake((input: { RequestItems: Record<string, { Keys: { PK: string }[] }> }) => {
        const wanted = Object.values(input.RequestItems)[0]!.Keys;
        return {
          Responses: {
            table: wanted.map((k) => ({
              PK: k.PK,
              SK: 'CHUNK',
              data: chunks.get(k.PK.slice('CHUNK#'.length)),
            })),
          },
        };
      });
    return { manifests, chunks };
  }

  it('reads the snapshot known at a time through the store’s manifests and chunks', async () => {
    stored();
    const store = new AuditedReader(
      new DynamoAssessmentStore(
        sdkDynamo(documentClient(new DynamoDBClient({ region: 'cn-northwest-1' }))),
        'table',
      ),
    );
    const res = await call(
      'snapshot',
      { scheme: SCHEME, period: PERIOD },
      { asOf: '2026-02-03T10:00:00+08:00' },
      store,
    );
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ seq: 2, entities: 4 });
    expect((res.json!.ranking as { entity: string; score: number }[])[2]).toMatchObject({
      entity: 'jiuquan',
      score: 62,
    });
  });

  it('verifies the stored chain and names the snapshot whose chunk was altered', async () => {
    const { manifests, chunks } = stored();
    const store = new AuditedReader(
      new DynamoAssessmentStore(
        sdkDynamo(documentClient(new DynamoDBClient({ region: 'cn-northwest-1' }))),
        'table',
      ),
    );
    const ok = await call('verify', { scheme: SCHEME }, { period: PERIOD }, store);
    expect(ok.json).toMatchObject({ ok: true, checked: 3, periods: 1 });

    const tampered = manifests[1]!.restChunks[0]!;
    const bytes = chunks.get(tampered)!;
    chunks.set(
      tampered,
      bytes.map((b, i) => (i === bytes.length - 1 ? b ^ 1 : b)),
    );
    const bad = await call('verify', { scheme: SCHEME }, { period: PERIOD }, store);
    expect(bad.statusCode).toBe(200);
    expect(bad.json).toMatchObject({ ok: false, firstBad: `${SCHEME}|${PERIOD}|#2` });
  });

  it('refuses a snapshot whose manifest says another recording time than its body (as-of would mislead)', async () => {
    const { manifests } = stored();
    manifests[1]!.recordedAt = '2026-02-03T23:00:00.000Z';
    const store = new AuditedReader(
      new DynamoAssessmentStore(
        sdkDynamo(documentClient(new DynamoDBClient({ region: 'cn-northwest-1' }))),
        'table',
      ),
    );
    const res = await call('snapshot', { scheme: SCHEME, period: PERIOD }, { seq: '2' }, store);
    expect(res.statusCode).toBe(409);
    expect(res.json).toMatchObject({ where: `${SCHEME}|${PERIOD}|#2` });
    expect(String(res.json!.reason)).toContain('recordedAt');
    const ok = await call('snapshot', { scheme: SCHEME, period: PERIOD }, { seq: '1' }, store);
    expect(ok.statusCode).toBe(200);
  });
});
