// `npm run fuzz [-- --events N --seed S]`: N hostile department events (default 10,000) through the ingest
// handler over DynamoDB Local; prints one line per mutation kind and a total, and exits 1 unless every event
// was rejected exactly once with field-level reasons and nothing was written but the rejections.
import { parseArgs } from 'node:util';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { fuzzLines, fuzzPassed, runFuzz } from './run.ts';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '10000' }, seed: { type: 'string', default: '7' } },
});
const int = (name: string, text: string, min: number) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} 必须是不小于 ${min} 的整数 / must be an integer ≥ ${min}, not "${text}"`);
    process.exit(2);
  }
  return n;
};
const events = int('events', values.events, 1);
const seed = int('seed', values.seed, 0);
const local = await startDynamoDbLocal();
let ok = false;
try {
  const result = await runFuzz(local.endpoint, events, seed);
  for (const line of fuzzLines(result)) console.log(line);
  for (const s of result.strayItems.slice(0, 20)) console.log(`残留 stray: ${s}`);
  console.log(`seed ${seed}`);
  ok = fuzzPassed(result);
} finally {
  await local.stop();
}
process.exit(ok ? 0 : 1);
