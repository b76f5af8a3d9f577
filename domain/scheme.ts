// The assessment scheme (考核方案): its model, its zod validation and the loader for JSON or YAML text.

import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { parseDuration } from './duration.ts';
import { DEFAULT_LEVELS } from './lifecycle.ts';
import { PERIOD_KINDS } from './period.ts';
import { duplicateKeys, parseYaml } from './yaml.ts';
import { isTimeZone } from './zoned-time.ts';

// zod/mini keeps a function bundle to the parts the scheme uses (npm run bench:cold-start); these are zod's
// English messages, which the classic `zod` import sets up by itself.
z.config(en());

// Every object is strict: an unknown key (a misspelt optional field such as `rnage`) is refused by its path
// instead of dropped, so a scheme file cannot mean something other than what it says.
const id = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must contain only letters, digits, "-" and "_"'));

export const localisedName = z
  .strictObject({
    zh: z.optional(z.string().check(z.minLength(1))),
    en: z.optional(z.string().check(z.minLength(1))),
  })
  .check(z.refine((n) => n.zh !== undefined || n.en !== undefined, 'needs at least one of zh, en'));

const weight = z.number().check(z.refine((w: number) => Number.isFinite(w) && w > 0, 'must be > 0'));
const aggregate = z.enum(['arithmetic', 'geometric']);
const direction = z.enum(['higher', 'lower']);
/** A whole number from `min` (and up to `max`): classic zod's `z.number().int().min(min).max(max)`. */
const integer = (min: number, max?: number) =>
  z.number().check(z.int(), z.gte(min), ...(max === undefined ? [] : [z.lte(max)]));

const normalise = z.discriminatedUnion('method', [
  z
    .strictObject({
      method: z.literal('goalpost'),
      best: z.number(),
      worst: z.number(),
      transform: z.optional(z.literal('log')),
      offset: z.optional(z.number()),
    })
    .check(z.refine((n) => n.best !== n.worst, { message: 'best and worst must differ', path: ['worst'] })),
  z.strictObject({ method: z.literal('minmax') }),
  z.strictObject({ method: z.literal('zscore') }),
  z.strictObject({
    method: z.literal('rank'),
    points: z.optional(z.array(z.number()).check(z.minLength(1))),
  }),
  z.strictObject({ method: z.literal('none') }),
]);

const target = z.union([z.number(), z.strictObject({ value: z.number(), by: z.optional(z.string()) })]);

const indicator = z.strictObject({
  id,
  name: localisedName,
  topic: z.optional(id),
  weight,
  direction,
  unit: z.string(),
  owner: z.string().check(z.minLength(1)),
  /** Valid values (inclusive); ingest rejects a report outside it. Without it any finite number is accepted. */
  range: z.optional(
    z.strictObject({ min: z.optional(z.number()), max: z.optional(z.number()) }).check(
      z.refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
        message: 'min must not exceed max',
        path: ['max'],
      }),
    ),
  ),
  precision: z.optional(integer(0, 12)),
  target: z.optional(target),
  normalise,
});

const topic = z.strictObject({
  id,
  name: localisedName,
  weight,
  parent: z.optional(id),
  aggregate: z.optional(aggregate),
  floor: z.optional(z.number().check(z.gte(0))),
});

const slipCommon = {
  /** `overall`, `indicators` (each indicator), `all` (both), or one indicator id. */
  scope: z._default(z.string().check(z.minLength(1)), 'all'),
  severity: z._default(z.enum(['critical', 'warning', 'info']), 'warning'),
  for: z._default(integer(1), 1),
};
// The common fields in every variant, not intersected: each strict half would refuse the other's keys.
const slipRuleWithCommon = z.discriminatedUnion('rule', [
  z.strictObject({ rule: z.literal('rankDrop'), min: integer(1), ...slipCommon }),
  z.strictObject({ rule: z.literal('lostFirst'), ...slipCommon }),
  z.strictObject({ rule: z.literal('leftTopN'), n: integer(1), ...slipCommon }),
  z.strictObject({ rule: z.literal('belowAverage'), ...slipCommon }),
  z.strictObject({ rule: z.literal('consecutiveDeclines'), periods: integer(1), ...slipCommon }),
  z.strictObject({ rule: z.literal('marginErosion'), points: z.number().check(z.gte(0)), ...slipCommon }),
]);

const pattern = z.strictObject({
  id,
  name: localisedName,
  members: z.array(z.strictObject({ indicator: id, expected: z.enum(['up', 'down']) })).check(z.minLength(1)),
});

const department = z.strictObject({
  id: z.string().check(z.minLength(1)),
  name: localisedName,
  leader: z.optional(localisedName),
});

// Alert lifecycle (#9): inhibition between slip rules, acknowledgement SLAs and escalation levels (提级),
// the weekly reminder (周提醒). Durations are ISO-8601 without months or years (their length varies).
const slipRuleName = z.enum([
  'rankDrop',
  'lostFirst',
  'leftTopN',
  'belowAverage',
  'consecutiveDeclines',
  'marginErosion',
]);
const inhibitRule = z.strictObject({
  source: slipRuleName,
  target: z.array(slipRuleName).check(z.minLength(1)),
});
const isoDuration = z.string().check(
  z.refine((v) => {
    try {
      parseDuration(v);
      return true;
    } catch {
      return false;
    }
  }, 'must be an ISO-8601 duration such as PT4H, P1D or P1W (no months or years)'),
);
const DEFAULT_ESCALATION_LEVELS = DEFAULT_LEVELS.map((l) => ({ ...l, name: { ...l.name }, subscribers: [] }));
const escalation = z.strictObject({
  sla: z._default(
    z.strictObject({
      critical: z._default(isoDuration, 'PT4H'),
      warning: z._default(isoDuration, 'P1D'),
      info: z._default(isoDuration, 'P3D'),
    }),
    { critical: 'PT4H', warning: 'P1D', info: 'P3D' },
  ),
  levels: z._default(
    z
      .array(
        z.strictObject({
          id,
          name: z.strictObject({
            zh: z.string().check(z.minLength(1)),
            en: z.string().check(z.minLength(1)),
          }),
          subscribers: z._default(z.array(z.string().check(z.minLength(1))), []),
        }),
      )
      .check(z.minLength(1)),
    DEFAULT_ESCALATION_LEVELS,
  ),
  rate: z._default(isoDuration, 'PT15M'),
});
const reminder = z.strictObject({
  weekday: z._default(integer(1, 7), 1),
  time: z._default(
    z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)')),
    '09:00',
  ),
});

/**
 * Rank robustness (COINr-style uncertainty analysis) for bulletins: Monte Carlo over the weights and over
 * alternative normalisations. Each weight is multiplied by U(1 − spread, 1 + spread), or each node's weight
 * shares are drawn from a Dirichlet with α_i = concentration · share_i; alternatives name an indicator (or,
 * without one, every indicator) and a normalisation to try in its place, one uncertain choice per target.
 */
const robustness = z.strictObject({
  draws: z._default(integer(1, 1_000_000), 1000),
  seed: z._default(integer(0, 4_294_967_295), 1),
  weights: z._default(
    z.strictObject({
      distribution: z._default(z.enum(['uniform', 'dirichlet']), 'uniform'),
      spread: z._default(z.number().check(z.gte(0), z.lt(1)), 0.2),
      concentration: z._default(z.number().check(z.positive()), 100),
    }),
    { distribution: 'uniform', spread: 0.2, concentration: 100 },
  ),
  alternatives: z._default(z.array(z.strictObject({ indicator: z.optional(id), normalise })), []),
});

export const schemeSchema = z
  .strictObject({
    id,
    version: z.string().check(z.minLength(1)),
    name: localisedName,
    periodKind: z.enum(PERIOD_KINDS),
    entities: z.array(z.strictObject({ id, name: localisedName })).check(z.minLength(1)),
    focus: z._default(z.array(id), []),
    watch: z._default(z.enum(['focus', 'all']), 'focus'),
    departments: z.optional(z.array(department)),
    topics: z.optional(z.array(topic)),
    indicators: z.array(indicator).check(z.minLength(1)),
    composite: z._default(
      z.strictObject({
        aggregate: z._default(aggregate, 'arithmetic'),
        precision: z.optional(integer(0, 12)),
        rescale: z.optional(z.literal('minmax')),
        floor: z.optional(z.number().check(z.gte(0))),
      }),
      { aggregate: 'arithmetic' },
    ),
    missing: z._default(
      z.strictObject({
        carryForward: z._default(integer(0), 0),
        otherwise: z._default(z.enum(['reweight', 'zero', 'unranked']), 'reweight'),
      }),
      { carryForward: 0, otherwise: 'reweight' },
    ),
    rules: z._default(
      z.strictObject({
        slip: z._default(z.array(slipRuleWithCommon), []),
        patterns: z._default(z.array(pattern), []),
        inhibit: z._default(z.array(inhibitRule), [
          { source: 'lostFirst', target: ['rankDrop', 'leftTopN'] },
        ]),
        escalation: z._default(escalation, {
          sla: { critical: 'PT4H', warning: 'P1D', info: 'P3D' },
          levels: DEFAULT_ESCALATION_LEVELS,
          rate: 'PT15M',
        }),
        reminder: z._default(reminder, { weekday: 1, time: '09:00' }),
      }),
      {
        slip: [],
        patterns: [],
        inhibit: [{ source: 'lostFirst', target: ['rankDrop', 'leftTopN'] }],
        escalation: {
          sla: { critical: 'PT4H', warning: 'P1D', info: 'P3D' },
          levels: DEFAULT_ESCALATION_LEVELS,
          rate: 'PT15M',
        },
        reminder: { weekday: 1, time: '09:00' },
      },
    ),
    /** IANA time zone of SLAs, reminders and schedules (validated with Intl). */
    timeZone: z._default(
      z.string().check(z.refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai')),
      'Asia/Shanghai',
    ),
    robustness: z.optional(robustness),
  })
  .check(
    z.superRefine((s, ctx) => {
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
      s.robustness?.alternatives.forEach((alt, i) => {
        const path = ['robustness', 'alternatives', i];
        const method = alt.normalise.method;
        const ind =
          alt.indicator === undefined ? undefined : s.indicators.find((x) => x.id === alt.indicator);
        if (alt.indicator !== undefined && !ind)
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'indicator'],
            message: `unknown indicator "${alt.indicator}"`,
          });
        // goalpost bounds and `none` belong to one indicator's unit and direction: they cannot apply to all.
        if (alt.indicator === undefined && (method === 'goalpost' || method === 'none'))
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'normalise', 'method'],
            message: `${method} needs an indicator (only minmax, zscore and rank apply to every indicator)`,
          });
        if (ind && method === 'none' && ind.direction !== 'higher')
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'normalise', 'method'],
            message: `none needs a higher-is-better indicator ("${ind.id}" is lower-is-better)`,
          });
        const n = alt.normalise;
        if (ind && n.method === 'goalpost' && n.best > n.worst !== (ind.direction === 'higher'))
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'normalise', 'best'],
            message: `must be ${ind.direction === 'higher' ? 'greater' : 'less'} than worst for direction "${ind.direction}"`,
          });
      });
    }),
  );

export type SchemeInput = z.input<typeof schemeSchema>;
export type Scheme = z.output<typeof schemeSchema>;
export type Indicator = Scheme['indicators'][number];
export type Topic = NonNullable<Scheme['topics']>[number];
export type Entity = Scheme['entities'][number];
export type SlipRuleConfig = Scheme['rules']['slip'][number];
export type DirectionPattern = Scheme['rules']['patterns'][number];
export type RobustnessConfig = NonNullable<Scheme['robustness']>;
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

export function issuesOf(error: z.core.$ZodError): FieldIssue[] {
  return error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: formatPath([...i.path, k]), message: `unknown field "${k}"` }))
      : [{ path: formatPath(i.path), message: readableMessage(i) }],
  );
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
  // A byte-order mark (Windows editors write one) is not content.
  const body = text.replace(/^\uFEFF/, '');
  let raw: unknown;
  let json = false;
  try {
    if (/\.json$/i.test(fileName)) {
      raw = JSON.parse(body);
      json = true;
    } else {
      // JSON is YAML too, so JSON.parse is only the fast path: a YAML flow mapping also starts with "{".
      if (/^\s*\{/.test(body))
        try {
          raw = JSON.parse(body);
          json = true;
        } catch {}
      // YAML counts a lone CR as a line break; the yaml package does not.
      if (!json) raw = parseYaml(body.replace(/\r\n?/g, '\n'));
    }
  } catch (e) {
    throw new SchemeValidationError(
      [{ path: '(file)', message: `cannot parse: ${(e as Error).message}` }],
      fileName,
    );
  }
  // JSON.parse keeps the last of two equal keys; YAML refuses them, and so does a JSON scheme.
  let repeated: (string | number)[][] = [];
  try {
    if (json) repeated = duplicateKeys(body);
  } catch (e) {
    throw new SchemeValidationError(
      [{ path: '(file)', message: `cannot check for repeated keys: ${(e as Error).message}` }],
      fileName,
    );
  }
  if (repeated.length)
    throw new SchemeValidationError(
      repeated.map((path) => ({
        path: formatPath(path),
        message: `key "${String(path.at(-1))}" is repeated`,
      })),
      fileName,
    );
  return parseScheme(raw, fileName);
}

export function displayName(name: LocalisedName | undefined, lang: 'zh' | 'en', fallback = ''): string {
  if (!name) return fallback;
  return (lang === 'zh' ? (name.zh ?? name.en) : (name.en ?? name.zh)) ?? fallback;
}
