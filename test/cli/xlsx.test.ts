import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/main.ts';
import { readObservationsXlsx } from '../../cli/xlsx/read.ts';
import { buildTemplate, departmentIndicators, TEMPLATE_NOTE } from '../../cli/xlsx/template.ts';
import { assessSeries, type SeriesAssessment } from '../../domain/assessment.ts';
import { latestWins, type Observation, parseObservationsCsv } from '../../domain/observations.ts';
import { displayName, loadSchemeText, type Scheme } from '../../domain/scheme.ts';
import { OBSERVATIONS_PATH, SCHEME_PATH } from '../../scenarios/gansu/generate.ts';

const dir = mkdtempSync(join(tmpdir(), 'rankwatch-xlsx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gansu: Scheme = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const csvObservations = parseObservationsCsv(
  readFileSync(OBSERVATIONS_PATH, 'utf8'),
  gansu,
  OBSERVATIONS_PATH,
);
let csvSeries: SeriesAssessment;
beforeAll(() => {
  csvSeries = assessSeries(gansu, csvObservations);
});

async function bytes(wb: ExcelJS.Workbook): Promise<Buffer> {
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** The Gansu observations as a long sheet, exactly as the CSV has them (values as numbers). */
function gansuLong(): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('observations');
  ws.addRow(['period', 'entity', 'indicator', 'value', 'observedAt', 'source']);
  for (const o of csvObservations)
    ws.addRow([o.period, o.entity, o.indicator, o.value, o.observedAt ?? null, o.source ?? null]);
  return wb;
}

/** (period, indicator, entity) → value after latest-wins: what a wide sheet can hold. */
function resolved(observations: Iterable<Observation>): string[] {
  const out: string[] = [];
  for (const [period, byInd] of latestWins(observations))
    for (const [indicator, byEnt] of byInd)
      for (const [entity, o] of byEnt) out.push(`${period} ${indicator} ${entity} = ${o.value}`);
  return out.sort();
}

const periods = [...new Set(csvObservations.map((o) => o.period))];
const zh = (name: Parameters<typeof displayName>[0]) => displayName(name, 'zh');

describe('the Gansu scenario from .xlsx', () => {
  it('reads a long sheet into the very observations the CSV gives (lines and event ids included)', async () => {
    const observations = await readObservationsXlsx(await bytes(gansuLong()), gansu, 'gansu.xlsx');
    expect(observations).toHaveLength(csvObservations.length);
    expect(observations).toEqual(csvObservations);
    expect(assessSeries(gansu, observations)).toEqual(csvSeries);
  });

  it('reads one sheet per period (indicators across by id or Chinese name) to the same assessments', async () => {
    const wb = new ExcelJS.Workbook();
    const latest = latestWins(csvObservations);
    for (const period of periods) {
      const ws = wb.addWorksheet(period);
      ws.addRow(['市州', ...gansu.indicators.map((ind, j) => (j % 2 ? zh(ind.name) : ind.id))]);
      for (const e of gansu.entities)
        ws.addRow([
          e.id,
          ...gansu.indicators.map((ind) => latest.get(period)?.get(ind.id)?.get(e.id)?.value ?? null),
        ]);
    }
    const observations = await readObservationsXlsx(await bytes(wb), gansu, 'wide.xlsx');
    expect(resolved(observations)).toEqual(resolved(csvObservations));
    expect(assessSeries(gansu, observations)).toEqual(csvSeries);
  });

  it('reads one sheet per indicator (entities by Chinese name, periods across) to the same assessments', async () => {
    const wb = new ExcelJS.Workbook();
    const latest = latestWins(csvObservations);
    gansu.indicators.forEach((ind, j) => {
      const ws = wb.addWorksheet(j % 2 ? zh(ind.name) : ind.id);
      ws.addRow(['单位', ...periods]);
      for (const e of gansu.entities)
        ws.addRow([zh(e.name), ...periods.map((p) => latest.get(p)?.get(ind.id)?.get(e.id)?.value ?? null)]);
    });
    const observations = await readObservationsXlsx(await bytes(wb), gansu, 'by-indicator.xlsx');
    expect(resolved(observations)).toEqual(resolved(csvObservations));
    expect(assessSeries(gansu, observations)).toEqual(csvSeries);
  });
});

// A small scheme for the cells people type: one percent indicator, one count, one with a declared range.
const SMALL = loadSchemeText(
  `
id: xlsx-test
version: "1"
name: { zh: 表格测试 }
periodKind: week
entities:
  - { id: A, name: { zh: 甲市 } }
  - { id: B, name: { zh: 乙市 } }
focus: [A]
indicators:
  - { id: rate, name: { zh: 办结率 }, weight: 1, direction: higher, unit: "%", owner: d1,
      normalise: { method: goalpost, best: 100, worst: 0 } }
  - { id: items, name: { zh: 事项数 }, weight: 1, direction: higher, unit: 项 items, owner: d1,
      normalise: { method: minmax } }
`,
  'small.yaml',
);

function sheet(wb: ExcelJS.Workbook, name: string, rows: unknown[][]): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(name);
  for (const r of rows) ws.addRow(r);
  return ws;
}

async function readSmall(build: (wb: ExcelJS.Workbook) => void): Promise<string[]> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  const observations = await readObservationsXlsx(await bytes(wb), SMALL, 'small.xlsx');
  return observations.map((o) => `${o.period} ${o.entity} ${o.indicator} ${o.value}`);
}

describe('cells as people type them', () => {
  it('reads numbers stored as text, full-width digits, thousands separators and signs', async () => {
    const got = await readSmall((wb) => {
      const ws = wb.addWorksheet('2026-W10');
      ws.addRow(['单位', 'rate', 'items']);
      ws.addRow(['A', '12.5', '１，２３４．５']);
      ws.addRow(['B', ' １２．５ ', '1,234,567']);
      const w2 = wb.addWorksheet('2026-W11');
      w2.addRow(['单位', 'rate', 'items']);
      w2.addRow(['A', '−3', '1.42e-14']);
      w2.addRow(['B', '+7', '-0.5']);
    });
    expect(got).toEqual([
      '2026-W10 A rate 12.5',
      '2026-W10 A items 1234.5',
      '2026-W10 B rate 12.5',
      '2026-W10 B items 1234567',
      '2026-W11 A rate -3',
      '2026-W11 A items 1.42e-14',
      '2026-W11 B rate 7',
      '2026-W11 B items -0.5',
    ]);
  });

  it('reads percent for a percent indicator: a 0.0% cell holding 0.125 and the text "12.5%" are both 12.5', async () => {
    const got = await readSmall((wb) => {
      const ws = wb.addWorksheet('2026-W10');
      ws.addRow(['单位', '办结率']);
      ws.addRow(['A', 0.125]);
      ws.getCell('B2').numFmt = '0.0%';
      ws.addRow(['B', 0.933]);
      ws.getCell('B3').numFmt = '0%';
      const w2 = wb.addWorksheet('2026-W11');
      w2.addRow(['单位', '办结率']);
      w2.addRow(['A', '12.5%']);
      w2.addRow(['B', '９３．３％']);
    });
    expect(got).toEqual([
      '2026-W10 A rate 12.5',
      '2026-W10 B rate 93.3',
      '2026-W11 A rate 12.5',
      '2026-W11 B rate 93.3',
    ]);
  });

  it('uses the saved result of a formula, and reads rich text and hyperlinks as their text', async () => {
    const got = await readSmall((wb) => {
      const ws = wb.addWorksheet('2026-W10');
      ws.addRow(['单位', 'rate', 'items']);
      ws.addRow([{ richText: [{ text: '甲' }, { text: '市' }] }, { formula: '40+2', result: 42 }, 7]);
      ws.addRow([
        'B',
        { formula: 'TEXT(1,"0")', result: '12.5' },
        { text: '8', hyperlink: 'https://x.test/' },
      ]);
    });
    expect(got).toEqual([
      '2026-W10 A rate 42',
      '2026-W10 A items 7',
      '2026-W10 B rate 12.5',
      '2026-W10 B items 8',
    ]);
  });

  it('skips empty rows and empty cells: they hold nothing', async () => {
    const got = await readSmall((wb) => {
      const ws = wb.addWorksheet('2026-W10');
      ws.addRow([]);
      ws.addRow(['单位', 'rate', 'items']);
      ws.addRow([]);
      ws.addRow(['A', 1, null]);
      ws.addRow(['', null, null]);
      ws.addRow(['B', null, 2]);
      wb.addWorksheet('Sheet2'); // an empty sheet
    });
    expect(got).toEqual(['2026-W10 A rate 1', '2026-W10 B items 2']);
  });

  it('ends the table at a note row (注：/Note:), with more note lines and a merged note below it', async () => {
    const got = await readSmall((wb) => {
      const ws = wb.addWorksheet('2026-W10');
      ws.addRow(['单位', 'rate', 'items']);
      ws.addRow(['A', 1, 2]);
      ws.addRow(['B', 3, 4]);
      ws.addRow([]);
      ws.addRow(['注：数据截至周五 / figures as of Friday']);
      ws.addRow(['2. 乙市为初步数']);
      ws.addRow(['Note: see the guide']);
      ws.mergeCells('A7:C7');
      const w2 = wb.addWorksheet('2026-W11');
      w2.addRow(['单位', 'rate']);
      w2.addRow(['A', 5]);
      w2.addRow(['Note: provisional']);
    });
    expect(got).toEqual([
      '2026-W10 A rate 1',
      '2026-W10 A items 2',
      '2026-W10 B rate 3',
      '2026-W10 B items 4',
      '2026-W11 A rate 5',
    ]);
  });

  it('skips a title above the table and a sheet of instructions: they hold no value', async () => {
    const got = await readSmall((wb) => {
      sheet(wb, '说明', [['填报说明'], ['1. 每格填一个数值'], [], ['2. 百分比指标可填 93.5%']]);
      const ws = sheet(wb, '2026-W10', [
        ['2026年第10周办结情况表', null, null],
        [],
        ['单位', 'rate', 'items'],
        ['A', 1, 2],
      ]);
      ws.mergeCells('A1:C1');
    });
    expect(got).toEqual(['2026-W10 A rate 1', '2026-W10 A items 2']);
  });

  it('reads wrapped headers, entity names beside ids, and years or months Excel turned into numbers or dates', async () => {
    const got = await readSmall((wb) => {
      const ws = wb.addWorksheet('2026-W10');
      ws.addRow(['单位', '名称', '办结\n率', 'items']);
      ws.addRow(['A', '甲市', 1, 2]);
      ws.addRow(['乙市', '乙市', 3, null]);
    });
    expect(got).toEqual(['2026-W10 A rate 1', '2026-W10 A items 2', '2026-W10 B rate 3']);
    const monthly = loadSchemeText(
      readFileSync(SCHEME_PATH, 'utf8').replace('periodKind: week', 'periodKind: month'),
      'monthly.yaml',
    );
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('gov_online_rate');
    ws.addRow(['市州', new Date(Date.UTC(2026, 0, 1)), '2026-02']);
    ws.addRow(['兰州市', 90, 91]);
    const obs = await readObservationsXlsx(await bytes(wb), monthly, 'm.xlsx');
    expect(obs.map((o) => `${o.period} ${o.entity} ${o.value}`)).toEqual([
      '2026-01 lanzhou 90',
      '2026-02 lanzhou 91',
    ]);
  });

  it('reads a long sheet with names, a year-less date-time observedAt as the scheme’s wall clock, and sources', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Sheet1');
    ws.addRow(['Period', 'Entity', 'Indicator', 'Value', 'observedAt', 'source']);
    ws.addRow(['2026-W10', '甲市', '办结率', '95%', new Date(Date.UTC(2026, 2, 2, 9, 38)), 'dept.d1']);
    ws.addRow(['2026-W10', 'B', 'items', 3, '2026-03-02T10:00:00+08:00', null]);
    const obs = await readObservationsXlsx(await bytes(wb), SMALL, 'long.xlsx');
    expect(obs).toEqual([
      {
        period: '2026-W10',
        entity: 'A',
        indicator: 'rate',
        value: 95,
        observedAt: '2026-03-02T01:38:00.000Z', // 09:38 in Asia/Shanghai
        source: 'dept.d1',
        line: 2,
        eventId: '000000000002',
      },
      {
        period: '2026-W10',
        entity: 'B',
        indicator: 'items',
        value: 3,
        observedAt: '2026-03-02T10:00:00+08:00',
        line: 3,
        eventId: '000000000003',
      },
    ]);
  });
});

describe('the department template', () => {
  const department = 'hotline12345';
  const period = '2026-W10';
  const indicators = departmentIndicators(gansu, department);
  const latest = latestWins(csvObservations).get(period)!;

  /** Loads the template as a department would open it, fills every value the CSV has for the week, saves. */
  async function filled(template: Buffer): Promise<{ file: Buffer; expected: string[] }> {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(template as unknown as ExcelJS.Buffer);
    const ws = wb.getWorksheet(period)!;
    const expected: string[] = [];
    gansu.entities.forEach((e, i) => {
      indicators.forEach((ind, j) => {
        const o = latest.get(ind.id)?.get(e.id);
        if (!o) return;
        ws.getCell(2 + i, 3 + j).value = o.value;
        expected.push(`${period} ${ind.id} ${e.id} = ${o.value}`);
      });
    });
    return { file: await bytes(wb), expected: expected.sort() };
  }

  it('holds the department’s own indicators × every entity, ids and names, units and directions in comments', async () => {
    expect(indicators.map((i) => i.id)).toEqual([
      'hotline_missed_call_rate',
      'hotline_late_completion_rate',
      'hotline_overdue_rate',
      'hotline_satisfaction',
      'hotline_repeat_call_rate',
      'hotline_escalation_rate',
    ]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await bytes(buildTemplate(gansu, department, period))) as unknown as ExcelJS.Buffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual([period]);
    const ws = wb.getWorksheet(period)!;
    expect(ws.getRow(1).values).toEqual([
      undefined,
      '单位 entity',
      '名称 name',
      ...indicators.map((i) => zh(i.name)),
    ]);
    gansu.entities.forEach((e, i) => {
      expect(ws.getCell(2 + i, 1).value).toBe(e.id);
      expect(ws.getCell(2 + i, 2).value).toBe(zh(e.name));
    });
    indicators.forEach((ind, j) => {
      const note = String(ws.getCell(1, 3 + j).note);
      expect(note).toContain(ind.id);
      expect(note).toContain(`计量单位 unit: ${ind.unit}`);
      expect(note).toContain(
        ind.direction === 'higher' ? '越高越好 / higher is better' : '越低越好 / lower is better',
      );
    });
    expect(ws.getCell(gansu.entities.length + 3, 1).value).toBe(TEMPLATE_NOTE);
  });

  it('validates every value cell as a decimal, within the declared range where the scheme has one', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await bytes(buildTemplate(gansu, department, period))) as unknown as ExcelJS.Buffer);
    const ws = wb.getWorksheet(period)!;
    for (let i = 0; i < gansu.entities.length; i++)
      indicators.forEach((ind, j) => {
        const dv = ws.getCell(2 + i, 3 + j).dataValidation;
        expect(dv).toMatchObject({ type: 'decimal', allowBlank: true, showErrorMessage: true });
        if (ind.id === 'hotline_satisfaction')
          expect(dv).toMatchObject({ operator: 'between', formulae: [0, 100] });
        else expect(dv).toMatchObject({ operator: 'between', formulae: [-1e307, 1e307] });
      });
    // no validation outside the value cells
    expect(ws.getCell(2, 2).dataValidation).toBeUndefined();
    expect(ws.getCell(gansu.entities.length + 2, 3).dataValidation).toBeUndefined();
  });

  it('reads back unchanged once filled: the filled values and nothing else', async () => {
    const template = await bytes(buildTemplate(gansu, department, period));
    expect(await readObservationsXlsx(template, gansu, 'empty.xlsx')).toEqual([]);
    const { file, expected } = await filled(template);
    expect(expected.length).toBe(gansu.entities.length * indicators.length);
    expect(resolved(await readObservationsXlsx(file, gansu, 'filled.xlsx'))).toEqual(expected);
  });

  it('is written by `rankwatch template`, and `rankwatch evaluate` reads the filled file', async () => {
    const out = join(dir, 'tpl', 'hotline-W10.xlsx');
    const r = await cli(
      'template',
      '--department',
      department,
      '--period',
      period,
      '--scheme',
      SCHEME_PATH,
      '--out',
      out,
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`${indicators.length} indicator(s) × 14 entities`);
    const { file, expected } = await filled(readFileSync(out));
    const path = join(dir, 'tpl', 'filled.xlsx');
    writeFileSync(path, file);
    const e = await cli('evaluate', '--scheme', SCHEME_PATH, '--observations', path, '--format', 'json');
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    const doc = JSON.parse(e.stdout) as SeriesAssessment;
    expect(doc.periods.map((p) => p.period)).toEqual([period]);
    const satisfaction = expected.find((x) => x.startsWith(`${period} hotline_satisfaction lanzhou `))!;
    expect(doc.periods[0]?.indicators.hotline_satisfaction?.find((x) => x.entity === 'lanzhou')?.value).toBe(
      Number(satisfaction.split(' = ')[1]),
    );
  });

  it('refuses a department without indicators, a bad period, a missing scheme or a non-.xlsx output', async () => {
    const base = ['template', '--period', period, '--scheme', SCHEME_PATH, '--out', join(dir, 't.xlsx')];
    const nobody = await cli(...base, '--department', 'nobody');
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain(
      '部门 "nobody" 在方案 gansu-weekly-2026 中没有指标 / department "nobody" owns no indicator',
    );
    const badPeriod = await cli(
      'template',
      '--department',
      department,
      '--period',
      '2026-13',
      '--scheme',
      SCHEME_PATH,
      '--out',
      join(dir, 't.xlsx'),
    );
    expect(badPeriod.code).toBe(2);
    expect(badPeriod.stderr).toContain('--period "2026-13" 不是周周期编号 / is not a week period id');
    const noScheme = await cli(
      'template',
      '--department',
      department,
      '--period',
      period,
      '--out',
      join(dir, 't.xlsx'),
    );
    expect(noScheme.code).toBe(2);
    expect(noScheme.stderr).toContain('需要 --scheme FILE');
    expect(noScheme.stderr).toContain('usage: rankwatch template');
    const csvOut = await cli(
      'template',
      '--department',
      department,
      '--period',
      period,
      '--scheme',
      SCHEME_PATH,
      '--out',
      'x.csv',
    );
    expect(csvOut.code).toBe(2);
  });
});

describe('rankwatch evaluate --observations FILE.xlsx', () => {
  it('prints the same JSON for the Gansu workbook as for the Gansu CSV', async () => {
    const path = join(dir, 'gansu.xlsx');
    writeFileSync(path, await bytes(gansuLong()));
    const fromXlsx = await cli(
      'evaluate',
      '--scheme',
      SCHEME_PATH,
      '--observations',
      path,
      '--format',
      'json',
    );
    const fromCsv = await cli(
      'evaluate',
      '--scheme',
      SCHEME_PATH,
      '--observations',
      OBSERVATIONS_PATH,
      '--format',
      'json',
    );
    expect(fromXlsx.code).toBe(0);
    expect(fromXlsx.stderr).toBe('');
    expect(fromXlsx.stdout).toBe(fromCsv.stdout);
  });

  it('exits 1 naming each bad cell', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('2026-W10');
    ws.addRow(['市州', 'gov_online_rate', 'gov_good_review_rate']);
    ws.addRow(['lanzhou', 'n/a', 99]);
    ws.addRow(['兰州市', 95, { error: '#DIV/0!' }]);
    const path = join(dir, 'bad.xlsx');
    writeFileSync(path, await bytes(wb));
    const r = await cli('evaluate', '--scheme', SCHEME_PATH, '--observations', path);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${path}: 3 invalid cell(s)`);
    expect(r.stderr).toContain(`'2026-W10'!B2: value: "n/a" is not a finite number`);
    expect(r.stderr).toContain(`'2026-W10'!A3: entity: entity "lanzhou" is already in row 2`);
    expect(r.stderr).toContain(`'2026-W10'!C3: value: the error value #DIV/0! is not a number`);
  });

  it('refuses the old .xls format, in Chinese first', async () => {
    const r = await cli('evaluate', '--scheme', SCHEME_PATH, '--observations', join(dir, 'old.xls'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('不支持旧版 .xls');
  });
});

describe('rankwatch publish --xlsx', () => {
  it('takes --csv or --xlsx, not both (before looking for an engine)', async () => {
    const r = await cli('publish', '--csv', 'a.csv', '--xlsx', 'a.xlsx');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--csv 与 --xlsx 只能选一个 / --csv and --xlsx are exclusive');
    expect(r.stderr).toContain('rankwatch publish --xlsx FILE');
  });
});
