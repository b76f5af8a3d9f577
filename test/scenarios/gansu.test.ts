import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/main.ts';
import { assessSeries, type PeriodAssessment, type SeriesAssessment } from '../../domain/assessment.ts';
import { parseObservationsCsv } from '../../domain/observations.ts';
import { mulberry32 } from '../../domain/random.ts';
import { loadSchemeText, type Scheme } from '../../domain/scheme.ts';
import {
  generateObservations,
  OBSERVATIONS_PATH,
  SCHEME_PATH,
  toCsv,
} from '../../scenarios/gansu/generate.ts';

const scheme: Scheme = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const csv = readFileSync(OBSERVATIONS_PATH, 'utf8');
let series: SeriesAssessment;

beforeAll(() => {
  series = assessSeries(scheme, parseObservationsCsv(csv, scheme, OBSERVATIONS_PATH));
});

const period = (week: number) => series.periods[week - 1]!;
const overallRank = (p: PeriodAssessment, entity = 'lanzhou') =>
  p.overall.find((r) => r.entity === entity)!.rank;
const indicatorRank = (p: PeriodAssessment, indicator: string, entity = 'lanzhou') =>
  p.indicators[indicator]!.find((r) => r.entity === entity)!.rank;
const slipWeeks = (rule: string, scope: string) =>
  series.periods
    .filter((p) =>
      p.slips.some((s) => s.entity === 'lanzhou' && s.rule === rule && (s.indicator ?? 'overall') === scope),
    )
    .map((p) => p.period);

describe('the Gansu scheme', () => {
  it('names the 14 cities and prefectures of Gansu in Chinese and English, focused on Lanzhou', () => {
    expect(scheme.entities).toHaveLength(14);
    for (const e of scheme.entities) {
      expect(e.name.zh).toMatch(/(市|州)$/);
      expect(e.name.en).toMatch(/^[A-Z]/);
    }
    expect(scheme.entities[0]).toEqual({ id: 'lanzhou', name: { zh: '兰州市', en: 'Lanzhou' } });
    expect(scheme.entities.at(-1)!.name.zh).toBe('甘南藏族自治州');
    expect(scheme.focus).toEqual(['lanzhou']);
    expect(scheme.periodKind).toBe('week');
  });

  it('has at least 20 indicators in 5 topics, each owned by a listed department with a leader', () => {
    expect(scheme.indicators.length).toBeGreaterThanOrEqual(20);
    const roots = (scheme.topics ?? []).filter((t) => t.parent === undefined);
    expect(roots.map((t) => t.id)).toEqual([
      'digital_gov',
      'data_sharing',
      'hotline',
      'business_env',
      'digital_economy',
    ]);
    expect((scheme.topics ?? []).some((t) => t.parent !== undefined)).toBe(true);
    const departments = new Map((scheme.departments ?? []).map((d) => [d.id, d]));
    for (const ind of scheme.indicators) {
      expect(departments.get(ind.owner)?.leader?.zh, ind.id).toBeTruthy();
      expect(ind.unit, ind.id).not.toBe('');
    }
    // Department ids become EventBridge sources `dept.<id>`.
    for (const id of departments.keys()) expect(id).toMatch(/^[a-z0-9]+$/);
  });

  it('uses every normalisation method, a log goalpost and a rank points table', () => {
    const methods = new Set(scheme.indicators.map((i) => i.normalise.method));
    expect([...methods].sort()).toEqual(['goalpost', 'minmax', 'none', 'rank', 'zscore']);
    const norms = scheme.indicators.map((i) => i.normalise);
    expect(norms.some((n) => n.method === 'goalpost' && n.transform === 'log')).toBe(true);
    expect(norms.some((n) => n.method === 'rank' && n.points?.length === 14)).toBe(true);
  });

  it('configures 五降一升 over the six hotline metrics: five lower-is-better fall, one higher rises', () => {
    const [pattern] = scheme.rules.patterns;
    expect(pattern!.members).toHaveLength(6);
    const byId = new Map(scheme.indicators.map((i) => [i.id, i]));
    for (const m of pattern!.members) {
      const ind = byId.get(m.indicator)!;
      expect(ind.owner).toBe('hotline12345');
      expect(m.expected).toBe(ind.direction === 'lower' ? 'down' : 'up');
    }
    expect(pattern!.members.filter((m) => m.expected === 'down')).toHaveLength(5);
  });

  it('configures every slip rule, one of them with for: 2', () => {
    const rules = new Set(scheme.rules.slip.map((r) => r.rule));
    expect([...rules].sort()).toEqual([
      'belowAverage',
      'consecutiveDeclines',
      'leftTopN',
      'lostFirst',
      'marginErosion',
      'rankDrop',
    ]);
    expect(scheme.rules.slip.filter((r) => r.for === 2)).toHaveLength(1);
  });
});

describe('the generator', () => {
  it('produced the committed observations.csv (regenerate with node scenarios/gansu/generate.ts)', () => {
    expect(toCsv(generateObservations())).toBe(csv);
  });

  it('depends on its seed', () => {
    expect(toCsv(generateObservations(7))).not.toBe(csv);
    expect(mulberry32(1)()).toBe(mulberry32(1)());
    expect(mulberry32(1)()).not.toBe(mulberry32(2)());
  });

  it('reports each value with its department as source and a Beijing-time observedAt', () => {
    const owner = new Map(scheme.indicators.map((i) => [i.id, i.owner]));
    for (const row of generateObservations()) {
      expect(row.source).toBe(`dept.${owner.get(row.indicator)}`);
      expect(row.observedAt).toMatch(/^2026-\d\d-\d\dT\d\d:\d\d:00\+08:00$/);
    }
  });
});

describe('the story in the numbers', () => {
  it('covers 26 weeks, 2026-W01 to 2026-W26, with all 14 entities ranked every week', () => {
    expect(series.periods.map((p) => p.period)).toEqual(
      Array.from({ length: 26 }, (_, i) => `2026-W${String(i + 1).padStart(2, '0')}`),
    );
    for (const p of series.periods) {
      expect(p.overall).toHaveLength(14);
      expect(p.unranked).toEqual([]);
    }
  });

  it('has Lanzhou climb from 4th to 1st on 12345 citizen satisfaction', () => {
    expect(indicatorRank(period(1), 'hotline_satisfaction')).toBe(4);
    expect(indicatorRank(period(4), 'hotline_satisfaction')).toBe(1);
    expect(indicatorRank(period(26), 'hotline_satisfaction')).toBe(1);
  });

  it('has Lanzhou start 3rd overall, reach 1st in W07, lose it in W16 and end 2nd, close behind', () => {
    const ranks = series.periods.map((p) => overallRank(p));
    expect(ranks.slice(0, 6)).toEqual([3, 3, 3, 3, 3, 3]);
    expect(ranks.slice(6, 15)).toEqual(Array(9).fill(1));
    expect(ranks[15]).toBe(3);
    expect(Math.max(...ranks.slice(15))).toBe(4);
    expect(ranks[25]).toBe(2);
    const gap = period(26).gap.lanzhou!;
    expect(gap.versus).toBe('jiayuguan');
    expect(gap.scoreGap).toBeGreaterThan(0);
    expect(gap.scoreGap).toBeLessThan(1);
  });

  it('trips every slip rule for Lanzhou, each in the week the story says', () => {
    expect(slipWeeks('lostFirst', 'overall')).toEqual(['2026-W16']);
    expect(slipWeeks('rankDrop', 'overall')).toEqual(['2026-W16']);
    expect(slipWeeks('rankDrop', 'data_share_response_hours')).toEqual(['2026-W16']);
    expect(slipWeeks('leftTopN', 'overall')).toEqual(['2026-W18']);
    expect(slipWeeks('belowAverage', 'biz_new_entities_growth')).toEqual(['2026-W16']);
    expect(slipWeeks('consecutiveDeclines', 'biz_permit_days')).toEqual(['2026-W19']);
    // The for: 2 rule holds in consecutive weeks as the gap to first widens after the migration.
    expect(slipWeeks('marginErosion', 'overall')).toEqual(
      expect.arrayContaining(['2026-W16', '2026-W17', '2026-W18']),
    );
  });

  it('raises an alert for every slip rule without a for: delay', () => {
    const alerted = new Set(
      series.periods.flatMap((p) => p.alerts.flatMap((a) => (a.kind === 'slipped' ? [a.slip.rule] : []))),
    );
    for (const r of scheme.rules.slip.filter((x) => x.for === 1)) expect(alerted, r.rule).toContain(r.rule);
    expect(period(7).alerts).toContainEqual(
      expect.objectContaining({
        kind: 'reachedFirst',
        transition: expect.objectContaining({ scope: 'overall' }),
      }),
    );
  });

  it('shows 五降一升 throughout the hotline reform, weeks 2 to 9', () => {
    const holds = series.periods.filter((p) => p.diagnosis.lanzhou!.patterns[0]!.holds).map((p) => p.period);
    expect(holds).toEqual(expect.arrayContaining(['2026-W02', '2026-W05', '2026-W09']));
    expect(holds.filter((p) => p <= '2026-W09')).toHaveLength(8);
  });

  it('takes the later of a reported and a corrected value (latest-wins by observedAt)', () => {
    const rows = generateObservations().filter(
      (r) => r.period === '2026-W12' && r.entity === 'tianshui' && r.indicator === 'hotline_satisfaction',
    );
    expect(rows).toHaveLength(2);
    const corrected = rows.reduce((a, b) => (Date.parse(a.observedAt) > Date.parse(b.observedAt) ? a : b));
    const row = period(12).indicators.hotline_satisfaction!.find((r) => r.entity === 'tianshui')!;
    expect(row.value).toBe(corrected.value);
    expect(corrected.value).toBeGreaterThan(rows.find((r) => r !== corrected)!.value);
  });

  it('carries late reports forward at most two weeks, then reweights', () => {
    const carried = (week: number, entity: string, indicator: string) =>
      period(week).indicators[indicator]!.find((r) => r.entity === entity)?.carried;
    expect(carried(15, 'lanzhou', 'data_share_response_hours')).toBe(true);
    expect(carried(8, 'gannan', 'hotline_satisfaction')).toBe(true);
    expect(carried(9, 'gannan', 'hotline_satisfaction')).toBe(true);
    expect(carried(21, 'longnan', 'dig_gigabit_share')).toBe(true);
    expect(carried(22, 'longnan', 'dig_gigabit_share')).toBeUndefined();
    expect(overallRank(period(22), 'longnan')).toBeGreaterThan(0);
  });
});

describe('rankwatch demo', () => {
  it('prints the leader report for Lanzhou in Chinese, and in English with --lang en', async () => {
    const out: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t) };
    expect(await run(['demo'], io)).toBe(0);
    expect(out.join('')).toContain('▶ 兰州市');
    expect(out.join('')).toContain('【严重】兰州市 2026-W16 总排名由第1名变为第3名（失去第一）');
    out.length = 0;
    expect(await run(['demo', '--lang', 'en'], io)).toBe(0);
    const en = out.join('');
    expect(en).toContain('Lanzhou — rank 2');
    expect(en).not.toMatch(/[，；]/);
    expect(en).toMatch(/12345 hotline "five down, one up": (holds|does not hold) \(.*[✓✗]/);
    expect(en).not.toContain('(0.0%');
  });
});
