// The methodology replay job through the local engine, as it runs on AWS: `rankwatch replay --job` sends the
// first period's message to the job queue of the synthesised template, the bundled replay function replays
// one period per invocation and queues the next, and the CLI prints the report read back from the table.
// Checked against the in-process replay's diff and against `evaluate` (assessSeries) under each version.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OBSERVATIONS_FILE, publishScenario, SCHEME_FILE } from '../../cli/commands/start.ts';
import { storeFrom } from '../../cli/commands/store.ts';
import { run } from '../../cli/main.ts';
import { assessSeries } from '../../domain/assessment.ts';
import { methodologyDiff } from '../../domain/methodology-diff.ts';
import { parseObservationsCsv } from '../../domain/observations.ts';
import { loadSchemeText, type Scheme } from '../../domain/scheme.ts';
import type { DynamoAssessmentStore } from '../../functions/shared/dynamo-store.ts';
import { type Engine, startEngine } from '../../local/engine.ts';
import type { EventBridgeEvent } from '../../local/eventbridge/bus.ts';
import type { LocalQueue } from '../../local/sqs.ts';
import { synthRankwatch } from '../support/cdk.ts';
import { reweighted } from '../support/replay-versions.ts';

const { outdir } = synthRankwatch({}, { bundle: true });
const v1: Scheme = loadSchemeText(readFileSync(SCHEME_FILE, 'utf8'), SCHEME_FILE);
const v2: Scheme = reweighted(v1);
const WEEKS = 6;
const rows = parseObservationsCsv(readFileSync(OBSERVATIONS_FILE, 'utf8'), v1, OBSERVATIONS_FILE).filter(
  (r) => Number(r.period.slice(-2)) <= WEEKS,
);

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

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, out: out.join(''), err: err.join('') };
}

const replayQueue = (engine: Engine): LocalQueue =>
  [...engine.queues.values()].find((q) => /-ReplayQueue[0-9A-F]{8}$/.test(q.name))!;
const replayDlq = (engine: Engine): LocalQueue =>
  [...engine.queues.values()].find((q) => /-ReplayDeadLetterQueue[0-9A-F]{8}$/.test(q.name))!;
const replayStats = (engine: Engine) =>
  [...engine.functionStats].find(([name]) => name.includes('Replay'))![1];

describe('rankwatch replay --job on the local engine: one bundled replay invocation per period, through the job queue', () => {
  let engine: Engine;
  let store: DynamoAssessmentStore;
  const busEvents: EventBridgeEvent[] = [];
  const oldHeads = new Map<string, { seq: number; hash: string }>();
  /** What the in-process replay computes per period: the diff on the old head's inputs and the earlier ones. */
  const inProcess = new Map<string, ReturnType<typeof methodologyDiff>>();
  let report: { periods: ReportPeriod[] };
  let stderr: string;
  /** Bus events before the job started. */
  let eventsBefore = 0;

  beforeAll(async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'rankwatch-replay-job-'));
    engine = await startEngine({
      cdkOut: outdir,
      timeScale: 10,
      stateDir,
      alertConsole: false,
      log: () => {},
    });
    engine.eventBridge.onEvent((e) => busEvents.push(e));
    store = storeFrom({ endpoint: engine.endpoints.dynamodb, table: engine.table! });
    await store.putScheme(v1);
    await publishScenario(engine, v1, rows);
    for (const h of await store.allHeads(v1.id)) oldHeads.set(h.period, { seq: h.seq, hash: h.hash });
    await store.putScheme(v2);
    // Before the job: what replayPeriod's diff is for each period (every earlier head's inputs are unchanged
    // by a replay, so the context read now is the context each step reads).
    for (const period of oldHeads.keys()) {
      const ctx = await store.loadContext(v2, period);
      inProcess.set(
        period,
        methodologyDiff(v1, v2, { period, inputs: ctx.head!.inputs, earlier: ctx.earlier }),
      );
    }
    const file = join(stateDir, 'engine.json');
    writeFileSync(file, JSON.stringify({ ...engine.state(), schemes: [v1.id] }));
    process.env.RANKWATCH_ENGINE_FILE = file;
    eventsBefore = busEvents.length;
    const r = await cli([
      'replay',
      '--scheme',
      v1.id,
      '--version',
      '2',
      '--job',
      '--format',
      'json',
      '--timeout',
      '240',
    ]);
    expect(r.code, r.err).toBe(0);
    report = JSON.parse(r.out);
    stderr = r.err;
    await engine.settle({ timeoutMs: 60_000 });
  }, 400_000);

  afterAll(async () => {
    delete process.env.RANKWATCH_ENGINE_FILE;
    await engine?.stop();
  });

  it('runs the job on the bundled replay function: one invocation of one message per period, none failed, nothing left', () => {
    expect(oldHeads.size).toBe(WEEKS);
    expect(stderr).toMatch(
      new RegExp(`replay job [0-9a-f-]{36} queued: ${WEEKS} period\\(s\\), 2026-W01 to 2026-W06`),
    );
    expect(replayStats(engine)).toEqual({ invocations: WEEKS, errors: 0 });
    const batches = engine.batches.flatMap((b) =>
      b.kind === 'sqs' && b.queue === replayQueue(engine).name ? [b.outcome] : [],
    );
    expect(batches.map((b) => [b.messageIds.length, b.failedMessageIds.length])).toEqual(
      Array.from({ length: WEEKS }, () => [1, 0]),
    );
    expect(replayQueue(engine).size).toBe(0);
    expect(replayDlq(engine).messages()).toHaveLength(0);
  });

  it('appends each period’s new snapshot under version 2 to its chain, linked to the old head', async () => {
    expect(report.periods.map((x) => x.period)).toEqual([...oldHeads.keys()]);
    for (const r of report.periods) {
      const old = oldHeads.get(r.period)!;
      expect(r).toMatchObject({
        status: 'replayed',
        fromVersion: '1',
        seq: old.seq + 1,
        previousHash: old.hash,
      });
      const manifests = (await store.manifests(v1.id, r.period)).sort((a, b) => a.seq - b.seq);
      expect(manifests.map((m) => m.schemeVersion)).toEqual([...Array(old.seq).fill('1'), '2']);
      expect(manifests.at(-1)).toMatchObject({ hash: r.hash, previousHash: old.hash });
      expect(await store.readHead(v1.id, r.period)).toMatchObject({
        seq: old.seq + 1,
        hash: r.hash,
        schemeVersion: '2',
      });
    }
  });

  it('verifies the old snapshots and the new ones, through rankwatch verify too', async () => {
    const checked = [...oldHeads.values()].reduce((n, h) => n + h.seq + 1, 0);
    await expect(store.verify(v1.id)).resolves.toMatchObject({ ok: true, checked });
    const r = await cli(['verify', '--scheme', v1.id]);
    expect(r.code, r.out + r.err).toBe(0);
  });

  it('reports the rank changes and drivers the in-process replay computes, which are evaluate’s under each version', () => {
    const before = assessSeries(v1, rows).periods;
    const after = assessSeries(v2, rows).periods;
    let changes = 0;
    for (const [i, r] of report.periods.entries()) {
      const diff = inProcess.get(r.period)!;
      expect(r.changes, r.period).toEqual(
        diff.changed.map((c) =>
          expect.objectContaining({
            entity: c.entity,
            fromRank: c.fromRank,
            toRank: c.toRank,
            delta: c.delta,
            driver: c.driver,
          }),
        ),
      );
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
      changes += got.length;
    }
    // A test that cannot fail is a defect: the new weights must move someone.
    expect(changes).toBeGreaterThan(0);
  });

  it('sends no alert: the job’s snapshots put one Assessment.Recorded each on the bus and nothing else', () => {
    const since = busEvents.slice(eventsBefore);
    expect(since.map((e) => e['detail-type'])).toEqual(Array(WEEKS).fill('Assessment.Recorded'));
    const details = since.map((e) => e.detail as { schemeVersion: string; period: string });
    expect(details.map((d) => d.schemeVersion)).toEqual(Array(WEEKS).fill('2'));
    expect(details.map((d) => d.period).sort()).toEqual([...oldHeads.keys()]);
  });

  it('replays the periods in time order: each new snapshot is recorded after the previous period’s', async () => {
    const recordedAt: string[] = [];
    for (const period of oldHeads.keys()) recordedAt.push((await store.readHead(v1.id, period))!.recordedAt);
    expect(recordedAt).toEqual([...recordedAt].sort());
    expect(new Set(recordedAt).size).toBe(WEEKS);
  });

  it('writes nothing for a redelivered message: the same period sent twice is two skips, each handing on to the next', async () => {
    const manifestsOf = async () =>
      (await Promise.all([...oldHeads.keys()].map((p) => store.manifests(v1.id, p))))
        .flat()
        .map((m) => m.hash)
        .sort();
    const before = await manifestsOf();
    const events = busEvents.length;
    const invocations = replayStats(engine).invocations;
    const sqs = new SQSClient({
      endpoint: engine.endpoints.sqs,
      region: engine.model.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const body = JSON.stringify({
      scheme: v1.id,
      version: '2',
      period: '2026-W05',
      to: '2026-W06',
      job: 'again',
    });
    for (let i = 0; i < 2; i++)
      await sqs.send(new SendMessageCommand({ QueueUrl: replayQueue(engine).url, MessageBody: body }));
    sqs.destroy();
    await engine.settle({ timeoutMs: 60_000 });
    // W05 twice, then W06 once from each: four invocations, every one a skip.
    expect(replayStats(engine)).toEqual({ invocations: invocations + 4, errors: 0 });
    expect(await manifestsOf()).toEqual(before);
    expect(busEvents.length).toBe(events);
    await expect(store.verify(v1.id)).resolves.toMatchObject({ ok: true });
    // And the CLI, asked again, finds nothing to do and sends nothing.
    const again = await cli(['replay', '--scheme', v1.id, '--version', '2', '--job', '--format', 'json']);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toBe('');
    expect((JSON.parse(again.out) as { periods: { status: string }[] }).periods.map((p) => p.status)).toEqual(
      Array(WEEKS).fill('skipped'),
    );
    await engine.settle({ timeoutMs: 60_000 });
    expect(replayStats(engine).invocations).toBe(invocations + 4);
  });

  it('asks for the queue URL where it cannot find the queue by itself (--endpoint or --aws)', async () => {
    const r = await cli([
      'replay',
      '--scheme',
      v1.id,
      '--version',
      '2',
      '--job',
      '--endpoint',
      engine.endpoints.dynamodb,
      '--table',
      engine.table!,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--job needs --queue-url URL');
    const without = await cli(['replay', '--scheme', v1.id, '--version', '2', '--no-wait']);
    expect(without.code).toBe(2);
    expect(without.err).toContain('--queue-url, --no-wait and --timeout go with --job');
  });
});

describe('a replay period that keeps failing, with the timers 250 times faster', () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await startEngine({
      cdkOut: outdir,
      // The job queue's visibility timeout (720 s) becomes 2.9 s.
      timeScale: 250,
      stateDir: mkdtempSync(join(tmpdir(), 'rankwatch-replay-fail-')),
      alertConsole: false,
      log: () => {},
    });
    const store = storeFrom({ endpoint: engine.endpoints.dynamodb, table: engine.table! });
    await store.putScheme(v1);
    // Version 9 was never stored: the period cannot be replayed, however often it is tried.
    const sqs = new SQSClient({
      endpoint: engine.endpoints.sqs,
      region: engine.model.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: replayQueue(engine).url,
        MessageBody: JSON.stringify({ scheme: v1.id, version: '9', period: '2026-W01', to: '2026-W06' }),
      }),
    );
    sqs.destroy();
    await engine.settle({ timeoutMs: 90_000 });
  }, 180_000);

  afterAll(async () => {
    await engine?.stop();
  });

  it('is received three times (maxReceiveCount), then kept in the job’s DLQ, and the job goes no further', () => {
    const batches = engine.batches.flatMap((b) =>
      b.kind === 'sqs' && b.queue === replayQueue(engine).name ? [b.outcome] : [],
    );
    expect(batches.map((b) => b.failedMessageIds.length)).toEqual([1, 1, 1]);
    const dead = replayDlq(engine).messages();
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]!.body)).toMatchObject({ version: '9', period: '2026-W01' });
    expect(replayQueue(engine).size).toBe(0);
    expect(replayStats(engine)).toEqual({ invocations: 3, errors: 0 });
  });
});
