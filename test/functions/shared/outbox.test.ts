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

  it('sends one Ranking.Slipped per notification: lostFirst names it and inhibits rankDrop, whose key is listed', () => {
    // The fixture's second snapshot: Lanzhou loses first place overall and on both indicators, so each of the
    // three scopes holds lostFirst and rankDrop (six alert keys), which are three notifications.
    expect(second.alertEvents.filter((a) => a.kind === 'slipped')).toHaveLength(6);
    const events = eventsForRecorded(scheme, second, h2, h1);
    expect(events.map((e) => e.detailType)).toEqual([
      'Assessment.Recorded',
      'Ranking.Slipped',
      'Ranking.Slipped',
      'Ranking.Slipped',
    ]);
    const key = (scope: string, rule: string) => `unit-weekly|2026-W02|${scope}|lanzhou|${rule}`;
    const scopes = ['overall', 'indicator:hotline_satisfaction', 'indicator:gov_online_rate'];
    expect(events.slice(1).map((e) => e.id)).toEqual(
      scopes.map((sc) => stableId('slipped', key(sc, 'lostFirst'))),
    );
    expect(events.slice(1).map((e) => e.detail)).toEqual(
      scopes.map((sc) =>
        expect.objectContaining({
          alertKey: key(sc, 'lostFirst'),
          rule: 'lostFirst',
          notificationId: expect.stringMatching(/^N[0-9a-f]{20}$/),
          rules: [{ rule: 'lostFirst', severity: 'warning', alertKey: key(sc, 'lostFirst') }],
          inhibited: [{ rule: 'rankDrop', alertKey: key(sc, 'rankDrop'), by: 'lostFirst' }],
        }),
      ),
    );
    expect(new Set(events.slice(1).map((e) => e.detail.notificationId)).size).toBe(3);
    // Built again (a retried transaction, a re-sent copy), the events are the same.
    expect(eventsForRecorded(scheme, second, h2, h1)).toEqual(events);
  });

  it('routes indicator slips to the indicator’s owner, overall slips to no department', () => {
    const events = eventsForRecorded(scheme, second, h2, h1).slice(1);
    const owners = Object.fromEntries(events.map((e) => [String(e.detail.alertKey), e.detail.owner]));
    expect(owners['unit-weekly|2026-W02|indicator:hotline_satisfaction|lanzhou|lostFirst']).toBe(
      'hotline12345',
    );
    expect(owners['unit-weekly|2026-W02|indicator:gov_online_rate|lanzhou|lostFirst']).toBe('govservice');
    expect(owners['unit-weekly|2026-W02|overall|lanzhou|lostFirst']).toBeUndefined();
    expect(Object.keys(owners)).toHaveLength(3);
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
