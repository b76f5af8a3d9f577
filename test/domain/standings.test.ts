import { describe, expect, it } from 'vitest';
import { indicatorScope, OVERALL, parseScope, standingsOf } from '../../domain/standings.ts';
import { entities, indicator, run, scheme } from './fixtures.ts';

/*
 *        a    b   composite
 *   A   90   70     80
 *   B   60   80     70
 *   C   50   70     60
 *   D    —    —     unranked
 */
const s = scheme({ entities: entities('A', 'B', 'C', 'D'), indicators: [indicator('a'), indicator('b')] });
const ev = run(s, { a: { A: 90, B: 60, C: 50 }, b: { A: 70, B: 80, C: 70 } });

describe('standings', () => {
  it('gives the leader its lead over second as margin, and the others their (negative) gap to first', () => {
    const st = standingsOf(ev);
    // mean of ranked composites (80 + 70 + 60)/3 = 70; D is left out
    expect(st.entities.A?.[OVERALL]).toEqual({ rank: 1, tied: false, score: 80, mean: 70, margin: 10 });
    expect(st.entities.B?.[OVERALL]).toMatchObject({ rank: 2, margin: -10 });
    expect(st.entities.C?.[OVERALL]).toMatchObject({ rank: 3, margin: -20 });
    expect(st.entities.D?.[OVERALL]?.rank).toBe(0);
  });

  it('records per indicator the value, score, mean, margin and ties', () => {
    const st = standingsOf(ev, ['C']);
    // b: 80, 70, 70 → mean 73.33; C tied second, 10 behind B
    expect(st.entities.C?.[indicatorScope('b')]).toMatchObject({
      rank: 2,
      tied: true,
      value: 70,
      margin: -10,
    });
    expect(st.entities.C?.[indicatorScope('b')]?.mean).toBeCloseTo(220 / 3, 12);
    expect(Object.keys(st.entities)).toEqual(['C']);
    expect(st.period).toBe('2026-01');
  });

  it('gives a shared first place a margin of 0', () => {
    const tie = run(s, { a: { A: 50, B: 50, C: 10 }, b: { A: 50, B: 50, C: 10 } });
    const st = standingsOf(tie);
    expect(st.entities.A?.[OVERALL]).toMatchObject({ rank: 1, tied: true, margin: 0 });
    expect(st.entities.B?.[OVERALL]).toMatchObject({ rank: 1, tied: true, margin: 0 });
  });

  it('names scopes overall and indicator:<id>, and parses them back', () => {
    expect(indicatorScope('a')).toBe('indicator:a');
    expect(parseScope('indicator:a')).toEqual({ scope: 'indicator', indicator: 'a' });
    expect(parseScope(OVERALL)).toEqual({ scope: 'overall' });
  });
});
