// Cold-start benchmark: every function bundle as CDK builds it for deployment (the base construct's bundling:
// minified ESM, every dependency inside), side by side with a baseline handler bundled by the same construct
// in the same run with the AWS SDK inside as published — its size, and the time to import it in a fresh Node
// 22 process with the functions' NODE_OPTIONS (median of N runs, bundles interleaved so a busy machine slows
// all of them alike; wall clock and the process's CPU time). Target: each function at most 50% of the
// baseline's size and import time. A reference row shows the AWS SDK clients alone (sdk-floor). Also lists
// what weighs most in each bundle (esbuild's metafile).
//   npm run bench:cold-start [-- --runs 15]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { loadSchemeText } from '../domain/scheme.ts';
import { indicatorValueReported } from '../events/index.ts';
import { readSample } from '../events/samples.ts';
import { EngineFunction } from '../infra/constructs/function.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PROBE = join(ROOT, 'infra/bundling/import-probe.ts');
const INVOKE = join(ROOT, 'bench/cold-start-invoke.ts');
const TARGET = 0.5;

/**
 * Every entry is bundled by the base construct with the same options, the AWS SDK inside as published (the
 * baseline and sdk-floor import its clients; the functions call AWS through functions/shared/aws instead).
 * sdk-floor, the DynamoDB and EventBridge clients alone, shows what the SDK costs by itself.
 */
const ENTRIES = {
  baseline: 'bench/cold-start-baseline.ts',
  'sdk-floor': 'bench/cold-start-sdk-floor.ts',
  ingest: 'functions/ingest.ts',
  relay: 'functions/relay.ts',
  project: 'functions/project.ts',
  query: 'functions/query.ts',
} as const;
type Name = keyof typeof ENTRIES;
const REFERENCE: readonly Name[] = ['baseline', 'sdk-floor'];

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
        entry: ENTRIES[name],
        description: `cold-start benchmark: ${name}`,
        service: `bench-${name.replace(/\W+/g, '-')}`,
        logRetention: RetentionDays.ONE_DAY,
        metafile: true,
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

// ── the first invocation ─────────────────────────────────────────────────────────────────────────────
const noFailures = (r: unknown) =>
  JSON.stringify((r as { batchItemFailures?: unknown })?.batchItemFailures) === '[]';

/** An EventBridge event as a department publishes it, for the Gansu scenario's scheme. */
function departmentEvent(schemeId: string): Record<string, unknown> {
  const sample = readSample(indicatorValueReported) as { detail: Record<string, unknown> };
  return {
    ...sample,
    detail: {
      ...sample.detail,
      scheme: schemeId,
      indicator: 'hotline_missed_call_rate',
      entity: 'lanzhou',
      period: '2026-W33',
      value: 2.15,
      observedAt: '2026-08-16T18:00:00+08:00',
    },
  };
}

const sqsEvent = (body: unknown) => ({
  Records: [
    {
      messageId: '1d3b2f9e-6c4a-4e0b-8d7a-5f2e9c1b3a70',
      receiptHandle: 'stub',
      body: JSON.stringify(body),
      attributes: {},
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws-cn:sqs:cn-northwest-1:123456789012:ingest',
      awsRegion: 'cn-northwest-1',
    },
  ],
});

const streamEvent = (image: Record<string, unknown>) => ({
  Records: [
    {
      eventID: '1',
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      awsRegion: 'cn-northwest-1',
      dynamodb: { NewImage: image, SequenceNumber: '100000000000000000001', StreamViewType: 'NEW_IMAGE' },
    },
  ],
});

function invokeEnvironment(url: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    LANG: 'C.UTF-8',
    AWS_REGION: 'cn-northwest-1',
    AWS_ENDPOINT_URL: url,
    // As Lambda gives a function its role's credentials.
    AWS_ACCESS_KEY_ID: 'ASIACOLDSTARTBENCH00',
    AWS_SECRET_ACCESS_KEY: 'cold-start-bench-secret',
    AWS_SESSION_TOKEN: 'cold-start-bench-token',
    TABLE_NAME: 'rankwatch-cold-start',
    EVENT_BUS_NAME: 'rankwatch-cold-start',
    REJECTED_QUEUE_URL: `${url}/123456789012/rejected`,
    POWERTOOLS_SERVICE_NAME: 'cold-start',
    POWERTOOLS_METRICS_NAMESPACE: 'rankwatch',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  };
}

interface Invoked {
  importMs: number;
  importCpuMs: number;
  totalMs: number;
  totalCpuMs: number;
  result: unknown;
}

/** One cold start: a fresh process imports the bundle and invokes it once (the stub serves it meanwhile). */
function invokeOnce(bundle: string, eventFile: string, url: string): Invoked {
  const stdout = execFileSync(process.execPath, ['--enable-source-maps', INVOKE, bundle, eventFile], {
    env: invokeEnvironment(url),
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.trimEnd().split('\n').at(-1) ?? '') as Invoked;
}

/** The stub AWS endpoint in a process of its own (bench/cold-start-aws.ts), recording until frozen. */
async function startStub(): Promise<{
  url: string;
  control(path: string, method?: string): Promise<unknown>;
  stop(): void;
}> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bench/cold-start-aws.ts'), join(ROOT, 'scenarios/gansu/scheme.yaml')],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      const line = text.split('\n')[0];
      if (text.includes('\n') && line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.on('exit', (code) => reject(new Error(`the stub AWS endpoint exited (${code})`)));
  });
  return {
    url,
    control: (path, method = 'GET') =>
      // A connection per request (agent: false): the runs in between outlast any keep-alive.
      new Promise((resolve, reject) => {
        request(`${url}/__stub/${path}`, { method, agent: false }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString('utf8');
          });
          res.on('end', () => resolve(JSON.parse(text)));
        })
          .on('error', reject)
          .end();
      }),
    stop: () => child.kill(),
  };
}

/**
 * The first invocations' events: ingest's is a department event for the scenario scheme the stub serves;
 * relay's and project's are the stream records of the outbox item and the snapshot manifest that ingest
 * wrote when invoked once beforehand (with the stub recording).
 */
async function firstCalls(
  dirs: Record<Name, string>,
  stub: Awaited<ReturnType<typeof startStub>>,
  schemeId: string,
  outdir: string,
): Promise<Record<Name, string>> {
  const write = (name: string, event: unknown) => {
    const file = join(outdir, `${name}.event.json`);
    writeFileSync(file, JSON.stringify(event));
    return file;
  };
  const ingestFile = write('ingest', sqsEvent(departmentEvent(schemeId)));
  const warm = invokeOnce(join(dirs.ingest, 'index.mjs'), ingestFile, stub.url);
  if (!noFailures(warm.result))
    throw new Error(`ingest did not apply the event: ${JSON.stringify(warm.result)}`);
  const items = (await stub.control('written')) as Record<string, unknown>[];
  await stub.control('freeze', 'POST');
  const written = (prefix: string) => {
    const item = items.find((i) => (i.PK as { S: string }).S.startsWith(prefix));
    if (!item) throw new Error(`ingest wrote no ${prefix} item`);
    return item;
  };
  return {
    baseline: write('baseline', departmentEvent(schemeId)),
    'sdk-floor': write('sdk-floor', { key: `SCHEME#${schemeId}` }),
    ingest: ingestFile,
    relay: write('relay', streamEvent(written('OUTBOX#'))),
    project: write('project', streamEvent(written('SNAP#'))),
    query: write('query', {
      version: '2.0',
      routeKey: 'GET /schemes/{scheme}/periods/{period}/snapshots',
      rawPath: `/schemes/${schemeId}/periods/2026-W33/snapshots`,
      rawQueryString: 'format=json',
      pathParameters: { scheme: schemeId, period: '2026-W33' },
      queryStringParameters: { format: 'json' },
      headers: {},
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'GET' },
        routeKey: 'GET /schemes/{scheme}/periods/{period}/snapshots',
      },
    }),
  };
}

/** What each handler must return for its first invocation to count (the whole work done, no failure). */
const EXPECTED: Record<Name, (r: unknown) => boolean> = {
  baseline: () => true,
  'sdk-floor': () => true,
  ingest: noFailures,
  relay: noFailures,
  project: noFailures,
  query: (r) => (r as { statusCode?: number })?.statusCode === 200,
};

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

async function main(): Promise<void> {
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
      "Sizes and times are of the deployed bundles: minified ESM, every dependency inside (the baseline's AWS SDK too).\n",
    );
    console.log(line(header));
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const r of rows) console.log(line(r));
    console.log(
      '\nReference rows, not targets: the baseline is the conventional handler (middy, Powertools, zod, AWS SDK);',
    );
    console.log(
      'sdk-floor is the DynamoDB document client and the EventBridge client alone. The functions call AWS through',
    );
    console.log('functions/shared/aws (signed JSON over HTTPS) instead of the SDK clients.');
    console.log('\nHeaviest parts (bytes in the bundle):');
    for (const n of names)
      console.log(
        `  ${n.padEnd(21)} ${heaviest(dirs[n], 6)
          .map(([k, b]) => `${k} ${kb(b)}`)
          .join(', ')}`,
      );

    await firstInvocations(dirs, names, runs, outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Cold starts with the first invocation: a fresh process imports the bundle and handles one event against
 * the stub AWS endpoint. What a function does at import and what it leaves to its first call both count
 * here, so work moved from one to the other shows up. No target: the functions do their real work
 * (ingest records a snapshot), the baseline puts one item and one event.
 */
async function firstInvocations(
  dirs: Record<Name, string>,
  names: Name[],
  runs: number,
  outdir: string,
): Promise<void> {
  const scheme = loadSchemeText(
    readFileSync(join(ROOT, 'scenarios/gansu/scheme.yaml'), 'utf8'),
    'scheme.yaml',
  );
  const stub = await startStub();
  try {
    const files = await firstCalls(dirs, stub, scheme.id, outdir);
    const bundle = (n: Name) => join(dirs[n], 'index.mjs');
    const total = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
    const totalCpu = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
    const importCpu = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
    for (const n of names) invokeOnce(bundle(n), files[n], stub.url);
    const transactions = async () =>
      ((await stub.control('calls')) as Record<string, number>)['DynamoDB_20120810.TransactWriteItems'] ?? 0;
    const before = await transactions();
    for (let r = 0; r < runs; r++) {
      process.stderr.write(`\rinvoking, round ${r + 1}/${runs}`);
      for (const n of names.map((_, i) => names[(i + r) % names.length]!)) {
        const t = invokeOnce(bundle(n), files[n], stub.url);
        if (!EXPECTED[n](t.result))
          throw new Error(`${n}: first invocation returned ${JSON.stringify(t.result)}`);
        total[n].push(t.totalMs);
        totalCpu[n].push(t.totalCpuMs);
        importCpu[n].push(t.importCpuMs);
      }
    }
    process.stderr.write('\n');
    // Every measured ingest invocation recorded its snapshot (one transaction), not an unchanged period.
    const snapshots = (await transactions()) - before;
    if (snapshots !== runs) throw new Error(`ingest wrote ${snapshots} snapshots in ${runs} invocations`);
    const base = { wall: median(total.baseline), cpu: median(totalCpu.baseline) };
    const rows = names.map((n) => {
      const w = median(total[n]);
      const c = median(totalCpu[n]);
      const i = median(importCpu[n]);
      return [
        n,
        `${w.toFixed(1)} ms`,
        pct(w / base.wall),
        `${c.toFixed(1)} ms`,
        pct(c / base.cpu),
        `${i.toFixed(1)} ms`,
        `${(c - i).toFixed(1)} ms`,
      ];
    });
    const header = [
      'bundle',
      'import + first call',
      'of baseline',
      'CPU',
      'of baseline',
      'CPU: import',
      'CPU: first call',
    ];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    console.log(
      `\nWith the first invocation: ${runs} cold starts per bundle (import, then one event handled against a stub`,
    );
    console.log(
      'DynamoDB/EventBridge endpoint on 127.0.0.1), medians. No target: work moved from the import to the first',
    );
    console.log('call shows here. The functions do their real work (ingest records a snapshot).\n');
    console.log(line(header));
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const r of rows) console.log(line(r));
    const calls = Object.entries((await stub.control('calls')) as Record<string, number>);
    console.log(
      `\nStub requests per kind over the run: ${calls.map(([k, v]) => `${k.replace(/^.*\./, '')} ${v}`).join(', ')}`,
    );
  } finally {
    stub.stop();
  }
}

await main();
