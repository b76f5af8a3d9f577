import { describe, expect, it } from 'vitest';
import { BulletinPublishedDetail, bulletinPublished } from '../../events/bulletin-published.ts';
import { readSample } from '../../events/samples.ts';

const detail = (readSample(bulletinPublished) as { detail: Record<string, unknown> }).detail;

describe('Bulletin.Published', () => {
  it('is either the weekly analysis or the monthly bulletin', () => {
    expect(BulletinPublishedDetail.safeParse({ ...detail, kind: 'weekly', period: '2026-W33' }).success).toBe(
      true,
    );
    expect(BulletinPublishedDetail.safeParse({ ...detail, kind: 'daily' }).success).toBe(false);
  });

  it('needs a location and a bilingual title', () => {
    expect(BulletinPublishedDetail.safeParse({ ...detail, location: '' }).success).toBe(false);
    expect(BulletinPublishedDetail.safeParse({ ...detail, title: { zh: '月通报' } }).success).toBe(false);
  });
});
