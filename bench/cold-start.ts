// Cold-start benchmark: every function bundle as CDK builds it for deployment (the base construct's bundling:
// minified ESM, AWS SDK inside), side by side with a baseline handler bundled by the same construct in the
// same run with the AWS SDK as published — its size, and the time to import it in a fresh Node 22 process
// with the functions' NODE_OPTIONS (median of N runs, bundles interleaved so a busy machine slows all of them
// alike; wall clock and the process's CPU time). Target: each function at most 50% of the baseline's size and
// import time. Reference rows show the floor (the AWS SDK clients alone) and what the engine's SDK choices do
// to the baseline and the floor. Also lists what weighs most in each bundle (esbuild's metafile).
//   npm run bench:cold-start [-- --runs 15]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EngineFunction } from '../infra/constructs/function.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PROBE = join(ROOT, 'infra/bundling/import-probe.ts');
const TARGET = 0.5;

/**
 * The baseline is the conventional handler bundled the conventional way: the AWS SDK as published. The
 * functions are bundled as deployed, with the engine's SDK choices (sdkAliases in the base construct). The
 * reference rows show the SDK clients alone both ways, and the baseline with the engine's SDK choices, so
 * what the bundling choices bring and what the functions' own imports bring can be told apart.
 */
const ENTRIES = {
  baseline: { entry: 'bench/cold-start-baseline.ts', sdkAsPublished: true },
  'baseline, engine SDK': { entry: 'bench/cold-start-baseline.ts', sdkAsPublished: false },
  'sdk-floor': { entry: 'bench/cold-start-sdk-floor.ts', sdkAsPublished: true },
  'sdk-floor, engine SDK': { entry: 'bench/cold-start-sdk-floor.ts', sdkAsPublished: false },
  ingest: { entry: 'functions/ingest.ts', sdkAsPublished: false },
  relay: { entry: 'functions/relay.ts', sdkAsPublished: false },
  project: { entry: 'functions/project.ts', sdkAsPublished: false },
  query: { entry: 'functions/query.ts', sdkAsPublished: false },
} as const;
type Name = keyof typeof ENTRIES;
const REFERENCE: readonly Name[] = ['baseline', 'baseline, engine SDK', 'sdk-floor', 'sdk-floor, engine SDK'];

function runsFromArgs(): number {
  const i = process.argv.indexOf('--runs');
  const n = i >= 0 ? Number(process.argv[i + 1]) : 15;
  if (!Number.isInteger(n) || n < 10) throw new Error('--runs must be an integer ≥ 10');
  return n;
}

/** Bundles every entry through the base construct, as `cdk synth` does; returns each bundle's directory. */
function bundleAll(outdir: string): Record<Name, string> {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({ outdir, context: cdkJson.context });
  const stack = new Stack(app, 'ColdStart');
  const fns = Object.fromEntries(
    (Object.keys(ENTRIES) as Name[]).map((name, i) => [
      name,
      new EngineFunction(stack, `Bundle${i}`, {
        entry: ENTRIES[name].entry,
        description: `cold-start benchmark: ${name}`,
        service: `bench-${name.replace(/\W+/g, '-')}`,
        logRetention: RetentionDays.ONE_DAY,
        metafile: true,
        sdkAsPublished: ENTRIES[name].sdkAsPublished,
      }),
    ]),
  ) as Record<Name, EngineFunction>;
  app.synth();
  const dirs = {} as Record<Name, string>;
  for (const name of Object.keys(fns) as Name[]) {
    const code = stack.resolve((fns[name].fn.node.defaultChild as CfnFunction).code) as { s3Key: string };
    dirs[name] = join(outdir, `asset.${code.s3Key.replace(/\.zip$/, '')}`);
  }
  return dirs;
}

function importOnce(bundle: string): { ms: number; cpuMs: number } {
  const out = execFileSync(process.execPath, ['--enable-source-maps', PROBE, bundle], {
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'cn-northwest-1', LANG: 'C.UTF-8' },
    encoding: 'utf8',
  });
  const { ms, cpuMs, exports } = JSON.parse(out) as {
    ms: number;
    cpuMs: number;
    exports: Record<string, string>;
  };
  if (exports.handler !== 'function') throw new Error(`${bundle} exports no handler`);
  return { ms, cpuMs };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Bytes in the bundle per package (or per source folder), largest first. */
function heaviest(dir: string, top: number): [string, number][] {
  const meta = JSON.parse(readFileSync(join(dir, 'index.meta.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const output = Object.entries(meta.outputs).find(([k]) => k.endsWith('.mjs'))![1];
  const by = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const at = path.lastIndexOf('node_modules/');
    let key: string;
    if (at >= 0) {
      const [scope, name] = path.slice(at + 'node_modules/'.length).split('/');
      key = scope!.startsWith('@') ? `${scope}/${name}` : scope!;
    } else key = path.split('/').slice(0, -1).join('/') || path;
    by.set(key, (by.get(key) ?? 0) + bytesInOutput);
  }
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, top);
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

function main(): void {
  const runs = runsFromArgs();
  const outdir = mkdtempSync(join(tmpdir(), 'rankwatch-cold-start-'));
  try {
    process.stderr.write('bundling through the base construct (local esbuild)…\n');
    const dirs = bundleAll(outdir);
    const names = Object.keys(dirs) as Name[];
    const bundle = (n: Name) => join(dirs[n], 'index.mjs');
    const size = Object.fromEntries(names.map((n) => [n, statSync(bundle(n)).size])) as Record<Name, number>;
    const wall = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
    const cpu = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
    for (const n of names) importOnce(bundle(n)); // warm the file cache once
    for (let r = 0; r < runs; r++) {
      process.stderr.write(`\rimporting, round ${r + 1}/${runs}`);
      // Rotate the order each round so no bundle always follows the same one.
      for (const n of names.map((_, i) => names[(i + r) % names.length]!)) {
        const t = importOnce(bundle(n));
        wall[n].push(t.ms);
        cpu[n].push(t.cpuMs);
      }
    }
    process.stderr.write('\n');

    const base = { size: size.baseline, wall: median(wall.baseline), cpu: median(cpu.baseline) };
    const rows = names.map((n) => {
      const w = median(wall[n]);
      const c = median(cpu[n]);
      const reference = REFERENCE.includes(n);
      // Both measures of import time must be within the target: wall clock and CPU time.
      const ok = size[n] / base.size <= TARGET && w / base.wall <= TARGET && c / base.cpu <= TARGET;
      return [
        n,
        kb(size[n]),
        pct(size[n] / base.size),
        `${w.toFixed(1)} ms`,
        pct(w / base.wall),
        `${c.toFixed(1)} ms`,
        pct(c / base.cpu),
        reference ? '' : ok ? 'yes' : 'NO',
      ];
    });
    const header = [
      'bundle',
      'size',
      'of baseline',
      'import (median)',
      'of baseline',
      'CPU (median)',
      'of baseline',
      '≤ 50%',
    ];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    console.log(
      `Cold start: ${runs} imports per bundle in fresh Node ${process.versions.node} processes (--enable-source-maps), medians.`,
    );
    console.log(
      'Sizes and times are of the deployed bundles: minified ESM, AWS SDK and every dependency inside.\n',
    );
    console.log(line(header));
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const r of rows) console.log(line(r));
    console.log(
      '\nReference rows, not targets: the baseline is the conventional handler with the AWS SDK as published;',
    );
    console.log(
      '"engine SDK" rows are bundled with the functions\' SDK choices (default credential chain and event-stream',
    );
    console.log(
      'codec replaced: infra/bundling/sdk/); sdk-floor is the DynamoDB and EventBridge clients alone.',
    );
    console.log('\nHeaviest parts (bytes in the bundle):');
    for (const n of names)
      console.log(
        `  ${n.padEnd(21)} ${heaviest(dirs[n], 6)
          .map(([k, b]) => `${k} ${kb(b)}`)
          .join(', ')}`,
      );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

main();
