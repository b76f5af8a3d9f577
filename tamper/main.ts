// `npm run tamper [-- --weeks W --seed S --every-byte-periods P --bytes-per-chunk N --per-kind N --lenient-names]`: builds the
// Gansu history in DynamoDB Local and runs the tamper sweep over it; prints one line per mutation kind and a
// total, and exits 1 unless every mutation was detected, named by its first bad item, and restored
// (--lenient-names: detected and restored is enough).
import { parseArgs } from 'node:util';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { buildHistory } from './history.ts';
import { passed, rowLine, runSweep, totalLine } from './sweep.ts';

const { values } = parseArgs({
  options: {
    weeks: { type: 'string', default: '4' },
    seed: { type: 'string', default: '12' },
    'every-byte-periods': { type: 'string', default: '1' },
    'bytes-per-chunk': { type: 'string', default: '200' },
    'per-kind': { type: 'string' },
    'lenient-names': { type: 'boolean', default: false },
  },
});
const number = (name: string, text: string | undefined, min = 1) => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} 必须是不小于 ${min} 的整数 / must be an integer ≥ ${min}, not "${text}"`);
    process.exit(2);
  }
  return n;
};

const t0 = Date.now();
const local = await startDynamoDbLocal();
let ok = false;
try {
  const weeks = number('weeks', values.weeks)!;
  const history = await buildHistory(local.endpoint, weeks);
  console.error(`history of ${weeks} week(s) stored in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const result = await runSweep(history, local.endpoint, {
    seed: number('seed', values.seed, 0)!,
    everyBytePeriods: number('every-byte-periods', values['every-byte-periods'], 0)!,
    bytesPerChunk: number('bytes-per-chunk', values['bytes-per-chunk'], 0)!,
    perKind: number('per-kind', values['per-kind']) ?? Number.POSITIVE_INFINITY,
    progress: (line) => console.error(`… ${line}`),
  });
  for (const row of result.rows) {
    console.log(rowLine(row));
    for (const e of row.examples) console.log(`    ${e}`);
  }
  console.log(totalLine(result.rows));
  for (const f of result.restoreFailures.slice(0, 20)) console.log(`未复原 not restored: ${f}`);
  console.log(
    `用时 time: sweep ${(result.ms / 1000).toFixed(1)} s, total ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  ok = passed(result, !values['lenient-names']);
} finally {
  await local.stop();
}
process.exit(ok ? 0 : 1);
