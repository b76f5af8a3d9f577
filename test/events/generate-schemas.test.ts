import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectedSchemaFiles, outdatedSchemaFiles, SCHEMAS_DIR } from '../../events/generate-schemas.ts';
import { EVENT_CONTRACTS } from '../../events/index.ts';

const temporary: string[] = [];
const scratch = (): string => {
  const dir = `${mkdtempSync(join(tmpdir(), 'rankwatch-schemas-'))}/`;
  temporary.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

describe('the committed JSON Schemas', () => {
  it('are exactly what the zod contracts generate today (run `npm run events:schemas` when this fails)', () => {
    expect(outdatedSchemaFiles()).toEqual([]);
  });

  it('include one file per contract and version', () => {
    const files = readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual([...expectedSchemaFiles().keys()].sort());
    expect(files).toHaveLength(EVENT_CONTRACTS.length);
  });

  it('are reported stale, missing or orphaned when they drift', () => {
    const dir = scratch();
    const [[first, text], [second]] = [...expectedSchemaFiles()] as [[string, string], [string, string]];
    for (const [name, body] of expectedSchemaFiles()) writeFileSync(dir + name, body);
    expect(outdatedSchemaFiles(dir)).toEqual([]);

    writeFileSync(dir + first, text.replace('"type": "object"', '"type": "array"'));
    writeFileSync(`${dir}Old.Event.v1.json`, '{}');
    const fresh = scratch();
    for (const [name, body] of expectedSchemaFiles()) if (name !== second) writeFileSync(fresh + name, body);

    expect(outdatedSchemaFiles(dir)).toEqual([
      `${first} is out of date`,
      'Old.Event.v1.json has no contract',
    ]);
    expect(outdatedSchemaFiles(fresh)).toEqual([`${second} is missing`]);
    expect(readFileSync(dir + first, 'utf8')).not.toBe(text);
  });
});
