/**
 * The zod the contracts are written in: `zod/mini`, with zod's English messages (what `zod` itself sets up).
 * The mini build keeps a Lambda bundle to the parts a contract uses; the classic one brings all of zod along
 * with every schema (npm run bench:cold-start). Parsing, issues and JSON Schemas are zod's core either way.
 */

import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());

export * from 'zod/mini';

/**
 * Classic zod's `.describe()`: a copy of the schema carrying the description, which the JSON Schemas show.
 * Descriptions are documentation: nothing reads them when an event is parsed, so the function bundles skip
 * them (the same schema, uncopied: it validates exactly as the copy would) and save a third of the
 * contracts' import time (npm run bench:cold-start). The base function construct defines
 * `process.env.RANKWATCH_SCHEMA_DOCS` as `off` when it bundles (infra/constructs/function.ts).
 */
export function described<T extends z.ZodMiniType>(schema: T, description: string): T {
  if (process.env.RANKWATCH_SCHEMA_DOCS === 'off') return schema;
  const copy = schema.clone() as T;
  z.globalRegistry.add(copy, { description });
  return copy;
}
