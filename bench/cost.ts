// Cost benchmark: plays scenarios through the local engine with every AWS request counted (bench/load.ts's
// harness with its counting proxies: DynamoDB request units from item sizes as DynamoDB bills them, PutEvents
// 64 KB chunks, SQS requests, SNS publishes and e-mail deliveries, Lambda invocations and GB-seconds from the
// measured durations and the template's memory) and prices them with a dated price table (bench/prices.json),
// per million observations. Lanzhou scale (14 × 30, 26 weeks) is played whole; the national scale (2,800
// counties × 200 indicators) is played for `--national-weeks` weeks (default 1), or skipped with --no-national.
// Two smaller generated sizes with the same indicators show how the cost per observation moves with the
// number of entities and of indicators.
//   npm run bench:cost [-- --prices FILE --gansu-weeks 26 --sizes 100x50x2,400x50x2 --national-weeks 1 --no-national]
import { readFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { localModel, readCloudAssembly } from '../local/template.ts';
import {
  gansuScenario,
  generatedScenario,
  type RunCounts,
  runEngineLoad,
  type Scenario,
  synthesise,
} from './load.ts';

const Money = z.number().nonnegative();
export const PriceTable = z.object({
  region: z.string().min(1),
  currency: z.string().min(1),
  asOf: z.string().min(1),
  note: z.string().optional(),
  sources: z.record(z.string(), z.string()),
  lambda: z.object({
    perMillionRequests: Money,
    perGbSecond: z.object({ x86_64: Money, arm64: Money }),
  }),
  dynamodb: z.object({
    perMillionWriteRequestUnits: Money,
    perMillionReadRequestUnits: Money,
    perGbMonth: Money,
  }),
  eventbridge: z.object({ perMillionCustomEvents: Money, perMillionSchedulerInvocations: Money }),
  sqs: z.object({ perMillionRequests: Money }),
  sns: z.object({ perMillionPublishes: Money, perHundredThousandEmails: Money }),
  s3: z.object({ perThousandPuts: Money }),
});
export type PriceTable = z.infer<typeof PriceTable>;

/** Reads and checks a price table; an error names the file and the field. */
export function loadPrices(path: string | URL): PriceTable {
  const text = readFileSync(path, 'utf8');
  const r = PriceTable.safeParse(JSON.parse(text));
  if (!r.success)
    throw new Error(
      `${String(path)}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

export interface CostLine {
  service: string;
  item: string;
  quantity: number;
  unit: string;
  cost: number;
}

/**
 * What a run's requests cost at these prices, line by line. Lambda bills each invocation's duration rounded
 * up to the millisecond times its memory; SQS bills every request (sends by 64 KB chunk) — the pollers' empty
 * receives are left out here, since the local engine polls on its own timing: on AWS they are a fixed
 * monthly cost of each event source mapping, whatever the traffic (see fixedMonthly).
 */
export function costOf(counts: RunCounts, prices: PriceTable): CostLine[] {
  const lines: CostLine[] = [];
  let invocations = 0;
  const gbSeconds: Record<'x86_64' | 'arm64', number> = { x86_64: 0, arm64: 0 };
  for (const fn of Object.values(counts.lambda)) {
    invocations += fn.durationsMs.length;
    const arch = fn.architecture === 'arm64' ? 'arm64' : 'x86_64';
    for (const ms of fn.durationsMs) gbSeconds[arch] += (Math.ceil(ms) / 1000) * (fn.memoryMb / 1024);
  }
  lines.push({
    service: 'Lambda',
    item: 'requests',
    quantity: invocations,
    unit: 'invocations',
    cost: (invocations / 1e6) * prices.lambda.perMillionRequests,
  });
  for (const arch of ['x86_64', 'arm64'] as const)
    if (gbSeconds[arch] > 0)
      lines.push({
        service: 'Lambda',
        item: `duration (${arch})`,
        quantity: gbSeconds[arch],
        unit: 'GB-s',
        cost: gbSeconds[arch] * prices.lambda.perGbSecond[arch],
      });
  const wru = counts.dynamodb.reduce((a, r) => a + r.wru, 0);
  const rru = counts.dynamodb.reduce((a, r) => a + r.rru, 0);
  lines.push(
    {
      service: 'DynamoDB',
      item: 'write request units',
      quantity: wru,
      unit: 'WRU',
      cost: (wru / 1e6) * prices.dynamodb.perMillionWriteRequestUnits,
    },
    {
      service: 'DynamoDB',
      item: 'read request units',
      quantity: rru,
      unit: 'RRU',
      cost: (rru / 1e6) * prices.dynamodb.perMillionReadRequestUnits,
    },
  );
  const events = Object.values(counts.putEvents).reduce((a, p) => a + p.chunks, 0);
  lines.push({
    service: 'EventBridge',
    item: 'events put (64 KB chunks)',
    quantity: events,
    unit: 'events',
    cost: (events / 1e6) * prices.eventbridge.perMillionCustomEvents,
  });
  const sqs = counts.sqs.sendChunks + (counts.sqs.receive - counts.sqs.emptyReceive) + counts.sqs.delete;
  lines.push({
    service: 'SQS',
    item: 'send (64 KB chunks), receive with messages, delete',
    quantity: sqs,
    unit: 'requests',
    cost: (sqs / 1e6) * prices.sqs.perMillionRequests,
  });
  lines.push(
    {
      service: 'SNS',
      item: 'publishes (64 KB chunks)',
      quantity: counts.sns.chunks,
      unit: 'publishes',
      cost: (counts.sns.chunks / 1e6) * prices.sns.perMillionPublishes,
    },
    {
      service: 'SNS',
      item: 'e-mail deliveries',
      quantity: counts.sns.emailDeliveries,
      unit: 'e-mails',
      cost: (counts.sns.emailDeliveries / 1e5) * prices.sns.perHundredThousandEmails,
    },
  );
  if (counts.s3.requests > 0)
    lines.push({
      service: 'S3',
      item: 'PUT requests',
      quantity: counts.s3.requests,
      unit: 'requests',
      cost: (counts.s3.requests / 1000) * prices.s3.perThousandPuts,
    });
  return lines;
}

/**
 * The costs that do not depend on traffic, per month: the escalate schedule (Scheduler invocation and a short
 * Lambda run, every 15 minutes), the weekly reminder, and each SQS event source mapping's long polls (Lambda
 * keeps 5 pollers on an idle queue, each a 20 s long poll: 15 receives a minute).
 */
export function fixedMonthly(
  prices: PriceTable,
  options: { queues: number; escalateMs: number; escalateMemoryMb: number },
): CostLine[] {
  const month = 30 * 24 * 60; // minutes
  const escalations = month / 15;
  const polls = options.queues * 5 * 3 * month;
  return [
    {
      service: 'Scheduler + Lambda',
      item: `escalate every 15 minutes (${options.escalateMs} ms a run assumed), remind weekly`,
      quantity: escalations + 4,
      unit: 'runs',
      cost:
        ((escalations + 4) / 1e6) *
          (prices.eventbridge.perMillionSchedulerInvocations + prices.lambda.perMillionRequests) +
        escalations *
          (Math.ceil(options.escalateMs) / 1000) *
          (options.escalateMemoryMb / 1024) *
          prices.lambda.perGbSecond.x86_64,
    },
    {
      service: 'SQS',
      item: `idle long polls of ${options.queues} event source mapping(s)`,
      quantity: polls,
      unit: 'requests',
      cost: (polls / 1e6) * prices.sqs.perMillionRequests,
    },
  ];
}

/** The SQS event source mappings of the synthesised app (each keeps Lambda's pollers on its queue). */
export function sqsEventSources(cdkOut: string): number {
  const model = localModel(readCloudAssembly(cdkOut), {
    region: 'us-east-1',
    account: '000000000000',
    queueUrl: (name) => name,
  });
  return model.eventSourceMappings.filter((m) => m.kind === 'sqs').length;
}

export interface CostRun {
  label: string;
  entities: number;
  indicators: number;
  weeks: number;
  observations: number;
  lines: CostLine[];
  /** Everything but the notifications (SNS): what recording the observations costs. */
  total: number;
  perMillion: number;
  /** SNS: the slips' notifications, which depend on how often ranks move, not on the number of observations. */
  notifications: { cost: number; emails: number; publishes: number };
  /** Where the table's bytes went: DynamoDB bytes written per observation. */
  bytesPerObservation: number;
  /** Write request units by the function that spent them, largest first. */
  wruByFunction: { fn: string; wru: number }[];
}

/** Write request units by calling function, largest first. */
export function wruByFunction(requests: RunCounts['dynamodb']): { fn: string; wru: number }[] {
  const by = new Map<string, number>();
  for (const r of requests) by.set(r.fn, (by.get(r.fn) ?? 0) + r.wru);
  return [...by]
    .map(([fn, wru]) => ({ fn, wru }))
    .filter((f) => f.wru > 0)
    .sort((a, b) => b.wru - a.wru || a.fn.localeCompare(b.fn));
}

export function costRun(scenario: Scenario, counts: RunCounts, prices: PriceTable): CostRun {
  const observations = scenario.weeks.reduce((a, w) => a + w.observations, 0);
  const lines = costOf(counts, prices);
  const total = lines.filter((l) => l.service !== 'SNS').reduce((a, l) => a + l.cost, 0);
  return {
    label: scenario.label,
    entities: scenario.scheme.entities.length,
    indicators: scenario.scheme.indicators.length,
    weeks: scenario.weeks.length,
    observations,
    lines,
    total,
    perMillion: (total / observations) * 1e6,
    notifications: {
      cost: lines.filter((l) => l.service === 'SNS').reduce((a, l) => a + l.cost, 0),
      emails: counts.sns.emailDeliveries,
      publishes: counts.sns.publish,
    },
    bytesPerObservation: counts.dynamodb.reduce((a, r) => a + r.bytesWritten, 0) / observations,
    wruByFunction: wruByFunction(counts.dynamodb),
  };
}

const money = (x: number, currency: string) =>
  `${x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(3)} ${currency}`;
const qty = (x: number) => (Number.isInteger(x) ? x.toLocaleString('en') : x.toFixed(1));

function byFunction(rows: { fn: string; wru: number }[]): string {
  const all = rows.reduce((a, f) => a + f.wru, 0);
  return rows.map((f) => `${f.fn} ${qty(f.wru)} (${((f.wru / all) * 100).toFixed(0)}%)`).join(', ') || '—';
}

export function costLines(r: CostRun, prices: PriceTable): string[] {
  return [
    `${r.label} · ${r.weeks} week(s) · ${r.observations.toLocaleString('en')} observations: ${money(r.total, prices.currency)} → 每百万观测 per million observations ${money(r.perMillion, prices.currency)}`,
    ...r.lines
      .filter((l) => l.service !== 'SNS')
      .map(
        (l) =>
          `  ${`${l.service} ${l.item}`.padEnd(62)} ${qty(l.quantity).padStart(14)} ${l.unit.padEnd(11)} ${money(l.cost, prices.currency).padStart(14)}  ${((l.cost / r.total) * 100).toFixed(1).padStart(5)}%`,
      ),
    `  DynamoDB bytes written per observation: ${r.bytesPerObservation.toFixed(0)}`,
    `  写入单位按函数 WRU by function: ${byFunction(r.wruByFunction)}`,
    `  通知另计 notifications besides (SNS, by how often ranks move, not by observations): ${r.notifications.publishes} publishes, ${r.notifications.emails} e-mails → ${money(r.notifications.cost, prices.currency)}`,
  ];
}

/**
 * How the cost per observation moves between two runs: the ratio of their costs per observation against the
 * ratio of their sizes. A ratio above 1 at a fixed number of weeks means cost grows faster than linearly in
 * the observations (each snapshot re-records the whole period, so its size grows with entities × indicators).
 */
export function growth(a: CostRun, b: CostRun): string {
  const per = (r: CostRun) => r.total / r.observations;
  return `${a.label} → ${b.label}: observations/week ×${(b.observations / b.weeks / (a.observations / a.weeks)).toFixed(1)}, cost per observation ×${(per(b) / per(a)).toFixed(2)}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      prices: { type: 'string' },
      'gansu-weeks': { type: 'string', default: '26' },
      'national-weeks': { type: 'string', default: '1' },
      'no-national': { type: 'boolean', default: false },
      'time-scale': { type: 'string', default: '20' },
      /** Generated sizes, entities×indicators×weeks, comma-separated. */
      sizes: { type: 'string', default: '100x50x2,400x50x2,400x200x2' },
    },
  });
  const sizes = (values.sizes ?? '')
    .split(',')
    .filter(Boolean)
    .map((size) => {
      const m = /^(\d+)x(\d+)x(\d+)$/.exec(size.trim());
      if (!m) {
        console.error(`--sizes: "${size}" 不是 ExMxW / is not entities×indicators×weeks such as 100x50x2`);
        process.exit(2);
      }
      return generatedScenario(Number(m[1]), Number(m[2]), Number(m[3]));
    });
  const prices = loadPrices(values.prices ?? new URL('prices.json', import.meta.url));
  console.log(
    `价格表 price table: ${prices.region} ${prices.currency}, as of ${prices.asOf} (${values.prices ?? 'bench/prices.json'})`,
  );
  const { outdir } = synthesise();
  const runs: CostRun[] = [];
  try {
    const scenarios = [gansuScenario(Number(values['gansu-weeks'])), ...sizes];
    if (!values['no-national'])
      scenarios.push(generatedScenario(2800, 200, Number(values['national-weeks'])));
    for (const scenario of scenarios) {
      const t0 = Date.now();
      const r = await runEngineLoad({
        cdkOut: outdir,
        scenario,
        count: true,
        timeScale: Number(values['time-scale']),
        progress: (l) => console.error(l),
      });
      const run = costRun(scenario, r.counts, prices);
      runs.push(run);
      for (const line of costLines(run, prices)) console.log(line);
      console.log(`  (played in ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      if (scenario === scenarios[0]) {
        const escalate = Object.entries(r.counts.lambda).find(([name]) => name.includes('escalate'));
        const fixed = fixedMonthly(prices, {
          queues: sqsEventSources(outdir),
          escalateMs: 200,
          escalateMemoryMb: escalate?.[1].memoryMb ?? 256,
        });
        console.log('每月固定成本 fixed per month, whatever the traffic:');
        for (const l of fixed)
          console.log(
            `  ${`${l.service} ${l.item}`.padEnd(62)} ${qty(l.quantity).padStart(14)} ${l.unit.padEnd(11)} ${money(l.cost, prices.currency).padStart(14)}`,
          );
      }
    }
    if (runs.length > 2) {
      console.log('增长 growth (cost per observation, same prices):');
      for (let i = 2; i < runs.length; i++) console.log(`  ${growth(runs[1]!, runs[i]!)}`);
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (process.argv[1] && new URL(`file://${process.argv[1]}`).pathname.endsWith('/bench/cost.ts')) await main();
