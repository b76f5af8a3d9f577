import { describe, expect, it } from 'vitest';
import { checkReport } from '../../domain/authorise.ts';
import {
  isTimestamp,
  latestWins,
  type Observation,
  ObservationsError,
  parseFiniteNumber,
  parseObservationsCsv,
  readObservationsCsv,
  supersedes,
} from '../../domain/observations.ts';
import { indicator, scheme } from './fixtures.ts';

const s = scheme({ indicators: [indicator('x'), indicator('y')] });

/** The row errors a CSV text fails with. */
function errorsOf(text: string) {
  try {
    parseObservationsCsv(text, s, 'obs.csv');
  } catch (e) {
    expect(e).toBeInstanceOf(ObservationsError);
    return (e as ObservationsError).errors;
  }
  throw new Error('expected the CSV to be rejected');
}

describe('parsing observations CSV', () => {
  it('reads rows with their line numbers and optional observedAt and source', () => {
    const obs = parseObservationsCsv(
      'period,entity,indicator,value,observedAt,source\n2026-01,A,x,12.5,2026-02-01T00:00:00Z,dept.hotline\n2026-01,B,y,-3,,\n',
      s,
    );
    expect(obs).toEqual([
      {
        period: '2026-01',
        entity: 'A',
        indicator: 'x',
        value: 12.5,
        observedAt: '2026-02-01T00:00:00Z',
        source: 'dept.hotline',
        line: 2,
        eventId: '000000000002',
      },
      { period: '2026-01', entity: 'B', indicator: 'y', value: -3, line: 3, eventId: '000000000003' },
    ]);
  });

  it('accepts exponent notation: 1.42e-14', () => {
    const [o] = parseObservationsCsv('period,entity,indicator,value\n2026-01,A,x,1.42e-14\n', s);
    expect(o?.value).toBe(1.42e-14);
  });

  it('accepts columns in any order, a BOM, blank lines and padded cells', () => {
    const obs = parseObservationsCsv('\uFEFFvalue,indicator,entity,period\n\n 7 , x , A , 2026-01 \n', s);
    expect(obs.map((o) => [o.period, o.entity, o.indicator, o.value])).toEqual([['2026-01', 'A', 'x', 7]]);
  });

  it('rejects a header missing a required column', () => {
    expect(errorsOf('period,entity,value\n2026-01,A,1\n')).toEqual([
      { line: 1, field: '(header)', message: 'missing column "indicator"' },
    ]);
  });

  it('rejects an unknown column', () => {
    expect(errorsOf('period,entity,indicator,value,comment\n2026-01,A,x,1,hi\n')).toEqual([
      { line: 1, field: '(header)', message: 'unknown column "comment"' },
    ]);
  });

  it('rejects an empty file', () => {
    expect(errorsOf('')).toEqual([{ line: 1, field: '(header)', message: 'file is empty' }]);
  });

  it('reports unknown entities and indicators and bad periods with their line numbers', () => {
    const text = [
      'period,entity,indicator,value',
      '2026-01,A,x,1',
      '2026-01,Z,x,1',
      '2026-01,A,nope,1',
      '2026-13,A,x,1',
      '2026-W03,A,x,1',
    ].join('\n');
    expect(errorsOf(text)).toEqual([
      { line: 3, field: 'entity', message: 'unknown entity "Z"' },
      { line: 4, field: 'indicator', message: 'unknown indicator "nope"' },
      { line: 5, field: 'period', message: '"2026-13" is not a month period id' },
      { line: 6, field: 'period', message: '"2026-W03" is not a month period id' },
    ]);
  });

  it('rejects non-numeric and non-finite values with their line numbers', () => {
    const values = ['abc', '', 'NaN', 'Infinity', '-Infinity', '1e400', '0x10', '1,5', '12%'];
    const text = ['period,entity,indicator,value', ...values.map((v) => `2026-01,A,x,"${v}"`)].join('\n');
    expect(errorsOf(text)).toEqual(
      values.map((v, i) => ({ line: i + 2, field: 'value', message: `"${v}" is not a finite number` })),
    );
  });

  it('rejects an unparseable observedAt and a row with the wrong number of cells', () => {
    const text = 'period,entity,indicator,value,observedAt\n2026-01,A,x,1,yesterday\n2026-01,A,x\n';
    const errors = errorsOf(text);
    expect(errors).toContainEqual({
      line: 2,
      field: 'observedAt',
      message: '"yesterday" is not an ISO-8601 timestamp',
    });
    expect(errors).toContainEqual({ line: 3, field: '(row)', message: 'expected 5 columns, found 3' });
  });

  it('puts the source, the count and each bad line in the error message', () => {
    expect(() =>
      parseObservationsCsv('period,entity,indicator,value\n2026-01,A,x,abc\n', s, 'obs.csv'),
    ).toThrow('obs.csv: 1 invalid row(s)\n  line 2: value: "abc" is not a finite number');
  });

  it('parses finite decimals only', () => {
    expect(parseFiniteNumber(' -0.5 ')).toBe(-0.5);
    expect(parseFiniteNumber('.5')).toBe(0.5);
    expect(parseFiniteNumber('5.')).toBe(5);
    expect(parseFiniteNumber('+3E2')).toBe(300);
    expect(parseFiniteNumber('1e')).toBeNull();
    expect(parseFiniteNumber('1e400')).toBeNull();
  });
});

describe('observations CSV as ingest reads a report (issue 12)', () => {
  const ranged = scheme({ indicators: [indicator('x', { range: { min: 0, max: 100 } }), indicator('y')] });
  const errorsIn = (text: string, against = s) => {
    try {
      parseObservationsCsv(text, against, 'obs.csv');
    } catch (e) {
      return (e as ObservationsError).errors;
    }
    throw new Error('expected the CSV to be rejected');
  };
  const HEADER = 'period,entity,indicator,value';

  it('refuses a column named twice, naming it, instead of reading its last copy', () => {
    expect(errorsIn('period,entity,indicator,value,value\n2026-01,A,x,1,2\n')).toEqual([
      { line: 1, field: '(header)', message: 'column "value" is named twice (columns 4 and 5)' },
    ]);
  });

  it('refuses a value outside the indicator’s declared range with the reason ingest gives', () => {
    const errors = errorsIn(
      `${HEADER}\n2026-01,A,x,100\n2026-01,B,x,100.5\n2026-01,C,x,-1e-9\n2026-01,D,y,1e300\n`,
      ranged,
    );
    const ingest = checkReport(ranged, 'dept', {
      period: '2026-01',
      shape: 'single',
      observations: [{ period: '2026-01', entity: 'B', indicator: 'x', value: 100.5 }],
    }).reasons;
    expect(ingest.map((r) => r.code)).toEqual(['out_of_range']);
    expect(errors).toEqual([
      { line: 3, field: 'value', message: ingest[0]!.message.en },
      { line: 4, field: 'value', message: '-1e-9 is outside the valid range [0, 100] of indicator "x"' },
    ]);
  });

  it('takes observedAt only as an ISO-8601 date and time with Z or an offset, on a real calendar day', () => {
    for (const bad of [
      '1',
      '1/5/2026',
      '2026-02-30T00:00:00Z',
      '2026-01-05',
      '2026-01-05T09:38:00',
      'March 7, 2026',
    ])
      expect(errorsIn(`${HEADER},observedAt\n2026-01,A,x,1,"${bad}"\n`)).toEqual([
        { line: 2, field: 'observedAt', message: `"${bad}" is not an ISO-8601 timestamp` },
      ]);
    for (const good of ['2026-01-05T09:38:00+08:00', '2024-02-29T00:00:00Z', '2026-01-05T09:38:00.250Z'])
      expect(isTimestamp(good)).toBe(true);
  });

  it('names the file line after blank lines and a quoted cell spanning lines, not the record number', () => {
    const text = `${HEADER},source\n\n\n2026-01,A,x,1,"two\nlines"\n2026-01,A,x,abc,s\n\r\n2026-01,B,x,NaN,s\n`;
    expect(errorsIn(text).map((e) => [e.line, e.field])).toEqual([
      [6, 'value'],
      [8, 'value'],
    ]);
    const [o] = parseObservationsCsv(`${HEADER}\n\n2026-01,A,x,1\n`, s);
    expect([o?.line, o?.eventId]).toEqual([3, '000000000003']);
  });

  it('names the line of a CSV syntax error: where an unclosed quote’s row starts, or the stray quote', () => {
    expect(errorsIn(`${HEADER}\n2026-01,A,x,1\n\n2026-01,"A,x,1\n2026-01,B,x,1\n`)).toEqual([
      {
        line: 4,
        field: '(file)',
        message: 'not valid CSV: a quoted cell in the row starting on this line is never closed',
      },
    ]);
    expect(errorsIn(`${HEADER}\n2026-01,A,x,1\n2026-01,A,x,1"\n`).map((e) => [e.line, e.field])).toEqual([
      [3, '(file)'],
    ]);
  });

  it('reads a file whose lines end in \\n, \\r\\n and \\r alike, each row on its own', () => {
    const obs = parseObservationsCsv(`${HEADER}\n2026-01,A,x,1\r\n2026-01,B,x,2\r2026-01,C,x,3\n`, s);
    expect(obs.map((o) => [o.entity, o.value, o.line])).toEqual([
      ['A', 1, 2],
      ['B', 2, 3],
      ['C', 3, 4],
    ]);
  });

  it('reads a file for its shape alone without a scheme: ids and times passed on, values and header checked', () => {
    expect(readObservationsCsv(`${HEADER},observedAt\n2026-13,nowhere,nothing,1e2,soon\n`)).toEqual([
      { period: '2026-13', entity: 'nowhere', indicator: 'nothing', value: 100, observedAt: 'soon', line: 2 },
    ]);
    expect(() => readObservationsCsv(`${HEADER}\n2026-01,A,x,0x10\n`)).toThrow('line 2: value: "0x10"');
    expect(() => readObservationsCsv(`${HEADER}\n2026-01,,x,1\n`)).toThrow('line 2: entity: entity is empty');
    expect(() => readObservationsCsv('period,entity,indicator,value,obsevedAt\n')).toThrow(
      'line 1: (header): unknown column "obsevedAt"',
    );
  });
});

describe('latest wins', () => {
  const o = (value: number, observedAt?: string, eventId?: string): Observation => ({
    period: '2026-01',
    entity: 'A',
    indicator: 'x',
    value,
    ...(observedAt ? { observedAt } : {}),
    ...(eventId ? { eventId } : {}),
  });
  const winner = (...obs: Observation[]) => latestWins(obs).get('2026-01')?.get('x')?.get('A')?.value;

  it('keeps the value observed last, whatever the arrival order', () => {
    const early = o(1, '2026-02-01T00:00:00Z', 'b');
    const late = o(2, '2026-02-02T00:00:00Z', 'a');
    expect(winner(early, late)).toBe(2);
    expect(winner(late, early)).toBe(2);
  });

  it('compares timestamps as instants, not as text', () => {
    // 09:00+08:00 is 01:00Z: earlier than 02:00Z although its text sorts later
    expect(winner(o(1, '2026-02-01T09:00:00+08:00', 'z'), o(2, '2026-02-01T02:00:00Z', 'a'))).toBe(2);
  });

  it('breaks an observedAt tie by the larger event id', () => {
    const at = '2026-02-01T00:00:00Z';
    expect(winner(o(1, at, 'evt-2'), o(2, at, 'evt-1'))).toBe(1);
    expect(winner(o(2, at, 'evt-1'), o(1, at, 'evt-2'))).toBe(1);
  });

  it('lets a timestamped value win over one without', () => {
    expect(supersedes(o(1, '2020-01-01T00:00:00Z'), o(2))).toBe(true);
    expect(supersedes(o(2), o(1, '2020-01-01T00:00:00Z'))).toBe(false);
  });

  it('keeps the later CSV line when timestamps tie, lines 9 and 10 included', () => {
    const rows = ['period,entity,indicator,value'];
    for (let v = 1; v <= 9; v++) rows.push(`2026-01,A,x,${v}`); // lines 2–10
    expect(winner(...parseObservationsCsv(rows.join('\n'), s).reverse())).toBe(9);
  });

  it('keeps values per (period, indicator, entity) apart', () => {
    const m = latestWins([o(1), { ...o(2), entity: 'B' }, { ...o(3), period: '2026-02' }]);
    expect(m.get('2026-01')?.get('x')?.get('A')?.value).toBe(1);
    expect(m.get('2026-01')?.get('x')?.get('B')?.value).toBe(2);
    expect(m.get('2026-02')?.get('x')?.get('A')?.value).toBe(3);
  });
});
