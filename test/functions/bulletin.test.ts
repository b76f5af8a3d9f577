// The scheduled bulletin: which period it covers at a moment, the page built from the stored snapshots of the
// Gansu scenario (replayed as the engine stores them) and written under its key, the Bulletin.Published
// detail naming the object and its SHA-256, a broken chain refused, and the handler's batching and refusals.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseObservationsCsv } from '../../domain/observations.ts';
import { replaySeries } from '../../domain/replay.ts';
import { loadSchemeText } from '../../domain/scheme.ts';
import { BulletinPublishedDetail } from '../../events/index.ts';
import { type BulletinDeps, bulletinHandler } from '../../functions/bulletin.ts';
import type { PutObjectInput } from '../../functions/shared/aws/s3.ts';
import { bulletinKey } from '../../functions/shared/bulletin-location.ts';
import { bulletinPeriod, publishBulletin } from '../../functions/shared/bulletin-publisher.ts';
import { OBSERVATIONS_PATH, SCHEME_PATH } from '../../scenarios/gansu/generate.ts';

const gansu = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const observations = parseObservationsCsv(readFileSync(OBSERVATIONS_PATH, 'utf8'), gansu, OBSERVATIONS_PATH);
const { snapshots } = replaySeries(gansu, observations);

/** A reader over the replayed snapshots, as the table would answer (one manifest per period). */
function fakeReader(options: { broken?: string } = {}) {
  const byPeriod = new Map(snapshots.map((s) => [s.body.period, s]));
  return {
    periods: async () => [...byPeriod.keys()],
    manifests: async (_scheme: string, period: string) => {
      const s = byPeriod.get(period)!;
      return [
        {
          period,
          seq: s.body.seq,
          hash: s.hash!,
          previousHash: s.previousHash ?? null,
          inputChunks: [period],
          restChunks: [],
        },
      ] as never;
    },
    snapshotBody: async (m: { inputChunks: string[] }) => byPeriod.get(m.inputChunks[0]!)!.body,
    verify: async (_scheme: string, period?: string) =>
      (period === options.broken
        ? { ok: false, checked: 1, firstBad: `${period} #1`, reason: 'body does not match its hash' }
        : { ok: true, checked: 1, head: null }) as never,
  };
}

function fakeObjects() {
  const puts: PutObjectInput[] = [];
  return { puts, objects: { putObject: async (input: PutObjectInput) => void puts.push(input) } };
}

const noNotifications = { list: async () => [] };

describe('the period a scheduled bulletin covers', () => {
  const weeks = ['2026-W24', '2026-W25', '2026-W26'];
  it.each([
    // W26 ends on Sunday 28 June 2026; its end instant is Monday 29 June 00:00 UTC.
    ['weekly', '2026-06-29T00:00:00.000Z', '2026-W26'],
    ['weekly', '2026-06-28T23:59:59.000Z', '2026-W25'],
    ['weekly', '2026-06-01T00:00:00.000Z', undefined],
    // June has ended by 1 July: the June bulletin; before that, May's (W24–W26 are June weeks, so none).
    ['monthly', '2026-07-01T00:00:00.000Z', '2026-06'],
    ['monthly', '2026-06-30T08:00:00.000Z', undefined],
  ])('%s at %s: %s', (kind, at, expected) => {
    expect(bulletinPeriod({ periodKind: 'week' }, kind as 'weekly' | 'monthly', weeks, at)).toBe(expected);
  });

  it('takes the month before when the latest month has not ended', () => {
    expect(
      bulletinPeriod(
        { periodKind: 'week' },
        'monthly',
        ['2026-W21', '2026-W22', '2026-W23'],
        '2026-06-08T00:00:00Z',
      ),
    ).toBe('2026-05');
  });
});

describe('a bulletin published from the stored Gansu snapshots', () => {
  const at = '2026-07-06T00:00:00.000Z';

  it('writes the weekly analysis of W26 under its key and describes it by location and SHA-256', async () => {
    const { puts, objects } = fakeObjects();
    const b = await publishBulletin(gansu, 'weekly', at, {
      reader: fakeReader(),
      notifications: noNotifications,
      objects,
      bucket: 'bulletins-bucket',
    });
    expect(b.period).toBe('2026-W26');
    expect(puts).toHaveLength(1);
    const [put] = puts;
    expect(put).toMatchObject({
      Bucket: 'bulletins-bucket',
      Key: bulletinKey(gansu.id, '2026-W26', 'weekly'),
      ContentType: 'text/html; charset=utf-8',
    });
    expect(b.sha256).toBe(createHash('sha256').update(put!.Body, 'utf8').digest('hex'));
    expect(b.bytes).toBe(Buffer.byteLength(put!.Body));
    // The page: 14 ranked rows, and the W26 snapshot's hash cited at the foot.
    expect(put!.Body.match(/<tr data-entity="[^"]+" data-rank="\d+"/g)).toHaveLength(14);
    expect(put!.Body).toContain(snapshots.at(-1)!.hash!);
    expect(BulletinPublishedDetail.parse(b.detail)).toEqual(b.detail);
    expect(b.detail).toMatchObject({
      kind: 'weekly',
      scheme: gansu.id,
      period: '2026-W26',
      location: `s3://bulletins-bucket/${put!.Key}`,
      sha256: b.sha256,
      publishedAt: at,
    });
    expect(b.detail.title.zh).toContain('周分析');
    expect(b.detail.title.en).toContain('weekly analysis');
  });

  it('writes the same bytes and the same event id when run again', async () => {
    const runs = await Promise.all(
      [1, 2].map(async () => {
        const { puts, objects } = fakeObjects();
        const b = await publishBulletin(gansu, 'weekly', at, {
          reader: fakeReader(),
          notifications: noNotifications,
          objects,
          bucket: 'b',
        });
        return { b, body: puts[0]!.Body };
      }),
    );
    expect(runs[0]!.body).toBe(runs[1]!.body);
    expect(runs[0]!.b.detail.eventId).toBe(runs[1]!.b.detail.eventId);
  });

  it('writes the June monthly bulletin (月通报) on 1 July', async () => {
    const { puts, objects } = fakeObjects();
    const b = await publishBulletin(gansu, 'monthly', '2026-07-01T00:00:00.000Z', {
      reader: fakeReader(),
      notifications: noNotifications,
      objects,
      bucket: 'b',
    });
    expect(b.period).toBe('2026-06');
    expect(puts[0]!.Key).toBe(bulletinKey(gansu.id, '2026-06', 'monthly'));
    expect(b.detail.title.zh).toContain('月通报');
  });

  it('writes nothing when a covered period does not verify, naming it', async () => {
    const { puts, objects } = fakeObjects();
    await expect(
      publishBulletin(gansu, 'weekly', at, {
        reader: fakeReader({ broken: '2026-W25' }),
        notifications: noNotifications,
        objects,
        bucket: 'b',
      }),
    ).rejects.toThrow(
      /2026-W25: the stored chain does not verify \(2026-W25 #1: body does not match its hash\)/,
    );
    expect(puts).toEqual([]);
  });
});

describe('the bulletin handler', () => {
  /** A table that keeps what is put, refusing a second put of the same key as DynamoDB's condition does. */
  function fakeTable() {
    const items = new Map<string, Record<string, unknown>>();
    return {
      items,
      db: {
        put: async (input: { Item: Record<string, unknown>; ConditionExpression?: string }) => {
          const id = `${input.Item.PK}|${input.Item.SK}`;
          if (items.has(id)) {
            const e = new Error('The conditional request failed');
            e.name = 'ConditionalCheckFailedException';
            throw e;
          }
          items.set(id, input.Item);
          return {};
        },
      },
    };
  }
  const deps = (over: Partial<BulletinDeps> = {}) => {
    const { puts, objects } = fakeObjects();
    const table = fakeTable();
    const d: BulletinDeps = {
      store: {
        ...fakeReader(),
        schemeIds: async () => [gansu.id],
        activeScheme: async () => gansu,
        db: table.db,
        table: 't',
      } as never,
      notifications: noNotifications,
      objects,
      bucket: 'b',
      now: () => new Date('2026-07-06T00:00:00Z'),
      log: () => {},
      metric: () => {},
      ...over,
    };
    return { d, puts, items: table.items };
  };

  it('publishes each scheme’s bulletin and puts its Bulletin.Published in the outbox for the relay', async () => {
    const { d, puts, items } = deps();
    const out = await bulletinHandler({ action: 'bulletin', kind: 'weekly' }, d);
    expect(out.published).toEqual([expect.objectContaining({ period: '2026-W26', announced: true })]);
    expect(puts).toHaveLength(1);
    const [item] = [...items.values()];
    expect(item).toMatchObject({
      PK: `OUTBOX#${gansu.id}#BULLETIN#weekly`,
      SK: `P#2026-W26#${out.published[0]!.sha256}`,
    });
    const [event] = JSON.parse(item!.events as string);
    expect(event).toMatchObject({ detailType: 'Bulletin.Published', source: 'rankwatch.engine' });
    expect(BulletinPublishedDetail.parse(event.detail).sha256).toBe(out.published[0]!.sha256);
  });

  it('announces nothing twice when run again on the same data (the object is written again, same bytes)', async () => {
    const { d, puts, items } = deps();
    await bulletinHandler({ kind: 'weekly' }, d);
    const again = await bulletinHandler({ kind: 'weekly' }, d);
    expect(again.published).toEqual([expect.objectContaining({ announced: false })]);
    expect(items.size).toBe(1);
    expect(puts).toHaveLength(2);
    expect(puts[0]!.Body).toBe(puts[1]!.Body);
  });

  it('skips a scheme with nothing to report and says why', async () => {
    const { d, puts, items } = deps({ now: () => new Date('2025-01-01T00:00:00Z') });
    const out = await bulletinHandler({ kind: 'weekly' }, d);
    expect(out.published).toEqual([]);
    expect(out.skipped).toEqual([`${gansu.id}: no period has ended by 2025-01-01T00:00:00.000Z`]);
    expect(puts).toEqual([]);
    expect(items.size).toBe(0);
  });

  it('refuses an unknown kind, naming the field', async () => {
    await expect(bulletinHandler({ kind: 'daily' }, deps().d)).rejects.toThrow(
      /"kind" must be "weekly" or "monthly", not "daily"/,
    );
  });
});

describe('a scheme by month', () => {
  it('gets its monthly bulletin for the latest month that has ended', async () => {
    const monthly = { ...gansu, periodKind: 'month' as const };
    const reader = {
      periods: async () => ['2026-05', '2026-06'],
      manifests: async () => [] as never,
      snapshotBody: async () => ({}) as never,
      verify: async () => ({ ok: true, checked: 1, head: null }) as never,
    };
    expect(bulletinPeriod(monthly, 'monthly', await reader.periods(), '2026-07-01T00:00:00.000Z')).toBe(
      '2026-06',
    );
    expect(bulletinPeriod(monthly, 'monthly', await reader.periods(), '2026-06-30T00:00:00.000Z')).toBe(
      '2026-05',
    );
  });
});
