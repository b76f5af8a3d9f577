import { describe, expect, it } from 'vitest';
import { declineRun, diagnose, ewma, robustZ, trajectory } from '../../domain/diagnosis.ts';
import type { PeriodValues } from '../../domain/evaluate.ts';
import { analyseGap } from '../../domain/gap.ts';
import type { Scheme, SchemeInput } from '../../domain/scheme.ts';
import { standingsOf } from '../../domain/standings.ts';
import { entities, indicator, run, scheme } from './fixtures.ts';

/** Diagnoses `entity` in the last of consecutive months 2026-01, 2026-02, … given each month's values. */
function diagnoseSeries(s: Scheme, entity: string, months: PeriodValues[]) {
  const period = (i: number) => `2026-${String(i + 1).padStart(2, '0')}`;
  const history = months.slice(0, -1).map((v, i) => standingsOf(run(s, v, period(i))));
  const ev = run(s, months[months.length - 1]!, period(months.length - 1));
  return diagnose(ev, entity, history, analyseGap(ev, entity));
}

describe('series statistics', () => {
  it('smooths with EWMA λ = 0.3: 10, 20, 30 → 18.1', () => {
    // z = 10; 0.3·20 + 0.7·10 = 13; 0.3·30 + 0.7·13 = 18.1
    expect(ewma([10, 20, 30])).toBeCloseTo(18.1, 12);
  });

  it('counts consecutive declines at the end in the improving direction', () => {
    expect(declineRun([5, 9, 8, 7], 1)).toBe(2);
    expect(declineRun([5, 9, 8, 8], 1)).toBe(0);
    // lower-is-better: rising values are declines
    expect(declineRun([3, 4, 5, 6], -1)).toBe(3);
  });

  it('measures the robust z of the latest value with 1.4826·MAD', () => {
    // median 11, |x − 11| = 1, 0, 1, 1, 0, 19 → MAD 1 → 19/1.4826
    expect(robustZ([10, 11, 10, 12, 11, 30])).toBeCloseTo(19 / 1.4826, 12);
    expect(robustZ([10, 10, 10, 15])).toBeNull(); // MAD 0
  });

  describe('trajectory to a target of 100 with 5 periods left', () => {
    it('is on track when the projection reaches it: 70 + 5·10 = 120', () => {
      expect(trajectory([50, 60, 70], 1, 100, 5)).toBe('on-track');
    });
    it('is slightly off when the projection covers ≥ 80% of the way: 25/30', () => {
      expect(trajectory([60, 65, 70], 1, 100, 5)).toBe('slightly-off');
    });
    it('is off track when it covers less: 10/30', () => {
      expect(trajectory([66, 68, 70], 1, 100, 5)).toBe('off-track');
    });
    it('is the wrong direction when the mean change moves away', () => {
      expect(trajectory([74, 72, 70], 1, 100, 5)).toBe('wrong-direction');
    });
    it('is on track once the target is reached', () => {
      expect(trajectory([90, 100], 1, 100, 5)).toBe('on-track');
    });
    it('uses the mean of the last 5 changes only', () => {
      // changes −50, then +5 ×5: mean of last five = +5 → 70 + 25 = 95, covered 25/30
      expect(trajectory([95, 45, 50, 55, 60, 65, 70], 1, 100, 5)).toBe('slightly-off');
    });
    it('works for lower-is-better targets: 30 → 10 falling 2 a period reaches 20 only', () => {
      expect(trajectory([34, 32, 30], -1, 10, 5)).toBe('off-track');
      expect(trajectory([40, 35, 30], -1, 10, 5)).toBe('on-track');
    });
  });
});

/*
 * Four entities, focus C, two goalpost indicators 0..100 of equal weight.
 * Current month (2026-07):   p    q   composite
 *                       A   90   60     75
 *                       B   80   70     75
 *                       C   78   40     59
 *                       D   50   30     40
 * C's p fell by 1 every month from 84; its q stayed at 40.
 */
const dInput: Partial<SchemeInput> = {
  focus: ['C'],
  departments: [
    {
      id: 'hotline',
      name: { zh: '12345热线', en: '12345 hotline' },
      leader: { zh: '张局长', en: 'Director Zhang' },
    },
  ],
  indicators: [
    indicator('p', {
      owner: 'hotline',
      precision: 0,
      target: { value: 85, by: '2026-12' },
      normalise: { method: 'goalpost', best: 100, worst: 0 },
    }),
    indicator('q', {
      owner: 'services',
      precision: 0,
      normalise: { method: 'goalpost', best: 100, worst: 0 },
    }),
  ],
};
const month = (cp: number): PeriodValues => ({
  p: { A: 90, B: 80, C: cp, D: 50 },
  q: { A: 60, B: 70, C: 40, D: 30 },
});
const dMonths = [84, 83, 82, 81, 80, 79, 78].map(month);

describe('diagnosing an indicator over the history', () => {
  const d = diagnoseSeries(scheme(dInput), 'C', dMonths);
  const p = d.indicators.p!;

  it('reports the change since the previous period: value −1, score −1, rank unchanged', () => {
    expect(p.change).toEqual({ value: -1, score: -1, rank: 0 });
    expect(p.value).toBe(78);
    expect(p.rank).toBe(3);
  });

  it('takes the moving average of the last 4 values: (81 + 80 + 79 + 78)/4 = 79.5', () => {
    expect(p.movingAverage).toBe(79.5);
  });

  it('takes the EWMA over the whole series: 84 → 83.7 → 83.19 → 82.533 → 81.7731 → 80.9412 → 80.0588', () => {
    expect(p.ewma).toBeCloseTo(80.058819, 6);
  });

  it('fires the run rule after 6 consecutive declines', () => {
    expect(p.declineRun).toBe(6);
    expect(p.runRule).toBe(true);
  });

  it('does not fire the run rule after 5', () => {
    const five = diagnoseSeries(scheme(dInput), 'C', dMonths.slice(1));
    expect(five.indicators.p?.declineRun).toBe(5);
    expect(five.indicators.p?.runRule).toBe(false);
  });

  it('measures volatility as the sd of period changes: all −1 → 0', () => {
    expect(p.volatility).toBe(0);
  });

  it('does not flag a steady decline as an outlier: |78 − 81|/(1.4826·2) = 1.01', () => {
    expect(p.robustZ).toBeCloseTo(3 / (1.4826 * 2), 12);
    expect(p.outlier).toBe(false);
  });

  it('projects the trajectory to the target: falling towards 85 is the wrong direction', () => {
    expect(p.trajectory).toBe('wrong-direction');
    expect(d.indicators.q?.trajectory).toBeNull();
  });

  it('classes a bottom-third indicator with a decline run as critical, a steady one as weakness', () => {
    expect(p.class).toBe('critical');
    expect(d.indicators.q?.class).toBe('weakness');
    expect(d.indicators.q?.declineRun).toBe(0);
    expect(d.indicators.q?.robustZ).toBeNull();
    expect(d.indicators.q?.outlier).toBe(false);
  });

  it('carries the contribution and headroom from the gap analysis', () => {
    // vs A: C_p = ½·90 − ½·78 = 6; H_p = ½·(100 − 78) = 11
    expect(p.contribution).toBe(6);
    expect(p.headroom).toBe(11);
  });
});

describe('outliers and volatility', () => {
  const oneIndicator = scheme({ entities: entities('A', 'B'), focus: ['A'], indicators: [indicator('x')] });
  const series = (xs: number[]) => xs.map((a) => ({ x: { A: a, B: 50 } }));

  it('flags a latest value more than 3.5 robust sds from the median', () => {
    const d = diagnoseSeries(oneIndicator, 'A', series([10, 11, 10, 12, 11, 30]));
    expect(d.indicators.x?.robustZ).toBeCloseTo(19 / 1.4826, 12);
    expect(d.indicators.x?.outlier).toBe(true);
  });

  it('does not flag an ordinary latest value', () => {
    // median 11, MAD 1: |12 − 11|/1.4826 = 0.67
    expect(diagnoseSeries(oneIndicator, 'A', series([10, 11, 10, 12, 11, 12])).indicators.x?.outlier).toBe(
      false,
    );
  });

  it('flags any departure from a constant history (MAD 0)', () => {
    const d = diagnoseSeries(oneIndicator, 'A', series([10, 10, 10, 15]));
    expect(d.indicators.x?.robustZ).toBeNull();
    expect(d.indicators.x?.outlier).toBe(true);
  });

  it('measures volatility: changes 2, −1, 4 have sd √(38/9) = 2.05', () => {
    // mean 5/3; squared deviations 1/9, 64/9, 49/9 → 114/27 = 38/9
    const d = diagnoseSeries(oneIndicator, 'A', series([10, 12, 11, 15]));
    expect(d.indicators.x?.volatility).toBeCloseTo(Math.sqrt(38 / 9), 12);
  });

  it('needs no history for a first period: no change, no outlier test', () => {
    const d = diagnoseSeries(oneIndicator, 'A', series([10]));
    expect(d.indicators.x).toMatchObject({ change: null, robustZ: null, outlier: false, declineRun: 0 });
  });
});

describe('indicator classes among six entities', () => {
  // Others score 6, 5, 4, 3, 2; F takes rank r with 6.5 − (r − 1). Thirds: ranks 1–2, 3–4, 5–6.
  const six = scheme({
    entities: entities('A', 'B', 'C', 'D', 'E', 'F'),
    focus: ['F'],
    indicators: [indicator('x')],
  });
  const at = (r: number): PeriodValues => ({ x: { A: 6, B: 5, C: 4, D: 3, E: 2, F: 6.5 - (r - 1) } });
  const classOf = (...ranks: number[]) => diagnoseSeries(six, 'F', ranks.map(at)).indicators.x?.class;

  it('is a strength in the top third', () => expect(classOf(2)).toBe('strength'));
  it('is middle in the middle third', () => expect(classOf(3)).toBe('middle'));
  it('is a weakness in the bottom third', () => expect(classOf(5)).toBe('weakness'));
  it('is declining when the rank got worse outside the bottom third', () =>
    expect(classOf(2, 4)).toBe('declining'));
  it('is critical when a weakness is also declining', () => expect(classOf(4, 6)).toBe('critical'));
  it('is not declining when the rank improved', () => expect(classOf(5, 1)).toBe('strength'));
});

describe('prescriptions and coaching pairs', () => {
  const d = diagnoseSeries(scheme(dInput), 'C', dMonths);

  it('orders prescriptions by composite points per 1% of move', () => {
    // p: pass B at 80 → +2 (2.56%) → ½·2 = 1 point → 0.39/%; q: pass A at 60 → +20 (50%) → 10 points → 0.2/%
    expect(d.prescriptions.map((x) => x.indicator)).toEqual(['p', 'q']);
    const [p, q] = d.prescriptions;
    expect(p).toMatchObject({
      passes: 'B',
      requiredValue: 80,
      delta: 2,
      points: 1,
      quickWin: true,
      rankAfter: 3,
    });
    expect(p?.movePct).toBeCloseTo((2 / 78) * 100, 12);
    expect(p?.pointsPerPct).toBeCloseTo(1 / ((2 / 78) * 100), 12);
    expect(q).toMatchObject({
      passes: 'A',
      requiredValue: 60,
      delta: 20,
      movePct: 50,
      points: 10,
      quickWin: false,
    });
    expect(q?.pointsPerPct).toBe(0.2);
  });

  it('flags a quick win only for moves of at most 5%', () => {
    // C's p at 76 needs 80: 4/76 = 5.26% > 5%
    const d76 = diagnoseSeries(scheme(dInput), 'C', [month(76)]);
    expect(d76.prescriptions.find((x) => x.indicator === 'p')?.quickWin).toBe(false);
    // at 77: 3/77 = 3.9%
    const d77 = diagnoseSeries(scheme(dInput), 'C', [month(77)]);
    expect(d77.prescriptions.find((x) => x.indicator === 'p')?.quickWin).toBe(true);
  });

  it('pairs each weakness with its owner, the owner’s leader and the nearest better entity', () => {
    expect(d.coaching).toEqual([
      {
        indicator: 'p',
        owner: 'hotline',
        ownerName: { zh: '12345热线', en: '12345 hotline' },
        leader: { zh: '张局长', en: 'Director Zhang' },
        learnFrom: 'B',
        theirValue: 80,
        theirRank: 2,
      },
      // q's owner is not among the scheme's departments: no name or leader to give
      { indicator: 'q', owner: 'services', learnFrom: 'A', theirValue: 60, theirRank: 2 },
    ]);
  });

  it('prescribes nothing on an indicator the entity already leads', () => {
    const d2 = diagnoseSeries(scheme({ ...dInput, focus: ['A'] }), 'A', [month(78)]);
    expect(d2.prescriptions.map((x) => x.indicator)).toEqual(['q']);
    expect(d2.coaching).toEqual([]);
  });
});

describe('direction patterns', () => {
  // 五降一升: five lower-is-better indicators fall and one higher-is-better rises.
  const lows = ['l1', 'l2', 'l3', 'l4', 'l5'];
  const s = scheme({
    entities: entities('A', 'B'),
    focus: ['A'],
    indicators: [
      ...lows.map((id) => indicator(id, { direction: 'lower', normalise: { method: 'minmax' } })),
      indicator('h1'),
    ],
    rules: {
      patterns: [
        {
          id: 'wujiang-yisheng',
          name: { zh: '五降一升', en: 'five down, one up' },
          members: [
            ...lows.map((id) => ({ indicator: id, expected: 'down' as const })),
            { indicator: 'h1', expected: 'up' },
          ],
        },
      ],
    },
  });
  const values = (low: number[], high: number): PeriodValues =>
    Object.fromEntries([...lows.map((id, i) => [id, { A: low[i]!, B: 50 }]), ['h1', { A: high, B: 50 }]]);

  it('holds when all five fall and the one rises', () => {
    const d = diagnoseSeries(s, 'A', [values([10, 10, 10, 10, 10], 60), values([9, 8, 9.5, 7, 1], 61)]);
    expect(d.patterns[0]?.holds).toBe(true);
    expect(d.patterns[0]?.members.map((m) => m.actual)).toEqual([
      'down',
      'down',
      'down',
      'down',
      'down',
      'up',
    ]);
  });

  it('fails when one member stays flat', () => {
    const d = diagnoseSeries(s, 'A', [values([10, 10, 10, 10, 10], 60), values([9, 8, 10, 7, 1], 61)]);
    expect(d.patterns[0]?.holds).toBe(false);
    expect(d.patterns[0]?.members[2]).toEqual({
      indicator: 'l3',
      expected: 'down',
      actual: 'flat',
      ok: false,
    });
  });

  it('fails when the rising member falls', () => {
    const d = diagnoseSeries(s, 'A', [values([10, 10, 10, 10, 10], 60), values([9, 8, 9, 7, 1], 59)]);
    expect(d.patterns[0]?.holds).toBe(false);
    expect(d.patterns[0]?.members[5]).toMatchObject({ actual: 'down', ok: false });
  });

  it('does not hold without a previous period to compare with', () => {
    const d = diagnoseSeries(s, 'A', [values([9, 8, 9, 7, 1], 61)]);
    expect(d.patterns[0]?.holds).toBe(false);
    expect(d.patterns[0]?.members.every((m) => m.actual === null)).toBe(true);
  });
});
