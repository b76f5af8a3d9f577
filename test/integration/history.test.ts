// The per-entity history projection, built from the table's stream by the `project` function, and the CLI
// commands that talk to the store (`scheme put`, `verify`) — against DynamoDB Local.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { run } from '../../cli/main.ts';
import { loadSchemeText, type Scheme } from '../../domain/scheme.ts';
import { projectHandler } from '../../functions/project.ts';
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
const WEEKS = 3;
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
      await p.deliver([events.filter((e) => e.detail.period === `2026-W0${w}`)]);
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
    const history = await p.store.entityHistory(scheme.id, 'lanzhou', { finalOnly: true });
    expect(history.map((h) => h.period)).toEqual(finals.map((f) => f.period));
    for (const [i, f] of finals.entries()) {
      const e = f.body.inputs.entities.indexOf('lanzhou');
      expect(history[i]).toMatchObject({
        rank: f.body.results.overall.rank[e],
        score: f.body.results.overall.score[e],
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      const j = f.body.inputs.indicators.indexOf('hotline_satisfaction');
      expect((history[i]!.indicators as Record<string, unknown[]>).hotline_satisfaction).toEqual([
        f.body.inputs.values[j]![e],
        f.body.results.indicatorScores[j]![e],
        f.body.results.indicatorRanks[j]![e],
      ]);
    }
  });

  it('answers as of a time: only what was recorded by then', async () => {
    const asOf = finals[1]!.body.recordedAt;
    const known = await p.store.entityHistory(scheme.id, 'lanzhou', { asOf, finalOnly: true });
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
    expect(c.out.join('')).toMatch(/chain verified: \d+ snapshot\(s\) in 3 period\(s\)/);
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
});
