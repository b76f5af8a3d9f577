import { describe, expect, it } from 'vitest';
import {
  EVENT_ID_PATTERN,
  eventDigest,
  observedAtToleranceMs,
  parseDepartmentRecord,
} from '../../../functions/shared/department-reports.ts';
import type { BusEvent } from '../../support/pipeline.ts';
import { valueReported } from '../fixtures.ts';

describe('the observedAt tolerance from OBSERVED_AT_TOLERANCE_SECONDS', () => {
  it('is 5 minutes when the variable is unset or empty', () => {
    expect(observedAtToleranceMs(undefined)).toBe(300_000);
    expect(observedAtToleranceMs(' ')).toBe(300_000);
  });

  it('is the number of seconds given, in milliseconds', () => {
    expect(observedAtToleranceMs('45')).toBe(45_000);
    expect(observedAtToleranceMs('0')).toBe(0);
  });

  it.each(['-1', 'five', 'Infinity'])('refuses %j, naming the variable', (value) => {
    expect(() => observedAtToleranceMs(value)).toThrow(/OBSERVED_AT_TOLERANCE_SECONDS/);
  });
});

describe('an event content digest', () => {
  const event = valueReported();
  const digest = (e: BusEvent) => eventDigest(e['detail-type'], e.source, e.detail);

  it('is the same for the same content, whatever the key order or the delivery fields', () => {
    const reordered = Object.fromEntries(Object.entries(event.detail).reverse());
    expect(eventDigest(event['detail-type'], event.source, reordered)).toBe(digest(event));
    expect(digest({ ...event, time: '2026-02-01T00:00:00Z', account: '210987654321' })).toBe(digest(event));
  });

  it('changes with the value, the detail-type or the source', () => {
    const seen = new Set([
      digest(event),
      digest({ ...event, detail: { ...event.detail, value: 10 } }),
      digest({ ...event, 'detail-type': 'Indicator.ResultsPublished' }),
      digest({ ...event, source: 'dept.govservice' }),
    ]);
    expect(seen.size).toBe(4);
  });

  it('is carried by the admitted report', () => {
    const parsed = parseDepartmentRecord(
      { messageId: 'm-1', body: JSON.stringify(event) },
      '2026-07-01T00:00:00Z',
    );
    expect(parsed.ok && parsed.report).toMatchObject({ eventId: event.id, digest: digest(event) });
  });
});

describe('an envelope id that no table key could hold', () => {
  it.each(['', ' ', 'x'.repeat(129), 'evt\u0000nul', 'evt\uD800', '事件-1'])(
    '%j is rejected on `id`, under the SQS message id',
    (id) => {
      const parsed = parseDepartmentRecord(
        { messageId: 'm-2', body: JSON.stringify({ ...valueReported(), id }) },
        '2026-07-01T00:00:00Z',
      );
      expect(parsed.ok).toBe(false);
      if (parsed.ok) return;
      expect(parsed.rejection.originalEventId).toBe('m-2');
      expect(parsed.rejection.reasons).toEqual([
        expect.objectContaining({ path: 'id', code: 'invalid_event_id' }),
      ]);
    },
  );

  it('is named beside the detail’s own problems', () => {
    const body = JSON.stringify({ ...valueReported({ value: 'ninety' }), id: '' });
    const parsed = parseDepartmentRecord({ messageId: 'm-3', body }, '2026-07-01T00:00:00Z');
    expect(!parsed.ok && parsed.rejection.reasons.map((r) => r.path)).toEqual(['id', 'detail.value']);
  });

  it('a UUID, as EventBridge gives, is taken', () => {
    expect(EVENT_ID_PATTERN.test('6a7e8feb-b491-4cf7-a9f1-bf3703467718')).toBe(true);
  });
});
