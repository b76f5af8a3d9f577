// The assessment scheme (考核方案): its model, its zod validation and the loader for JSON or YAML text.

import * as z from 'zod';
import { PERIOD_KINDS } from './period.ts';
import { parseYaml } from './yaml.ts';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must contain only letters, digits, "-" and "_"');

export const localisedName = z
  .object({ zh: z.string().min(1).optional(), en: z.string().min(1).optional() })
  .refine((n) => n.zh !== undefined || n.en !== undefined, 'needs at least one of zh, en');

const weight = z.number().refine((w) => Number.isFinite(w) && w > 0, 'must be > 0');
const aggregate = z.enum(['arithmetic', 'geometric']);
const direction = z.enum(['higher', 'lower']);

const normalise = z.discriminatedUnion('method', [
  z
    .object({
      method: z.literal('goalpost'),
      best: z.number(),
      worst: z.number(),
      transform: z.literal('log').optional(),
      offset: z.number().optional(),
    })
    .refine((n) => n.best !== n.worst, { message: 'best and worst must differ', path: ['worst'] }),
  z.object({ method: z.literal('minmax') }),
  z.object({ method: z.literal('zscore') }),
  z.object({
    method: z.literal('rank'),
    points: z.array(z.number()).min(1).optional(),
  }),
  z.object({ method: z.literal('none') }),
]);

const target = z.union([z.number(), z.object({ value: z.number(), by: z.string().optional() })]);

const indicator = z.object({
  id,
  name: localisedName,
  topic: id.optional(),
  weight,
  direction,
  unit: z.string(),
  owner: z.string().min(1),
  precision: z.number().int().min(0).max(12).optional(),
  target: target.optional(),
  normalise,
});

const topic = z.object({
  id,
  name: localisedName,
  weight,
  parent: id.optional(),
  aggregate: aggregate.optional(),
  floor: z.number().min(0).optional(),
});

const slipRule = z.discriminatedUnion('rule', [
  z.object({ rule: z.literal('rankDrop'), min: z.number().int().min(1) }),
  z.object({ rule: z.literal('lostFirst') }),
  z.object({ rule: z.literal('leftTopN'), n: z.number().int().min(1) }),
  z.object({ rule: z.literal('belowAverage') }),
  z.object({ rule: z.literal('consecutiveDeclines'), periods: z.number().int().min(1) }),
  z.object({ rule: z.literal('marginErosion'), points: z.number().min(0) }),
]);
const slipCommon = z.object({
  /** `overall`, `indicators` (each indicator), `all` (both), or one indicator id. */
  scope: z.string().min(1).default('all'),
  severity: z.enum(['critical', 'warning', 'info']).default('warning'),
  for: z.number().int().min(1).default(1),
});
const slipRuleWithCommon = z.intersection(slipRule, slipCommon);

const pattern = z.object({
  id,
  name: localisedName,
  members: z.array(z.object({ indicator: id, expected: z.enum(['up', 'down']) })).min(1),
});

const department = z.object({
  id: z.string().min(1),
  name: localisedName,
  leader: localisedName.optional(),
});

export const schemeSchema = z
  .object({
    id,
    version: z.string().min(1),
    name: localisedName,
    periodKind: z.enum(PERIOD_KINDS),
    entities: z.array(z.object({ id, name: localisedName })).min(1),
    focus: z.array(id).default([]),
    watch: z.enum(['focus', 'all']).default('focus'),
    departments: z.array(department).optional(),
    topics: z.array(topic).optional(),
    indicators: z.array(indicator).min(1),
    composite: z
      .object({
        aggregate: aggregate.default('arithmetic'),
        precision: z.number().int().min(0).max(12).optional(),
        rescale: z.literal('minmax').optional(),
        floor: z.number().min(0).optional(),
      })
      .default({ aggregate: 'arithmetic' }),
    missing: z
      .object({
        carryForward: z.number().int().min(0).default(0),
        otherwise: z.enum(['reweight', 'zero', 'unranked']).default('reweight'),
      })
      .default({ carryForward: 0, otherwise: 'reweight' }),
    rules: z
      .object({
        slip: z.array(slipRuleWithCommon).default([]),
        patterns: z.array(pattern).default([]),
        escalation: z
          .object({ slaHours: z.number().positive(), levels: z.array(z.string()).optional() })
          .optional(),
      })
      .default({ slip: [], patterns: [] }),
  })
  .superRefine((s, ctx) => {
    const dup = (list: { id: string }[], path: string) => {
      const seen = new Set<string>();
      list.forEach((item, i) => {
        if (seen.has(item.id))
          ctx.addIssue({ code: 'custom', path: [path, i, 'id'], message: `duplicate id "${item.id}"` });
        seen.add(item.id);
      });
    };
    dup(s.entities, 'entities');
    dup(s.indicators, 'indicators');
    dup(s.topics ?? [], 'topics');
    const entityIds = new Set(s.entities.map((e) => e.id));
    const topicIds = new Set((s.topics ?? []).map((t) => t.id));
    const indicatorIds = new Set(s.indicators.map((i) => i.id));
    s.focus.forEach((f, i) => {
      if (!entityIds.has(f))
        ctx.addIssue({ code: 'custom', path: ['focus', i], message: `unknown entity "${f}"` });
    });
    s.indicators.forEach((ind, i) => {
      if (ind.topic !== undefined && !topicIds.has(ind.topic))
        ctx.addIssue({
          code: 'custom',
          path: ['indicators', i, 'topic'],
          message: `unknown topic "${ind.topic}"`,
        });
      if (ind.topic === undefined && topicIds.size > 0)
        ctx.addIssue({
          code: 'custom',
          path: ['indicators', i, 'topic'],
          message: 'required when topics are defined',
        });
      const n = ind.normalise;
      // The composite treats every score as higher-is-better; a `none` value that is better when lower
      // would rank the indicator one way and score it the other.
      if (n.method === 'none' && ind.direction !== 'higher')
        ctx.addIssue({
          code: 'custom',
          path: ['indicators', i, 'direction'],
          message: 'must be "higher" for normalise method "none" (the value already is a score)',
        });
      if (n.method === 'goalpost' && n.transform === 'log') {
        const off = n.offset ?? 0;
        if (n.best + off <= 0 || n.worst + off <= 0)
          ctx.addIssue({
            code: 'custom',
            path: ['indicators', i, 'normalise', 'offset'],
            message: 'log transform needs best + offset > 0 and worst + offset > 0',
          });
      }
      if (n.method === 'goalpost' && n.best > n.worst !== (ind.direction === 'higher'))
        ctx.addIssue({
          code: 'custom',
          path: ['indicators', i, 'normalise', 'best'],
          message: `must be ${ind.direction === 'higher' ? 'greater' : 'less'} than worst for direction "${ind.direction}"`,
        });
    });
    (s.topics ?? []).forEach((t, i) => {
      if (t.parent !== undefined && !topicIds.has(t.parent))
        ctx.addIssue({
          code: 'custom',
          path: ['topics', i, 'parent'],
          message: `unknown topic "${t.parent}"`,
        });
    });
    // Topic parents must form a tree (no cycles).
    const parentOf = new Map((s.topics ?? []).map((t) => [t.id, t.parent]));
    (s.topics ?? []).forEach((t, i) => {
      const seen = new Set<string>([t.id]);
      let p = t.parent;
      while (p !== undefined) {
        if (seen.has(p)) {
          ctx.addIssue({
            code: 'custom',
            path: ['topics', i, 'parent'],
            message: 'topic parents form a cycle',
          });
          return;
        }
        seen.add(p);
        p = parentOf.get(p);
      }
    });
    s.rules.slip.forEach((r, i) => {
      if (!['overall', 'indicators', 'all'].includes(r.scope) && !indicatorIds.has(r.scope))
        ctx.addIssue({
          code: 'custom',
          path: ['rules', 'slip', i, 'scope'],
          message: `must be overall, indicators, all or an indicator id (got "${r.scope}")`,
        });
    });
    s.rules.patterns.forEach((p, i) => {
      p.members.forEach((m, j) => {
        if (!indicatorIds.has(m.indicator))
          ctx.addIssue({
            code: 'custom',
            path: ['rules', 'patterns', i, 'members', j, 'indicator'],
            message: `unknown indicator "${m.indicator}"`,
          });
      });
    });
  });

export type SchemeInput = z.input<typeof schemeSchema>;
export type Scheme = z.output<typeof schemeSchema>;
export type Indicator = Scheme['indicators'][number];
export type Topic = NonNullable<Scheme['topics']>[number];
export type Entity = Scheme['entities'][number];
export type SlipRuleConfig = Scheme['rules']['slip'][number];
export type DirectionPattern = Scheme['rules']['patterns'][number];
export type LocalisedName = z.infer<typeof localisedName>;

export type FieldIssue = { path: string; message: string };

export class SchemeValidationError extends Error {
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[], source?: string) {
    const where = source ? `${source}: ` : '';
    super(`${where}${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'SchemeValidationError';
    this.issues = issues;
  }
}

/** Formats a zod path as `indicators[3].weight`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(root)' : out;
}

export function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({ path: formatPath(i.path), message: readableMessage(i) }));
}

function readableMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    return `expected ${issue.expected}`;
  }
  if (issue.code === 'too_small' && issue.origin === 'number') {
    return `must be ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
  }
  return issue.message;
}

/** Validates a parsed scheme object; every error names the field path. */
export function parseScheme(input: unknown, source?: string): Scheme {
  const result = schemeSchema.safeParse(input);
  if (!result.success) throw new SchemeValidationError(issuesOf(result.error), source);
  return result.data;
}

/** Parses scheme text (JSON, or YAML when the file name or content says so). */
export function loadSchemeText(text: string, fileName = 'scheme'): Scheme {
  let raw: unknown;
  try {
    raw = /\.json$/i.test(fileName) || /^\s*\{/.test(text) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new SchemeValidationError(
      [{ path: '(file)', message: `cannot parse: ${(e as Error).message}` }],
      fileName,
    );
  }
  return parseScheme(raw, fileName);
}

export function displayName(name: LocalisedName | undefined, lang: 'zh' | 'en', fallback = ''): string {
  if (!name) return fallback;
  return (lang === 'zh' ? (name.zh ?? name.en) : (name.en ?? name.zh)) ?? fallback;
}
