import { describe, expect, it } from 'vitest';
import { observedAtToleranceMs } from '../../../functions/shared/department-reports.ts';

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
