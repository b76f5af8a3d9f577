import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Scheme } from '../../domain/scheme.ts';
import {
  type BusEvent,
  createPipeline,
  finalSnapshots,
  type PeriodFinal,
  type Pipeline,
} from '../support/pipeline.ts';
import { SCALE_ENTITIES, SCALE_INDICATORS, scaleScheme, scaleTables } from '../support/scale.ts';

const ENTITIES = SCALE_ENTITIES;
const INDICATORS = SCALE_INDICATORS;
const BATCHES = 2;
const ITEM_LIMIT = 400 * 1024;
const TRANSACTION_ITEMS = 100;
const TRANSACTION_BYTES = 4 * 1024 * 1024;

const scheme: Scheme = scaleScheme('scale-3000x200', { zh: '规模测试', en: 'Scale test' });

const tables = (period: string, seed: number): BusEvent[] =>
  scaleTables(scheme, {
    period,
    seed,
    observedAt: `2026-01-0${seed}T08:00:00+08:00`,
    eventIdParts: (indicator) => ['scale', period, indicator, String(seed)],
  });

/** DynamoDB's item size: attribute names plus values (strings and binary by bytes, numbers ≤ 21). */
function itemBytes(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name);
    if (typeof value === 'string') size += Buffer.byteLength(value);
    else if (value instanceof Uint8Array) size += value.byteLength;
    else if (typeof value === 'number') size += 21;
    else size += Buffer.byteLength(JSON.stringify(value));
  }
  return size;
}

describe(`a ${ENTITIES} × ${INDICATORS} assessment`, () => {
  let p: Pipeline;
  let finals: PeriodFinal[];
  const transactions: { items: number; bytes: number; largest: number }[] = [];
  const chunkItems: number[] = [];

  beforeAll(async () => {
    p = await createPipeline(inject('dynamodbEndpoint'), scheme, 'scale');
    p.hooks.push(async (call, next) => {
      if (call.op === 'transactWrite') {
        const sizes = (call.input.TransactItems ?? []).map((t) =>
          itemBytes((t.Put?.Item ?? {}) as Record<string, unknown>),
        );
        transactions.push({
          items: sizes.length,
          bytes: sizes.reduce((a, b) => a + b, 0),
          largest: Math.max(...sizes),
        });
      }
      if (call.op === 'batchWrite')
        for (const w of call.input.RequestItems?.[p.table] ?? [])
          chunkItems.push(itemBytes((w.PutRequest?.Item ?? {}) as Record<string, unknown>));
      return next();
    });
    const week1 = tables('2026-W01', 1);
    const per = Math.ceil(week1.length / BATCHES);
    const batches: BusEvent[][] = [];
    for (let k = 0; k < week1.length; k += per) batches.push(week1.slice(k, k + per));
    await p.deliver(batches, 1);
    await p.relayAll();
    finals = await finalSnapshots(p, scheme.id);
  }, 120_000);

  it('is written in snapshots whose every transaction stays within 100 items and 4 MB', async () => {
    expect(finals.map((f) => [f.period, f.snapshots])).toEqual([['2026-W01', BATCHES]]);
    // One transaction per snapshot (the scheme's own transaction came before the hook).
    expect(transactions).toHaveLength(BATCHES);
    for (const t of transactions) {
      expect(t.items).toBeLessThanOrEqual(TRANSACTION_ITEMS);
      expect(t.bytes).toBeLessThan(TRANSACTION_BYTES);
      expect(t.largest).toBeLessThan(ITEM_LIMIT);
    }
  });

  it('keeps every chunk item under the 400 KB item limit', () => {
    expect(chunkItems.length).toBeGreaterThan(BATCHES);
    expect(Math.max(...chunkItems)).toBeLessThan(ITEM_LIMIT);
  });

  it('stores every value and rank, and its chain verifies', async () => {
    const body = finals[0]!.body;
    expect(body.inputs.values.flat().filter((v) => v !== null)).toHaveLength(ENTITIES * INDICATORS);
    const ranks = body.results.overall.rank;
    expect(ranks).toHaveLength(ENTITIES);
    expect(Math.min(...ranks)).toBe(1);
    expect(ranks.every((r) => r >= 1 && r <= ENTITIES)).toBe(true);
    await expect(p.store.verify(scheme.id)).resolves.toMatchObject({ ok: true, checked: BATCHES });
  });

  it('publishes an Assessment.Recorded for each snapshot', () => {
    expect(p.published.filter((e) => e.detailType === 'Assessment.Recorded')).toHaveLength(BATCHES);
  });
});
