// The stored history the tamper sweep attacks: the Gansu scenario's first weeks played through ingest into a
// fresh DynamoDB Local table (each week in two batches, so every period has a chain of two snapshots), the
// history projection written from the table's stream by the `project` function, and a second scheme version
// stored so a manifest can be pointed at a version that really exists.
import { readFileSync } from 'node:fs';
import { loadSchemeText, type Scheme } from '../domain/scheme.ts';
import { projectHandler } from '../functions/project.ts';
import { LOCAL_REGION } from '../local/dynamodb-local.ts';
import { DynamoDbStreamReader } from '../local/dynamodb-stream.ts';
import { generateObservations, SCHEME_PATH } from '../scenarios/gansu/generate.ts';
// The integration tests' pipeline (real store and ingest over DynamoDB Local) is reused rather than wired twice.
import { createPipeline, departmentEvents, type Pipeline } from '../test/support/pipeline.ts';

export interface StoredHistory {
  scheme: Scheme;
  pipeline: Pipeline;
  /** Another stored version of the scheme (never active), for the swapped-version mutation. */
  otherVersion: string;
  weeks: number;
}

export const weekId = (w: number) => `2026-W${String(w).padStart(2, '0')}`;

export async function buildHistory(endpoint: string, weeks: number): Promise<StoredHistory> {
  const scheme = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
  const rows = generateObservations().filter((r) => Number(r.period.slice(-2)) <= weeks);
  const p = await createPipeline(endpoint, scheme, 'tamper');
  // Stored first and then the scenario's version re-activated: both versions exist, the history uses "1".
  const otherVersion = `${scheme.version}-tamper`;
  await p.store.putScheme({ ...scheme, version: otherVersion });
  await p.store.putScheme(scheme);
  const events = departmentEvents(scheme, rows, new Set());
  for (let w = 1; w <= weeks; w++) {
    const week = events.filter((e) => e.detail.period === weekId(w));
    const half = Math.ceil(week.length / 2);
    await p.deliver([week.slice(0, half)]);
    await p.deliver([week.slice(half)]);
  }
  const reader = await DynamoDbStreamReader.forTable({ endpoint, region: LOCAL_REGION, table: p.table });
  for (;;) {
    const records = await reader.read(100);
    if (records.length === 0) break;
    const out = await projectHandler(DynamoDbStreamReader.event(records), {
      store: p.store,
      log: () => {},
      metric: () => {},
    });
    if (out.batchItemFailures.length) throw new Error('the history projection failed');
    reader.acknowledge(records);
  }
  return { scheme, pipeline: p, otherVersion, weeks };
}
