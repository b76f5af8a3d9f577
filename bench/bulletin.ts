// Bulletin benchmark: time to build and render one weekly analysis (content from stored snapshots, ECharts SSR
// charts, one HTML page) at 14 × 30 and 3,000 × 200, side by side with the baseline of recording the same
// series into snapshots (domain/replay.ts), which every bulletin presupposes.
//   npm run bench:bulletin [-- --no-scale]
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { renderBulletinHtml } from '../bulletin/html.ts';
import { buildBulletin } from '../domain/bulletin.ts';
import { replaySeries } from '../domain/replay.ts';
import { type BenchCase, case14x30, caseScale } from './bulletin-cases.ts';

const { values: args } = parseArgs({ options: { 'no-scale': { type: 'boolean', default: false } } });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function measure(k: BenchCase, runs: number, targetMs: number): string {
  const t0 = performance.now();
  const { snapshots, alerts } = replaySeries(k.scheme, k.observations);
  const replayMs = performance.now() - t0;
  const build: number[] = [];
  const render: number[] = [];
  let bytes = 0;
  let columns = 0;
  for (let i = 0; i < runs; i++) {
    const a = performance.now();
    const b = buildBulletin(k.scheme, snapshots, { alerts });
    const m = performance.now();
    const html = renderBulletinHtml(k.scheme, b, 'zh');
    const e = performance.now();
    build.push(m - a);
    render.push(e - m);
    bytes = html.length;
    columns = b.heatmap.entities.length;
  }
  const total = median(build.map((x, i) => x + render[i]!));
  const verdict = total <= targetMs ? 'PASS' : 'FAIL';
  return [
    k.label,
    median(build).toFixed(1),
    median(render).toFixed(1),
    total.toFixed(1),
    replayMs.toFixed(1),
    (total / replayMs).toFixed(3),
    String(columns),
    `${(bytes / 1024).toFixed(0)} KiB`,
    `${verdict} ≤ ${targetMs} ms`,
  ].join(' | ');
}

const load0 = loadavg()[0]!.toFixed(1);
console.log('\nBulletin (周分析) build and render, the last week of the series, Chinese\n');
console.log(
  'case | build ms | render ms | bulletin ms | baseline: record the series ms | bulletin ÷ baseline | heat-map columns | HTML | target',
);
console.log(measure(case14x30(), 7, 1000));
if (!args['no-scale']) console.log(measure(caseScale(), 3, 10_000));
console.log(
  `\nMedians of warm runs (first run included). Node ${process.version}, ${availableParallelism()} CPUs, load average ${load0} at start, ${loadavg()[0]!.toFixed(1)} at end.`,
);
