import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import {
  compileEventPattern,
  InvalidEventError,
  InvalidEventPatternError,
  matchesEventPattern,
  testEventPattern,
} from '../../../local/eventbridge/pattern.ts';

const fixtures = new URL('../../fixtures/conformance/', import.meta.url);
const caseDirectory = new URL('eventbridge-patterns/', fixtures);
const caseFiles = readdirSync(caseDirectory)
  .filter((file) => file.endsWith('.json5'))
  .sort();

/** AWS's message for each `_EXC` case, from the snapshot keyed `...test_event_pattern[<case>]`. */
const awsMessages = new Map<string, string>();
const snapshot = JSON.parse(
  readFileSync(new URL('eventbridge-patterns-aws-errors.json', fixtures), 'utf8'),
) as Record<
  string,
  { 'recorded-content': Record<string, { exception_message?: { Error: { Message: string } } }> }
>;
for (const [test, { 'recorded-content': content }] of Object.entries(snapshot)) {
  const caseName = /\[(.+)\]$/.exec(test)?.[1];
  const message = caseName === undefined ? undefined : content[caseName]?.exception_message?.Error.Message;
  if (caseName !== undefined && message !== undefined) awsMessages.set(caseName, message);
}

interface ConformanceCase {
  Event: object;
  EventPattern: object;
}

function rejection(run: () => unknown): InvalidEventPatternError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidEventPatternError) return error;
    throw error;
  }
  throw new Error('expected the pattern to be rejected');
}

describe('agreement with the AWS-recorded conformance cases', () => {
  it('reads all 155 recorded cases and an AWS message for every rejected one', () => {
    expect(caseFiles).toHaveLength(155);
    const rejected = caseFiles.filter((file) => file.endsWith('_EXC.json5'));
    expect(rejected.length).toBeGreaterThan(0);
    for (const file of rejected) expect(awsMessages.has(file.replace(/\.json5$/, ''))).toBe(true);
  });

  it.each(caseFiles)('%s', (file) => {
    const name = file.replace(/\.json5$/, '');
    const { Event, EventPattern } = JSON5.parse<ConformanceCase>(
      readFileSync(new URL(file, caseDirectory), 'utf8'),
    );
    const run = () => testEventPattern(JSON.stringify(EventPattern), JSON.stringify(Event));
    if (name.endsWith('_EXC')) {
      const error = rejection(run);
      expect(error.name).toBe('InvalidEventPatternException');
      expect(error.message).toBe(awsMessages.get(name));
    } else {
      expect(run()).toBe(!name.endsWith('_NEG'));
    }
  });
});

const event = (fields: Record<string, unknown>) => ({
  version: '0',
  id: 'c0ffee00-0000-4000-8000-000000000000',
  account: '123456789012',
  time: '2025-01-31T08:00:00Z',
  region: 'eu-west-1',
  resources: [],
  ...fields,
});

describe('the project’s own rules', () => {
  const ingest = compileEventPattern({
    source: [{ prefix: 'dept.' }],
    'detail-type': ['Indicator.ValueReported'],
  });

  it('routes a department’s Indicator.ValueReported to the ingest rule', () => {
    const reported = event({
      source: 'dept.hotline12345',
      'detail-type': 'Indicator.ValueReported',
      detail: { indicator: 'response-time', value: 3.5 },
    });
    expect(matchesEventPattern(ingest, reported)).toBe(true);
  });

  it('ignores the engine’s own events and other detail types', () => {
    expect(
      matchesEventPattern(
        ingest,
        event({ source: 'rankwatch.engine', 'detail-type': 'Indicator.ValueReported' }),
      ),
    ).toBe(false);
    expect(matchesEventPattern(ingest, event({ source: 'dept.a', 'detail-type': 'Ranking.Slipped' }))).toBe(
      false,
    );
    expect(
      matchesEventPattern(ingest, event({ source: 'DEPT.a', 'detail-type': 'Indicator.ValueReported' })),
    ).toBe(false);
  });

  it('compiles a pattern once and matches many events with it', () => {
    const sources = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? `dept.d${i}` : `other.d${i}`));
    const matched = sources.filter((source) =>
      matchesEventPattern(ingest, event({ source, 'detail-type': 'Indicator.ValueReported' })),
    );
    expect(matched).toHaveLength(500);
  });
});

describe('matching beyond the recorded cases', () => {
  const matches = (pattern: object, fields: Record<string, unknown>) =>
    matchesEventPattern(compileEventPattern(pattern), fields);

  it('never pairs fields from different elements of the same array', () => {
    const employees = {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    };
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees)).toBe(true);
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees)).toBe(false);
  });

  it('compares numbers by value, so 3.0e2 in a pattern is 300 in an event', () => {
    expect(testEventPattern('{"n": [3.0e2]}', '{"n": 300}')).toBe(true);
    expect(testEventPattern('{"n": [{"numeric": ["=", 3.0e2]}]}', '{"n": 300.0}')).toBe(true);
    expect(testEventPattern('{"n": [300]}', '{"n": "300"}')).toBe(false);
  });

  it('honours open and closed numeric bounds', () => {
    const range = { n: [{ numeric: ['>', 0, '<=', 5] }] };
    expect([0, 0.000001, 5, 5.000001].map((n) => matches(range, { n }))).toEqual([false, true, true, false]);
    expect(matches({ n: [{ numeric: ['>=', 10] }] }, { n: 10 })).toBe(true);
    expect(matches({ n: [{ numeric: ['<', -1] }] }, { n: -1 })).toBe(false);
  });

  it('matches IPv4 and IPv6 addresses inside a CIDR block, whatever their notation', () => {
    expect(matches({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '10.255.1.2' })).toBe(true);
    expect(matches({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '11.0.0.1' })).toBe(false);
    expect(matches({ ip: [{ cidr: '192.168.1.7/32' }] }, { ip: '192.168.1.7' })).toBe(true);
    expect(matches({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:DB8:0:0:0:0:0:1' })).toBe(true);
    expect(matches({ ip: [{ cidr: '::ffff:0:0/96' }] }, { ip: '::ffff:10.0.0.1' })).toBe(true);
    expect(matches({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '10.0.0.1' })).toBe(false);
  });

  it('treats an escaped star as a star and an escaped backslash as a backslash', () => {
    expect(matches({ f: [{ wildcard: 'a\\*b' }] }, { f: 'a*b' })).toBe(true);
    expect(matches({ f: [{ wildcard: 'a\\*b' }] }, { f: 'axb' })).toBe(false);
    expect(matches({ f: [{ wildcard: 'a\\\\*' }] }, { f: 'a\\anything' })).toBe(true);
    expect(rejection(() => compileEventPattern({ f: [{ wildcard: 'a\\b' }] })).message).toBe(
      'Event pattern is not valid. Reason: Invalid escape character at pos 1',
    );
  });

  it('combines nested $or with the fields beside it', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization'] },
        { metricType: ['MetricType'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
      ],
    };
    expect(matches(pattern, { source: 'aws.cloudwatch', metricName: 'CPUUtilization' })).toBe(true);
    expect(matches(pattern, { source: 'aws.cloudwatch', metricType: 'MetricType', spaceId: 1000 })).toBe(
      true,
    );
    expect(matches(pattern, { source: 'aws.cloudwatch', metricType: 'MetricType' })).toBe(false);
    expect(matches(pattern, { source: 'aws.ec2', metricName: 'CPUUtilization' })).toBe(false);
  });

  it('reads $or as a plain field name when it is not a list of two or more sub-patterns', () => {
    expect(matches({ $or: { a: ['x'] } }, { $or: { a: 'x' } })).toBe(true);
    expect(matches({ $or: ['x'] }, { $or: 'x' })).toBe(true);
  });

  it('folds case one character at a time for equals-ignore-case, prefix and suffix', () => {
    expect(matches({ s: [{ 'equals-ignore-case': 'ÉCOLE' }] }, { s: 'école' })).toBe(true);
    expect(matches({ s: [{ prefix: { 'equals-ignore-case': 'DEPT.' } }] }, { s: 'Dept.x' })).toBe(true);
    expect(matches({ s: [{ suffix: { 'equals-ignore-case': '.PNG' } }] }, { s: 'a.png' })).toBe(true);
    expect(matches({ s: [{ 'equals-ignore-case': 'strasse' }] }, { s: 'STRAßE' })).toBe(false);
  });
});

describe('refusals', () => {
  it('refuses a pattern that is not JSON as an invalid pattern', () => {
    const error = rejection(() => testEventPattern('{"source": [', '{}'));
    expect(error.message).toMatch(/^Event pattern is not valid\. Reason: /);
  });

  it('refuses an event that is not a JSON object as AWS does', () => {
    expect(() => testEventPattern('{"source": ["x"]}', '"plain string"')).toThrow(InvalidEventError);
    expect(() => testEventPattern('{"source": ["x"]}', '[{"source": "x"}]')).toThrow(
      'Parameter Event is not valid.',
    );
  });

  it('names the offending field when a value is not in a list', () => {
    expect(rejection(() => compileEventPattern({ detail: { state: 'running' } })).message).toBe(
      'Event pattern is not valid. Reason: "state" must be an object or an array',
    );
  });

  it('refuses a pattern whose nested $or would multiply out past 4096 combinations', () => {
    const pair = (i: number) => ({ $or: [{ [`a${i}`]: ['x'] }, { [`b${i}`]: ['y'] }] });
    const nest = (depth: number): Record<string, unknown> =>
      depth === 0 ? { leaf: ['z'] } : { ...pair(depth), [`n${depth}`]: nest(depth - 1) };
    expect(() => compileEventPattern(nest(12))).not.toThrow();
    expect(rejection(() => compileEventPattern(nest(13))).reason).toBe(
      '$or expands to more than 4096 combinations',
    );
  });

  // Outcomes AWS gave to rules published on GitHub: four one-star suffix patterns on one field are
  // accepted, four patterns sharing the prefix "*/datasync/*" are "too complex", two of them are not.
  it('accepts and rejects the wildcard sets AWS accepted and rejected', () => {
    const key = (...wildcards: string[]) => ({ key: wildcards.map((wildcard) => ({ wildcard })) });
    expect(() => compileEventPattern(key('*.bif', '*.tiff', '*.tif', '*.svs'))).not.toThrow();
    expect(() => compileEventPattern(key('*/datasync/*.bif', '*/datasync/*.tif'))).not.toThrow();
    expect(
      rejection(() =>
        compileEventPattern(
          key('*/datasync/*.bif', '*/datasync/*.tif', '*/datasync/*.tiff', '*/datasync/*.svs'),
        ),
      ).reason,
    ).toMatch(/^Rule is too complex/);
  });
});

describe('wildcard matching', () => {
  const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  it('agrees with a regular-expression reference for patterns of literals and single stars', () => {
    const piece = fc.constantFrom('a', 'b', 'ab', '*');
    const pattern = fc
      .array(piece, { maxLength: 6 })
      .map((pieces) => pieces.join(''))
      .filter((text) => !text.includes('**'));
    fc.assert(
      fc.property(pattern, fc.stringMatching(/^[ab]{0,8}$/), (wildcard, value) => {
        const reference = new RegExp(`^${wildcard.split('*').map(escapeRegExp).join('.*')}$`, 's');
        const compiled = compileEventPattern({ f: [{ wildcard }] });
        expect(matchesEventPattern(compiled, { f: value })).toBe(reference.test(value));
      }),
      { numRuns: 500 },
    );
  });
});
