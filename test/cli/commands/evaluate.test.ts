import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../cli/main.ts';
import type { SeriesAssessment } from '../../../domain/assessment.ts';

const dir = mkdtempSync(join(tmpdir(), 'rankwatch-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const SCHEME = `
id: cli-test
version: "3"
name: { zh: 命令行测试, en: CLI test }
periodKind: month
entities:
  - { id: A, name: { zh: 甲市, en: A city } }
  - { id: B, name: { zh: 乙市, en: B city } }
  - { id: C, name: { zh: 丙市, en: C city } }
focus: [C]
indicators:
  - { id: a, name: { zh: 指标a }, weight: 1, direction: higher, unit: "%", owner: d1, precision: 0,
      normalise: { method: goalpost, best: 100, worst: 0 } }
  - { id: b, name: { zh: 指标b }, weight: 1, direction: higher, unit: "%", owner: d2, precision: 0,
      normalise: { method: goalpost, best: 100, worst: 0 } }
rules:
  slip: [{ rule: rankDrop, min: 1, scope: overall }]
`;
// January: A 80, B 70, C 60. February: C's b drops to 30 (C 40) while B rises to 90 on a (B 85).
const CSV = `period,entity,indicator,value
2026-01,A,a,90
2026-01,A,b,70
2026-01,B,a,60
2026-01,B,b,80
2026-01,C,a,50
2026-01,C,b,70
2026-02,A,a,90
2026-02,A,b,70
2026-02,B,a,90
2026-02,B,b,80
2026-02,C,a,50
2026-02,C,b,1.42e1
`;

const schemePath = file('scheme.yaml', SCHEME);
const csvPath = file('obs.csv', CSV);

/** Runs the CLI in-process, capturing stdout, stderr and the exit code. */
async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('rankwatch evaluate --format json', () => {
  it('prints exactly one JSON document with the documented shape', async () => {
    const r = await cli('evaluate', '--scheme', schemePath, '--observations', csvPath, '--format', 'json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as SeriesAssessment; // throws on trailing text or a second document
    expect(doc.scheme).toEqual({ id: 'cli-test', version: '3' });
    expect(doc.periods.map((p) => p.period)).toEqual(['2026-01', '2026-02']);
    for (const p of doc.periods)
      expect(Object.keys(p).sort()).toEqual(
        [
          'alerts',
          'diagnosis',
          'gap',
          'indicators',
          'notifications',
          'overall',
          'period',
          'slips',
          'transitions',
          'unranked',
        ].sort(),
      );
    const [jan, feb] = doc.periods;
    expect(jan?.overall).toEqual([
      { entity: 'A', score: 80, rank: 1, tied: false },
      { entity: 'B', score: 70, rank: 2, tied: false },
      { entity: 'C', score: 60, rank: 3, tied: false },
    ]);
    expect(jan?.gap.C).toMatchObject({ position: 'behind', versus: 'A', scoreGap: 20 });
    expect(jan?.gap.C?.toFirst.a).toEqual({
      requiredValue: 90,
      delta: 40,
      deltaPct: 80,
      feasible: true,
      rank: 1,
    });
    // feasible: false carries nulls, not NaN (JSON has none)
    expect(jan?.gap.C?.toFirst.b).toEqual({
      requiredValue: null,
      delta: null,
      deltaPct: null,
      feasible: false,
    });
    expect(Object.keys(jan?.diagnosis.C ?? {}).sort()).toEqual(
      ['coaching', 'entity', 'indicators', 'patterns', 'period', 'prescriptions', 'rank'].sort(),
    );
    // C stays third in February (B 85, A 80, C (50 + 14.2)/2 = 32.1): no overall slip; A fell 1 → 2 but is not watched
    expect(feb?.overall.map((r) => r.entity)).toEqual(['B', 'A', 'C']);
    expect(feb?.overall[2]?.score).toBeCloseTo(32.1, 12);
    expect(feb?.slips).toEqual([]);
    expect(feb?.notifications).toEqual([]);
    expect(feb?.indicators.b?.find((r) => r.entity === 'C')).toMatchObject({ value: 14.2, carried: false });
  });

  it('prints the leader’s table by default, in Chinese', async () => {
    const r = await cli('evaluate', '--scheme', schemePath, '--observations', csvPath);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('丙市');
    expect(() => JSON.parse(r.stdout)).toThrow();
  });
});

describe('rankwatch evaluate errors', () => {
  it('exits non-zero naming the field path of a bad scheme', async () => {
    const bad = file(
      'bad.yaml',
      SCHEME.replace(
        'weight: 1, direction: higher, unit: "%", owner: d2',
        'weight: 0, direction: higher, unit: "%", owner: d2',
      ),
    );
    const r = await cli('evaluate', '--scheme', bad, '--observations', csvPath, '--format', 'json');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('indicators[1].weight: must be > 0');
    expect(r.stderr).toContain('bad.yaml');
  });

  it('exits non-zero listing the bad CSV lines', async () => {
    const bad = file('bad.csv', `${CSV}2026-02,Z,a,1\n2026-02,A,a,lots\n`);
    const r = await cli('evaluate', '--scheme', schemePath, '--observations', bad, '--format', 'json');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('line 14: entity: unknown entity "Z"');
    expect(r.stderr).toContain('line 15: value: "lots" is not a finite number');
  });

  it('exits non-zero naming a missing file', async () => {
    const missing = join(dir, 'nowhere.csv');
    const r = await cli('evaluate', '--scheme', schemePath, '--observations', missing);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`file not found: ${missing}`);
  });

  it('exits 2 with the usage when a required option is missing or unknown', async () => {
    const r = await cli('evaluate', '--observations', csvPath);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--scheme FILE is required');
    expect(r.stderr).toContain('usage: rankwatch evaluate');
    expect((await cli('evaluate', '--bogus')).code).toBe(2);
    expect(
      (await cli('evaluate', '--scheme', schemePath, '--observations', csvPath, '--format', 'xml')).code,
    ).toBe(2);
  });
});

describe('rankwatch as a command', () => {
  it('runs through npx as a child process and prints parseable JSON', async () => {
    const { stdout } = await promisify(execFile)(
      'npx',
      [
        '--no-install',
        'rankwatch',
        'evaluate',
        '--scheme',
        schemePath,
        '--observations',
        csvPath,
        '--format',
        'json',
      ],
      { cwd: fileURLToPath(new URL('../../../', import.meta.url)), encoding: 'utf8' },
    );
    const doc = JSON.parse(stdout) as SeriesAssessment;
    expect(doc.scheme.id).toBe('cli-test');
    expect(doc.periods[0]?.overall.map((r) => r.rank)).toEqual([1, 2, 3]);
  });
});
