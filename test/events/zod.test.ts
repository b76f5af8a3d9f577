import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from '../../events/zod.ts';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('described', () => {
  it('gives a copy of the schema carrying the description, leaving the original undescribed', () => {
    const id = z.string().check(z.minLength(2));
    const copy = z.described(id, 'An id.');
    expect(copy).not.toBe(id);
    expect(z.globalRegistry.get(copy)).toEqual({ description: 'An id.' });
    expect(z.globalRegistry.get(id)).toBeUndefined();
    expect(copy.safeParse('ab').success).toBe(true);
    expect(copy.safeParse('a').success).toBe(false);
  });

  it('gives the schema itself where descriptions are off, as in the function bundles', () => {
    vi.stubEnv('RANKWATCH_SCHEMA_DOCS', 'off');
    const id = z.string();
    expect(z.described(id, 'An id.')).toBe(id);
    expect(z.globalRegistry.get(id)).toBeUndefined();
  });
});

describe("the contracts' zod", () => {
  it("says what is wrong in zod's English, as the classic import does", () => {
    const result = z.number().safeParse('95.73%');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('Invalid input: expected number, received string');
  });
});
