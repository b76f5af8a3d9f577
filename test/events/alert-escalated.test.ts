import { describe, expect, it } from 'vitest';
import { AlertEscalatedDetail, alertEscalated } from '../../events/alert-escalated.ts';
import { rankingSlipped } from '../../events/ranking-slipped.ts';
import { readSample } from '../../events/samples.ts';

const detail = (readSample(alertEscalated) as { detail: Record<string, unknown> }).detail;

describe('Alert.Escalated', () => {
  it('shares its alert key with the Ranking.Slipped that opened the alert', () => {
    const slipped = (readSample(rankingSlipped) as { detail: Record<string, unknown> }).detail;
    expect(detail.alertKey).toBe(slipped.alertKey);
  });

  it('escalates to level 1 or above, after a positive SLA', () => {
    expect(AlertEscalatedDetail.safeParse({ ...detail, level: 0 }).success).toBe(false);
    expect(AlertEscalatedDetail.safeParse({ ...detail, level: 2 }).success).toBe(true);
    expect(AlertEscalatedDetail.safeParse({ ...detail, slaHours: 0 }).success).toBe(false);
  });
});
