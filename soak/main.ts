// `npm run soak [-- --events N --seed S --weeks W --no-restart]`: synthesises the CDK app into a temporary
// cloud assembly (functions bundled), runs the fault-injection soak on the local engine and prints its
// verdict; exits 1 when anything was lost, duplicated or wrong.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../infra/app.ts';
import { runSoak, summaryLine } from './soak.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    seed: { type: 'string' },
    weeks: { type: 'string' },
    'no-restart': { type: 'boolean', default: false },
  },
});
const number = (name: string, text: string | undefined) => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`--${name} 必须是正整数 / must be a positive integer, not "${text}"`);
    process.exit(2);
  }
  return n;
};
const events = number('events', values.events)!;
const seed = number('seed', values.seed);
const weeks = number('weeks', values.weeks);

const outdir = mkdtempSync(join(tmpdir(), 'rankwatch-soak-cdk-'));
try {
  const t0 = Date.now();
  const context = (
    JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
      context: Record<string, unknown>;
    }
  ).context;
  const app = new App({ outdir, context });
  buildApp(app);
  app.synth();
  console.error(`synthesised in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const result = await runSoak({
    cdkOut: outdir,
    events,
    ...(seed === undefined ? {} : { seed }),
    ...(weeks === undefined ? {} : { weeks }),
    restart: !values['no-restart'],
    progress: (line) => console.error(line),
  });
  const f = result.findings;
  for (const [what, list] of [
    ['lost', f.lost],
    ['duplicated', f.duplicated],
    ['wrong', f.wrong],
  ] as const)
    for (const line of list.slice(0, 20)) console.log(`${what}: ${line}`);
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(
    `seed ${result.plan.seed} · ${result.plan.weeks} weeks · snapshots ${f.figures.snapshots} · alerts ${f.figures.alerts} · rejections ${f.figures.rejections} · re-sent copies ${f.figures.resentCopies} · rejected-record copies ${f.figures.rejectedRecordCopies} · publish ${s(result.ms.publish)} · settle ${s(result.ms.settle)} · total ${s(result.ms.total)}`,
  );
  console.log(summaryLine(result));
  process.exitCode = f.lost.length + f.duplicated.length + f.wrong.length > 0 ? 1 : 0;
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
