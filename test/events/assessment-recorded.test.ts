import { describe, expect, it } from 'vitest';
import { AssessmentRecordedDetail, assessmentRecorded } from '../../events/assessment-recorded.ts';
import { readSample } from '../../events/samples.ts';

const detail = (readSample(assessmentRecorded) as { detail: Record<string, unknown> }).detail;

describe('Assessment.Recorded', () => {
  it('starts a hash chain with a null previous hash', () => {
    expect(AssessmentRecordedDetail.safeParse({ ...detail, sequence: 1, previousHash: null }).success).toBe(
      true,
    );
  });

  it('takes hashes only as 64 lowercase hex digits', () => {
    const hash = detail.hash as string;
    expect(AssessmentRecordedDetail.safeParse({ ...detail, hash: hash.toUpperCase() }).success).toBe(false);
    expect(AssessmentRecordedDetail.safeParse({ ...detail, hash: hash.slice(1) }).success).toBe(false);
  });

  it('says why a watched entity is unranked, and only then', () => {
    const unranked = { entity: 'gannan', rank: null, tied: false, score: null, unranked: 'no values' };
    expect(AssessmentRecordedDetail.safeParse({ ...detail, ranks: [unranked] }).success).toBe(true);
    const { unranked: _, ...noReason } = unranked;
    const issues = AssessmentRecordedDetail.safeParse({ ...detail, ranks: [noReason] }).error?.issues;
    expect(issues?.map((i) => i.path)).toEqual([['ranks', 0, 'unranked']]);
    const ranked = { entity: 'lanzhou', rank: 2, tied: false, score: 86.4, unranked: 'no values' };
    expect(AssessmentRecordedDetail.safeParse({ ...detail, ranks: [ranked] }).success).toBe(false);
  });
});
