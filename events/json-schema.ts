/** JSON Schema Draft 4 (what the EventBridge schema registry accepts) generated from the zod contracts. */
import * as z from 'zod';
import type { EventContract } from './envelope.ts';

export const DRAFT_04 = 'http://json-schema.org/draft-04/schema#';

export type JsonSchema = { [keyword: string]: unknown };

/** Where a contract's generated schema lives, relative to `events/schemas/`. */
export function schemaFileName(contract: Pick<EventContract, 'detailType' | 'version'>): string {
  return `${contract.detailType}.v${contract.version}.json`;
}

/** Formats Draft 4 defines; zod's others (uuid, date, duration, ...) are dropped, their pattern stays. */
const DRAFT_04_FORMATS = new Set(['date-time', 'email', 'hostname', 'ipv4', 'ipv6', 'uri']);

/** Keywords of later drafts or zod's own that a Draft 4 reader would misread or ignore. */
const NOT_IN_DRAFT_04 = [
  'examples',
  'contentEncoding',
  'contentMediaType',
  'readOnly',
  'writeOnly',
  'deprecated',
  '$comment',
  '$id',
];

const isObject = (value: unknown): value is JsonSchema =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Calls `visit` on every subschema (depth first), with a readable location. */
export function forEachSubschema(
  schema: JsonSchema,
  visit: (node: JsonSchema, at: string) => void,
  at = '#',
): void {
  visit(schema, at);
  for (const key of ['properties', 'patternProperties', 'definitions', '$defs', 'dependencies'] as const) {
    const map = schema[key];
    if (isObject(map)) {
      for (const [name, sub] of Object.entries(map))
        if (isObject(sub)) forEachSubschema(sub, visit, `${at}/${key}/${name}`);
    }
  }
  for (const key of ['items', 'additionalItems', 'additionalProperties', 'not'] as const) {
    const sub = schema[key];
    if (isObject(sub)) forEachSubschema(sub, visit, `${at}/${key}`);
    else if (Array.isArray(sub)) {
      for (const [i, s] of sub.entries()) if (isObject(s)) forEachSubschema(s, visit, `${at}/${key}/${i}`);
    }
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) {
      for (const [i, s] of list.entries()) if (isObject(s)) forEachSubschema(s, visit, `${at}/${key}/${i}`);
    }
  }
}

/**
 * zod 4's `target: 'draft-04'` already writes `enum` for literals and boolean exclusive bounds; this
 * rewrites whatever else a later draft would have written, so the output is Draft 4 however the
 * schemas evolve.
 */
export function toDraft04(generated: JsonSchema): JsonSchema {
  const schema = structuredClone(generated);
  if (isObject(schema.$defs)) {
    schema.definitions = { ...(isObject(schema.definitions) ? schema.definitions : {}), ...schema.$defs };
    delete schema.$defs;
  }
  forEachSubschema(schema, (node) => {
    if ('const' in node) {
      node.enum = [node.const];
      delete node.const;
    }
    for (const [bound, flag] of [
      ['minimum', 'exclusiveMinimum'],
      ['maximum', 'exclusiveMaximum'],
    ] as const) {
      if (typeof node[flag] === 'number') {
        node[bound] = node[flag];
        node[flag] = true;
      }
    }
    if (typeof node.$ref === 'string') node.$ref = node.$ref.replace('#/$defs/', '#/definitions/');
    if (Array.isArray(node.required) && node.required.length === 0) delete node.required;
    if (typeof node.format === 'string' && !DRAFT_04_FORMATS.has(node.format)) delete node.format;
    for (const keyword of NOT_IN_DRAFT_04) delete node[keyword];
  });
  schema.$schema = DRAFT_04;
  return schema;
}

const DRAFT_04_KEYWORDS = new Set([
  '$schema',
  'id',
  '$ref',
  'title',
  'description',
  'default',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'additionalItems',
  'items',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
  'required',
  'additionalProperties',
  'definitions',
  'properties',
  'patternProperties',
  'dependencies',
  'enum',
  'type',
  'format',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
]);
const DRAFT_04_TYPES = new Set(['array', 'boolean', 'integer', 'null', 'number', 'object', 'string']);

/** Everything in `schema` that is not Draft 4 (unknown keywords, wrong keyword shapes); empty when valid. */
export function draft04Problems(schema: JsonSchema): string[] {
  const problems: string[] = [];
  if (schema.$schema !== DRAFT_04) problems.push(`# $schema must be ${DRAFT_04}`);
  forEachSubschema(schema, (node, at) => {
    for (const [keyword, value] of Object.entries(node)) {
      if (!DRAFT_04_KEYWORDS.has(keyword))
        problems.push(`${at} has keyword "${keyword}", which Draft 4 does not define`);
      if (keyword === '$schema' && at !== '#') problems.push(`${at} has $schema below the root`);
      if ((keyword === 'exclusiveMinimum' || keyword === 'exclusiveMaximum') && typeof value !== 'boolean') {
        problems.push(`${at}/${keyword} must be a boolean in Draft 4`);
      }
      if (keyword === 'exclusiveMinimum' && typeof node.minimum !== 'number')
        problems.push(`${at} has exclusiveMinimum without minimum`);
      if (keyword === 'exclusiveMaximum' && typeof node.maximum !== 'number')
        problems.push(`${at} has exclusiveMaximum without maximum`);
      if (
        keyword === 'required' &&
        !(Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string'))
      ) {
        problems.push(`${at}/required must be a non-empty array of names in Draft 4`);
      }
      if (keyword === 'enum' && !(Array.isArray(value) && value.length > 0))
        problems.push(`${at}/enum must be a non-empty array`);
      if (keyword === 'type') {
        const types = Array.isArray(value) ? value : [value];
        if (types.length === 0 || !types.every((t) => typeof t === 'string' && DRAFT_04_TYPES.has(t))) {
          problems.push(`${at}/type ${JSON.stringify(value)} is not a Draft 4 type`);
        }
      }
      if (keyword === 'pattern') {
        try {
          new RegExp(String(value), 'u');
        } catch {
          problems.push(`${at}/pattern is not an ECMA 262 regular expression`);
        }
      }
      if (keyword === '$ref' && typeof value === 'string' && !value.startsWith('#/definitions/')) {
        problems.push(`${at}/$ref ${value} does not point into #/definitions`);
      }
    }
  });
  return problems;
}

/** The Draft 4 JSON Schema of a contract's whole event (envelope and detail), as committed in `events/schemas/`. */
export function jsonSchemaFor(contract: EventContract): JsonSchema {
  const generated = z.toJSONSchema(contract.envelope, { target: 'draft-04', io: 'input' }) as JsonSchema;
  const { $schema: _, ...body } = toDraft04(generated);
  const schema: JsonSchema = {
    $schema: DRAFT_04,
    title: `${contract.detailType} v${contract.version}`,
    ...body,
  };
  const problems = draft04Problems(schema);
  if (problems.length > 0)
    throw new Error(`${contract.detailType} is not valid Draft 4:\n${problems.join('\n')}`);
  return schema;
}

/** The exact text committed for a schema, so the generator and the up-to-date test agree byte for byte. */
export function schemaFileText(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
