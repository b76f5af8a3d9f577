import { describe, expect, it } from 'vitest';
import { roleDescription } from '../../infra/constructs/function.ts';

describe('roleDescription (IAM takes Latin-1 only)', () => {
  it('leaves out the Chinese terms of a function description, and their brackets', () => {
    expect(roleDescription('rankwatch-remind', 'Weekly reminder (周提醒) of each owner department')).toBe(
      'rankwatch-remind: Weekly reminder of each owner department',
    );
    expect(
      roleDescription(
        'rankwatch-bulletin',
        'Weekly analysis (周分析) and monthly bulletin (月通报) to the bulletin bucket',
      ),
    ).toBe('rankwatch-bulletin: Weekly analysis and monthly bulletin to the bulletin bucket');
  });

  it('keeps Latin-1 text and brackets as they are, drops other stray characters, and stays within 1,000', () => {
    expect(roleDescription('rankwatch-ingest', 'Department reports (SQS) → assessments, café')).toBe(
      'rankwatch-ingest: Department reports (SQS) assessments, café',
    );
    expect(roleDescription('s', 'x'.repeat(2_000))).toHaveLength(1_000);
  });
});
