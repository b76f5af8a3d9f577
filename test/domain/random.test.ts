import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gamma, mulberry32, normal } from '../../domain/random.ts';

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const varOf = (xs: number[]) => {
  const mu = meanOf(xs);
  return meanOf(xs.map((x) => (x - mu) ** 2));
};

describe('seeded random numbers', () => {
  it('gives the same mulberry32 sequence for the same seed and another for another seed', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
  });

  it('keeps mulberry32 in [0, 1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
        const r = mulberry32(seed);
        for (let i = 0; i < 50; i++) {
          const x = r();
          if (!(x >= 0 && x < 1)) return false;
        }
        return true;
      }),
    );
  });

  it('draws normals with mean 0 and variance 1', () => {
    const r = mulberry32(1);
    const xs = Array.from({ length: 20_000 }, () => normal(r));
    // Standard errors: 1/√20000 ≈ 0.007 for the mean, ≈ 0.01 for the variance.
    expect(Math.abs(meanOf(xs))).toBeLessThan(0.03);
    expect(Math.abs(varOf(xs) - 1)).toBeLessThan(0.05);
  });

  it.each([0.3, 1, 2.5, 40])('draws Gamma(%f) with mean and variance equal to the shape', (shape) => {
    const r = mulberry32(99);
    const xs = Array.from({ length: 20_000 }, () => gamma(r, shape));
    expect(xs.every((x) => x > 0)).toBe(true);
    expect(Math.abs(meanOf(xs) - shape) / shape).toBeLessThan(0.05);
    expect(Math.abs(varOf(xs) - shape) / shape).toBeLessThan(0.1);
  });

  it('refuses a non-positive gamma shape', () => {
    expect(() => gamma(mulberry32(1), 0)).toThrow(/shape must be > 0/);
  });
});
