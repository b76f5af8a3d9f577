// Imports a function bundle in this (fresh) process and invokes its handler once, as Lambda's runtime does on
// a cold start; prints the time of the import alone and of the import plus the first invocation (wall clock
// and the process's CPU time) and what the handler returned, as the last line of output (Powertools writes
// its logs and metrics to stdout before it).
//   node bench/cold-start-invoke.ts path/to/index.mjs event.json
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bundle, eventFile] = process.argv.slice(2);
if (!bundle || !eventFile) throw new Error('usage: cold-start-invoke.ts <bundle.mjs> <event.json>');
const event = JSON.parse(readFileSync(eventFile, 'utf8')) as unknown;
const deadline = Date.now() + 30_000;
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'cold-start',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws-cn:lambda:cn-northwest-1:123456789012:function:cold-start',
  memoryLimitInMB: '512',
  awsRequestId: '8f5c2d1e-0b7a-4c3e-9a61-2d8e4f1a9b37',
  logGroupName: '/aws/lambda/cold-start',
  logStreamName: '2026/08/31/[$LATEST]0123456789abcdef',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done: () => {},
  fail: () => {},
  succeed: () => {},
};

const cpu = process.cpuUsage();
const started = performance.now();
const module = (await import(pathToFileURL(bundle).href)) as {
  handler: (event: unknown, context: unknown) => Promise<unknown>;
};
const imported = performance.now();
const importCpu = process.cpuUsage(cpu);
const result = await module.handler(event, context);
const invoked = performance.now();
const totalCpu = process.cpuUsage(cpu);
const ms = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
// Exit once written: the SDK's keep-alive sockets would otherwise hold the process until the server lets go.
process.stdout.write(
  `\n${JSON.stringify({
    importMs: imported - started,
    importCpuMs: ms(importCpu),
    totalMs: invoked - started,
    totalCpuMs: ms(totalCpu),
    result: result ?? null,
  })}\n`,
  () => process.exit(0),
);
