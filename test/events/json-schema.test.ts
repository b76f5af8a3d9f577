import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { EVENT_CONTRACTS } from '../../events/index.ts';
import {
  DRAFT_04,
  draft04Problems,
  forEachSubschema,
  type JsonSchema,
  jsonSchemaFor,
  schemaFileName,
  toDraft04,
} from '../../events/json-schema.ts';
import { validateDraft4 } from './draft4.ts';

describe('toDraft04', () => {
  it('rewrites keywords of later drafts into their Draft 4 forms', () => {
    const later: JsonSchema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        v: { const: 1 },
        n: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 10 },
        d: { type: 'string', format: 'date', examples: ['2026-08-31'] },
        r: { $ref: '#/$defs/thing' },
        o: { type: 'object', properties: { x: { type: 'string' } }, required: [] },
      },
      $defs: { thing: { type: 'string' } },
    };
    const draft4 = toDraft04(later);
    expect(draft4).toEqual({
      $schema: DRAFT_04,
      type: 'object',
      properties: {
        v: { enum: [1] },
        n: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 10, exclusiveMaximum: true },
        d: { type: 'string' },
        r: { $ref: '#/definitions/thing' },
        o: { type: 'object', properties: { x: { type: 'string' } } },
      },
      definitions: { thing: { type: 'string' } },
    });
    expect(draft04Problems(draft4)).toEqual([]);
  });

  it('leaves the input untouched', () => {
    const later = { $schema: 'x', const: 1 };
    toDraft04(later);
    expect(later).toEqual({ $schema: 'x', const: 1 });
  });
});

describe('draft04Problems', () => {
  it('names every construct Draft 4 does not have, with its location', () => {
    const problems = draft04Problems({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        a: { const: 1 },
        b: { type: 'number', exclusiveMinimum: 0 },
        c: { type: 'object', required: [] },
        d: { type: 'decimal' },
        e: { $ref: '#/$defs/e' },
      },
    });
    expect(problems).toEqual([
      `# $schema must be ${DRAFT_04}`,
      '#/properties/a has keyword "const", which Draft 4 does not define',
      '#/properties/b/exclusiveMinimum must be a boolean in Draft 4',
      '#/properties/b has exclusiveMinimum without minimum',
      '#/properties/c/required must be a non-empty array of names in Draft 4',
      '#/properties/d/type "decimal" is not a Draft 4 type',
      '#/properties/e/$ref #/$defs/e does not point into #/definitions',
    ]);
  });
});

describe.each(EVENT_CONTRACTS.map((c) => [c.detailType, c] as const))(
  'the JSON Schema of %s',
  (name, contract) => {
    const schema = jsonSchemaFor(contract);

    it('is Draft 4, titled with its detail-type and version', () => {
      expect(schema.$schema).toBe(DRAFT_04);
      expect(schema.title).toBe(`${name} v1`);
      expect(schemaFileName(contract)).toBe(`${name}.v1.json`);
      expect(draft04Problems(schema)).toEqual([]);
    });

    it('describes the envelope and every detail field, so it reads on its own', () => {
      const undescribed: string[] = [];
      forEachSubschema(schema, (node, at) => {
        if (at !== '#' && /\/properties\/[^/]+$/.test(at) && typeof node.description !== 'string')
          undescribed.push(at);
      });
      expect(undescribed).toEqual([]);
      expect(typeof schema.description).toBe('string');
    });

    it('pins detail-type and schemaVersion, and names the detail fields zod requires', () => {
      const props = schema.properties as Record<string, JsonSchema>;
      expect(props['detail-type']?.enum).toEqual([name]);
      const detail = props.detail as JsonSchema;
      expect((detail.properties as Record<string, JsonSchema>).schemaVersion?.enum).toEqual([1]);
      const shape = (contract.detail as unknown as z.ZodObject).shape;
      const required = Object.entries(shape)
        .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
        .map(([key]) => key);
      expect(detail.required).toEqual(required);
    });

    it("is strict for departments' details (#12), open elsewhere so optional additions never break a v1 reader", () => {
      const detail = (schema.properties as Record<string, JsonSchema>).detail as JsonSchema;
      const strict = contract.producer.kind === 'department';
      expect(detail.additionalProperties).toBe(strict ? false : undefined);
      if (strict) expect(detail.description).toMatch(/unknown fields .*rejected/);
    });
  },
);

describe('the generated schema of Indicator.ValueReported', () => {
  const contract = EVENT_CONTRACTS[0];
  const schema = jsonSchemaFor(contract);
  const sample = {
    version: '0',
    id: 'x',
    'detail-type': contract.detailType,
    source: 'dept.hotline12345',
    account: '123456789012',
    time: '2026-08-31T10:02:17Z',
    region: 'cn-northwest-1',
    resources: [],
    detail: {
      schemaVersion: 1,
      scheme: 'gansu-digital-government',
      indicator: 'hotline_connection_rate',
      entity: 'lanzhou',
      period: '2026-08',
      value: 97.85,
      observedAt: '2026-08-31T18:00:00+08:00',
    },
  };

  it('rejects what zod rejects: a bad period, a value as text, a source outside dept.', () => {
    expect(validateDraft4(schema, sample)).toEqual([]);
    expect(validateDraft4(schema, { ...sample, detail: { ...sample.detail, period: '2026-8' } })).toEqual([
      expect.stringMatching(/^detail\.period should match/),
    ]);
    expect(validateDraft4(schema, { ...sample, detail: { ...sample.detail, value: '97.85' } })).toEqual([
      'detail.value should be number',
    ]);
    expect(validateDraft4(schema, { ...sample, source: 'rankwatch.engine' })).toEqual([
      expect.stringMatching(/^source should match/),
    ]);
  });
});
