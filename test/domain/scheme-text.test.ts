// Regressions the reader fuzz found in loadSchemeText (issue 12): scheme files that are valid but were refused.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadSchemeText, SchemeValidationError } from '../../domain/scheme.ts';
import { parseYaml } from '../../domain/yaml.ts';
import { SCHEME_PATH } from '../../scenarios/gansu/generate.ts';

const text = readFileSync(SCHEME_PATH, 'utf8');
const gansu = loadSchemeText(text, SCHEME_PATH);
const raw = parseYaml(text);

describe('a scheme file', () => {
  it('loads as JSON when it starts with a byte-order mark, as Windows editors write it', () => {
    expect(loadSchemeText(`\uFEFF${JSON.stringify(raw)}`, 'gansu.json')).toEqual(gansu);
    expect(loadSchemeText(`\uFEFF${text}`, 'gansu.yaml')).toEqual(gansu);
  });

  it('loads as YAML with classic Mac line endings (a lone CR is a YAML line break)', () => {
    expect(loadSchemeText(text.replace(/\n/g, '\r'), 'gansu.yaml')).toEqual(gansu);
    expect(loadSchemeText(text.replace(/\n/g, '\r\n'), 'gansu.yaml')).toEqual(gansu);
  });

  it('loads as YAML in flow style, though it starts with "{" like JSON', () => {
    const flow = stringify(raw, { collectionStyle: 'flow' });
    expect(flow.startsWith('{')).toBe(true);
    expect(loadSchemeText(flow, 'gansu.yaml')).toEqual(gansu);
  });

  it('still refuses a .json file that is no JSON, naming the file', () => {
    const flow = stringify(raw, { collectionStyle: 'flow' });
    expect(() => loadSchemeText(flow, 'gansu.json')).toThrow(SchemeValidationError);
    expect(() => loadSchemeText(flow, 'gansu.json')).toThrow(/^gansu\.json: \(file\): cannot parse/);
  });
});
