// Robustness benchmark: the Monte Carlo rank analysis (domain/robustness.ts, 1,000 draws re-aggregating
// precomputed score columns) against the obvious way, a full assessment of every draw's scheme, and
// against one evaluation per draw, measured in the same run at 14 × 30 and 3,000 × 200.
//   npm run bench:robustness [-- --no-scale]
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { assessPeriod, periodMatrices } from '../domain/assessment.ts';
import { type Evaluation, evaluate } from '../domain/evaluate.ts';
import { makeSampler, rankRobustness, robustnessConfig, schemeForDraw } from '../domain/robustness.ts';
import { compileScheme } from '../domain/tree.ts';
import { type BenchCase, case14x30, caseScale } from './bulletin-cases.ts';

const { values: args } = parseArgs({ options: { 'no-scale': { type: 'boolean', default: false } } });
const DRAWS = 1000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function lastEvaluation(k: BenchCase): Evaluation {
  const ms = periodMatrices(k.scheme, k.observations);
  return evaluate(compileScheme(k.scheme), ms.at(-1)!, ms.slice(0, -1));
}

/** ms per draw of `perDraw` over `draws` draws of the sampler, and the rank counts it gives. */
function baseline(
  ev: Evaluation,
  draws: number,
  perDraw: (scheme: ReturnType<typeof schemeForDraw>) => Int32Array,
) {
  const c = ev.compiled;
  const config = robustnessConfig(c.scheme, { draws });
  const sampler = makeSampler(c, config);
  const counts = new Map<number, number[]>();
  const t = performance.now();
  for (let d = 0; d < draws; d++) {
    sampler.next();
    const rank = perDraw(schemeForDraw(c, config, sampler));
    rank.forEach((r, e) => {
      if (r === 0) return;
      const row = counts.get(e) ?? [];
      row[r - 1] = (row[r - 1] ?? 0) + 1;
      counts.set(e, row);
    });
  }
  return { msPerDraw: (performance.now() - t) / draws, counts };
}

interface Row {
  label: string;
  fastMs: number;
  assessMsPerDraw: number;
  evaluateMsPerDraw: number;
  baselineDraws: number;
  same: boolean;
  target?: number;
}

function run(k: BenchCase, runs: number, baselineDraws: number, target?: number): Row {
  const ev = lastEvaluation(k);
  rankRobustness(ev, { draws: 50 }); // warm-up
  const times: number[] = [];
  let result = rankRobustness(ev, { draws: DRAWS });
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = rankRobustness(ev, { draws: DRAWS });
    times.push(performance.now() - t);
  }
  const values = { period: ev.period, values: ev.values };
  const assess = baseline(ev, baselineDraws, (s) => assessPeriod(s, values).evaluation.rank);
  const evalOnly = baseline(ev, baselineDraws, (s) => evaluate(compileScheme(s), values).rank);
  // The fast path over the same first draws must count the same ranks as evaluating each draw in full.
  const check = rankRobustness(ev, { draws: baselineDraws });
  const c = ev.compiled;
  const same = check.entities.every((d) => {
    const full = evalOnly.counts.get(c.entityIndex.get(d.entity)!) ?? [];
    return d.counts.every((n, r) => n === (full[r] ?? 0));
  });
  if (result.entities.length === 0) throw new Error('no ranked entities');
  return {
    label: k.label,
    fastMs: median(times),
    assessMsPerDraw: assess.msPerDraw,
    evaluateMsPerDraw: evalOnly.msPerDraw,
    baselineDraws,
    same,
    ...(target === undefined ? {} : { target }),
  };
}

const loadBefore = loadavg()[0]!;
const rows: Row[] = [run(case14x30(), 7, DRAWS, 1000)];
if (!args['no-scale']) rows.push(run(caseScale(2), 3, 3));

const f = (x: number, d = 1) => x.toFixed(d);
console.log(
  `\nRank robustness, ${DRAWS} draws (uniform ±25% weights; alternatives: minmax for all, rank for one indicator)\n`,
);
console.log(
  [
    'case',
    'ours ms',
    'per draw µs',
    'full assessment per draw ms',
    'evaluate per draw ms',
    'ours ÷ assessments',
    'ours ÷ evaluations',
    'same ranks',
    'target',
  ].join(' | '),
);
for (const r of rows) {
  const assessTotal = r.assessMsPerDraw * DRAWS;
  const evalTotal = r.evaluateMsPerDraw * DRAWS;
  console.log(
    [
      r.label,
      f(r.fastMs),
      f((r.fastMs * 1000) / DRAWS, 0),
      f(r.assessMsPerDraw, 2),
      f(r.evaluateMsPerDraw, 2),
      f(r.fastMs / assessTotal, 4),
      f(r.fastMs / evalTotal, 4),
      r.same ? `yes (${r.baselineDraws} draws)` : 'NO',
      r.target === undefined
        ? '—'
        : `${r.fastMs <= r.target ? 'PASS' : 'FAIL'} ≤ ${r.target} ms (${f(r.fastMs / r.target, 3)})`,
    ].join(' | '),
  );
}
console.log(
  `\nWarm medians; the baselines are timed over the first N draws of the same sampler (ms per draw, × ${DRAWS} for the ratios). ` +
    `Node ${process.version}, ${availableParallelism()} CPUs, load average ${f(loadBefore)} at start, ${f(loadavg()[0]!)} at end.`,
);
if (rows.some((r) => !r.same)) process.exitCode = 1;
