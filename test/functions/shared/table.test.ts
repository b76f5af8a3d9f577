import { describe, expect, it } from 'vitest';
import { itemKind, keys, tableDefinition } from '../../../functions/shared/table.ts';

describe('the table definition', () => {
  it('is on demand with a PK/SK key and a NEW_IMAGE stream the relay reads', () => {
    const def = tableDefinition('rankwatch');
    expect(def).toMatchObject({
      TableName: 'rankwatch',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    });
  });
});

describe('keys', () => {
  it('order snapshot numbers as strings the way they order as numbers', () => {
    const sks = [1, 9, 10, 99, 100, 12_345].map((n) => keys.manifest('s', '2026-W05', n).SK);
    expect([...sks].sort()).toEqual(sks);
  });

  it('keep a scheme’s heads in its partition, in time order', () => {
    const heads = ['2025-W52', '2026-W01', '2026-W09', '2026-W10'].map((p) => keys.head('s', p));
    expect(new Set(heads.map((h) => h.PK)).size).toBe(1);
    expect(heads.map((h) => h.SK).sort()).toEqual(heads.map((h) => h.SK));
    expect(heads.every((h) => h.SK.startsWith(keys.headPrefix))).toBe(true);
  });

  it('tell outbox items (snapshot and rejection outboxes) and manifests apart from everything else', () => {
    expect(itemKind(keys.outbox('s', '2026-W05', 1, 0).PK)).toBe('outbox');
    expect(itemKind(keys.rejection('evt-1').PK)).toBe('outbox');
    expect(itemKind(keys.manifest('s', '2026-W05', 1).PK)).toBe('manifest');
    for (const other of [
      keys.head('s', '2026-W05'),
      keys.chunk('abc'),
      keys.sent('id'),
      keys.alertBucket('s', 3),
    ])
      expect(itemKind(other.PK)).toBe('other');
  });
});
