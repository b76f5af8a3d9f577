// The publish command's CSV reader (issue 12): the observations reader's rules, its problems as one UsageError
// naming file, line and field, and a file that publishes nothing refused before anything is put on the bus.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { publishCommand, rowsOfCsv } from '../../../cli/commands/publish.ts';
import { resolveTarget, type Target } from '../../../cli/engine-client.ts';
import { UsageError } from '../../../cli/io.ts';
import { parseObservationsCsv } from '../../../domain/observations.ts';
import { loadSchemeText, type Scheme } from '../../../domain/scheme.ts';
import { OBSERVATIONS_PATH, SCHEME_PATH } from '../../../scenarios/gansu/generate.ts';

vi.mock('../../../cli/engine-client.ts', async (original) => ({
  ...(await original<typeof import('../../../cli/engine-client.ts')>()),
  resolveTarget: vi.fn(),
}));

const gansu = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const HEADER = 'period,entity,indicator,value,observedAt,source';
const ROW = '2026-W02,lanzhou,hotline_satisfaction,95.1,2026-01-12T09:00:00+08:00,dept.hotline12345';

/** The UsageError message a CSV text is refused with. */
function refusal(text: string, scheme?: Scheme): string {
  try {
    rowsOfCsv(text, 'data.csv', scheme);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as UsageError).message;
  }
  throw new Error('expected the CSV to be refused');
}

describe('rows of a publish CSV', () => {
  it('are the rows evaluate reads from the same file', () => {
    const text = readFileSync(OBSERVATIONS_PATH, 'utf8');
    const rows = rowsOfCsv(text, OBSERVATIONS_PATH);
    const observed = parseObservationsCsv(text, gansu).map(({ line, eventId, ...o }) => o);
    expect(rows).toEqual(observed);
    expect(rowsOfCsv(text, OBSERVATIONS_PATH, gansu)).toEqual(observed);
  });

  it('name the file and line of a CSV syntax error instead of letting csv-parse’s error escape', () => {
    const message = refusal(`${HEADER}\n${ROW}\n${ROW.replace('lanzhou', '"lanzhou')}\n${ROW}\n`);
    expect(message).toMatch(/^data\.csv: 1 处有误，未发布任何数值 \/ 1 problem\(s\), nothing published\n/);
    expect(message).toContain(
      'data.csv:3: (file): not valid CSV: a quoted cell in the row starting on this line',
    );
  });

  it('name the line of a row with too many or too few cells', () => {
    expect(refusal(`${HEADER}\n${ROW}\n${ROW},x\n`)).toContain(
      'data.csv:3: (row): expected 6 columns, found 7',
    );
    expect(refusal(`${HEADER}\n${ROW}\n\n2026-W02,lanzhou\n`)).toContain(
      'data.csv:4: (row): expected 6 columns, found 2',
    );
  });

  it('refuse a value in another base (Number() reads 0x10 as 16)', () => {
    for (const v of ['0x10', '0b11', '0o7'])
      expect(refusal(`${HEADER}\n${ROW.replace('95.1', v)}\n`)).toContain(
        `data.csv:2: value: "${v}" is not a finite number`,
      );
  });

  it('refuse an unknown, misspelt or repeated column, naming it', () => {
    expect(refusal(`${HEADER.replace('observedAt', 'obsevedAt')}\n${ROW}\n`)).toContain(
      'data.csv:1: (header): unknown column "obsevedAt"',
    );
    expect(refusal(`${HEADER},value\n${ROW},96\n`)).toContain(
      'data.csv:1: (header): column "value" is named twice (columns 4 and 7)',
    );
    expect(refusal(`period,entity,value\n2026-W02,lanzhou,1\n`)).toContain(
      'data.csv:1: (header): missing column "indicator"',
    );
  });

  it('name the file line after blank lines and a cell spanning two lines', () => {
    const text = `${HEADER}\n\n${ROW.replace('dept.hotline12345', '"a\nb"')}\n${ROW.replace('95.1', 'NaN')}\n`;
    expect(refusal(text)).toContain('data.csv:5: value: "NaN" is not a finite number');
  });

  it('refuse an empty file in Chinese and English, and read a header alone as no rows', () => {
    for (const empty of ['', '\n', '\uFEFF', ' \t\n'])
      expect(refusal(empty)).toBe(
        'data.csv:1: (file): 文件为空，没有可发布的数值 / the file is empty: nothing to publish',
      );
    expect(rowsOfCsv(`${HEADER}\n`, 'data.csv')).toEqual([]);
  });

  it('check ids, ranges and times against the stored scheme when there is one, else pass them on', () => {
    const bad = `${HEADER}\n${ROW.replace('lanzhou', 'atlantis')}\n${ROW.replace('95.1', '101')}\n${ROW.replace('2026-01-12T09:00:00+08:00', '1/12/2026')}\n`;
    expect(rowsOfCsv(bad, 'data.csv').map((r) => [r.entity, r.value, r.observedAt])).toEqual([
      ['atlantis', 95.1, '2026-01-12T09:00:00+08:00'],
      ['lanzhou', 101, '2026-01-12T09:00:00+08:00'],
      ['lanzhou', 95.1, '1/12/2026'],
    ]);
    const message = refusal(bad, gansu);
    expect(message).toContain('data.csv:2: entity: unknown entity "atlantis"');
    expect(message).toContain(
      'data.csv:3: value: 101 is outside the valid range [0, 100] of indicator "hotline_satisfaction"',
    );
    expect(message).toContain('data.csv:4: observedAt: "1/12/2026" is not an ISO-8601 timestamp');
  });
});

describe('rankwatch publish --csv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rankwatch-publish-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const eventBridge = vi.fn();
  beforeEach(() => {
    eventBridge.mockReset();
    vi.mocked(resolveTarget).mockResolvedValue({
      kind: 'local',
      engine: undefined,
      busName: 'test-bus',
      eventBridge,
      store: () => ({ activeScheme: async () => gansu }),
    } as unknown as Target);
  });
  const publish = (text: string) => {
    const file = join(dir, 'data.csv');
    writeFileSync(file, text);
    return publishCommand({ csv: file, scheme: gansu.id }, { stdout: () => {}, stderr: () => {} });
  };

  it('refuses a file with a header and no rows before putting anything on the bus', async () => {
    await expect(publish(`${HEADER}\n\n`)).rejects.toThrow(
      /data\.csv: 没有数据行，没有可发布的数值 \/ no data rows: nothing to publish$/,
    );
    expect(eventBridge).not.toHaveBeenCalled();
  });

  it('refuses, against the stored scheme, a file with a value outside its range before putting anything', async () => {
    await expect(publish(`${HEADER}\n${ROW.replace('95.1', '-3')}\n`)).rejects.toThrow(
      /data\.csv:2: value: -3 is outside the valid range \[0, 100\]/,
    );
    expect(eventBridge).not.toHaveBeenCalled();
  });
});
