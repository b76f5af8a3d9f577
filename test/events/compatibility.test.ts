import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { breakingChanges } from '../../events/compatibility.ts';
import { EVENT_CONTRACTS } from '../../events/index.ts';
import { type JsonSchema, jsonSchemaFor, schemaFileName } from '../../events/json-schema.ts';

const publishedSchema = (name: string): JsonSchema =>
  JSON.parse(readFileSync(new URL(`../../events/schemas/published/${name}`, import.meta.url), 'utf8'));

const STRICT_DEPARTMENT_DETAILS: Record<string, string[]> = {
  'Indicator.ValueReported': ['detail'],
  'Indicator.ResultsPublished': ['detail', 'detail.values[]'],
};

describe.each(EVENT_CONTRACTS.map((c) => [c.detailType, c] as const))(
  'the published v1 of %s',
  (_name, contract) => {
    it("is still honoured by the current contract, but for the departments' strict details (#12)", () => {
      // the lead's decision (#12): departments' details became strict; that closing is the only accepted break
      const closed = STRICT_DEPARTMENT_DETAILS[contract.detailType] ?? [];
      const expected = closed.map((path) => ({
        path,
        kind: 'closed',
        detail: 'additional properties are no longer allowed',
      }));
      const changes = breakingChanges(publishedSchema(schemaFileName(contract)), jsonSchemaFor(contract));
      expect(changes.sort((a, b) => a.path.localeCompare(b.path))).toEqual(expected);
    });
  },
);

/** A deep copy of the published Ranking.Slipped schema, edited by `edit`. */
function slippedWith(
  edit: (detail: JsonSchema & { properties: Record<string, JsonSchema> }) => void,
): JsonSchema {
  const schema = structuredClone(publishedSchema('Ranking.Slipped.v1.json'));
  edit(
    (schema.properties as Record<string, JsonSchema>).detail as JsonSchema & {
      properties: Record<string, JsonSchema>;
    },
  );
  return schema;
}
const published = publishedSchema('Ranking.Slipped.v1.json');
const prop = (node: JsonSchema, name: string) =>
  (node.properties as Record<string, JsonSchema>)[name] as JsonSchema;

describe('breakingChanges', () => {
  it('allows adding an optional field and rewording descriptions', () => {
    const current = slippedWith((d) => {
      d.properties.acknowledgeUrl = { type: 'string', description: 'new and optional' };
      d.properties.toRank = { ...d.properties.toRank, description: 'reworded' };
    });
    expect(breakingChanges(published, current)).toEqual([]);
  });

  it('reports a removed field with its path', () => {
    const current = slippedWith((d) => {
      delete d.properties.fromRank;
      d.required = (d.required as string[]).filter((n) => n !== 'fromRank');
    });
    expect(breakingChanges(published, current)).toEqual([
      { path: 'detail.fromRank', kind: 'removed', detail: '"fromRank" is gone' },
    ]);
  });

  it('reports a retyped field, nested fields and array items included', () => {
    const current = slippedWith((d) => {
      d.properties.toRank = { type: 'string', description: 'rank as text' };
      const gap = prop(d, 'gap');
      prop(gap, 'scoreGap').type = 'string';
      const item = (d.properties.prescriptions as JsonSchema).items as JsonSchema;
      prop(item, 'deltaPct').type = 'number';
    });
    expect(breakingChanges(published, current)).toEqual([
      { path: 'detail.toRank', kind: 'retyped', detail: 'integer → string' },
      { path: 'detail.gap.scoreGap', kind: 'retyped', detail: 'number → string' },
      { path: 'detail.prescriptions[].deltaPct', kind: 'retyped', detail: 'null|number → number' },
    ]);
  });

  it('reports a new required field, a field made optional and a dropped enum value', () => {
    const current = slippedWith((d) => {
      d.properties.acknowledgeBy = { type: 'string' };
      d.required = [...(d.required as string[]).filter((n) => n !== 'message'), 'acknowledgeBy'];
      prop(d, 'severity').enum = ['critical', 'warning'];
    });
    expect(breakingChanges(published, current)).toEqual([
      { path: 'detail.severity', kind: 'values-removed', detail: '"info"' },
      { path: 'detail.message', kind: 'now-optional', detail: 'v1 consumers rely on it being present' },
      { path: 'detail.acknowledgeBy', kind: 'now-required', detail: 'v1 producers may not send it' },
    ]);
  });

  it('reports a new enum value, a changed pattern and a tightened bound', () => {
    const current = slippedWith((d) => {
      prop(d, 'rule').enum = [...(prop(d, 'rule').enum as string[]), 'newRule'];
      prop(d, 'period').pattern = '^\\d{4}$';
      (d.properties.prescriptions as JsonSchema).maxItems = 3;
    });
    expect(breakingChanges(published, current)).toEqual([
      { path: 'detail.period', kind: 'pattern-changed', detail: expect.stringMatching(/→ \^\\d\{4\}\$$/) },
      { path: 'detail.rule', kind: 'values-added', detail: '"newRule"' },
      { path: 'detail.prescriptions', kind: 'narrowed', detail: 'maxItems 5 → 3' },
    ]);
  });

  it('reports a detail-type renamed in the envelope', () => {
    const current = structuredClone(published);
    prop(current, 'detail-type').enum = ['Ranking.Dropped'];
    expect(breakingChanges(published, current)).toEqual([
      { path: '["detail-type"]', kind: 'values-removed', detail: '"Ranking.Slipped"' },
      { path: '["detail-type"]', kind: 'values-added', detail: '"Ranking.Dropped"' },
    ]);
  });

  it('follows $ref into definitions on either side', () => {
    const withRef = structuredClone(published);
    const detail = prop(withRef, 'detail');
    withRef.definitions = { gap: prop(detail, 'gap') };
    (detail.properties as Record<string, JsonSchema>).gap = { $ref: '#/definitions/gap' };
    expect(breakingChanges(published, withRef)).toEqual([]);
    ((withRef.definitions as Record<string, JsonSchema>).gap as JsonSchema).properties = {};
    expect(breakingChanges(published, withRef).map((c) => c.path)).toEqual([
      'detail.gap.leader',
      'detail.gap.scoreGap',
      'detail.gap.valueGap',
    ]);
  });
});
