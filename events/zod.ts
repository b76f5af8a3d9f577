/**
 * The zod the contracts are written in: `zod/mini`, with zod's English messages (what `zod` itself sets up).
 * The mini build keeps a Lambda bundle to the parts a contract uses; the classic one brings all of zod along
 * with every schema (npm run bench:cold-start). Parsing, issues and JSON Schemas are zod's core either way.
 */

import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());

export * from 'zod/mini';

/** Classic zod's `.describe()`: a copy of the schema carrying the description (the JSON Schemas show it). */
export function described<T extends z.ZodMiniType>(schema: T, description: string): T {
  const copy = schema.clone() as T;
  z.globalRegistry.add(copy, { description });
  return copy;
}
