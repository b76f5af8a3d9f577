/**
 * Writes the Draft 4 JSON Schema of every event contract to `events/schemas/<DetailType>.v<n>.json`.
 *   npm run events:schemas                  regenerate
 *   npm run events:schemas -- --check       exit 1 when a committed file is out of date
 *   npm run events:schemas -- --publish     also freeze versions not yet in events/schemas/published/
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EVENT_CONTRACTS } from './index.ts';
import { jsonSchemaFor, schemaFileName, schemaFileText } from './json-schema.ts';

export const SCHEMAS_DIR = fileURLToPath(new URL('./schemas/', import.meta.url));
export const PUBLISHED_DIR = fileURLToPath(new URL('./schemas/published/', import.meta.url));

/** File name → exact text of every schema the contracts produce today. */
export function expectedSchemaFiles(): Map<string, string> {
  return new Map(EVENT_CONTRACTS.map((c) => [schemaFileName(c), schemaFileText(jsonSchemaFor(c))]));
}

/** What differs between the committed schema files and the contracts: stale, missing and extra files. */
export function outdatedSchemaFiles(dir = SCHEMAS_DIR): string[] {
  const expected = expectedSchemaFiles();
  const present = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  const problems: string[] = [];
  for (const [name, text] of expected) {
    if (!present.includes(name)) problems.push(`${name} is missing`);
    else if (readFileSync(new URL(name, pathToFileURL(dir)), 'utf8') !== text)
      problems.push(`${name} is out of date`);
  }
  for (const name of present) if (!expected.has(name)) problems.push(`${name} has no contract`);
  return problems;
}

function main(args: readonly string[]): number {
  if (args.includes('--check')) {
    const problems = outdatedSchemaFiles();
    for (const p of problems) console.error(`events/schemas/${p}; run npm run events:schemas`);
    return problems.length === 0 ? 0 : 1;
  }
  mkdirSync(PUBLISHED_DIR, { recursive: true });
  const expected = expectedSchemaFiles();
  for (const name of readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.json'))) {
    if (!expected.has(name)) rmSync(SCHEMAS_DIR + name);
  }
  for (const [name, text] of expected) {
    writeFileSync(SCHEMAS_DIR + name, text);
    // a published version is frozen: it is written once and only the compatibility test reads it afterwards
    if (args.includes('--publish') && !existsSync(PUBLISHED_DIR + name)) {
      writeFileSync(PUBLISHED_DIR + name, text);
      console.log(`published ${name}`);
    }
  }
  console.log(`wrote ${expected.size} schemas to events/schemas/`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
