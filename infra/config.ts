// Deployment settings read from CDK context (cdk.json or `-c key=value`), validated once; every error names
// the context key. Nothing here reaches for the network: there are no lookups.
import type { Node } from 'constructs';
import { z } from 'zod';
import { DEPARTMENT_ID_PATTERN } from '../events/sources.ts';

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/** Context values arrive as JSON from cdk.json and as strings from `-c`; lists accept `a,b` too. */
const list = <T extends z.ZodType>(item: T, min = 0) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v.trim().startsWith('[')
          ? JSON.parse(v)
          : v
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
        : v,
    z.array(item).min(min),
  );
const object = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim().startsWith('{') ? JSON.parse(v) : v), schema);

const Webhook = z.object({
  /** Chat webhook endpoint (HTTPS), e.g. a DingTalk, Feishu or WeCom robot URL. */
  url: z.url({ protocol: /^https$/ }),
  /** Secrets Manager secret (name or ARN) whose value is the API key the endpoint expects. */
  secret: z.string().min(1),
  /** Header the API key is sent in. */
  header: z.string().min(1).default('x-api-key'),
});

const ConfigSchema = z
  .object({
    stage: z.enum(STAGES).default('dev'),
    /** Leaders who receive slip alerts by e-mail (SNS subscriptions; each confirms once). */
    alertEmails: list(z.email()).default([]),
    /**
     * Each department's addresses (`{"hotline12345": ["a@…"]}`): they receive only the alerts of the indicators
     * the department owns and its weekly reminder (an SNS filter policy on `owner`).
     */
    departmentEmails: object(z.record(z.string().regex(DEPARTMENT_ID_PATTERN), list(z.email(), 1))).default(
      {},
    ),
    /**
     * Who is told of each escalation level (提级), by level number as in `Alert.Escalated` (`{"1": ["a@…"],
     * "2": ["b@…"]}`): level n's addresses receive every escalation reaching level n or above (an SNS filter
     * policy on kind and level). The scheme's levels name the roles; these are their addresses.
     */
    escalationEmails: object(z.record(z.string().regex(/^[1-9]\d*$/), list(z.email(), 1))).default({}),
    /** Operators who receive CloudWatch alarms by e-mail. */
    alarmEmails: list(z.email()).default([]),
    /** Departments that publish to the bus, each as `dept.<id>`; each gets a role and a rejections queue. */
    departments: list(z.string().regex(DEPARTMENT_ID_PATTERN), 1),
    /** Who may assume the department and auditor roles (ARNs); default: this account's IAM principals. */
    trustedPrincipals: list(z.string().startsWith('arn:')).default([]),
    webhook: object(Webhook).optional(),
    /**
     * Seconds a department report's `observedAt` may lie after the time ingest receives it (clock skew);
     * anything later is rejected, since a future timestamp would win latest-wins against every correction.
     */
    observedAtToleranceSeconds: z.coerce.number().int().min(0).max(86_400).default(300),
  })
  .superRefine((config, ctx) => {
    // The dev context's example addresses (the reserved .example domain, RFC 2606) reach nobody: never in prod.
    const examples = [
      ...config.alertEmails.map((e, i) => [['alertEmails', i], e] as const),
      ...Object.entries(config.departmentEmails).flatMap(([d, list]) =>
        list.map((e, i) => [['departmentEmails', d, i], e] as const),
      ),
      ...Object.entries(config.escalationEmails).flatMap(([level, list]) =>
        list.map((e, i) => [['escalationEmails', level, i], e] as const),
      ),
    ].filter(([, e]) => /\.example$/i.test(e));
    if (config.stage === 'prod')
      for (const [path, e] of examples)
        ctx.addIssue({
          code: 'custom',
          path: [...path],
          message: `${e} is an example address (.example reaches nobody): give the real addresses for prod`,
        });
    for (const department of Object.keys(config.departmentEmails))
      if (!config.departments.includes(department))
        ctx.addIssue({
          code: 'custom',
          path: ['departmentEmails', department],
          message: `department "${department}" is not in departments (${config.departments.join(', ')})`,
        });
  });

export type EngineConfig = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const KEYS = Object.keys(ConfigSchema.shape) as (keyof EngineConfig)[];

/** Reads the engine's settings from the construct tree's context. */
export function readConfig(node: Node): EngineConfig {
  const raw: Record<string, unknown> = {};
  for (const key of KEYS) {
    const value = node.tryGetContext(key);
    if (value !== undefined && value !== '') raw[key] = value;
  }
  let result: ReturnType<typeof ConfigSchema.safeParse>;
  try {
    result = ConfigSchema.safeParse(raw);
  } catch (e) {
    throw new ConfigError(`context is not valid JSON: ${(e as Error).message}`);
  }
  if (!result.success)
    throw new ConfigError(
      result.error.issues
        .map((i) => `context ${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
        .join('; '),
    );
  return result.data;
}
