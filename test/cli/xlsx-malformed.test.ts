import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { readObservationsXlsx } from '../../cli/xlsx/read.ts';
import { type ObservationError, ObservationsError } from '../../domain/observations.ts';
import { loadSchemeText } from '../../domain/scheme.ts';

const scheme = loadSchemeText(
  `
id: xlsx-malformed
version: "1"
name: { zh: 错表测试 }
periodKind: week
entities:
  - { id: A, name: { zh: 甲市 } }
  - { id: B, name: { zh: 乙市 } }
  - { id: C, name: { zh: 丙市 } }
focus: [A]
indicators:
  - { id: rate, name: { zh: 办结率 }, weight: 1, direction: higher, unit: "%", owner: d1,
      normalise: { method: goalpost, best: 100, worst: 0 } }
  - { id: items, name: { zh: 事项数 }, weight: 1, direction: higher, unit: 项 items, owner: d1,
      normalise: { method: minmax } }
  - { id: score, name: { zh: 满意度 }, weight: 1, direction: higher, unit: 分, owner: d2,
      range: { min: 0, max: 100 }, normalise: { method: none } }
`,
  'malformed.yaml',
);

type Build = (wb: ExcelJS.Workbook) => void;

function sheet(wb: ExcelJS.Workbook, name: string, rows: unknown[][]): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(name);
  for (const r of rows) ws.addRow(r);
  return ws;
}

const W10 = '2026-W10';
const HEADER = ['单位', 'rate', 'items'];
const LONG = ['period', 'entity', 'indicator', 'value', 'observedAt'];

async function errorsOf(build: Build): Promise<ObservationError[]> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  const data = Buffer.from(await wb.xlsx.writeBuffer());
  try {
    await readObservationsXlsx(data, scheme, 'bad.xlsx');
  } catch (e) {
    if (e instanceof ObservationsError) return e.errors;
    throw e;
  }
  throw new Error('the workbook was read without an error');
}

/** [cell, field, reason] of every error, in the order the reader found them. */
const cases: [string, Build, [string, string, string][]][] = [
  [
    'merged header cells',
    (wb) => {
      sheet(wb, W10, [
        ['单位', 'rate', null],
        ['A', 1, 2],
      ]).mergeCells('B1:C1');
    },
    [[`'2026-W10'!B1`, '(header)', 'merged header cells B1:C1: give each column its own header']],
  ],
  [
    'merged entity cells inside the table',
    (wb) => {
      sheet(wb, W10, [HEADER, ['A', 1, 2], [null, 3, 4]]).mergeCells('A2:A3');
    },
    [[`'2026-W10'!A2`, '(merge)', 'merged cells A2:A3 inside the table: unmerge them and fill each cell']],
  ],
  [
    'text that is no number',
    (wb) => sheet(wb, W10, [HEADER, ['A', 'abc', 2]]),
    [[`'2026-W10'!B2`, 'value', '"abc" is not a finite number']],
  ],
  [
    'a decimal comma (12,5 is not a thousands group)',
    (wb) => sheet(wb, W10, [HEADER, ['A', 1, '12,5']]),
    [[`'2026-W10'!C2`, 'value', '"12,5" is not a finite number']],
  ],
  [
    'thousands separators in the wrong places',
    (wb) => sheet(wb, W10, [HEADER, ['A', 1, '1,23,456']]),
    [[`'2026-W10'!C2`, 'value', '"1,23,456" is not a finite number']],
  ],
  [
    'a dash for "no data"',
    (wb) => sheet(wb, W10, [HEADER, ['A', '—', 2]]),
    [[`'2026-W10'!B2`, 'value', '"—" is not a finite number']],
  ],
  [
    'a percent-formatted cell for an indicator not measured in percent',
    (wb) => {
      sheet(wb, W10, [HEADER, ['A', 1, 0.5]]).getCell('C2').numFmt = '0%';
    },
    [
      [
        `'2026-W10'!C2`,
        'value',
        '50% (a percent-formatted cell) is a percentage but the indicator is measured in "项 items": enter the number itself',
      ],
    ],
  ],
  [
    'percent text for an indicator not measured in percent',
    (wb) => sheet(wb, W10, [HEADER, ['A', 1, '１２％']]),
    [
      [
        `'2026-W10'!C2`,
        'value',
        '"12%" is a percentage but the indicator is measured in "项 items": enter the number itself',
      ],
    ],
  ],
  [
    'a formula saved without its result',
    (wb) => sheet(wb, W10, [HEADER, ['A', 1, { formula: 'B2*2' }]]),
    [
      [
        `'2026-W10'!C2`,
        'value',
        'the formula =B2*2 without a saved result: calculate and save the file in Excel, or paste the values',
      ],
    ],
  ],
  [
    'a formula whose result is an error',
    (wb) => sheet(wb, W10, [HEADER, ['A', { formula: '1/0', result: { error: '#DIV/0!' } }, 2]]),
    [[`'2026-W10'!B2`, 'value', 'the error value #DIV/0! (from =1/0) is not a number']],
  ],
  [
    'an error cell',
    (wb) => sheet(wb, W10, [HEADER, ['A', { error: '#N/A' }, 2]]),
    [[`'2026-W10'!B2`, 'value', 'the error value #N/A is not a number']],
  ],
  [
    'a date in a value cell',
    (wb) => sheet(wb, W10, [HEADER, ['A', new Date(Date.UTC(2026, 2, 1)), 2]]),
    [[`'2026-W10'!B2`, 'value', 'a date (2026-03-01) is not a value: format the cell as a number']],
  ],
  [
    'a date and time in a value cell',
    (wb) => sheet(wb, W10, [HEADER, ['A', 1, new Date(Date.UTC(2026, 2, 1, 9, 30))]]),
    [[`'2026-W10'!C2`, 'value', 'a date (2026-03-01 09:30:00) is not a value: format the cell as a number']],
  ],
  [
    'a formula whose result is a date',
    (wb) =>
      sheet(wb, W10, [HEADER, ['A', { formula: 'TODAY()', result: new Date(Date.UTC(2026, 2, 1)) }, 2]]),
    [[`'2026-W10'!B2`, 'value', 'a date (2026-03-01) is not a value: format the cell as a number']],
  ],
  [
    'a TRUE in a value cell',
    (wb) => sheet(wb, W10, [HEADER, ['A', true, 2]]),
    [[`'2026-W10'!B2`, 'value', 'TRUE is not a number']],
  ],
  [
    'an unknown entity',
    (wb) => sheet(wb, W10, [HEADER, ['A', 1, 2], ['Z', 3, 4]]),
    [[`'2026-W10'!A3`, 'entity', 'unknown entity "Z"']],
  ],
  [
    'a total row (合计) under the table',
    (wb) => sheet(wb, W10, [HEADER, ['A', 1, 2], ['B', 3, 4], ['合计', 4, 6]]),
    [[`'2026-W10'!A4`, 'entity', 'unknown entity "合计"']],
  ],
  [
    'trailing text that is no note (a note starts 注： or Note:)',
    (wb) => sheet(wb, W10, [HEADER, ['A', 1, 2], [], ['填表人：张三']]),
    [[`'2026-W10'!A4`, 'entity', 'unknown entity "填表人:张三"']],
  ],
  [
    'an entity given twice (by id, then by its Chinese name)',
    (wb) => sheet(wb, W10, [HEADER, ['A', 1, 2], ['B', 3, 4], ['甲市', 5, 6]]),
    [[`'2026-W10'!A4`, 'entity', 'entity "A" is already in row 2']],
  ],
  [
    'values without an entity',
    (wb) => sheet(wb, W10, [HEADER, ['A', 1, 2], [null, 3, null]]),
    [
      [
        `'2026-W10'!A3`,
        'entity',
        'values without an entity: the first column names the entity (id or Chinese name)',
      ],
    ],
  ],
  [
    'an entity cell holding an error value',
    (wb) => sheet(wb, W10, [HEADER, [{ error: '#REF!' }, 1, 2]]),
    [[`'2026-W10'!A2`, 'entity', 'the error value #REF! is not an entity']],
  ],
  [
    'an unknown indicator header',
    (wb) =>
      sheet(wb, W10, [
        ['单位', 'rat', 'items'],
        ['A', 1, 2],
      ]),
    [[`'2026-W10'!B1`, '(header)', 'unknown indicator "rat"']],
  ],
  [
    'an indicator header given twice (by id, then by its Chinese name)',
    (wb) =>
      sheet(wb, W10, [
        ['单位', 'rate', '办结率'],
        ['A', 1, 2],
      ]),
    [[`'2026-W10'!C1`, '(header)', '"rate" is already the header of B1']],
  ],
  [
    'values under a column without a header',
    (wb) =>
      sheet(wb, W10, [
        ['单位', 'rate'],
        ['A', 1],
        ['B', 2, 3],
      ]),
    [[`'2026-W10'!C1`, '(header)', 'column C holds values but has no header']],
  ],
  [
    'a date as an indicator header',
    (wb) =>
      sheet(wb, W10, [
        ['单位', new Date(Date.UTC(2026, 2, 1))],
        ['A', 1],
      ]),
    [[`'2026-W10'!B1`, '(header)', 'a date (2026-03-01) is not a header']],
  ],
  [
    'a name column that names another entity',
    (wb) =>
      sheet(wb, W10, [
        ['单位', '名称', 'rate'],
        ['A', '甲市', 1],
        ['B', '甲市', 2],
      ]),
    [[`'2026-W10'!B3`, 'name', '"甲市" is not the name of entity "B" (乙市)']],
  ],
  [
    'a value below the note',
    (wb) => sheet(wb, W10, [HEADER, ['A', 1, 2], ['注：初步数'], ['C', 5]]),
    [
      [
        `'2026-W10'!B4`,
        '(row)',
        '5 below the note in A3: the table ends at the note; move it above or delete it',
      ],
    ],
  ],
  [
    'a number in the first column below the note',
    (wb) => sheet(wb, W10, [HEADER, ['A', 1, 2], ['Note: provisional'], [], [42]]),
    [
      [
        `'2026-W10'!A5`,
        '(row)',
        '42 below the note in A3: the table ends at the note; move it above or delete it',
      ],
    ],
  ],
  [
    'a sheet named neither by a period nor by an indicator, and no long table',
    (wb) => sheet(wb, 'Data', [HEADER, ['A', 1, 2]]),
    [
      [
        'Data!A1',
        '(sheet)',
        'sheet "Data" is neither a week period id, an indicator (id or Chinese name), nor a long table (header period, entity, indicator, value)',
      ],
    ],
  ],
  [
    'a week that does not exist (2026 has 53 ISO weeks), quoted as Excel quotes it',
    (wb) => sheet(wb, '2026-W54', [HEADER, ['A', 1, 2]]),
    [
      [
        `'2026-W54'!A1`,
        '(sheet)',
        'sheet "2026-W54" is neither a week period id, an indicator (id or Chinese name), nor a long table (header period, entity, indicator, value)',
      ],
    ],
  ],
  [
    'a sheet named like a cell (W10), quoted as Excel quotes it',
    (wb) => sheet(wb, 'W10', [[], HEADER, ['A', 1, 2]]),
    [
      [
        `'W10'!A2`,
        '(sheet)',
        'sheet "W10" is neither a week period id, an indicator (id or Chinese name), nor a long table (header period, entity, indicator, value)',
      ],
    ],
  ],
  [
    'a period header that is no period id (sheet per indicator, by Chinese name)',
    (wb) =>
      sheet(wb, '办结率', [
        ['单位', '2026-W10', 'W11'],
        ['A', 1, 2],
      ]),
    [['办结率!C1', '(header)', '"W11" is not a week period id']],
  ],
  [
    'a period header given twice',
    (wb) =>
      sheet(wb, 'rate', [
        ['单位', '2026-W10', '2026-W10'],
        ['A', 1, 2],
      ]),
    [['rate!C1', '(header)', '"2026-W10" is already the header of B1']],
  ],
  [
    'the same value in a period sheet and an indicator sheet',
    (wb) => {
      sheet(wb, W10, [
        ['单位', 'rate'],
        ['A', 1],
      ]);
      sheet(wb, 'rate', [
        ['单位', W10],
        ['甲市', 1],
      ]);
    },
    [['rate!B2', 'value', `a second value for A × rate × 2026-W10 (the first is '2026-W10'!B2)`]],
  ],
  [
    'a long sheet without a value column',
    (wb) =>
      sheet(wb, 'Sheet1', [
        ['period', 'entity', 'indicator'],
        [W10, 'A', 'rate'],
      ]),
    [['Sheet1!1:1', '(header)', 'missing column "value"']],
  ],
  [
    'a long sheet with an unknown column',
    (wb) =>
      sheet(wb, 'Sheet1', [
        [...LONG, 'comment'],
        [W10, 'A', 'rate', 1, null, 'ok'],
      ]),
    [['Sheet1!F1', '(header)', 'unknown column "comment"']],
  ],
  [
    'a long sheet with a column twice',
    (wb) =>
      sheet(wb, 'Sheet1', [
        ['period', 'entity', 'indicator', 'value', 'Value'],
        [W10, 'A', 'rate', 1, 2],
      ]),
    [['Sheet1!E1', '(header)', 'column "value" is already D1']],
  ],
  [
    'a long row with a bad period',
    (wb) => sheet(wb, 'Sheet1', [LONG, ['2026-13', 'A', 'rate', 1]]),
    [['Sheet1!A2', 'period', '"2026-13" is not a week period id']],
  ],
  [
    'a long row with a date for the period',
    (wb) => sheet(wb, 'Sheet1', [LONG, [new Date(Date.UTC(2026, 2, 1)), 'A', 'rate', 1]]),
    [['Sheet1!A2', 'period', 'a date (2026-03-01) is not a week period id']],
  ],
  [
    'a long row with an unknown indicator',
    (wb) => sheet(wb, 'Sheet1', [LONG, [W10, 'A', 'rate', 1], [W10, 'A', 'speed', 2]]),
    [['Sheet1!C3', 'indicator', 'unknown indicator "speed"']],
  ],
  [
    'a long row without a value',
    (wb) => sheet(wb, 'Sheet1', [LONG, [W10, 'A', 'rate', null, '2026-03-02T10:00:00+08:00']]),
    [['Sheet1!D2', 'value', 'value is empty']],
  ],
  [
    'a long row without an entity',
    (wb) => sheet(wb, 'Sheet1', [LONG, [W10, null, 'rate', 1]]),
    [['Sheet1!B2', 'entity', 'entity is empty']],
  ],
  [
    'a long row whose observedAt is no timestamp',
    (wb) => sheet(wb, 'Sheet1', [LONG, [W10, 'A', 'rate', 1, 'yesterday']]),
    [['Sheet1!E2', 'observedAt', '"yesterday" is not an ISO-8601 timestamp']],
  ],
  [
    'a long row whose observedAt is a bare number',
    (wb) => sheet(wb, 'Sheet1', [LONG, [W10, 'A', 'rate', 1, 45000]]),
    [['Sheet1!E2', 'observedAt', '45000 is not an ISO-8601 timestamp']],
  ],
  [
    'a long row with everything wrong, reported cell by cell',
    (wb) => sheet(wb, 'Sheet1', [LONG, ['W10', 'Z', 'speed', 'lots', 'soon']]),
    [
      ['Sheet1!A2', 'period', '"W10" is not a week period id'],
      ['Sheet1!B2', 'entity', 'unknown entity "Z"'],
      ['Sheet1!C2', 'indicator', 'unknown indicator "speed"'],
      ['Sheet1!D2', 'value', '"lots" is not a finite number'],
      ['Sheet1!E2', 'observedAt', '"soon" is not an ISO-8601 timestamp'],
    ],
  ],
  [
    'a long value outside the indicator’s declared range (refused as ingest refuses it)',
    (wb) => sheet(wb, 'Sheet1', [LONG, [W10, 'A', 'score', 100.5], [W10, 'B', 'score', 100]]),
    [['Sheet1!D2', 'value', '100.5 is outside the valid range [0, 100] of indicator "score"']],
  ],
  [
    'a wide value outside the indicator’s declared range',
    (wb) =>
      sheet(wb, W10, [
        ['单位', 'score'],
        ['A', -1],
        ['B', 0],
      ]),
    [[`'2026-W10'!B2`, 'value', '-1 is outside the valid range [0, 100] of indicator "score"']],
  ],
  [
    'a long row whose observedAt is text Date.parse would take but no ISO-8601 timestamp',
    (wb) => sheet(wb, 'Sheet1', [LONG, [W10, 'A', 'rate', 1, '1/5/2026']]),
    [['Sheet1!E2', 'observedAt', '"1/5/2026" is not an ISO-8601 timestamp']],
  ],
  [
    'a workbook whose only sheet is empty',
    (wb) => {
      wb.addWorksheet('Sheet1');
    },
    [['Sheet1!A1', '(workbook)', 'no sheet holds a table']],
  ],
];

describe('malformed sheets: each rejection names its cell and reason', () => {
  it.each(cases)('%s', async (_name, build, expected) => {
    const errors = await errorsOf(build);
    expect(errors.map((e) => [e.cell, e.field, e.message])).toEqual(expected);
  });

  it('has at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });
});

describe('the error a bad workbook throws', () => {
  it('collects every problem of every sheet, then throws once, listing cells as Excel writes them', async () => {
    const wb = new ExcelJS.Workbook();
    sheet(wb, W10, [HEADER, ['A', 'abc', 2], ['Z', 1, { error: '#DIV/0!' }]]);
    sheet(wb, '满意度', [
      ['单位', '2026-W10'],
      ['乙市', '１０１％'],
    ]);
    sheet(wb, 'Sheet1', [LONG, [W10, 'C', 'score', '', null]]);
    const data = Buffer.from(await wb.xlsx.writeBuffer());
    const err = await readObservationsXlsx(data, scheme, 'dept.xlsx').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObservationsError);
    expect((err as ObservationsError).message).toBe(
      [
        'dept.xlsx: 5 invalid cell(s)',
        `  '2026-W10'!B2: value: "abc" is not a finite number`,
        `  '2026-W10'!A3: entity: unknown entity "Z"`,
        `  '2026-W10'!C3: value: the error value #DIV/0! is not a number`,
        '  满意度!B2: value: "101%" is a percentage but the indicator is measured in "分": enter the number itself',
        '  Sheet1!D2: value: value is empty',
      ].join('\n'),
    );
    expect((err as ObservationsError).errors.map((e) => e.line)).toEqual([2, 3, 3, 2, 2]);
  });

  it('says so when the bytes are no workbook', async () => {
    const err = await readObservationsXlsx(Buffer.from('period,entity\n'), scheme, 'x.xlsx').catch((e) => e);
    expect(err).toBeInstanceOf(ObservationsError);
    expect((err as ObservationsError).errors).toEqual([
      { line: 0, field: '(file)', message: expect.stringMatching(/^not an \.xlsx workbook: /) },
    ]);
  });

  it('refuses a Chinese name two entities share, asking for the id', async () => {
    const twins = loadSchemeText(
      `
id: twins
version: "1"
name: { zh: 重名 }
periodKind: week
entities:
  - { id: A1, name: { zh: 新区 } }
  - { id: A2, name: { zh: 新区 } }
focus: [A1]
indicators:
  - { id: rate, name: { zh: 办结率 }, weight: 1, direction: higher, unit: "%", owner: d1,
      normalise: { method: goalpost, best: 100, worst: 0 } }
`,
      'twins.yaml',
    );
    const wb = new ExcelJS.Workbook();
    sheet(wb, W10, [
      ['单位', 'rate'],
      ['新区', 1],
      ['A2', 2],
    ]);
    const err = await readObservationsXlsx(Buffer.from(await wb.xlsx.writeBuffer()), twins, 't.xlsx').catch(
      (e) => e,
    );
    expect((err as ObservationsError).errors).toEqual([
      {
        line: 2,
        cell: `'2026-W10'!A2`,
        field: 'entity',
        message: '"新区" names more than one entity (A1, A2): use the id',
      },
    ]);
  });
});
