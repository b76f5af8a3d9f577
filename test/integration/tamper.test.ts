// The CI-sized tamper sweep against DynamoDB Local: two Gansu weeks (two chained snapshots each), every kind
// of mutation sampled with a fixed seed; each must be detected by verify, and the store restored exactly.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { buildHistory } from '../../tamper/history.ts';
import { type KindRow, runSweep, type SweepResult, totalLine } from '../../tamper/sweep.ts';

const endpoint = inject('dynamodbEndpoint');

/** Derived data verify does not compare with the snapshots: none left (head standings are checked now). */
const NOT_COVERED: string[] = [];

describe('the tamper sweep (CI size)', () => {
  let result: SweepResult;
  const row = (kind: string): KindRow => {
    const r = result.rows.find((x) => x.kind === kind);
    if (!r) throw new Error(`no row ${kind}`);
    return r;
  };

  beforeAll(async () => {
    const history = await buildHistory(endpoint, 2);
    result = await runSweep(history, endpoint, {
      seed: 12,
      everyBytePeriods: 0,
      bytesPerChunk: 40,
      perKind: 20,
    });
    console.log(totalLine(result.rows), `· ${(result.ms / 1000).toFixed(1)} s`);
    // 27 s in CI before event receipts, 114 s after (its two weeks are one-value events: one receipt each, on the
    // DynamoDB Local every integration file shares), once over 120 s; 45 s alone on an idle machine.
  }, 300_000);

  it('tries every kind of mutation', () => {
    const kinds = result.rows.map((r) => r.kind);
    for (const k of [
      'chunk: one byte (bit 0 flipped)',
      'chunk: deleted',
      'manifest hash: one character',
      'manifest previousHash: one character',
      'manifest seq: one character',
      'manifest recordedAt: one character',
      'manifest schemeVersion: one character',
      'manifest inputChunks: one character',
      'manifest restChunks: one character',
      'manifest: deleted',
      'manifest: scheme version swapped',
      'manifests swapped: same period',
      'manifests swapped: next period',
      'head hash: one character',
      'head seq: one character',
      'head: scheme version swapped',
      'projection rank changed',
      'projection score changed',
      'projection tied flipped',
      'projection indicator value changed',
      'projection deleted (counted as missing)',
      "projection: the auditor's case (兰州 rank → 9, score → 10.50)",
    ])
      expect(kinds).toContain(k);
    for (const r of result.rows) expect(r.tried, r.kind).toBeGreaterThan(0);
    expect(row('chunk: one byte (bit 0 flipped)').tried).toBe(20);
  });

  it('detects every mutation of the items verify covers, head standings included', () => {
    expect(row('head standings: one character').missed).toBe(0);
    for (const r of result.rows.filter((x) => !NOT_COVERED.includes(x.kind)))
      expect({ kind: r.kind, missed: r.missed }).toEqual({ kind: r.kind, missed: 0 });
  });

  it('names the first bad snapshot or item for every detection', () => {
    for (const r of result.rows.filter((x) => !NOT_COVERED.includes(x.kind)))
      expect({ kind: r.kind, misnamed: r.misnamed }).toEqual({ kind: r.kind, misnamed: 0 });
  });

  it('reports deleted projection items as missing (the verdict stays ok: no answer is built from them)', () => {
    const r = row('projection deleted (counted as missing)');
    expect(r.detected).toBe(r.tried);
    expect(r.asMissing).toBe(r.tried);
  });

  it('puts every item back exactly and the store verifies as before', () => {
    expect(result.restoreFailures).toEqual([]);
  });

  it('names the earlier of two manifests swapped across periods (stored under the other period’s key)', () => {
    const r = row('manifests swapped: next period');
    expect(r.tried).toBeGreaterThan(0);
    expect(r.misnamed).toBe(0);
  });
});
