// Imports a function bundle in this (fresh) process the way Lambda's runtime does, and prints as JSON what
// the bundle exports, every module specifier it made Node resolve, and how long the import took (wall clock
// and CPU time of the process, which a busy machine distorts less).
//   node infra/bundling/import-probe.ts path/to/index.mjs
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

const bundle = process.argv[2];
if (!bundle) throw new Error('usage: import-probe.ts <bundle.mjs>');
const url = pathToFileURL(bundle).href;
const resolved: string[] = [];
registerHooks({
  resolve(specifier, context, next) {
    if (specifier !== url) resolved.push(specifier);
    return next(specifier, context);
  },
});
const cpu = process.cpuUsage();
const started = performance.now();
const module = (await import(url)) as Record<string, unknown>;
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
const cpuMs = (used.user + used.system) / 1000;
process.stdout.write(
  `${JSON.stringify({ ms, cpuMs, exports: Object.fromEntries(Object.entries(module).map(([k, v]) => [k, typeof v])), resolved })}\n`,
);
