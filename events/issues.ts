/** Turns a zod error into field-by-field reasons, in Chinese and English, for `Observation.Rejected`. */
import type * as z from 'zod';
import { zhCN as zhCNLocale } from 'zod/locales';

export interface IssueReason {
  /** Where the problem is, e.g. `detail.values[3].value`; `(root)` for the value itself. */
  path: string;
  /** The zod issue code (`invalid_type`, `too_small`, `custom`, ...), for metrics and tests. */
  code: string;
  message: { zh: string; en: string };
}

/** Custom messages are written in English in the schemas; this maps each to its Chinese twin. */
const chineseFor = new Map<string, string>();

/** Registers the Chinese form of a custom message and returns the English one for zod. */
export function bilingual(en: string, zh: string): string {
  const known = chineseFor.get(en);
  if (known !== undefined && known !== zh) throw new Error(`two Chinese texts for the message "${en}"`);
  chineseFor.set(en, zh);
  return en;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['detail', 'values', 3, 'value']` → `detail.values[3].value`; odd keys are quoted: `["detail-type"]`. */
export function formatIssuePath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? '(root)' : out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

const zhCN = zhCNLocale().localeError;

/** A value of the type zod's English message says it received, for when the input itself is not at hand. */
const REPRESENTATIVE: Record<string, unknown> = {
  string: '',
  number: 0,
  boolean: false,
  object: {},
  array: [],
  null: null,
  undefined: undefined,
  bigint: 0n,
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  date: new Date(0),
  map: new Map(),
  set: new Set(),
  function: () => undefined,
};

function receivedInput(issue: z.core.$ZodIssue, found: unknown): unknown {
  if (issue.code !== 'invalid_type' || found !== undefined) return found;
  const received = /received (\w+)$/.exec(issue.message)?.[1];
  return received !== undefined && received in REPRESENTATIVE ? REPRESENTATIVE[received] : found;
}

function chinese(issue: z.core.$ZodIssue, input: unknown): string {
  const custom = chineseFor.get(issue.message);
  if (custom !== undefined) return custom;
  if (issue.code === 'custom') return issue.message;
  // zod drops the offending value from finished issues; the Chinese "received ..." needs it back
  const made = zhCN({ ...issue, input: receivedInput(issue, input) } as unknown as Parameters<
    typeof zhCN
  >[0]);
  const text = typeof made === 'string' ? made : made?.message;
  return text ?? issue.message;
}

export interface DescribeOptions {
  /** The value that was parsed; lets the Chinese messages say what was received. */
  input?: unknown;
  /** Prepended to every path, e.g. `detail` when only the detail was parsed. */
  prefix?: string;
}

/**
 * One reason per leaf issue. A union that matched no branch is explained by the branch that came
 * closest (fewest issues), since that is the shape the sender most likely meant.
 */
export function describeZodIssues(
  error: { readonly issues: readonly z.core.$ZodIssue[] },
  options: DescribeOptions = {},
): IssueReason[] {
  const reasons: IssueReason[] = [];
  const walk = (
    issues: readonly z.core.$ZodIssue[],
    base: readonly PropertyKey[],
    key?: PropertyKey,
  ): void => {
    for (const issue of issues) {
      const path = [...base, ...issue.path];
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
        walk(closest, path);
        continue;
      }
      if (issue.code === 'invalid_key' && issue.issues.length > 0) {
        // the nested issues are about the key itself, not the value under it
        walk(issue.issues, path, path.at(-1));
        continue;
      }
      if (issue.code === 'invalid_element' && issue.issues.length > 0) {
        walk(issue.issues, [...path, issue.key as PropertyKey]);
        continue;
      }
      if (issue.code === 'unrecognized_keys') {
        // one reason per unknown key, named by its path; the value under it is never echoed (it may be huge)
        for (const name of issue.keys)
          reasons.push({
            path: formatIssuePath([...path, name], options.prefix),
            code: issue.code,
            message: { zh: '未知字段（不接受契约之外的字段）', en: 'unknown field' },
          });
        continue;
      }
      const input =
        'input' in issue && issue.input !== undefined
          ? issue.input
          : key !== undefined
            ? key
            : valueAt(options.input, path);
      reasons.push({
        path: formatIssuePath(path, options.prefix),
        code: issue.code,
        message: { zh: chinese(issue, input), en: issue.message },
      });
    }
  };
  walk(error.issues, []);
  return reasons;
}
