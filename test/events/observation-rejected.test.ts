import { describe, expect, it } from 'vitest';
import { ObservationRejectedDetail, observationRejected } from '../../events/observation-rejected.ts';
import { readSample } from '../../events/samples.ts';
import { departmentFromSource } from '../../events/sources.ts';

const detail = (readSample(observationRejected) as { detail: Record<string, unknown> }).detail;

describe('Observation.Rejected', () => {
  it('names the department to route the rejection back to, from the original source', () => {
    expect(detail.department).toBe(departmentFromSource(detail.originalSource as string));
  });

  it('allows no department when the source named none', () => {
    expect(ObservationRejectedDetail.safeParse({ ...detail, department: null }).success).toBe(true);
  });

  it('needs at least one reason, each with a path and a bilingual message', () => {
    expect(ObservationRejectedDetail.safeParse({ ...detail, reasons: [] }).success).toBe(false);
    const bad = [{ path: 'detail.value', code: 'invalid_type', message: 'wrong' }];
    expect(ObservationRejectedDetail.safeParse({ ...detail, reasons: bad }).success).toBe(false);
  });

  it('distinguishes validation from authorisation', () => {
    expect(ObservationRejectedDetail.safeParse({ ...detail, cause: 'authorisation' }).success).toBe(true);
    expect(ObservationRejectedDetail.safeParse({ ...detail, cause: 'other' }).success).toBe(false);
  });
});
