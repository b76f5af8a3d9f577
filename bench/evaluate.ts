// Evaluation benchmark: full assessment (14 × 30 and 3,000 × 200), the scoring/ranking core against DuckDB
// computing the same minmax + composite + RANK() in SQL on the same data, and the gap analysis alone.
import { availableParallelism, loadavg } from 'node:os';
import { DuckDBInstance, version as duckdbVersion } from '@duckdb/node-api';
import { assessPeriod } from '../domain/assessment.ts';
import { evaluate, type PeriodMatrix, rankedOrder } from '../domain/evaluate.ts';
import { analyseGap } from '../domain/gap.ts';
import { mulberry32 } from '../domain/random.ts';
import { parseScheme, type Scheme, type SchemeInput } from '../domain/scheme.ts';
import { type Standings, standingsOf } from '../domain/standings.ts';
import { compileScheme } from '../domain/tree.ts';

// ---------------------------------------------------------------------------------------------- data

/** A seeded PRNG (mulberry32), so every run benchmarks exactly the same data. */
const prng = mulberry32;

const HISTORY_WEEKS = 52;
const TOPICS = 3;

interface Case {
  label: string;
  n: number;
  m: number;
  scheme: Scheme;
  focus: string;
  current: PeriodMatrix;
  history: Standings[];
  /** Per indicator: topic index, weight, direction; per topic: weight (what DuckDB is given). */
  indicatorTopic: number[];
  indicatorWeight: number[];
  indicatorHigher: boolean[];
  topicWeight: number[];
}

function weekId(i: number): string {
  // 52 history weeks of 2025, then the current week 2026-W01.
  return i < HISTORY_WEEKS ? `2025-W${String(i + 1).padStart(2, '0')}` : '2026-W01';
}

function schemeInput(
  c: Omit<Case, 'scheme' | 'focus' | 'current' | 'history'>,
  focus: string[],
): SchemeInput {
  const pad = (k: number, w: number) => String(k).padStart(w, '0');
  return {
    id: `bench-${c.n}x${c.m}`,
    version: '1',
    name: { zh: '基准', en: 'Benchmark' },
    periodKind: 'week',
    entities: Array.from({ length: c.n }, (_, e) => ({ id: `E${pad(e, 4)}`, name: { en: `Entity ${e}` } })),
    focus,
    topics: c.topicWeight.map((w, t) => ({ id: `T${t}`, name: { en: `Topic ${t}` }, weight: w })),
    indicators: Array.from({ length: c.m }, (_, j) => ({
      id: `I${pad(j, 3)}`,
      name: { en: `Indicator ${j}` },
      topic: `T${c.indicatorTopic[j]}`,
      weight: c.indicatorWeight[j]!,
      direction: c.indicatorHigher[j] ? 'higher' : 'lower',
      unit: '',
      owner: `dept-${j % 7}`,
      precision: 2,
      normalise: { method: 'minmax' },
    })),
    composite: { aggregate: 'arithmetic', precision: 2 },
    rules: {
      slip: [
        { rule: 'rankDrop', min: 1 },
        { rule: 'lostFirst' },
        { rule: 'belowAverage', scope: 'overall' },
        { rule: 'consecutiveDeclines', periods: 3 },
        { rule: 'marginErosion', points: 1, scope: 'overall' },
      ],
      patterns: [
        {
          id: 'p1',
          name: { zh: '五降一升', en: 'five down, one up' },
          members: [0, 1, 2, 3, 4, 5].map((j) => ({
            indicator: `I${pad(j, 3)}`,
            expected: j < 5 ? 'down' : 'up',
          })),
        },
      ],
    },
  };
}

/**
 * n entities × m minmax indicators (mixed directions) in 3 arithmetic topics, 52 weekly periods of history
 * (a random walk per value, rounded to 2 decimals) and the current week. The focus entity is the one ranked
 * a third of the way down in the current week, so it has both a leader and a next rank to reach.
 */
function makeCase(label: string, n: number, m: number, seed: number): Case {
  const rnd = prng(seed);
  const shape = {
    label,
    n,
    m,
    indicatorTopic: Array.from({ length: m }, (_, j) => j % TOPICS),
    indicatorWeight: Array.from({ length: m }, () => 1 + Math.floor(rnd() * 5)),
    indicatorHigher: Array.from({ length: m }, () => rnd() < 0.6),
    topicWeight: Array.from({ length: TOPICS }, () => 1 + Math.floor(rnd() * 4)),
  };
  const scale = Array.from({ length: m }, () => 10 + rnd() * 990);
  const level = new Float64Array(n * m);
  for (let e = 0; e < n; e++) for (let j = 0; j < m; j++) level[e * m + j] = scale[j]! * (0.5 + rnd());
  const periods: PeriodMatrix[] = [];
  for (let t = 0; t <= HISTORY_WEEKS; t++) {
    const values = new Float64Array(n * m);
    for (let i = 0; i < n * m; i++) {
      level[i] = level[i]! * (1 + 0.04 * (rnd() - 0.5));
      values[i] = Math.round(level[i]! * 100) / 100;
    }
    periods.push({ period: weekId(t), values });
  }
  const current = periods[HISTORY_WEEKS]!;
  const probe = evaluate(compileScheme(parseScheme(schemeInput(shape, []))), current);
  const focus = `E${String(rankedOrder(probe)[Math.floor(n / 3)]!).padStart(4, '0')}`;
  const scheme = parseScheme(schemeInput(shape, [focus]));
  const c = compileScheme(scheme);
  // Period-final standings of the watched (focus) entity: all that diagnosis and slips read from history.
  const history = periods.slice(0, HISTORY_WEEKS).map((p) => standingsOf(evaluate(c, p), [focus]));
  return { ...shape, scheme, focus, current, history };
}

// ------------------------------------------------------------------------------------------- timing

interface Timing {
  median: number;
  p90: number;
  runs: number;
}

function summarise(samples: number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { median: at(0.5), p90: at(0.9), runs: s.length };
}

function timeSync(fn: () => unknown, warmup: number, runs: number): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return summarise(samples);
}

/** Ours and the baseline alternately, run by run, so load from other processes falls on both alike. */
async function timePair(
  ours: () => unknown,
  baseline: () => Promise<unknown>,
  warmup: number,
  runs: number,
): Promise<{ ours: Timing; baseline: Timing }> {
  for (let i = 0; i < warmup; i++) {
    ours();
    await baseline();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t0 = process.hrtime.bigint();
    ours();
    a.push(Number(process.hrtime.bigint() - t0) / 1e6);
    t0 = process.hrtime.bigint();
    await baseline();
    b.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ours: summarise(a), baseline: summarise(b) };
}

// ------------------------------------------------------------------------------------------- DuckDB

const duck = await DuckDBInstance.create(':memory:');
const db = await duck.connect();

/** Loads one case's current week into DuckDB tables (not timed) and prepares the core query. */
async function loadIntoDuckDb(c: Case) {
  const t = `c${c.n}x${c.m}`;
  await db.run(`create or replace table ${t}_obs(entity integer, indicator integer, value double)`);
  await db.run(
    `create or replace table ${t}_ind(indicator integer, topic integer, weight double, higher boolean)`,
  );
  await db.run(`create or replace table ${t}_topic(topic integer, weight double)`);
  const obs = await db.createAppender(`${t}_obs`);
  for (let e = 0; e < c.n; e++)
    for (let j = 0; j < c.m; j++) {
      obs.appendInteger(e);
      obs.appendInteger(j);
      obs.appendDouble(c.current.values[e * c.m + j]!);
      obs.endRow();
    }
  obs.closeSync();
  const ind = await db.createAppender(`${t}_ind`);
  for (let j = 0; j < c.m; j++) {
    ind.appendInteger(j);
    ind.appendInteger(c.indicatorTopic[j]!);
    ind.appendDouble(c.indicatorWeight[j]!);
    ind.appendBoolean(c.indicatorHigher[j]!);
    ind.endRow();
  }
  ind.closeSync();
  const top = await db.createAppender(`${t}_topic`);
  c.topicWeight.forEach((w, k) => {
    top.appendInteger(k);
    top.appendDouble(w);
    top.endRow();
  });
  top.closeSync();
  // The same arithmetic as domain/scoring.ts (minmax) and domain/tree.ts (weighted means per node).
  const sql = `
    with bounds as (
      select o.entity, o.indicator, o.value, i.topic, i.weight, i.higher,
             min(o.value) over w as lo, max(o.value) over w as hi
      from ${t}_obs o join ${t}_ind i using (indicator)
      window w as (partition by o.indicator)
    ), scored as (
      select entity, topic, weight,
             case when hi = lo then 100
                  when higher then ((value - lo) / (hi - lo)) * 100
                  else ((hi - value) / (hi - lo)) * 100 end as score
      from bounds
    ), by_topic as (
      select entity, topic, sum(weight * score) / sum(weight) as topic_score
      from scored group by entity, topic
    ), composite as (
      select b.entity, sum(t.weight * b.topic_score) / sum(t.weight) as composite
      from by_topic b join ${t}_topic t using (topic) group by b.entity
    )
    select entity, composite, rank() over (order by round(composite, 2) desc) as rank
    from composite order by entity`;
  const prepared = await db.prepare(sql);
  return async () => {
    const reader = await prepared.runAndReadAll();
    const [entity, composite, rank] = reader.getColumnsJS() as [number[], number[], bigint[]];
    return { entity, composite, rank };
  };
}

/** Asserts that our ranks equal DuckDB's for every entity; returns a one-line summary. */
function agreement(
  c: Case,
  ours: ReturnType<typeof evaluate>,
  theirs: Awaited<ReturnType<Awaited<ReturnType<typeof loadIntoDuckDb>>>>,
) {
  if (theirs.entity.length !== c.n)
    throw new Error(`DuckDB returned ${theirs.entity.length} rows, expected ${c.n}`);
  let tied = 0;
  let maxDiff = 0;
  for (let i = 0; i < c.n; i++) {
    const e = theirs.entity[i]!;
    const r = Number(theirs.rank[i]!);
    if (ours.rank[e] !== r)
      throw new Error(`${c.label}: rank of entity ${e} differs: ours ${ours.rank[e]}, DuckDB ${r}`);
    if (ours.tied[e] === 1) tied++;
    maxDiff = Math.max(maxDiff, Math.abs(ours.composite[e]! - theirs.composite[i]!));
  }
  return `${c.label}: ranks agree for ${c.n}/${c.n} entities (${tied} tied 并列), max |Δcomposite| ${maxDiff.toExponential(1)}`;
}

// ---------------------------------------------------------------------------------------------- run

interface Row {
  name: string;
  ours: Timing;
  baseline?: Timing;
  target: { ms: number } | 'baseline' | undefined;
}

const loadBefore = loadavg()[0]!;
const setupStart = process.hrtime.bigint();
const small = makeCase('14×30', 14, 30, 20260101);
const large = makeCase('3,000×200', 3000, 200, 20260202);
const setupMs = Number(process.hrtime.bigint() - setupStart) / 1e6;

const duckSmall = await loadIntoDuckDb(small);
const duckLarge = await loadIntoDuckDb(large);

const assess = (c: Case) => () => assessPeriod(c.scheme, c.current, { history: c.history });
const compiledSmall = compileScheme(small.scheme);
const compiledLarge = compileScheme(large.scheme);
const evLarge = evaluate(compiledLarge, large.current);

const agreements = [
  agreement(small, evaluate(compiledSmall, small.current), await duckSmall()),
  agreement(large, evLarge, await duckLarge()),
];

const rows: Row[] = [];
rows.push({
  name: '14×30 full assessment (scores, ranks, gap+solver, diagnosis over 52 weeks, slips)',
  ours: timeSync(assess(small), 200, 200),
  target: { ms: 1 },
});
rows.push({
  name: '14×30 core (minmax, composite, ranks)',
  ...(await timePair(() => evaluate(compiledSmall, small.current), duckSmall, 50, 100)),
  target: undefined,
});
rows.push({
  name: '3,000×200 core (minmax, composite, ranks)',
  ...(await timePair(() => evaluate(compiledLarge, large.current), duckLarge, 5, 25)),
  target: 'baseline',
});
rows.push({
  name: `3,000×200 gap analysis (analyseGap for ${large.focus})`,
  ours: timeSync(() => analyseGap(evLarge, large.focus), 3, 15),
  target: { ms: 200 },
});
rows.push({
  name: '3,000×200 full assessment (as 14×30)',
  ours: timeSync(assess(large), 2, 15),
  target: undefined,
});

// ---------------------------------------------------------------------------------------------- print

const ms = (x: number) => (x < 10 ? x.toFixed(3) : x < 100 ? x.toFixed(2) : x.toFixed(1));
const header = [
  'case',
  'runs',
  'ours median ms',
  'ours p90 ms',
  'DuckDB median ms',
  'ours/DuckDB',
  'target',
  'ours/target',
  'result',
];
const table = rows.map((r) => {
  const ratio = r.baseline ? (r.ours.median / r.baseline.median).toFixed(2) : '—';
  let target = '—';
  let toTarget = '—';
  let result = '—';
  if (r.target === 'baseline' && r.baseline) {
    target = '≤ DuckDB';
    toTarget = ratio;
    result = r.ours.median <= r.baseline.median ? 'PASS' : 'FAIL';
  } else if (r.target && r.target !== 'baseline') {
    target = `≤ ${r.target.ms} ms`;
    toTarget = (r.ours.median / r.target.ms).toFixed(2);
    result = r.ours.median <= r.target.ms ? 'PASS' : 'FAIL';
  }
  return [
    r.name,
    String(r.ours.runs),
    ms(r.ours.median),
    ms(r.ours.p90),
    r.baseline ? ms(r.baseline.median) : '—',
    ratio,
    target,
    toTarget,
    result,
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;

const threads = (await db.runAndReadAll(`select current_setting('threads')`)).getRowsJS()[0]![0];
console.log('rankwatch bench:evaluate — 评估基准 / evaluation benchmark');
console.log(
  `node ${process.versions.node}, DuckDB ${duckdbVersion()} (in-process, ${threads} threads), ${availableParallelism()} CPUs, ` +
    `load average ${loadBefore.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end (other processes share the CPUs); ` +
    `data: seeded PRNG, all indicators minmax (mixed directions), ${TOPICS} arithmetic topics, composite precision 2, ` +
    `${HISTORY_WEEKS} weeks of history; setup ${ms(setupMs)} ms (not timed)`,
);
console.log(
  'Warm medians of N runs after warm-up; DuckDB times one prepared query including reading its result.',
);
for (const a of agreements) console.log(`一致 agreement — ${a}`);
console.log();
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of table) console.log(line(row));
const failed = table.filter((r) => r[8] === 'FAIL').length;
console.log();
console.log(failed === 0 ? '全部达标 all targets met' : `${failed} 项未达标 target(s) missed`);
db.closeSync();
duck.closeSync();
