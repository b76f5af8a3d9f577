import { describe, expect, it } from 'vitest';
import { checkReport } from '../../domain/authorise.ts';
import type { Observation } from '../../domain/observations.ts';
import { indicator, scheme } from './fixtures.ts';

const s = scheme({ indicators: [indicator('x', { owner: 'hotline' }), indicator('y', { owner: 'data' })] });
const obs = (entity: string, ind = 'x'): Observation => ({
  period: '2026-03',
  entity,
  indicator: ind,
  value: 1,
});

describe('checking a department report against the scheme', () => {
  it('accepts a table of known entities on an indicator the department owns', () => {
    expect(
      checkReport(s, 'hotline', { period: '2026-03', shape: 'table', observations: [obs('A'), obs('B')] }),
    ).toEqual({
      reasons: [],
      cause: 'validation',
    });
  });

  it('refuses an indicator another department owns, as an authorisation problem naming the owner', () => {
    const check = checkReport(s, 'hotline', {
      period: '2026-03',
      shape: 'single',
      observations: [obs('A', 'y')],
    });
    expect(check.cause).toBe('authorisation');
    expect(check.reasons).toEqual([
      {
        path: 'detail.indicator',
        code: 'not_owner',
        message: {
          en: 'department "hotline" does not own indicator "y" (owner: data)',
          zh: '部门“hotline”无权报送指标“y”（责任部门：data）',
        },
      },
    ]);
  });

  it('names every unknown entity of a table by its position, and a period of the wrong kind', () => {
    const check = checkReport(s, 'hotline', {
      period: '2026-W03',
      shape: 'table',
      observations: [obs('A'), obs('Z'), obs('Q')],
    });
    expect(check.cause).toBe('validation');
    expect(check.reasons.map((r) => [r.path, r.code])).toEqual([
      ['detail.period', 'bad_period'],
      ['detail.values[1].entity', 'unknown_entity'],
      ['detail.values[2].entity', 'unknown_entity'],
    ]);
  });

  it('accepts observedAt up to the tolerance after receipt and rejects it 1 ms later, naming the field', () => {
    const at = (observedAt: string): Observation => ({ ...obs('A'), observedAt });
    const timing = { receivedAt: '2026-03-10T00:00:00.000Z', toleranceMs: 5 * 60_000 };
    const report = (o: Observation) => ({ period: '2026-03', shape: 'single' as const, observations: [o] });
    // 08:05 in Beijing is 00:05 UTC: exactly the tolerance.
    expect(checkReport(s, 'hotline', report(at('2026-03-10T08:05:00+08:00')), timing).reasons).toEqual([]);
    const late = checkReport(s, 'hotline', report(at('2026-03-10T00:05:00.001Z')), timing);
    expect(late).toEqual({
      cause: 'validation',
      reasons: [
        {
          path: 'detail.observedAt',
          code: 'future_observed_at',
          message: {
            en: 'observedAt 2026-03-10T00:05:00.001Z is later than the time the report was received (2026-03-10T00:00:00.000Z) plus 5 min',
            zh: '观测时间 2026-03-10T00:05:00.001Z 晚于接收时间（2026-03-10T00:00:00.000Z）加 5 分钟的容差',
          },
        },
      ],
    });
    // Without a tolerance the default is 5 minutes; without timing (the CLI's files) nothing is checked.
    expect(
      checkReport(s, 'hotline', report(at('9999-12-31T00:00:00Z')), { receivedAt: timing.receivedAt })
        .reasons,
    ).toHaveLength(1);
    expect(checkReport(s, 'hotline', report(at('9999-12-31T00:00:00Z'))).reasons).toEqual([]);
  });

  it('rejects a period that has not begun (a day and the tolerance allowed, for time zones ahead of UTC), naming the field', () => {
    const report = (period: string) => ({
      period,
      shape: 'single' as const,
      observations: [{ ...obs('A'), period }],
    });
    const april = (receivedAt: string) =>
      checkReport(s, 'hotline', report('2026-04'), { receivedAt }).reasons;
    expect(
      checkReport(s, 'hotline', report('9999-01'), { receivedAt: '2026-03-10T00:00:00.000Z' }).reasons,
    ).toEqual([
      {
        path: 'detail.period',
        code: 'future_period',
        message: {
          en: 'period 9999-01 begins 9999-01-01T00:00:00.000Z, after the report was received (2026-03-10T00:00:00.000Z)',
          zh: '周期 9999-01 始于 9999-01-01T00:00:00.000Z，晚于接收时间（2026-03-10T00:00:00.000Z）',
        },
      },
    ]);
    // April begins 2026-04-01T00:00Z (08:00 in Shanghai, whose April begins at 2026-03-31T16:00Z).
    expect(april('2026-03-31T16:00:00.000Z')).toEqual([]);
    expect(april('2026-03-30T23:55:00.000Z')).toEqual([]);
    expect(april('2026-03-30T23:54:59.999Z').map((r) => r.code)).toEqual(['future_period']);
    // The current period and earlier ones are fine; without timing (the CLI's files) nothing is checked.
    expect(
      checkReport(s, 'hotline', report('2026-03'), { receivedAt: '2026-03-10T00:00:00.000Z' }).reasons,
    ).toEqual([]);
    expect(checkReport(s, 'hotline', report('9999-01')).reasons).toEqual([]);
  });

  it('reports an unknown indicator as a validation problem, not an ownership one', () => {
    const check = checkReport(s, 'hotline', {
      period: '2026-03',
      shape: 'single',
      observations: [obs('A', 'nope')],
    });
    expect(check).toMatchObject({
      cause: 'validation',
      reasons: [{ path: 'detail.indicator', code: 'unknown_indicator' }],
    });
  });
});

describe('an indicator with a declared valid range', () => {
  const ranged = scheme({
    indicators: [
      indicator('sat', { owner: 'hotline', range: { min: 0, max: 100 } }),
      indicator('free', { owner: 'hotline' }),
    ],
  });
  const value = (v: number, ind = 'sat', entity = 'A'): Observation => ({
    period: '2026-03',
    entity,
    indicator: ind,
    value: v,
  });

  it('refuses −1e308 and 1.7e308 as a satisfaction score, naming the value field and the range', () => {
    for (const v of [-1e308, 1.7e308]) {
      const check = checkReport(ranged, 'hotline', {
        period: '2026-03',
        shape: 'single',
        observations: [value(v)],
      });
      expect(check.cause).toBe('validation');
      expect(check.reasons).toHaveLength(1);
      expect(check.reasons[0]).toMatchObject({ path: 'detail.value', code: 'out_of_range' });
      expect(check.reasons[0]!.message.en).toContain('[0, 100]');
      expect(check.reasons[0]!.message.zh).toContain('有效范围');
    }
  });

  it('names each out-of-range row of a table and accepts the bounds themselves', () => {
    const check = checkReport(ranged, 'hotline', {
      period: '2026-03',
      shape: 'table',
      observations: [
        value(0, 'sat', 'A'),
        value(100.5, 'sat', 'B'),
        value(100, 'sat', 'C'),
        value(-0.1, 'sat', 'D'),
      ],
    });
    expect(check.reasons.map((r) => r.path)).toEqual(['detail.values[1].value', 'detail.values[3].value']);
  });

  it('accepts any finite number on an indicator without a range', () => {
    const check = checkReport(ranged, 'hotline', {
      period: '2026-03',
      shape: 'single',
      observations: [value(1.7e308, 'free')],
    });
    expect(check.reasons).toEqual([]);
  });
});
