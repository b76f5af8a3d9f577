import { describe, expect, it } from 'vitest';
import {
  displayName,
  formatPath,
  loadSchemeText,
  parseScheme,
  SchemeValidationError,
} from '../../domain/scheme.ts';
import { entities, indicator, schemeInput } from './fixtures.ts';

/** The field-level issues a scheme input fails with (empty when it loads). */
function issuesFor(input: unknown): { path: string; message: string }[] {
  try {
    parseScheme(input);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(SchemeValidationError);
    return (e as SchemeValidationError).issues;
  }
}

const YAML = `
id: gansu-data
version: "2026.1"
name: { zh: 甘肃数据考核, en: Gansu data assessment }
periodKind: month
entities:
  - { id: lz, name: { zh: 兰州市, en: Lanzhou } }
  - { id: tj, name: { zh: 天水市 } }
focus: [lz]
topics:
  - { id: service, name: { zh: 服务 }, weight: 2 }
  - { id: hotline, name: { en: Hotline }, weight: 1, parent: service, aggregate: geometric }
indicators:
  - id: answer-rate
    name: { zh: 接通率, en: Answer rate }
    topic: hotline
    weight: 1
    direction: higher
    unit: "%"
    owner: hotline-12345
    precision: 2
    normalise: { method: goalpost, best: 100, worst: 60 }
  - id: wait
    name: { zh: 等待时长 }
    topic: service
    weight: 3
    direction: lower
    unit: s
    owner: gov-services
    normalise: { method: goalpost, best: 1, worst: 100, transform: log }
composite: { aggregate: geometric, precision: 2 }
missing: { carryForward: 2, otherwise: zero }
rules:
  slip:
    - { rule: rankDrop, min: 2, severity: critical, for: 2 }
    - { rule: lostFirst, scope: overall }
  patterns:
    - id: five-down-one-up
      name: { zh: 五降一升 }
      members: [{ indicator: wait, expected: down }, { indicator: answer-rate, expected: up }]
`;

describe('loading a scheme', () => {
  it('loads a valid YAML scheme with its topic tree, rules and patterns', () => {
    const s = loadSchemeText(YAML, 'gansu.yaml');
    expect(s.id).toBe('gansu-data');
    expect(s.version).toBe('2026.1');
    expect(s.topics?.map((t) => [t.id, t.parent, t.aggregate])).toEqual([
      ['service', undefined, undefined],
      ['hotline', 'service', 'geometric'],
    ]);
    expect(s.indicators[1]?.normalise).toEqual({ method: 'goalpost', best: 1, worst: 100, transform: 'log' });
    expect(s.composite).toEqual({ aggregate: 'geometric', precision: 2 });
    expect(s.missing).toEqual({ carryForward: 2, otherwise: 'zero' });
    expect(s.rules.slip).toEqual([
      { rule: 'rankDrop', min: 2, scope: 'all', severity: 'critical', for: 2 },
      { rule: 'lostFirst', scope: 'overall', severity: 'warning', for: 1 },
    ]);
    expect(s.rules.patterns[0]?.members).toHaveLength(2);
  });

  it('loads the same scheme from JSON text', () => {
    const fromYaml = loadSchemeText(YAML, 'gansu.yaml');
    const json = JSON.stringify(schemeInput({ id: 'gansu-data', focus: ['A'] }));
    const s = loadSchemeText(json, 'scheme.json');
    expect(s.id).toBe('gansu-data');
    expect(s.focus).toEqual(['A']);
    // JSON text is recognised by its opening brace even without a .json name.
    expect(loadSchemeText(JSON.stringify(fromYaml), 'scheme').indicators).toEqual(fromYaml.indicators);
  });

  it('reports unparseable text as a (file) error naming the file', () => {
    expect(() => loadSchemeText('{"id": ', 'broken.json')).toThrow(/^broken\.json: \(file\): cannot parse/);
  });

  it('fills in the defaults: missing policy, watch, focus, composite aggregate, rules', () => {
    const s = parseScheme(schemeInput());
    expect(s.missing).toEqual({ carryForward: 0, otherwise: 'reweight' });
    expect(s.watch).toBe('focus');
    expect(s.focus).toEqual([]);
    expect(s.topics).toBeUndefined();
    expect(s.composite).toEqual({ aggregate: 'arithmetic' });
    expect(s.rules.slip).toEqual([]);
    expect(s.rules.patterns).toEqual([]);
    expect(s.rules.inhibit).toEqual([{ source: 'lostFirst', target: ['rankDrop', 'leftTopN'] }]);
    expect(s.rules.escalation.sla).toEqual({ critical: 'PT4H', warning: 'P1D', info: 'P3D' });
    expect(s.rules.escalation.levels.map((l) => l.name.zh)).toEqual([
      '科室负责人',
      '分管领导',
      '局长',
      '市政府督查',
    ]);
    expect(s.rules.escalation.rate).toBe('PT15M');
    expect(s.rules.reminder).toEqual({ weekday: 1, time: '09:00' });
    expect(s.timeZone).toBe('Asia/Shanghai');
  });

  it('rejects an indicator range whose min exceeds its max, naming the field', () => {
    const input = schemeInput();
    const ind = { ...(input.indicators as object[])[0], range: { min: 10, max: 1 } };
    expect(() => parseScheme({ ...input, indicators: [ind] })).toThrow(
      /indicators\[0\]\.range\.max: min must not exceed max/,
    );
  });

  it('rejects an escalation SLA in months and an unknown time zone, naming the field', () => {
    expect(() => parseScheme(schemeInput({ rules: { escalation: { sla: { critical: 'P1M' } } } }))).toThrow(
      /rules\.escalation\.sla\.critical: must be an ISO-8601 duration/,
    );
    expect(() => parseScheme(schemeInput({ timeZone: 'Mars/Olympus' }))).toThrow(
      /timeZone: must be an IANA time zone/,
    );
  });

  it('defaults the composite aggregate to arithmetic when only precision is given', () => {
    const s = parseScheme(schemeInput({ composite: { precision: 1 } }));
    expect(s.composite).toEqual({ aggregate: 'arithmetic', precision: 1 });
  });

  it('defaults a missing policy given only in part', () => {
    expect(parseScheme(schemeInput({ missing: { otherwise: 'unranked' } })).missing).toEqual({
      carryForward: 0,
      otherwise: 'unranked',
    });
  });
});

describe('scheme validation errors name the field path', () => {
  it('names indicators[3].weight when the fourth indicator has weight 0', () => {
    const input = schemeInput({
      indicators: [indicator('a'), indicator('b'), indicator('c'), indicator('d', { weight: 0 })],
    });
    expect(() => parseScheme(input)).toThrow(/^indicators\[3\]\.weight: must be > 0$/);
    expect(() => parseScheme(input)).toThrow(SchemeValidationError);
  });

  it('prefixes the file name when loading text', () => {
    const text = JSON.stringify(schemeInput({ indicators: [indicator('a', { weight: -1 })] }));
    expect(() => loadSchemeText(text, 'bad.json')).toThrow('bad.json: indicators[0].weight: must be > 0');
  });

  it('says which type was expected', () => {
    expect(issuesFor(schemeInput({ indicators: [indicator('a', { weight: 'heavy' as never })] }))).toEqual([
      { path: 'indicators[0].weight', message: 'expected number' },
    ]);
  });

  it('rejects an unknown period kind, direction and normalise method', () => {
    const paths = issuesFor(
      schemeInput({
        periodKind: 'decade' as never,
        indicators: [
          indicator('a', { direction: 'up' as never }),
          indicator('b', { normalise: { method: 'percentile' } as never }),
        ],
      }),
    ).map((i) => i.path);
    expect(paths).toEqual(['periodKind', 'indicators[0].direction', 'indicators[1].normalise.method']);
  });

  it('rejects a negative precision with its bound', () => {
    expect(issuesFor(schemeInput({ composite: { precision: -1 } }))).toEqual([
      { path: 'composite.precision', message: 'must be >= 0' },
    ]);
  });

  it('rejects an indicator topic that is not defined', () => {
    const issues = issuesFor(
      schemeInput({
        topics: [{ id: 'econ', name: { en: 'Economy' }, weight: 1 }],
        indicators: [indicator('a', { topic: 'econ' }), indicator('b', { topic: 'social' })],
      }),
    );
    expect(issues).toEqual([{ path: 'indicators[1].topic', message: 'unknown topic "social"' }]);
  });

  it('requires every indicator to name a topic when topics are defined', () => {
    const issues = issuesFor(
      schemeInput({
        topics: [{ id: 'econ', name: { en: 'Economy' }, weight: 1 }],
        indicators: [indicator('a', { topic: 'econ' }), indicator('b')],
      }),
    );
    expect(issues).toEqual([{ path: 'indicators[1].topic', message: 'required when topics are defined' }]);
  });

  it('rejects a focus entity that is not among the entities', () => {
    expect(issuesFor(schemeInput({ focus: ['A', 'Z'] }))).toEqual([
      { path: 'focus[1]', message: 'unknown entity "Z"' },
    ]);
  });

  it('rejects a topic parent that is not defined', () => {
    const issues = issuesFor(
      schemeInput({
        topics: [{ id: 't', name: { en: 't' }, weight: 1, parent: 'nowhere' }],
        indicators: [indicator('a', { topic: 't' })],
      }),
    );
    expect(issues).toEqual([{ path: 'topics[0].parent', message: 'unknown topic "nowhere"' }]);
  });

  it('rejects duplicate entity, indicator and topic ids at the second occurrence', () => {
    const issues = issuesFor(
      schemeInput({
        entities: entities('A', 'B', 'A'),
        topics: [
          { id: 't', name: { en: 't' }, weight: 1 },
          { id: 't', name: { en: 't again' }, weight: 1 },
        ],
        indicators: [indicator('x', { topic: 't' }), indicator('x', { topic: 't' })],
      }),
    );
    expect(issues).toEqual([
      { path: 'entities[2].id', message: 'duplicate id "A"' },
      { path: 'indicators[1].id', message: 'duplicate id "x"' },
      { path: 'topics[1].id', message: 'duplicate id "t"' },
    ]);
  });

  it('rejects topic parents that form a cycle, naming every topic on it', () => {
    const issues = issuesFor(
      schemeInput({
        topics: [
          { id: 'a', name: { en: 'a' }, weight: 1, parent: 'b' },
          { id: 'b', name: { en: 'b' }, weight: 1, parent: 'a' },
          { id: 'c', name: { en: 'c' }, weight: 1 },
        ],
        indicators: [indicator('x', { topic: 'c' })],
      }),
    );
    expect(issues).toEqual([
      { path: 'topics[0].parent', message: 'topic parents form a cycle' },
      { path: 'topics[1].parent', message: 'topic parents form a cycle' },
    ]);
  });

  it('rejects a topic that is its own parent', () => {
    const issues = issuesFor(
      schemeInput({
        topics: [{ id: 'a', name: { en: 'a' }, weight: 1, parent: 'a' }],
        indicators: [indicator('x', { topic: 'a' })],
      }),
    );
    expect(issues).toEqual([{ path: 'topics[0].parent', message: 'topic parents form a cycle' }]);
  });

  it('requires goalpost best and worst to differ and to agree with the direction', () => {
    expect(
      issuesFor(
        schemeInput({
          indicators: [indicator('a', { normalise: { method: 'goalpost', best: 5, worst: 5 } })],
        }),
      ).map((i) => i.path),
    ).toContain('indicators[0].normalise.worst');
    expect(
      issuesFor(
        schemeInput({
          indicators: [
            indicator('a', { direction: 'lower', normalise: { method: 'goalpost', best: 100, worst: 0 } }),
          ],
        }),
      ),
    ).toEqual([
      { path: 'indicators[0].normalise.best', message: 'must be less than worst for direction "lower"' },
    ]);
  });

  it('requires method none to be higher-is-better, since the value already is a score', () => {
    expect(issuesFor(schemeInput({ indicators: [indicator('a', { direction: 'lower' })] }))).toEqual([
      {
        path: 'indicators[0].direction',
        message: 'must be "higher" for normalise method "none" (the value already is a score)',
      },
    ]);
  });

  it('requires a log goalpost to stay positive after the offset', () => {
    expect(
      issuesFor(
        schemeInput({
          indicators: [
            indicator('a', { normalise: { method: 'goalpost', best: 10, worst: 0, transform: 'log' } }),
          ],
        }),
      ),
    ).toEqual([
      {
        path: 'indicators[0].normalise.offset',
        message: 'log transform needs best + offset > 0 and worst + offset > 0',
      },
    ]);
    // With offset 1 the same bounds are fine: ln(0 + 1) = 0.
    expect(
      issuesFor(
        schemeInput({
          indicators: [
            indicator('a', {
              normalise: { method: 'goalpost', best: 10, worst: 0, transform: 'log', offset: 1 },
            }),
          ],
        }),
      ),
    ).toEqual([]);
  });

  it('rejects a slip rule scoped to an unknown indicator and a pattern member that is not an indicator', () => {
    const issues = issuesFor(
      schemeInput({
        rules: {
          slip: [
            { rule: 'lostFirst', scope: 'x' },
            { rule: 'lostFirst', scope: 'nope' },
          ],
          patterns: [{ id: 'p', name: { zh: '模式' }, members: [{ indicator: 'ghost', expected: 'up' }] }],
        },
      }),
    );
    expect(issues).toEqual([
      {
        path: 'rules.slip[1].scope',
        message: 'must be overall, indicators, all or an indicator id (got "nope")',
      },
      { path: 'rules.patterns[0].members[0].indicator', message: 'unknown indicator "ghost"' },
    ]);
  });

  it('requires a name in at least one language', () => {
    expect(issuesFor(schemeInput({ name: {} }))).toEqual([
      { path: 'name', message: 'needs at least one of zh, en' },
    ]);
  });

  it('joins several issues into one message in order', () => {
    const input = schemeInput({ focus: ['Z'], indicators: [indicator('a', { weight: 0 })] });
    expect(() => parseScheme(input)).toThrow(
      'indicators[0].weight: must be > 0; focus[0]: unknown entity "Z"',
    );
  });
});

describe('formatting paths and names', () => {
  it('formats zod paths with brackets for indices and dots for keys', () => {
    expect(formatPath(['rules', 'slip', 0, 'scope'])).toBe('rules.slip[0].scope');
    expect(formatPath([])).toBe('(root)');
  });

  it('falls back to the other language, then to the fallback', () => {
    expect(displayName({ zh: '兰州市', en: 'Lanzhou' }, 'en')).toBe('Lanzhou');
    expect(displayName({ zh: '兰州市' }, 'en')).toBe('兰州市');
    expect(displayName({ en: 'Lanzhou' }, 'zh')).toBe('Lanzhou');
    expect(displayName(undefined, 'zh', 'lz')).toBe('lz');
  });
});

describe('a scheme says only what it means (issue 12)', () => {
  it('refuses an unknown key at any level, naming its path: a misspelt optional field is not dropped', () => {
    const input = schemeInput();
    const [first] = input.indicators as Record<string, unknown>[];
    first!.rnage = { min: 0, max: 100 };
    (input as Record<string, unknown>).notes = 'x';
    (input.entities as { name: Record<string, unknown> }[])[0]!.name.fr = 'Lanzhou';
    expect(issuesFor(input)).toEqual([
      { path: 'entities[0].name.fr', message: 'unknown field "fr"' },
      { path: 'indicators[0].rnage', message: 'unknown field "rnage"' },
      { path: 'notes', message: 'unknown field "notes"' },
    ]);
  });

  it('refuses unknown keys in slip rules, normalisations and the rule lists', () => {
    const input: Record<string, unknown> = {
      ...schemeInput(),
      rules: { slip: [{ rule: 'rankDrop', min: 1, severty: 'critical' }], reminders: {} },
    };
    (input.indicators as Record<string, unknown>[])[0]!.normalise = { method: 'minmax', best: 100 };
    expect(issuesFor(input).map((i) => i.path)).toEqual([
      'indicators[0].normalise.best',
      'rules.slip[0].severty',
      'rules.reminders',
    ]);
  });

  it('reads the common fields of every slip rule as before (scope, severity, for)', () => {
    const s = parseScheme(
      schemeInput({
        rules: { slip: [{ rule: 'leftTopN', n: 3, scope: 'overall', severity: 'info', for: 2 }] },
      }),
    );
    expect(s.rules.slip).toEqual([{ rule: 'leftTopN', n: 3, scope: 'overall', severity: 'info', for: 2 }]);
  });

  it('refuses a key a JSON file repeats (JSON.parse would keep the last), naming it, as YAML does', () => {
    const json = JSON.stringify(schemeInput()).replace(/^\{/, '{"id":"other",');
    expect(() => loadSchemeText(json, 'scheme.json')).toThrow(SchemeValidationError);
    expect(() => loadSchemeText(json, 'scheme.json')).toThrow('scheme.json: id: key "id" is repeated');
    const nested = JSON.stringify(schemeInput()).replace('"name":{', '"name":{"zh":"甲",');
    expect(() => loadSchemeText(nested, 'scheme')).toThrow(/: name\.zh: key "zh" is repeated/);
    expect(() => loadSchemeText(json.replace('"id":"other",', ''), 'scheme.json')).not.toThrow();
  });

  it('loads the Gansu scheme with its English names whole (each comma inside a quoted flow value)', async () => {
    const { readFileSync } = await import('node:fs');
    const { SCHEME_PATH } = await import('../../scenarios/gansu/generate.ts');
    const gansu = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
    const en = (id: string) =>
      [...(gansu.departments ?? []), ...gansu.indicators].find((x) => x.id === id)?.name.en;
    expect(en('datasharing')).toBe('Data Resources Division, Data Bureau');
    expect(en('digitaleconomy')).toBe('Digital Economy Division, Data Bureau');
    expect(en('biz_new_entities_growth')).toBe('New business registrations, year on year');
    expect(en('dig_project_completion')).toBe(
      'Key digital-economy projects, share of annual investment done',
    );
  });
});
