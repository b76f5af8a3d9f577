import { describe, expect, it } from 'vitest';
import { findContract } from '../../../events/index.ts';
import { eventsForRecorded, rejectionEvent, stableId } from '../../../functions/shared/outbox.ts';
import { recordedPair, scheme } from '../fixtures.ts';

describe('stableId', () => {
  it('is 32 hex characters, the same for the same parts and different when a boundary moves', () => {
    expect(stableId('slipped', 'k|1')).toMatch(/^[0-9a-f]{32}$/);
    expect(stableId('slipped', 'k|1')).toBe(stableId('slipped', 'k|1'));
    expect(stableId('a', 'bc')).not.toBe(stableId('ab', 'c'));
  });
});

describe('eventsForRecorded', () => {
  const { first, second } = recordedPair();
  const h1 = 'a'.repeat(64);
  const h2 = 'b'.repeat(64);

  it('announces a snapshot with Assessment.Recorded carrying its sequence, hashes and the watched ranks', () => {
    const [recorded, ...rest] = eventsForRecorded(scheme, first, h1, null);
    expect(rest).toEqual([]);
    expect(recorded).toMatchObject({
      id: stableId('recorded', scheme.id, '2026-W02', 1),
      detailType: 'Assessment.Recorded',
      source: 'rankwatch.engine',
      detail: {
        scheme: scheme.id,
        period: '2026-W02',
        sequence: 1,
        hash: h1,
        previousHash: null,
        ranks: [{ entity: 'lanzhou', rank: 1, tied: false }],
      },
    });
  });

  it('adds one event per alert decision, with an id derived from its alert key', () => {
    const events = eventsForRecorded(scheme, second, h2, h1);
    expect(events.map((e) => e.detailType)).toEqual([
      'Assessment.Recorded',
      ...second.alertEvents.map(() => 'Ranking.Slipped'),
    ]);
    expect(events.slice(1).map((e) => e.id)).toEqual(
      second.alertEvents.map((a) => stableId('slipped', a.key)),
    );
    expect(events.slice(1).map((e) => e.detail.alertKey)).toEqual(second.alertEvents.map((a) => a.key));
    // Built again (a retried transaction, a re-sent copy), the events are the same.
    expect(eventsForRecorded(scheme, second, h2, h1)).toEqual(events);
  });

  it('routes indicator slips to the indicator’s owner, overall slips to no department', () => {
    const events = eventsForRecorded(scheme, second, h2, h1).slice(1);
    const owners = Object.fromEntries(events.map((e) => [String(e.detail.alertKey), e.detail.owner]));
    expect(owners['unit-weekly|2026-W02|indicator:hotline_satisfaction|lanzhou|rankDrop']).toBe(
      'hotline12345',
    );
    expect(owners['unit-weekly|2026-W02|indicator:gov_online_rate|lanzhou|lostFirst']).toBe('govservice');
    expect(owners['unit-weekly|2026-W02|overall|lanzhou|rankDrop']).toBeUndefined();
  });

  it('produces details every contract accepts', () => {
    for (const e of eventsForRecorded(scheme, second, h2, h1))
      expect(findContract(e.detailType)!.detail.safeParse(e.detail).success).toBe(true);
  });
});

describe('rejectionEvent', () => {
  const rejection = {
    originalEventId: 'evt-9',
    department: 'govservice',
    cause: 'authorisation' as const,
    reasons: [
      { path: 'detail.indicator', code: 'not_owner', message: { zh: '无权报送', en: 'not the owner' } },
    ],
    receivedAt: '2026-01-12T03:00:00Z',
  };

  it('is an Observation.Rejected whose id follows the original event, so a redelivery gives the same one', () => {
    const ev = rejectionEvent(rejection);
    expect(ev).toMatchObject({
      id: stableId('rejected', 'evt-9'),
      detailType: 'Observation.Rejected',
      detail: { originalEventId: 'evt-9', cause: 'authorisation', department: 'govservice' },
    });
    expect(rejectionEvent(rejection)).toEqual(ev);
  });

  it('refuses a rejection without reasons (the contract requires at least one)', () => {
    expect(() => rejectionEvent({ ...rejection, reasons: [] })).toThrow();
  });
});
