import { describe, expect, it } from 'vitest';
import { FaultPlan } from '../../local/faults.ts';

describe('FaultPlan', () => {
  it('is reproducible from its seed', () => {
    const rolls = (seed: number) => {
      const plan = new FaultPlan(seed, { 'dynamodb-throttling': 0.3 });
      return Array.from({ length: 200 }, () => plan.roll('dynamodb-throttling'));
    };
    expect(rolls(7)).toEqual(rolls(7));
    expect(rolls(7)).not.toEqual(rolls(8));
  });

  it('injects roughly at its rate and never a kind with no rate', () => {
    const plan = new FaultPlan(1, { 'dynamodb-throttling': 0.1 });
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (plan.roll('dynamodb-throttling')) hits++;
    expect(hits).toBeGreaterThan(850);
    expect(hits).toBeLessThan(1_150);
    expect(plan.injected['dynamodb-throttling']).toBe(hits);
    for (let i = 0; i < 1_000; i++) expect(plan.roll('putevents-reply-lost')).toBe(false);
  });

  it('with eachKindWithin, injects a kind that has not come up by then on the next eligible request, once', () => {
    // A rate so small that 1,000 draws from this seed never hit it.
    const rare = { 'lambda-crash-after-commit': 1e-9 };
    const without = new FaultPlan(3, rare);
    const withFloor = new FaultPlan(3, rare, { eachKindWithin: 5 });
    const a = Array.from({ length: 1_000 }, () => without.roll('lambda-crash-after-commit'));
    const b = Array.from({ length: 1_000 }, () => withFloor.roll('lambda-crash-after-commit'));
    expect(a.filter(Boolean)).toHaveLength(0);
    expect(b.indexOf(true)).toBe(5); // the sixth eligible request
    expect(b.filter(Boolean)).toHaveLength(1); // only the floor, not a second forced one
  });

  it('forces again when a forced fault was taken back (no environment held the session)', () => {
    const plan = new FaultPlan(3, { 'lambda-crash-after-commit': 1e-9 }, { eachKindWithin: 2 });
    const first = Array.from({ length: 3 }, () => plan.roll('lambda-crash-after-commit'));
    expect(first).toEqual([false, false, true]);
    plan.count('lambda-crash-after-commit', -1);
    expect(plan.roll('lambda-crash-after-commit')).toBe(true);
    expect(plan.injected['lambda-crash-after-commit']).toBe(1);
  });

  it('injects nothing once disabled, floor or not', () => {
    const plan = new FaultPlan(3, { 'sqs-redelivery': 1e-9 }, { eachKindWithin: 0 });
    plan.disable();
    for (let i = 0; i < 10; i++) expect(plan.roll('sqs-redelivery')).toBe(false);
    expect(plan.total).toBe(0);
  });
});
