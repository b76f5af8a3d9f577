// IAM as the local engine evaluates it: the roles, identity policies and event-bus policies of the synthesised
// templates, and AWS's evaluation logic for one request (an explicit Deny wins; otherwise an Allow in the
// caller's identity policies or in the resource policy is needed; nothing allowed is denied), with the
// condition operators the templates use. Only what the engine enforces locally: PutEvents on the buses and
// execute-api:Invoke on the auditors' API. DynamoDB, SQS and KMS are not checked locally.
import type { Json, LocalModel } from './template.ts';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | { AWS?: string | string[] };
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface LocalRole {
  logicalId: string;
  stack: string;
  arn: string;
  /** Statements of every identity policy attached to the role. */
  statements: PolicyStatement[];
}

export interface SecurityModel {
  roles: Map<string, LocalRole>;
  /** Statements of each bus's resource policy, by bus name. */
  busPolicies: Map<string, PolicyStatement[]>;
  /** The execution role of each function, by function name. */
  functionRoles: Map<string, string>;
}

type Raw = Record<string, Json>;

/** Roles, their identity policies, bus policies and function roles, read from the assembly and resolved. */
export function securityModel(model: LocalModel): SecurityModel {
  const roles = new Map<string, LocalRole>();
  const busPolicies = new Map<string, PolicyStatement[]>();
  const functionRoles = new Map<string, string>();
  const roleArnOf = new Map<string, string>();
  for (const stack of model.assembly.stacks) {
    const resources = Object.entries(stack.template.Resources ?? {}) as unknown as [string, Raw][];
    for (const [id, res] of resources) {
      if (res.Type !== 'AWS::IAM::Role') continue;
      const arn = String(model.resolve(stack.name, { 'Fn::GetAtt': [id, 'Arn'] }));
      roleArnOf.set(`${stack.name}/${id}`, arn);
      const inline = ((res.Properties as Raw | undefined)?.Policies as Raw[] | undefined) ?? [];
      const statements = inline.flatMap((p) =>
        statementsOf(model.resolve(stack.name, p.PolicyDocument ?? null)),
      );
      roles.set(arn, { logicalId: id, stack: stack.name, arn, statements });
    }
  }
  for (const stack of model.assembly.stacks) {
    const resources = Object.entries(stack.template.Resources ?? {}) as unknown as [string, Raw][];
    for (const [id, res] of resources) {
      const props = (res.Properties ?? {}) as Raw;
      if (res.Type === 'AWS::IAM::Policy') {
        const statements = statementsOf(model.resolve(stack.name, props.PolicyDocument ?? null));
        for (const ref of (props.Roles as Json[] | undefined) ?? []) {
          const name = String(model.resolve(stack.name, ref));
          const role = [...roles.values()].find((r) => r.arn.endsWith(`:role/${name}`));
          role?.statements.push(...statements);
        }
      } else if (res.Type === 'AWS::Events::EventBusPolicy') {
        const bus = String(model.resolve(stack.name, props.EventBusName ?? 'default'));
        const list = busPolicies.get(bus) ?? [];
        list.push(...statementsOf(model.resolve(stack.name, props.Statement ?? null)));
        busPolicies.set(bus, list);
      } else if (res.Type === 'AWS::Lambda::Function') {
        const fn = model.functions.find((f) => f.logicalId === id && f.stack === stack.name);
        if (fn && props.Role !== undefined)
          functionRoles.set(fn.name, String(model.resolve(stack.name, props.Role)));
      }
    }
  }
  return { roles, busPolicies, functionRoles };
}

function statementsOf(document: Json): PolicyStatement[] {
  if (document === null || typeof document !== 'object') return [];
  const statement = Array.isArray(document) ? document : (document as Raw).Statement;
  if (statement === undefined) return Array.isArray(document) ? [] : [document as unknown as PolicyStatement];
  return (Array.isArray(statement) ? statement : [statement]) as unknown as PolicyStatement[];
}

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** IAM's wildcard match: `*` any run of characters, `?` one character; case-sensitive (ARNs, sources). */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

export interface AccessRequest {
  principalArn: string;
  action: string;
  resource: string;
  /** Condition keys: `aws:PrincipalArn` is added from principalArn. */
  context?: Record<string, string>;
}

function conditionHolds(operator: string, wanted: string[], actual: string | undefined): boolean {
  const base = operator.replace(/IfExists$/, '');
  if (actual === undefined) return operator.endsWith('IfExists') || base.includes('Not');
  switch (base) {
    case 'StringEquals':
    case 'ArnEquals':
      return wanted.includes(actual);
    case 'StringNotEquals':
    case 'ArnNotEquals':
      return !wanted.includes(actual);
    case 'StringEqualsIgnoreCase':
      return wanted.some((w) => w.toLowerCase() === actual.toLowerCase());
    case 'StringNotEqualsIgnoreCase':
      return !wanted.some((w) => w.toLowerCase() === actual.toLowerCase());
    case 'StringLike':
    case 'ArnLike':
      return wanted.some((w) => wildcardMatch(w, actual));
    case 'StringNotLike':
    case 'ArnNotLike':
      return !wanted.some((w) => wildcardMatch(w, actual));
    default:
      throw new Error(`condition operator ${operator} is not evaluated locally`);
  }
}

function applies(s: PolicyStatement, r: AccessRequest, resourcePolicy: boolean): boolean {
  if (resourcePolicy) {
    const p = s.Principal;
    const principals = p === '*' ? ['*'] : list(p?.AWS);
    if (
      !principals.some(
        (x) => x === '*' || x === r.principalArn || x === `arn:aws:iam::${accountOf(r.principalArn)}:root`,
      )
    )
      return false;
  }
  if (s.Action !== undefined && !list(s.Action).some((a) => wildcardMatch(a, r.action, true))) return false;
  if (s.NotAction !== undefined && list(s.NotAction).some((a) => wildcardMatch(a, r.action, true)))
    return false;
  if (s.Resource !== undefined && !list(s.Resource).some((x) => wildcardMatch(x, r.resource))) return false;
  const context: Record<string, string> = { ...r.context, 'aws:PrincipalArn': r.principalArn };
  for (const [operator, keys] of Object.entries(s.Condition ?? {}))
    for (const [key, wanted] of Object.entries(keys))
      if (!conditionHolds(operator, list(wanted), context[key])) return false;
  return true;
}

const accountOf = (arn: string) => arn.split(':')[4] ?? '';

export interface Decision {
  allowed: boolean;
  /** The Sid (or index) of the statement that denied explicitly, when one did. */
  deniedBy?: string;
}

/** AWS's evaluation within one account: explicit Deny, then an Allow from identity or resource policy. */
export function evaluateAccess(
  request: AccessRequest,
  identity: readonly PolicyStatement[],
  resourcePolicy: readonly PolicyStatement[] = [],
): Decision {
  const deny =
    identity.find((s) => s.Effect === 'Deny' && applies(s, request, false)) ??
    resourcePolicy.find((s) => s.Effect === 'Deny' && applies(s, request, true));
  if (deny) return { allowed: false, deniedBy: deny.Sid ?? 'Deny' };
  const allowed =
    identity.some((s) => s.Effect === 'Allow' && applies(s, request, false)) ||
    resourcePolicy.some((s) => s.Effect === 'Allow' && applies(s, request, true));
  return { allowed };
}
