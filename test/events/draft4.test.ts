import { describe, expect, it } from 'vitest';
import { validateDraft4 } from './draft4.ts';

const schema = {
  $schema: 'http://json-schema.org/draft-04/schema#',
  type: 'object',
  properties: {
    n: { type: 'number', minimum: 0, exclusiveMinimum: true },
    i: { type: 'integer', maximum: 10 },
    s: { type: 'string', minLength: 2, pattern: '^[a-z]+$' },
    t: { type: 'string', format: 'date-time' },
    e: { type: 'string', enum: ['a', 'b'] },
    list: { type: 'array', minItems: 1, items: { $ref: '#/definitions/item' } },
    maybe: { anyOf: [{ type: 'string' }, { type: 'null' }] },
  },
  required: ['n'],
  definitions: { item: { type: 'object', properties: { v: { type: 'number' } }, required: ['v'] } },
};

describe('the test Draft 4 validator', () => {
  it('accepts an instance that meets every keyword', () => {
    const ok = {
      n: 1,
      i: 10,
      s: 'ab',
      t: '2026-08-31T10:00:00+08:00',
      e: 'a',
      list: [{ v: 1 }],
      maybe: null,
    };
    expect(validateDraft4(schema, ok)).toEqual([]);
  });

  it('reports each broken keyword with the path of the value', () => {
    const bad = { n: 0, i: 1.5, s: 'A', t: 'yesterday', e: 'c', list: [{}], maybe: 3 };
    expect(validateDraft4(schema, bad)).toEqual([
      'n should be > 0',
      'i should be integer',
      's minLength 2',
      's should match ^[a-z]+$',
      't should be a date-time',
      'e should be one of ["a","b"]',
      'list[0] should have "v"',
      'maybe should match some branch',
    ]);
  });

  it('reports a missing required property', () => {
    expect(validateDraft4(schema, {})).toEqual(['(root) should have "n"']);
  });

  it('refuses keywords Draft 4 does not have instead of ignoring them', () => {
    expect(() => validateDraft4({ const: 1 }, 1)).toThrow(/const/);
    expect(() => validateDraft4({ type: 'number', exclusiveMinimum: 0 }, 1)).toThrow(/boolean/);
  });
});
