// The Gansu demo scenario's observations: a seeded, deterministic generator of 26 weekly periods for the
// 14 cities and prefectures, scripted so that Lanzhou's story (README.md) happens in the numbers.
//
// Regenerate the committed CSV (Node 22, as every npm script here uses):
//   npx node scenarios/gansu/generate.ts            → writes scenarios/gansu/observations.csv
//   npx node scenarios/gansu/generate.ts --stdout   → prints it instead
// The test in test/scenarios/gansu.test.ts checks the committed file equals this generator's output.
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../domain/random.ts';
import { loadSchemeText, type Scheme } from '../../domain/scheme.ts';

export const DEFAULT_SEED = 20260105;
export const YEAR = 2026;
export const WEEKS = 26;

export const SCHEME_PATH = fileURLToPath(new URL('./scheme.yaml', import.meta.url));
export const OBSERVATIONS_PATH = fileURLToPath(new URL('./observations.csv', import.meta.url));

export interface ObservationRow {
  period: string;
  entity: string;
  indicator: string;
  value: number;
  observedAt: string;
  source: string;
}

// The PRNG lives in the domain (robustness draws use it); re-exported for the scripts that import it from here.
export { mulberry32 };

/**
 * One independent stream per key (FNV-1a of the key mixed with the seed), so that re-scripting one
 * series never shifts the random numbers of any other.
 */
function stream(seed: number, key: string): () => number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return mulberry32(h);
}

/** Bounded, roughly normal noise (Irwin–Hall of four uniforms): mean 0, sd 1, never beyond ±3.47. */
function noise(rand: () => number): number {
  return (rand() + rand() + rand() + rand() - 2) * Math.sqrt(3);
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** Piecewise-linear interpolation through [week, value] key frames. */
function keyframes(points: readonly (readonly [number, number])[], week: number): number {
  const first = points[0]!;
  if (week <= first[0]) return first[1];
  for (let i = 1; i < points.length; i++) {
    const [w1, v1] = points[i]!;
    const [w0, v0] = points[i - 1]!;
    if (week <= w1) return v0 + ((v1 - v0) * (week - w0)) / (w1 - w0);
  }
  return points[points.length - 1]![1];
}

// ── Who the cities are ────────────────────────────────────────────────────────────────────────────────
// A latent quality in [0, 1] per city (1 = the best any city could do), adjusted per topic: Jiayuguan is
// small and nimble, Qingyang hosts the national computing hub (东数西算), the capital carries the biggest
// caseload on its hotline, the two autonomous prefectures start from thinner infrastructure.
type TopicId = 'digital_gov' | 'data_sharing' | 'hotline' | 'business_env' | 'digital_economy';

const PROFILES: Record<string, { base: number; trend?: number; topic?: Partial<Record<TopicId, number>> }> = {
  lanzhou: {
    base: 0.78,
    topic: { digital_gov: -0.02, data_sharing: 0.06, digital_economy: 0.06, business_env: -0.03 },
  },
  jiayuguan: {
    base: 0.661,
    trend: 0.0016,
    topic: { digital_gov: 0.06, business_env: 0.08, hotline: 0.04, digital_economy: -0.06 },
  },
  jinchang: { base: 0.676, trend: 0.0031, topic: { digital_gov: 0.04, hotline: 0.02 } },
  baiyin: { base: 0.56 },
  tianshui: { base: 0.62, topic: { hotline: 0.04 } },
  wuwei: { base: 0.52 },
  zhangye: { base: 0.58, topic: { business_env: 0.03 } },
  pingliang: { base: 0.5 },
  jiuquan: { base: 0.65, topic: { business_env: 0.04 } },
  qingyang: { base: 0.659, topic: { digital_economy: 0.16, data_sharing: 0.05 } },
  dingxi: { base: 0.44 },
  longnan: { base: 0.4 },
  linxia: { base: 0.42, topic: { business_env: 0.04 } },
  gannan: { base: 0.34, topic: { digital_economy: -0.06 } },
};

/** Weekly data-sharing API calls (10k) scale with population and economy, not with quality alone. */
const API_SIZE: Record<string, number> = {
  lanzhou: 176,
  jiayuguan: 24,
  jinchang: 22,
  baiyin: 26,
  tianshui: 44,
  wuwei: 21,
  zhangye: 23,
  pingliang: 19,
  jiuquan: 38,
  qingyang: 57,
  dingxi: 15,
  longnan: 12,
  linxia: 13,
  gannan: 8,
};

/** Computing capacity in service (PFLOPS) at the start of the year, and its weekly growth. */
const COMPUTING: Record<string, [number, number]> = {
  lanzhou: [1480, 0.008],
  jiayuguan: [140, 0.004],
  jinchang: [120, 0.004],
  baiyin: [92, 0.004],
  tianshui: [180, 0.005],
  wuwei: [78, 0.004],
  zhangye: [105, 0.004],
  pingliang: [66, 0.004],
  jiuquan: [260, 0.006],
  qingyang: [7200, 0.015],
  dingxi: [42, 0.004],
  longnan: [26, 0.004],
  linxia: [31, 0.004],
  gannan: [15, 0.004],
};

// ── What each indicator looks like ─────────────────────────────────────────────────────────────────────
// Values map from quality q: worst at q = 0, best at q = 1 (log scale where `log`). `noise` is the weekly
// wobble in q units, `drift` the province-wide improvement per week, `season` the heating-season burden
// on the hotline (Jan–Mar complaints about 供暖) that fades by week 12.
interface Model {
  worst: number;
  best: number;
  log?: boolean;
  noise: number;
  drift?: number;
  season?: number;
}

const MODELS: Record<string, Model> = {
  gov_online_rate: { worst: 70, best: 99.5, noise: 0.006, drift: 0.003 },
  gov_processing_days: { worst: 7.5, best: 1.2, noise: 0.01, drift: 0.002 },
  gov_good_review_rate: { worst: 99.0, best: 99.98, noise: 0.008 },
  gov_app_user_share: { worst: 18, best: 62, noise: 0.004, drift: 0.003 },
  data_catalogue_rate: { worst: 72, best: 100, noise: 0.004, drift: 0.004 },
  data_share_response_hours: { worst: 96, best: 2, log: true, noise: 0.02, drift: 0.002 },
  data_quality_fix_rate: { worst: 70, best: 99.5, noise: 0.008 },
  hotline_missed_call_rate: { worst: 14, best: 0.8, noise: 0.012, season: 0.08 },
  hotline_late_completion_rate: { worst: 15, best: 1, noise: 0.012, season: 0.08 },
  hotline_overdue_rate: { worst: 6, best: 0.3, noise: 0.015, season: 0.06 },
  hotline_satisfaction: { worst: 84, best: 98, noise: 0.012, season: 0.04 },
  hotline_repeat_call_rate: { worst: 16, best: 3, noise: 0.012, season: 0.08 },
  hotline_escalation_rate: { worst: 3.2, best: 0.2, noise: 0.02, season: 0.06 },
  biz_startup_days: { worst: 4.5, best: 0.5, noise: 0.01 },
  biz_permit_days: { worst: 85, best: 25, noise: 0.008, drift: 0.002 },
  biz_new_entities_growth: { worst: -6, best: 24, noise: 0.03 },
  biz_policy_direct_rate: { worst: 45, best: 98, noise: 0.006, drift: 0.003 },
  dig_gigabit_share: { worst: 15, best: 45, noise: 0.005, drift: 0.003 },
};

// ── Lanzhou's script ───────────────────────────────────────────────────────────────────────────────────
// Key frames [week, value] and the absolute weekly noise. The hotline reform (接诉即办) starts in week 2;
// the data-sharing platform migrates in weeks 15–17; a backlog of major projects slows permits in
// weeks 17–21; the year-on-year base of new registrations turns against the city in weeks 16–22.
const LANZHOU: Record<string, { frames: [number, number][]; noise: number }> = {
  // 省会事项复杂、件量大：办结时长长期偏长 (the capital's caseload keeps processing slow all year).
  gov_processing_days: { frames: [[1, 4.62]], noise: 0.04 },
  biz_startup_days: { frames: [[1, 1.6]], noise: 0.02 },
  gov_good_review_rate: {
    frames: [
      [1, 99.7],
      [26, 99.74],
    ],
    noise: 0.005,
  },
  hotline_missed_call_rate: {
    frames: [
      [1, 7.6],
      [9, 3.3],
      [26, 2.7],
    ],
    noise: 0.04,
  },
  hotline_late_completion_rate: {
    frames: [
      [1, 9.8],
      [9, 4.6],
      [26, 3.9],
    ],
    noise: 0.05,
  },
  hotline_overdue_rate: {
    frames: [
      [1, 3.9],
      [9, 1.5],
      [26, 1.2],
    ],
    noise: 0.03,
  },
  hotline_repeat_call_rate: {
    frames: [
      [1, 11.8],
      [9, 6.0],
      [14, 5.7],
      [26, 5.4],
    ],
    noise: 0.05,
  },
  hotline_escalation_rate: {
    frames: [
      [1, 2.05],
      [9, 0.95],
      [26, 0.88],
    ],
    noise: 0.02,
  },
  hotline_satisfaction: {
    frames: [
      [1, 92.45],
      [9, 95.4],
      [26, 96.3],
    ],
    noise: 0.1,
  },
  data_share_response_hours: {
    frames: [
      [1, 15],
      [8, 8.5],
      [13, 5.4],
      [15, 5.3],
      [16, 40],
      [17, 34],
      [18, 18],
      [19, 12],
      [21, 9],
      [26, 8.5],
    ],
    noise: 0.15,
  },
  biz_permit_days: {
    frames: [
      [1, 46],
      [16, 44],
      [17, 50],
      [18, 56],
      [19, 61],
      [20, 66],
      [22, 57],
      [24, 51],
      [26, 47],
    ],
    noise: 0.3,
  },
  biz_new_entities_growth: {
    frames: [
      [1, 14],
      [14, 13],
      [16, 9],
      [18, 3.5],
      [21, 3.5],
      [23, 7],
      [26, 7.6],
    ],
    noise: 0.3,
  },
};

/** Lanzhou's API calls collapse while the data-sharing platform migrates. */
const LANZHOU_API_DIP: Record<number, number> = { 16: 0.55, 17: 0.75, 18: 0.85, 19: 0.95 };

// ── Gaps: reports that never arrived (carried forward, or reweighted beyond two weeks) ───────────────────
const GAPS: { entity: string; owner: string; weeks: number[] }[] = [
  // 数据共享交换平台迁移：兰州第15周数据未报送 (platform migration: Lanzhou's week-15 data-sharing report missing)
  { entity: 'lanzhou', owner: 'datasharing', weeks: [15] },
  // 春节与藏历新年：甘南热线两周未报 (Spring Festival and Losar: Gannan's hotline silent for two weeks)
  { entity: 'gannan', owner: 'hotline12345', weeks: [8, 9] },
  // 陇南数字经济统计系统升级：三周未报，第三周超出顺延期限 (three weeks: the third is reweighted)
  { entity: 'longnan', owner: 'digitaleconomy', weeks: [20, 21, 22] },
];

// ── A correction: reported, then re-reported the next afternoon; the later observedAt wins ──────────────
// 天水第12周满意度首报误将未接通回访计为不满意，次日更正 (unreachable follow-up calls were first counted
// as dissatisfied; the corrected figure follows the next day).
export const CORRECTIONS: { entity: string; indicator: string; week: number; firstReported: number }[] = [
  { entity: 'tianshui', indicator: 'hotline_satisfaction', week: 12, firstReported: -5 },
];

/** Reporting time of day per department (Beijing time, the Monday after the week). */
const REPORT_MINUTE: Record<string, number> = {
  hotline12345: 8 * 60 + 30,
  govservice: 9 * 60 + 30,
  datasharing: 10 * 60,
  bizenv: 10 * 60 + 30,
  digitaleconomy: 11 * 60,
};

export function periodOfWeek(week: number): string {
  return `${YEAR}-W${String(week).padStart(2, '0')}`;
}

/** Monday of ISO week `week` of YEAR, as a UTC midnight timestamp in ms. */
function isoMonday(week: number): number {
  const jan4 = Date.UTC(YEAR, 0, 4);
  const dow = (new Date(jan4).getUTCDay() + 6) % 7;
  return jan4 - dow * 86_400_000 + (week - 1) * 7 * 86_400_000;
}

/** `2026-01-05T08:33:00+08:00`: `minutes` after local midnight of the Monday after `week`. */
function reportedAt(week: number, minutes: number): string {
  const local = new Date(isoMonday(week + 1) + minutes * 60_000);
  return `${local.toISOString().slice(0, 19)}+08:00`;
}

function loadScenarioScheme(): Scheme {
  return loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
}

function topicOf(scheme: Scheme, indicator: string): TopicId {
  const topics = new Map((scheme.topics ?? []).map((t) => [t.id, t]));
  let t = topics.get(scheme.indicators.find((i) => i.id === indicator)!.topic!)!;
  while (t.parent !== undefined) t = topics.get(t.parent)!;
  return t.id as TopicId;
}

/** Every weekly observation of the scenario, in period, indicator, entity order. */
export function generateObservations(seed = DEFAULT_SEED): ObservationRow[] {
  const scheme = loadScenarioScheme();
  const rows: ObservationRow[] = [];
  const missing = new Set(GAPS.flatMap((g) => g.weeks.map((w) => `${g.entity}|${g.owner}|${w}`)));

  // Per (entity, indicator): a fixed quality offset, a personal trend and the weekly noise stream.
  const series = new Map<string, number[]>();
  scheme.entities.forEach((ent, ei) => {
    const profile = PROFILES[ent.id]!;
    for (const ind of scheme.indicators) {
      const r = stream(seed, `${ent.id}/${ind.id}`);
      const topic = topicOf(scheme, ind.id);
      const q0 = profile.base + (profile.topic?.[topic] ?? 0) + 0.06 * noise(r);
      const trend = 0.0015 * noise(r);
      const m = MODELS[ind.id];
      const values: number[] = [];
      let cumulative = 0;
      for (let week = 1; week <= WEEKS; week++) {
        const t = week - 1;
        const wobble = noise(r);
        const script = ent.id === 'lanzhou' ? LANZHOU[ind.id] : undefined;
        let v: number;
        if (script) {
          v = keyframes(script.frames, week) + script.noise * wobble;
        } else if (ind.id === 'gov_one_thing_items') {
          // Cumulative count of packages online: never goes down.
          v = Math.floor(6 + 14 * clamp(q0, 0, 1) + (0.1 + 0.15 * clamp(q0, 0, 1)) * t);
        } else if (ind.id === 'data_open_datasets') {
          v = Math.floor((120 + 760 * clamp(q0, 0, 1) ** 2) * (1 + 0.012 * t));
        } else if (ind.id === 'data_api_calls') {
          const dip = ent.id === 'lanzhou' ? (LANZHOU_API_DIP[week] ?? 1) : 1;
          v = API_SIZE[ent.id]! * (1 + 0.008 * t) * (1 + 0.04 * wobble) * dip;
        } else if (ind.id === 'dig_computing_pflops') {
          const [start, growth] = COMPUTING[ent.id]!;
          v = Math.round(start * (1 + growth) ** t);
        } else if (ind.id === 'dig_project_completion') {
          // Year-to-date investment: pace 0.7–1.2 of the plan, never decreasing.
          const pace = 0.7 + 0.5 * clamp(q0, 0, 1);
          cumulative += Math.max(0, (pace * 100 * (1 + 0.12 * wobble)) / 52);
          v = Math.min(100, cumulative);
        } else if (m) {
          const season = m.season ? m.season * clamp((12 - week) / 11, 0, 1) : 0;
          const q = clamp(
            q0 + ((m.drift ?? 0) + (profile.trend ?? 0) + trend) * t - season + m.noise * wobble,
            0.01,
            0.99,
          );
          v = m.log
            ? Math.exp(Math.log(m.worst) + q * (Math.log(m.best) - Math.log(m.worst)))
            : m.worst + q * (m.best - m.worst);
        } else {
          throw new Error(`no value model for indicator "${ind.id}"`);
        }
        values.push(v);
      }
      series.set(`${ei}|${ind.id}`, values);
    }
  });

  for (let week = 1; week <= WEEKS; week++) {
    const period = periodOfWeek(week);
    for (const ind of scheme.indicators) {
      scheme.entities.forEach((ent, ei) => {
        if (missing.has(`${ent.id}|${ind.owner}|${week}`)) return;
        const raw = series.get(`${ei}|${ind.id}`)![week - 1]!;
        const jitter = stream(seed, `${ent.id}/${ind.owner}/${week}/at`)();
        const minutes = REPORT_MINUTE[ind.owner]! + 3 * ei + Math.floor(jitter * 10);
        const value = Number(raw.toFixed(ind.precision ?? 2));
        const row = { period, entity: ent.id, indicator: ind.id, value, source: `dept.${ind.owner}` };
        const fix = CORRECTIONS.find((c) => c.entity === ent.id && c.indicator === ind.id && c.week === week);
        if (fix) {
          const first = Number((value + fix.firstReported).toFixed(ind.precision ?? 2));
          rows.push({ ...row, value: first, observedAt: reportedAt(week, minutes) });
          rows.push({ ...row, observedAt: reportedAt(week, 24 * 60 + 16 * 60) });
        } else rows.push({ ...row, observedAt: reportedAt(week, minutes) });
      });
    }
  }
  return rows;
}

/** The long CSV `period,entity,indicator,value,observedAt,source` that `rankwatch evaluate` reads. */
export function toCsv(rows: readonly ObservationRow[]): string {
  const lines = ['period,entity,indicator,value,observedAt,source'];
  for (const r of rows)
    lines.push([r.period, r.entity, r.indicator, String(r.value), r.observedAt, r.source].join(','));
  return `${lines.join('\n')}\n`;
}

const invoked = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invoked === realpathSync(fileURLToPath(import.meta.url))) {
  const csv = toCsv(generateObservations());
  if (process.argv.includes('--stdout')) process.stdout.write(csv);
  else {
    writeFileSync(OBSERVATIONS_PATH, csv);
    console.log(`wrote ${OBSERVATIONS_PATH}`);
  }
}
