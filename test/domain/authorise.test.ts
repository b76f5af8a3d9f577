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
