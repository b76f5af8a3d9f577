import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parseScheme } from '../../domain/scheme.ts';
import { INDICATOR_RESULTS_PUBLISHED } from '../../events/index.ts';
import { keys } from '../../functions/shared/table.ts';
import { createPipeline, envelope, type Pipeline, uuidOf } from '../support/pipeline.ts';

const ENTITIES = 600;
const INDICATORS = 20;
const pad = (k: number) => String(k).padStart(4, '0');

const scheme = parseScheme({
  id: 'watch-all',
  version: '1',
  name: { en: 'Watch all' },
  periodKind: 'week',
  entities: Array.from({ length: ENTITIES }, (_, e) => ({ id: `e${pad(e)}`, name: { en: `E${e}` } })),
  focus: ['e0000'],
  watch: 'all',
  indicators: Array.from({ length: INDICATORS }, (_, j) => ({
    id: `i${j}`,
    name: { en: `I${j}` },
    weight: 1,
    direction: 'higher',
    unit: '',
    owner: 'bureau',
    normalise: { method: 'minmax' },
  })),
  composite: { aggregate: 'arithmetic', precision: 2 },
  rules: { slip: [{ rule: 'rankDrop', min: 1, scope: 'overall' }] },
});

/** Week 1 ranks entities in id order; week 2 reverses them, so every entity but the middle one moves. */
const week = (period: string, reversed: boolean) =>
  scheme.indicators.map((ind) =>
    envelope(
      INDICATOR_RESULTS_PUBLISHED,
      'dept.bureau',
      {
        schemaVersion: 1,
        scheme: scheme.id,
        indicator: ind.id,
        period,
        observedAt: '2026-01-05T08:00:00Z',
        values: scheme.entities.map((e, k) => ({ entity: e.id, value: reversed ? k : ENTITIES - k })),
      },
      uuidOf('watch-all', period, ind.id),
    ),
  );

describe('watched standings of many entities', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await createPipeline(inject('dynamodbEndpoint'), scheme, 'watch-all');
    await p.deliver([week('2026-W01', false)], 1);
    await p.deliver([week('2026-W02', true)], 1);
  }, 120_000);

  it('are kept in chunks, not inline in the head item', async () => {
    const head = await p.store.db.get({ TableName: p.table, Key: keys.head(scheme.id, '2026-W01') });
    expect(head.Item?.standings).toBeUndefined();
    expect((head.Item?.standingsChunks as string[] | undefined)?.length).toBeGreaterThan(0);
  });

  it('are read back as the history of the next period, so every entity that fell gets its slip', async () => {
    const ctx = await p.store.loadContext(scheme, '2026-W02');
    expect(ctx.history).toHaveLength(1);
    expect(Object.keys(ctx.history[0]!.entities)).toHaveLength(ENTITIES);
    expect(ctx.head?.standings.entities.e0000?.overall?.rank).toBe(ENTITIES);
    const body = await p.store.snapshotBody((await p.store.manifests(scheme.id, '2026-W02'))[0]!);
    // entities 0..299 fell (rank k+1 → 600−k); 300..599 rose
    expect(body.results.slips.filter((s) => s.rule === 'rankDrop')).toHaveLength(ENTITIES / 2);
    await expect(p.store.verify(scheme.id)).resolves.toMatchObject({ ok: true, checked: 2 });
  });
});
