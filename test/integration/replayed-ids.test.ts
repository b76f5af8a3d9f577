// Event ids delivered again (issue 12): the same event redelivered (SQS/EventBridge at-least-once) changes
// nothing and is not rejected; an id reused with other content is rejected on `id` naming the original, and
// nothing of it is stored. Against DynamoDB Local, through the real ingest handler.
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { keys } from '../../functions/shared/table.ts';
import { resultsPublished, scheme, valueReported } from '../functions/fixtures.ts';
import { type BusEvent, createPipeline, type Pipeline } from '../support/pipeline.ts';

const PERIOD = '2026-W02';

/** Every item but the rejections' outbox, as text by key: what a replay must leave as it was. */
async function stored(p: Pipeline): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await p.doc.send(
      new ScanCommand({ TableName: p.table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of page.Items ?? [])
      if (item.PK !== 'OUTBOX#REJECTED') out.set(`${item.PK} ${item.SK}`, JSON.stringify(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

async function headValue(p: Pipeline, indicator: string, entity: string): Promise<number | null> {
  const inputs = (await p.store.loadContext(scheme, PERIOD)).head?.inputs;
  if (!inputs) return null;
  return inputs.values[inputs.indicators.indexOf(indicator)]?.[inputs.entities.indexOf(entity)] ?? null;
}

/** The event with its detail changed and its id kept. */
const reusing = (original: BusEvent, detail: Record<string, unknown>): BusEvent => ({
  ...original,
  detail: { ...original.detail, ...detail },
});

describe('an event id delivered again', () => {
  let p: Pipeline;
  const original = valueReported({ value: 95.5 });
  const table = resultsPublished();
  let before: Map<string, string>;
  beforeAll(async () => {
    p = await createPipeline(inject('dynamodbEndpoint'), scheme, 'replayed-ids');
    await p.deliver([[original, table]], 1);
    before = await stored(p);
  }, 60_000);

  it('with the same content (a redelivery) is not rejected and changes nothing', async () => {
    // Its keys in another order: the same content, canonically.
    const reordered = { ...original, detail: Object.fromEntries(Object.entries(original.detail).reverse()) };
    const out = await p.ingest([original, reordered, table]);
    expect(out.batchItemFailures).toEqual([]);
    expect(p.rejected).toEqual([]);
    expect(await stored(p)).toEqual(before);
  });

  it.each([
    ['another value, same observedAt', { value: 10 }],
    ['another value, observed later', { value: 10, observedAt: '2026-01-13T08:30:00+08:00' }],
    ['another entity', { entity: 'tianshui' }],
    ['another period', { period: '2026-W03' }],
  ])(
    'with other content (%s) is rejected on id naming the original, and nothing is stored',
    async (_, change) => {
      const replay = reusing(original, change);
      const rejectedBefore = p.rejected.length;
      const out = await p.ingest([replay]);
      expect(out.batchItemFailures).toEqual([]);
      expect(p.rejected).toHaveLength(rejectedBefore + 1);
      const { rejection } = p.rejected.at(-1)!;
      expect(rejection.originalEventId).toBe(original.id);
      expect(rejection.cause).toBe('validation');
      expect(rejection.reasons).toEqual([expect.objectContaining({ path: 'id', code: 'event_id_reused' })]);
      expect(rejection.reasons[0]!.message.en).toContain(original.id);
      expect(rejection.reasons[0]!.message.zh).toContain(original.id);
      expect(await stored(p)).toEqual(before);
      expect(await headValue(p, 'hotline_satisfaction', 'lanzhou')).toBe(95.5);
    },
  );

  it('by another department, for its own indicator, is rejected too', async () => {
    const replay = resultsPublished(
      { observedAt: '2026-01-13T09:30:00+08:00' },
      'dept.govservice',
      original.id,
    );
    const out = await p.ingest([replay]);
    expect(out.batchItemFailures).toEqual([]);
    expect(p.rejected.at(-1)!.rejection).toMatchObject({
      originalEventId: original.id,
      originalSource: 'dept.govservice',
      reasons: [expect.objectContaining({ path: 'id', code: 'event_id_reused' })],
    });
    expect(await stored(p)).toEqual(before);
  });

  it('twice in one new batch, with two contents, applies the first and rejects the second', async () => {
    const first = valueReported({ entity: 'baiyin', value: 70 });
    const second = reusing(first, { value: 71 });
    const out = await p.ingest([first, second]);
    expect(out.batchItemFailures).toEqual([]);
    expect(p.rejected.at(-1)!.rejection).toMatchObject({
      originalEventId: first.id,
      reasons: [expect.objectContaining({ path: 'id', code: 'event_id_reused' })],
    });
    expect(await headValue(p, 'hotline_satisfaction', 'baiyin')).toBe(70);
  });

  it('is remembered for good: the event receipt has no expiry', async () => {
    const receipt = await p.store.db.get({
      TableName: p.table,
      Key: keys.eventReceipt(original.id),
      ConsistentRead: true,
    });
    expect(receipt.Item).toMatchObject({ detailType: original['detail-type'], source: original.source });
    expect(receipt.Item?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(receipt.Item?.expiresAt).toBeUndefined();
  });

  it('leaves a genuine correction under a new id to latest-wins', async () => {
    await p.deliver([[valueReported({ value: 96.1, observedAt: '2026-01-13T08:00:00+08:00' })]], 1);
    expect(await headValue(p, 'hotline_satisfaction', 'lanzhou')).toBe(96.1);
  });
});
