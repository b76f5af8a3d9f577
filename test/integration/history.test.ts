// The per-entity history projection, built from the table's stream by the `project` function, and the CLI
// commands that talk to the store (`scheme put`, `verify`) — against DynamoDB Local.
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { run } from '../../cli/main.ts';
import { loadSchemeText, type Scheme } from '../../domain/scheme.ts';
import { projectHandler } from '../../functions/project.ts';
import { queryHandler } from '../../functions/query.ts';
import { routeKey } from '../../functions/query-routes.ts';
import { keys } from '../../functions/shared/table.ts';
import { AuditedReader } from '../../functions/shared/verification.ts';
import { LOCAL_REGION } from '../../local/dynamodb-local.ts';
import { DynamoDbStreamReader } from '../../local/dynamodb-stream.ts';
import { generateObservations, SCHEME_PATH } from '../../scenarios/gansu/generate.ts';
import {
  createPipeline,
  departmentEvents,
  finalSnapshots,
  type PeriodFinal,
  type Pipeline,
} from '../support/pipeline.ts';

const endpoint = inject('dynamodbEndpoint');
const scheme: Scheme = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const WEEKS = 10;
const rows = generateObservations().filter((r) => Number(r.period.slice(-2)) <= WEEKS);

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

describe('the per-entity history projection', () => {
  let p: Pipeline;
  let finals: PeriodFinal[];
  let written = 0;

  beforeAll(async () => {
    p = await createPipeline(endpoint, scheme, 'history');
    const events = departmentEvents(scheme, rows, new Set());
    for (let w = 1; w <= WEEKS; w++)
      await p.deliver([events.filter((e) => e.detail.period === `2026-W${String(w).padStart(2, '0')}`)]);
    finals = await finalSnapshots(p, scheme.id);
    const reader = await DynamoDbStreamReader.forTable({ endpoint, region: LOCAL_REGION, table: p.table });
    for (;;) {
      const records = await reader.read(100);
      if (records.length === 0) break;
      const out = await projectHandler(DynamoDbStreamReader.event(records), {
        store: p.store,
        log: () => {},
        metric: (_name, n) => {
          written += n;
        },
      });
      expect(out.batchItemFailures).toEqual([]);
      reader.acknowledge(records);
    }
  });

  it('writes one item per entity for every snapshot', () => {
    const snapshots = finals.reduce((n, f) => n + f.snapshots, 0);
    expect(written).toBe(snapshots * scheme.entities.length);
  });

  it("gives Lanzhou's final rank, score and indicator values per week, as the stored snapshots hold them", async () => {
    const history = await new AuditedReader(p.store).history(scheme.id, 'lanzhou', { finalOnly: true });
    expect(history.map((h) => h.period)).toEqual(finals.map((f) => f.period));
    for (const [i, f] of finals.entries()) {
      const e = f.body.inputs.entities.indexOf('lanzhou');
      expect(history[i]).toMatchObject({
        rank: f.body.results.overall.rank[e],
        score: f.body.results.overall.score[e],
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      const j = f.body.inputs.indicators.indexOf('hotline_satisfaction');
      expect(history[i]!.indicators.hotline_satisfaction).toEqual([
        f.body.inputs.values[j]![e],
        f.body.results.indicatorScores[j]![e],
        f.body.results.indicatorRanks[j]![e],
      ]);
    }
  });

  it('answers as of a time: only what was recorded by then', async () => {
    const asOf = finals[1]!.body.recordedAt;
    const known = await new AuditedReader(p.store).history(scheme.id, 'lanzhou', { asOf, finalOnly: true });
    expect(known.map((h) => h.period)).toEqual(['2026-W01', '2026-W02']);
  });

  it('rankwatch scheme put re-activates a stored version and refuses other content under the same version', async () => {
    const opts = ['--endpoint', endpoint, '--table', p.table, '--region', LOCAL_REGION];
    const ok = capture();
    expect(await run(['scheme', 'put', SCHEME_PATH, ...opts], ok.io)).toBe(0);
    expect(ok.out.join('')).toContain(`${scheme.id} ${scheme.version}`);
    const changed = capture();
    const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp('/tmp/rankwatch-scheme-'));
    const file = `${dir}/scheme.json`;
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(file, JSON.stringify({ ...scheme, name: { zh: '改过的名称', en: 'Renamed' } })),
    );
    expect(await run(['scheme', 'put', file, ...opts], changed.io)).toBe(1);
    expect(changed.err.join('')).toContain('already stored with other content');
  });

  it('rankwatch verify reports a verified chain with its snapshot count', async () => {
    const c = capture();
    const code = await run(
      ['verify', '--scheme', scheme.id, '--endpoint', endpoint, '--table', p.table],
      c.io,
    );
    expect(code).toBe(0);
    const snapshots = finals.reduce((n, f) => n + f.snapshots, 0);
    expect(c.out.join('')).toContain(
      `chain verified: ${snapshots} snapshot(s) in 10 period(s); 历史记录 ${snapshots * 14} 条与快照一致 / ${snapshots * 14} history item(s)`,
    );
  });

  it('rankwatch verify says clearly when no engine is running', async () => {
    const c = capture();
    const code = await run(
      ['verify', '--scheme', scheme.id, '--endpoint', 'http://127.0.0.1:9', '--table', 't'],
      c.io,
    );
    expect(code).not.toBe(0);
    expect(c.err.join('')).toContain('the local engine is not running');
  });

  describe('when one projection item is altered in the table (兰州 W10 rank 1 → 9, score 76.20 → 10.50)', () => {
    const W10 = '2026-W10';
    const history = (query: Record<string, string> = {}) =>
      queryHandler(
        {
          routeKey: routeKey('history'),
          pathParameters: { scheme: scheme.id, entity: 'lanzhou' },
          queryStringParameters: query,
        } as unknown as APIGatewayProxyEventV2,
        { store: new AuditedReader(p.store), log: () => {} },
      );
    let key: { PK: string; SK: string };
    let genuine: Record<string, unknown>;

    beforeAll(async () => {
      const w10 = finals.find((f) => f.period === W10)!;
      key = keys.history(scheme.id, 'lanzhou', W10, w10.body.seq);
      genuine = (await p.store.db.get({ TableName: p.table, Key: key })).Item!;
      await p.store.db.put({ TableName: p.table, Item: { ...genuine, rank: 9, score: 10.5 } });
    });

    it('was genuinely first with 76.20 that week', () => {
      expect(genuine.rank).toBe(1);
      expect(genuine.score).toBeCloseTo(76.2, 2);
    });

    it('the query API refuses the history with 409 naming the item, and shows no false row', async () => {
      for (const query of [{}, { final: 'true' }, { format: 'csv' }] as Record<string, string>[]) {
        const res = await history(query);
        expect(res.statusCode).toBe(409);
        const body = JSON.parse(res.body) as { where: string; reason: string };
        expect(body.where).toMatch(new RegExp(`^${scheme.id}\\|${W10}\\|#\\d+\\|lanzhou \\(history\\)$`));
        expect(body.reason).toBe('rank 9 ≠ 1');
        expect(res.body).not.toContain('10.5');
      }
    });

    it('rankwatch history says the store disagrees with the chain instead of printing the row', async () => {
      vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', endpoint);
      vi.stubEnv('AWS_REGION', LOCAL_REGION);
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
      try {
        const c = capture();
        const code = await run(
          ['history', '--entity', 'lanzhou', '--scheme', scheme.id, '--aws', '--table', p.table],
          c.io,
        ).catch((e: Error) => {
          c.err.push(e.message);
          return 1;
        });
        expect(code).not.toBe(0);
        expect(c.err.join('')).toContain('409');
        expect(c.err.join('')).toContain('lanzhou (history)');
        expect(c.out.join('')).not.toContain('10.5');
      } finally {
        vi.unstubAllEnvs();
      }
    });

    it('rankwatch verify reports the altered item, and passes again once it is restored', async () => {
      const opts = ['--scheme', scheme.id, '--endpoint', endpoint, '--table', p.table];
      const bad = capture();
      expect(await run(['verify', ...opts], bad.io)).toBe(3);
      expect(bad.out.join('')).toContain(
        `verification failed at ${scheme.id}|2026-W10|#1|lanzhou (history): rank 9 ≠ 1`,
      );

      await p.store.db.put({ TableName: p.table, Item: genuine });
      const verdict = await p.store.verify(scheme.id);
      const snapshots = finals.reduce((n, f) => n + f.snapshots, 0);
      expect(verdict).toMatchObject({
        ok: true,
        checked: snapshots,
        projections: { checked: snapshots * scheme.entities.length, missing: 0 },
      });
      expect((await history({ final: 'true' })).statusCode).toBe(200);
    });
  });

  it('refuses an as-of answer when a manifest claims another recording time than its snapshot', async () => {
    const f = finals[4]!;
    const key = keys.manifest(scheme.id, f.period, f.body.seq);
    const genuine = (await p.store.db.get({ TableName: p.table, Key: key })).Item!;
    // Moved an hour later, which would hide the snapshot from an as-of query at its true time.
    const later = new Date(Date.parse(genuine.recordedAt as string) + 3_600_000).toISOString();
    await p.store.db.put({ TableName: p.table, Item: { ...genuine, recordedAt: later } });
    try {
      const res = await queryHandler(
        {
          routeKey: routeKey('history'),
          pathParameters: { scheme: scheme.id, entity: 'lanzhou' },
          queryStringParameters: { final: 'true', asOf: later },
        } as unknown as APIGatewayProxyEventV2,
        { store: new AuditedReader(p.store), log: () => {} },
      );
      expect(res.statusCode).toBe(409);
      expect(JSON.parse(res.body).reason).toContain('recordedAt');
      await expect(p.store.verify(scheme.id)).resolves.toMatchObject({
        ok: false,
        firstBad: `${scheme.id}|${f.period}|#${f.body.seq}`,
      });
    } finally {
      await p.store.db.put({ TableName: p.table, Item: genuine });
    }
    expect(await p.store.verify(scheme.id)).toMatchObject({ ok: true });
  });
});
