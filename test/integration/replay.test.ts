// Methodology replay against DynamoDB Local: the Gansu weeks played through ingest, a version with changed
// weights stored, every period replayed through `rankwatch replay`: the old chains still verify, each new
// snapshot links to its old head, and the diff's ranks are what `evaluate` gives offline under each version.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { replayReport } from '../../cli/commands/replay.ts';
import { run } from '../../cli/main.ts';
import { assessSeries, toJson } from '../../domain/assessment.ts';
import { loadSchemeText, parseScheme, type Scheme } from '../../domain/scheme.ts';
import { replayHandler } from '../../functions/replay.ts';
import { storedReplay } from '../../functions/shared/methodology-replay.ts';
import { generateObservations, SCHEME_PATH } from '../../scenarios/gansu/generate.ts';
import { createPipeline, departmentEvents, type Pipeline, sqsEvent } from '../support/pipeline.ts';
import { reweighted } from '../support/replay-versions.ts';

const endpoint = inject('dynamodbEndpoint');
const v1: Scheme = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const v2: Scheme = reweighted(v1);
const WEEKS = 6;
const rows = generateObservations().filter((r) => Number(r.period.slice(-2)) <= WEEKS);

interface ReportPeriod {
  period: string;
  status: string;
  fromVersion: string;
  seq: number;
  hash: string;
  previousHash: string;
  changes: {
    entity: string;
    fromRank: number;
    toRank: number;
    delta: number;
    driver: { indicator: string; cause: string } | null;
  }[];
}

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await run(args, { stdout: (t) => out.push(t), stderr: (t) => out.push(t) });
  return { code, out: out.join('') };
}

describe('rankwatch replay of the Gansu weeks under a version with changed weights', () => {
  let p: Pipeline;
  const oldHeads = new Map<string, { seq: number; hash: string }>();
  let report: { periods: ReportPeriod[] };
  const store = () => ['--endpoint', endpoint, '--table', p.table];

  beforeAll(async () => {
    p = await createPipeline(endpoint, v1, 'replay');
    const events = departmentEvents(v1, rows, new Set());
    for (let w = 1; w <= WEEKS; w++)
      await p.deliver([events.filter((e) => e.detail.period === `2026-W${String(w).padStart(2, '0')}`)]);
    for (const h of await p.store.allHeads(v1.id)) oldHeads.set(h.period, { seq: h.seq, hash: h.hash });
    await p.store.putScheme(v2);
    const r = await cli(['replay', '--scheme', v1.id, '--version', '2', '--format', 'json', ...store()]);
    expect(r.code, r.out).toBe(0);
    report = JSON.parse(r.out);
  });

  it('replays every period, each new snapshot the next of its chain, linked to the old head', async () => {
    expect(report.periods.map((x) => x.period)).toEqual([...oldHeads.keys()]);
    expect(oldHeads.size).toBe(WEEKS);
    for (const r of report.periods) {
      const old = oldHeads.get(r.period)!;
      expect(r).toMatchObject({
        status: 'replayed',
        fromVersion: '1',
        seq: old.seq + 1,
        previousHash: old.hash,
      });
      const manifests = (await p.store.manifests(v1.id, r.period)).sort((a, b) => a.seq - b.seq);
      expect(manifests.map((m) => m.schemeVersion)).toEqual([...Array(old.seq).fill('1'), '2']);
      expect(manifests.at(-2)!.hash).toBe(old.hash);
      const head = await p.store.readHead(v1.id, r.period);
      expect(head).toMatchObject({ seq: old.seq + 1, hash: r.hash, schemeVersion: '2' });
    }
  });

  it('verifies the old snapshots and the new ones (every period)', async () => {
    const v = await p.store.verify(v1.id);
    expect(v).toMatchObject({ ok: true, checked: [...oldHeads.values()].reduce((n, h) => n + h.seq + 1, 0) });
    const r = await cli(['verify', '--scheme', v1.id, ...store()]);
    expect(r.code, r.out).toBe(0);
  });

  it('lists the rank changes evaluate gives under each version, with a driver for each', () => {
    const before = assessSeries(v1, rows).periods;
    const after = assessSeries(v2, rows).periods;
    let changes = 0;
    for (const [i, r] of report.periods.entries()) {
      const rank = (ps: typeof before, entity: string) =>
        ps[i]!.overall.find((o) => o.entity === entity)?.rank ?? 0;
      expect(before[i]!.period).toBe(r.period);
      const expected = v1.entities
        .map((e) => ({ entity: e.id, fromRank: rank(before, e.id), toRank: rank(after, e.id) }))
        .filter((e) => e.fromRank !== e.toRank)
        .sort((a, b) => a.entity.localeCompare(b.entity));
      const got = r.changes
        .map((c) => ({ entity: c.entity, fromRank: c.fromRank, toRank: c.toRank }))
        .sort((a, b) => a.entity.localeCompare(b.entity));
      expect(got, r.period).toEqual(expected);
      for (const c of r.changes) {
        expect(c.delta).toBe(c.fromRank - c.toRank);
        expect(c.driver).not.toBeNull();
      }
      changes += got.length;
    }
    // A test that cannot fail is a defect: the new weights must move someone.
    expect(changes).toBeGreaterThan(0);
  });

  it('reads the same report back from the store (what `replay --job` prints): every field of every period', async () => {
    const stored = [];
    for (const r of report.periods) stored.push((await storedReplay(p.store, v2, r.period))!);
    expect(JSON.parse(toJson(replayReport(v2, stored)))).toEqual(report);
    // A period not under the version has no stored replay yet.
    const v9 = parseScheme({ ...v2, version: '9' }, 'v9');
    expect(await storedReplay(p.store, v9, report.periods[0]!.period)).toBeUndefined();
  });

  it('replays nothing twice: a second run skips every period', async () => {
    const r = await cli(['replay', '--scheme', v1.id, '--version', '2', '--format', 'json', ...store()]);
    expect(r.code, r.out).toBe(0);
    const again = JSON.parse(r.out) as { periods: { status: string }[] };
    expect(again.periods.every((x) => x.status === 'skipped')).toBe(true);
    expect((await p.store.verify(v1.id)).ok).toBe(true);
  });

  it('replays one period per SQS message in the replay function, handing back a bad message', async () => {
    const v3 = parseScheme({ ...v2, version: '3', topics: v1.topics }, 'v3');
    await p.store.putScheme(v3);
    const [first, second] = [...oldHeads.keys()];
    const logs: string[] = [];
    const sent: unknown[] = [];
    const out = await replayHandler(
      sqsEvent([JSON.stringify({ scheme: v1.id, version: '3', period: first }), '{"scheme":""}']),
      {
        store: p.store,
        now: () => new Date(),
        send: async (m) => {
          sent.push(m);
        },
        log: (_l, m) => logs.push(m),
        metric: () => {},
      },
    );
    expect(out.batchItemFailures).toHaveLength(1);
    // The job goes on with the next stored period; the bad message sends nothing.
    expect(sent).toEqual([{ scheme: v1.id, version: '3', period: second }]);
    const head = await p.store.readHead(v1.id, first!);
    expect(head).toMatchObject({ seq: oldHeads.get(first!)!.seq + 2, schemeVersion: '3' });
    expect((await p.store.verify(v1.id, first)).ok).toBe(true);
    expect(logs).toContain('period replayed');
  });

  it('prints the table in Chinese by default', async () => {
    const r = await cli(['replay', '--scheme', v1.id, '--version', '2', ...store()]);
    expect(r.out).toContain('跳过');
  });
});
