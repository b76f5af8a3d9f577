// `explain` against DynamoDB Local, through ingest, the store and the query handler: a value corrected in a later
// batch is shown with the event that set it and the one it superseded; a report superseded inside its own batch
// is not in the chain; the CLI prints the same; a tampered snapshot is refused (409, exit 3).
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { queryHandler } from '../../functions/query.ts';
import { routeKey } from '../../functions/query-routes.ts';
import type { ExplainAnswer } from '../../functions/shared/explain.ts';
import { keys } from '../../functions/shared/table.ts';
import { AuditedReader } from '../../functions/shared/verification.ts';
import { resultsPublished, scheme, valueReported } from '../functions/fixtures.ts';
import { cliOnTable } from '../support/cli-aws.ts';
import { createPipeline, type Pipeline, uuidOf } from '../support/pipeline.ts';

const endpoint = inject('dynamodbEndpoint');
const PERIOD = '2026-W02';
const hotline = (entity: string, value: number, observedAt: string, tag: string) =>
  valueReported(
    { entity, value, observedAt },
    'dept.hotline12345',
    uuidOf('explain', entity, String(value), tag),
  );

describe('explain on the stored chain', () => {
  let p: Pipeline;
  const first = hotline('lanzhou', 95.5, '2026-01-12T08:30:00+08:00', 'first');
  const correction = hotline('lanzhou', 97.1, '2026-01-13T08:30:00+08:00', 'fix');
  const table = resultsPublished();
  const tianshui = hotline('tianshui', 88, '2026-01-12T08:30:00+08:00', 'first');
  const baiyin = hotline('baiyin', 90, '2026-01-12T08:30:00+08:00', 'first');
  // Two reports for one cell in one batch: only the later reaches a snapshot.
  const sameBatchEarly = hotline('tianshui', 80, '2026-01-14T08:00:00+08:00', 'batch');
  const sameBatchLate = hotline('tianshui', 81, '2026-01-14T09:00:00+08:00', 'batch');

  const explainApi = (entity: string, query: Record<string, string> = {}) =>
    queryHandler(
      {
        routeKey: routeKey('explain'),
        pathParameters: { scheme: scheme.id, period: PERIOD, entity },
        queryStringParameters: query,
      } as unknown as APIGatewayProxyEventV2,
      {
        store: new AuditedReader(p.store),
        schemeVersion: (id, version) => p.store.schemeVersion(id, version),
        log: () => {},
      },
    );
  const cli = cliOnTable(endpoint, () => p.table, scheme.id);

  beforeAll(async () => {
    p = await createPipeline(endpoint, scheme, 'explain');
    await p.deliver([[first, tianshui, baiyin, table], [correction], [sameBatchEarly, sameBatchLate]]);
    expect(p.rejected).toEqual([]);
  });

  it('shows the corrected value with its department, event and time, and the value it superseded', async () => {
    const res = await explainApi('lanzhou');
    expect(res.statusCode).toBe(200);
    const x = JSON.parse(res.body) as ExplainAnswer;
    expect(x).toMatchObject({ period: PERIOD, seq: 3, consistent: true, verified: { snapshots: 3 } });
    const sat = x.indicators.find((i) => i.id === 'hotline_satisfaction')!;
    expect(sat.input).toEqual({
      value: 97.1,
      eventId: correction.id,
      observedAt: '2026-01-13T00:30:00.000Z',
      source: 'dept.hotline12345',
      department: 'hotline12345',
      firstSeq: 2,
      lastSeq: 3,
    });
    expect(sat.superseded).toEqual([
      {
        value: 95.5,
        eventId: first.id,
        observedAt: '2026-01-12T00:30:00.000Z',
        source: 'dept.hotline12345',
        department: 'hotline12345',
        firstSeq: 1,
        lastSeq: 1,
      },
    ]);
    const online = x.indicators.find((i) => i.id === 'gov_online_rate')!;
    expect(online.input).toMatchObject({ eventId: table.id, source: 'dept.govservice', firstSeq: 1 });
    expect(online.superseded).toEqual([]);
    // The stored composite, and the rank it makes: Lanzhou leads both indicators.
    expect(x.ranking).toMatchObject({ rank: 1, better: 0, ranked: 3 });
  });

  it('lists a value superseded in an earlier snapshot, but not a report superseded within its own batch', async () => {
    const x = JSON.parse((await explainApi('tianshui')).body) as ExplainAnswer;
    const sat = x.indicators.find((i) => i.id === 'hotline_satisfaction')!;
    expect(sat.input).toMatchObject({ value: 81, eventId: sameBatchLate.id, firstSeq: 3 });
    expect(sat.superseded.map((s) => [s.value, s.eventId])).toEqual([[88, tianshui.id]]);
  });

  it('explains the snapshot known at asOf, and one indicator on its own', async () => {
    const manifests = await p.store.manifests(scheme.id, PERIOD);
    const firstAt = manifests.find((m) => m.seq === 1)!.recordedAt;
    const x = JSON.parse(
      (await explainApi('lanzhou', { asOf: firstAt, indicator: 'hotline_satisfaction' })).body,
    ) as ExplainAnswer;
    expect(x.seq).toBe(1);
    expect(x.indicators.map((i) => [i.id, i.value, i.superseded.length])).toEqual([
      ['hotline_satisfaction', 95.5, 0],
    ]);
    const bad = await explainApi('lanzhou', { indicator: 'no_such' });
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ field: 'indicator' });
    expect((await explainApi('atlantis')).statusCode).toBe(404);
  });

  it('rankwatch explain prints the lineage and the arithmetic', async () => {
    const { code, out, err } = await cli(
      'explain',
      '--period',
      PERIOD,
      '--entity',
      'lanzhou',
      '--lang',
      'en',
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(`hotline_satisfaction Hotline satisfaction = 97.1 % ← event ${correction.id}`);
    expect(out).toContain(`superseded: 95.5 ← event ${first.id} · observedAt 2026-01-12T00:30:00.000Z`);
    expect(out).toContain('hash chain verified: 3 snapshot(s)');
    expect(out).toContain('rank = 1 + entities with a strictly higher key = 1 + 0 = 1');
    const json = await cli('explain', '--period', PERIOD, '--entity', 'baiyin', '--format', 'json');
    expect(JSON.parse(json.out)).toMatchObject({ entity: { id: 'baiyin' }, consistent: true });
  });

  it('refuses a period whose chain does not verify: 409 naming the snapshot, exit 3', async () => {
    const m1 = (await p.store.manifests(scheme.id, PERIOD)).find((m) => m.seq === 1)!;
    const key = keys.chunk(m1.restChunks[0]!);
    const item = (await p.store.db.get({ TableName: p.table, Key: key })).Item!;
    const data = Uint8Array.from(item.data as Uint8Array);
    data[data.length - 1] = data[data.length - 1]! ^ 1;
    await p.store.db.put({ TableName: p.table, Item: { ...item, data } });
    const res = await explainApi('lanzhou');
    expect(res.statusCode).toBe(409);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'integrity', where: `${scheme.id}|${PERIOD}|#1` });
    const { code, err } = await cli('explain', '--period', PERIOD, '--entity', 'lanzhou');
    expect(code).toBe(3);
    expect(err).toContain('explain failed (409)');
  });
});
