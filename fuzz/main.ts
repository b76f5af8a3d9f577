// `npm run fuzz [-- --events N --inputs M --seed S]`: N hostile department events (default 10,000) through
// the ingest handler over DynamoDB Local, then M hostile inputs (default 10,000 each) for the CLI's readers
// (observations CSV, publish CSV, scheme YAML/JSON; a tenth as many .xlsx workbooks) and for the query API,
// all from the same seed; prints one line per mutation kind and a total per part, and exits 1 unless every
// hostile event was rejected exactly once with field-level reasons (a replayed id on `id`, event_id_reused),
// every exact redelivery went through unrejected, nothing was written or changed by them but the rejections,
// and no input crashed or came out wrong (known defects included: they are named, not excused).
import { parseArgs } from 'node:util';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { QUERY_DEFECTS, runQueryFuzz } from './query-params.ts';
import { READER_DEFECTS, runReadersFuzz } from './readers.ts';
import { fuzzLines, fuzzPassed, runFuzz } from './run.ts';
import { fixedDefects, type KindRow, tallyLines, tallyPassed } from './tally.ts';
import { runXlsxFuzz, XLSX_DEFECTS } from './xlsx.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    inputs: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '7' },
  },
});
const int = (name: string, text: string, min: number) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} 必须是不小于 ${min} 的整数 / must be an integer ≥ ${min}, not "${text}"`);
    process.exit(2);
  }
  return n;
};
const events = int('events', values.events, 0);
const inputs = int('inputs', values.inputs, 0);
const seed = int('seed', values.seed, 0);

let ok = true;
if (events > 0) {
  const local = await startDynamoDbLocal();
  try {
    const result = await runFuzz(local.endpoint, events, seed);
    for (const line of fuzzLines(result)) console.log(line);
    for (const s of result.strayItems.slice(0, 20)) console.log(`残留 stray: ${s}`);
    ok = fuzzPassed(result);
  } finally {
    await local.stop();
  }
}
if (inputs > 0) {
  const known = [...READER_DEFECTS, ...XLSX_DEFECTS, ...QUERY_DEFECTS];
  const parts: [string, { rows: KindRow[]; ms: number }][] = [
    ['readers', runReadersFuzz(inputs, seed)],
    ['xlsx', await runXlsxFuzz(Math.max(1, Math.round(inputs / 10)), seed)],
    ['query', await runQueryFuzz(inputs, seed)],
  ];
  for (const [title, part] of parts) {
    for (const line of tallyLines(title, part.rows, known)) console.log(line);
    ok &&= tallyPassed(part.rows);
    for (const k of fixedDefects(part.rows, known))
      console.log(`已修复 fixed: ${k.part}/${k.kind} — remove its known-defect entry`);
  }
}
console.log(`seed ${seed}`);
process.exit(ok ? 0 : 1);
