// The synthesised cloud assembly (cdk.out) read as the local runtime needs it: every stack's template in
// deployment order, CloudFormation intrinsics resolved to local resources, and one model of what to run —
// tables, buses, rules with their patterns and targets, queues with redrive, functions with their bundled
// code and environment, event source mappings, topics and HTTP APIs. Nothing about routing is written
// anywhere else: change a rule in infra/ and the next synthesis changes what runs here.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/** A template the local runtime cannot read: says what and where (stack, resource, property path). */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface CfnResource {
  Type: string;
  Properties?: JsonObject;
  Metadata?: JsonObject;
  Condition?: string;
}

export interface CfnTemplate {
  Parameters?: Record<string, { Type?: string; Default?: Json }>;
  Conditions?: Record<string, Json>;
  Mappings?: Record<string, Record<string, Record<string, Json>>>;
  Resources?: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: Json; Export?: { Name: Json } }>;
}

export interface AssemblyStack {
  /** The stack name (the artifact id), e.g. `rankwatch-dev-engine`. */
  name: string;
  template: CfnTemplate;
  templateFile: string;
  /** Stacks this one depends on (deployed before it). */
  dependencies: string[];
}

export interface CloudAssembly {
  directory: string;
  /** In deployment order: every stack after the stacks it depends on. */
  stacks: AssemblyStack[];
}

/** Reads `manifest.json` and the stack templates of a cloud assembly directory. */
export function readCloudAssembly(directory: string): CloudAssembly {
  const dir = resolve(directory);
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new TemplateError(
      `${manifestFile} 不存在，请先运行 cdk synth / not found: synthesise first (npx cdk synth --quiet)`,
    );
  }
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    artifacts?: Record<
      string,
      { type: string; properties?: { templateFile?: string }; dependencies?: string[] }
    >;
  };
  const artifacts = manifest.artifacts ?? {};
  const stacks = new Map<string, AssemblyStack>();
  for (const [name, artifact] of Object.entries(artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const file = artifact.properties?.templateFile;
    if (!file) throw new TemplateError(`manifest.json: stack ${name} has no templateFile`);
    const templateFile = join(dir, file);
    stacks.set(name, {
      name,
      templateFile,
      template: JSON.parse(readFileSync(templateFile, 'utf8')) as CfnTemplate,
      dependencies: (artifact.dependencies ?? []).filter(
        (d) => artifacts[d]?.type === 'aws:cloudformation:stack',
      ),
    });
  }
  const ordered: AssemblyStack[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (stack: AssemblyStack) => {
    const s = state.get(stack.name);
    if (s === 'done') return;
    if (s === 'visiting') throw new TemplateError(`stacks depend on each other in a cycle at ${stack.name}`);
    state.set(stack.name, 'visiting');
    for (const dep of stack.dependencies) {
      const d = stacks.get(dep);
      if (d) visit(d);
    }
    state.set(stack.name, 'done');
    ordered.push(stack);
  };
  for (const stack of stacks.values()) visit(stack);
  if (ordered.length === 0) throw new TemplateError(`${manifestFile}: the assembly has no stacks`);
  return { directory: dir, stacks: ordered };
}

// ---------------------------------------------------------------------------------------------------------
// The local model

/** Where local resources live: the local region, account and the endpoints that resource URLs point at. */
export interface LocalNaming {
  region: string;
  account: string;
  /** URL of a queue on the local SQS endpoint. */
  queueUrl(name: string): string;
  /** Base URL of a local HTTP API (its `ApiEndpoint`). */
  apiUrl?(apiId: string): string;
}

export interface TableModel {
  logicalId: string;
  stack: string;
  name: string;
  arn: string;
  keySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  attributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  /** The stream's view type, when the table has a stream. */
  streamViewType: string | undefined;
  globalSecondaryIndexes: JsonObject[];
  localSecondaryIndexes: JsonObject[];
  timeToLiveAttribute: string | undefined;
}

export interface QueueModel {
  logicalId: string;
  stack: string;
  name: string;
  arn: string;
  url: string;
  visibilityTimeoutSeconds: number;
  messageRetentionSeconds: number;
  delaySeconds: number;
  redrive: { deadLetterQueue: string; maxReceiveCount: number } | undefined;
}

export interface TopicModel {
  logicalId: string;
  stack: string;
  name: string;
  arn: string;
  displayName: string | undefined;
  /** E-mail and other subscriptions: each receives locally what its filter policy admits (local/sns.ts). */
  subscriptions: SubscriptionModel[];
}

export interface SubscriptionModel {
  protocol: string;
  endpoint: string;
  filterPolicy?: object;
  filterPolicyScope?: string;
}

export interface BusModel {
  logicalId: string;
  stack: string;
  name: string;
  arn: string;
}

export interface RuleTargetModel {
  id: string;
  arn: string;
  input?: string;
  inputPath?: string;
  inputTransformer?: { inputPathsMap?: Record<string, string>; inputTemplate: string };
  retryPolicy?: { maximumRetryAttempts?: number; maximumEventAgeInSeconds?: number };
  deadLetterArn?: string;
}

export interface RuleModel {
  logicalId: string;
  stack: string;
  name: string;
  busName: string;
  description: string | undefined;
  pattern: string | undefined;
  schedule: string | undefined;
  state: 'ENABLED' | 'DISABLED';
  targets: RuleTargetModel[];
}

/** An EventBridge Scheduler schedule: its expression in its zone and the function it invokes. */
export interface ScheduleModel {
  logicalId: string;
  stack: string;
  name: string;
  description: string | undefined;
  /** `rate(15 minutes)`, `cron(0 9 ? * MON *)`, `at(…)`. */
  expression: string;
  /** IANA zone of cron and at expressions (UTC when the template says none). */
  timeZone: string;
  state: 'ENABLED' | 'DISABLED';
  targetArn: string;
  /** The target's Input (JSON text), if any. */
  input: string | undefined;
}

export interface FunctionModel {
  logicalId: string;
  stack: string;
  name: string;
  arn: string;
  description: string | undefined;
  runtime: string;
  handler: string;
  /** Absolute path of the bundled code (the asset folder in cdk.out). */
  codeDirectory: string;
  timeoutSeconds: number;
  memorySize: number;
  environment: Record<string, string>;
}

export interface EventSourceMappingModel {
  logicalId: string;
  stack: string;
  functionName: string;
  kind: 'sqs' | 'dynamodb';
  /** The queue name (sqs) or the table name (dynamodb stream). */
  source: string;
  sourceArn: string;
  enabled: boolean;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  maximumConcurrency: number | undefined;
  /** Lambda event filtering: each a pattern in EventBridge syntax; a record passes if any matches. */
  filters: string[];
  startingPosition: string | undefined;
  bisectBatchOnFunctionError: boolean;
  /** -1: until the record expires. */
  maximumRetryAttempts: number;
  /** -1: no limit. */
  maximumRecordAgeSeconds: number;
  onFailureArn: string | undefined;
}

export interface InvokeConfigModel {
  functionName: string;
  maximumRetryAttempts: number | undefined;
  maximumEventAgeSeconds: number | undefined;
  onSuccessArn: string | undefined;
  onFailureArn: string | undefined;
}

export interface HttpRouteModel {
  routeKey: string;
  functionName: string;
  payloadFormatVersion: string;
  authorizationType: string;
}

export interface HttpApiModel {
  logicalId: string;
  stack: string;
  id: string;
  name: string | undefined;
  stageNames: string[];
  routes: HttpRouteModel[];
}

export interface LocalModel {
  region: string;
  account: string;
  assembly: CloudAssembly;
  tables: TableModel[];
  buses: BusModel[];
  queues: QueueModel[];
  topics: TopicModel[];
  /** S3 buckets: served by the local S3 server (objects as files under the state directory). */
  buckets: { logicalId: string; stack: string; name: string; arn: string }[];
  functions: FunctionModel[];
  rules: RuleModel[];
  schedules: ScheduleModel[];
  eventSourceMappings: EventSourceMappingModel[];
  invokeConfigs: InvokeConfigModel[];
  httpApis: HttpApiModel[];
  /** Resource types in the templates that do not run locally (IAM, KMS, alarms...), with counts. */
  notEmulated: Record<string, number>;
  /** What an ARN in the templates names locally. */
  resolveArn(arn: string): ArnTarget | undefined;
  /** A value of a stack's template with its intrinsics resolved to local resources (for the security model). */
  resolve(stack: string, value: Json): Json;
}

export type ArnTarget =
  | { kind: 'queue'; name: string }
  | { kind: 'topic'; name: string }
  | { kind: 'function'; name: string }
  | { kind: 'bus'; name: string }
  | { kind: 'table'; name: string }
  | { kind: 'stream'; table: string };

/** The resource types the local runtime runs, and the ones it reads to wire them. */
const EMULATED = new Set([
  'AWS::DynamoDB::Table',
  'AWS::SQS::Queue',
  'AWS::SNS::Topic',
  'AWS::SNS::Subscription',
  'AWS::Events::EventBus',
  'AWS::Events::Rule',
  'AWS::Lambda::Function',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Integration',
  'AWS::ApiGatewayV2::Stage',
  'AWS::Scheduler::Schedule',
  'AWS::S3::Bucket',
]);

const NAME_LIMITS: Record<string, number> = {
  'AWS::SQS::Queue': 80,
  'AWS::Lambda::Function': 64,
  'AWS::Events::Rule': 64,
  'AWS::SNS::Topic': 256,
  'AWS::DynamoDB::Table': 255,
  'AWS::Events::EventBus': 256,
  'AWS::IAM::Role': 64,
  'AWS::Scheduler::Schedule': 64,
};

/** The name CloudFormation would generate (`<stack>-<logicalId>-<suffix>`), here without the random suffix. */
export function generatedName(stack: string, logicalId: string, type: string): string {
  const limit = NAME_LIMITS[type] ?? 128;
  const name = `${stack}-${logicalId}`.replace(/[^A-Za-z0-9_.-]/g, '-');
  if (name.length <= limit) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, limit - 9)}-${hash}`;
}

const NAME_PROPERTY: Record<string, string> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::ApiGatewayV2::Stage': 'StageName',
  'AWS::Scheduler::Schedule': 'Name',
};

const NO_VALUE = Symbol('AWS::NoValue');

/** One stack's resolution context: its resources' local names and attributes, and the exports so far. */
class StackResolver {
  readonly #stack: AssemblyStack;
  readonly #naming: LocalNaming;
  readonly #exports: Map<string, Json>;
  readonly #names = new Map<string, string>();
  readonly #conditions = new Map<string, boolean>();

  constructor(stack: AssemblyStack, naming: LocalNaming, exports: Map<string, Json>) {
    this.#stack = stack;
    this.#naming = naming;
    this.#exports = exports;
  }

  get stackName(): string {
    return this.#stack.name;
  }

  resource(logicalId: string, where: string): CfnResource {
    const resource = this.#stack.template.Resources?.[logicalId];
    if (!resource) throw new TemplateError(`${where}: no resource ${logicalId} in stack ${this.#stack.name}`);
    return resource;
  }

  /** The local physical name of a resource: its name property when set, else CloudFormation's pattern. */
  physicalName(logicalId: string, where: string): string {
    const cached = this.#names.get(logicalId);
    if (cached !== undefined) return cached;
    const resource = this.resource(logicalId, where);
    const property = NAME_PROPERTY[resource.Type];
    const given = property ? resource.Properties?.[property] : undefined;
    let name: string;
    if (given !== undefined) {
      const value = this.resolve(given, `${where} → ${logicalId}.${property}`);
      if (typeof value !== 'string')
        throw new TemplateError(`${where}: ${logicalId}.${property} is not a string`);
      name = value;
    } else if (resource.Type === 'AWS::ApiGatewayV2::Api') {
      // API ids are ten lowercase letters and digits on AWS.
      name = createHash('sha256').update(`${this.#stack.name}/${logicalId}`).digest('hex').slice(0, 10);
    } else if (resource.Type === 'AWS::ApiGatewayV2::Stage') {
      name = '$default';
    } else {
      name = generatedName(this.#stack.name, logicalId, resource.Type);
    }
    this.#names.set(logicalId, name);
    return name;
  }

  arn(logicalId: string, where: string): string {
    const { region, account } = this.#naming;
    const resource = this.resource(logicalId, where);
    const name = this.physicalName(logicalId, where);
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${region}:${account}:table/${name}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${region}:${account}:${name}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${account}:${name}`;
      case 'AWS::Events::EventBus':
        return `arn:aws:events:${region}:${account}:event-bus/${name}`;
      case 'AWS::Events::Rule': {
        const bus = resource.Properties?.EventBusName;
        const busName = bus === undefined ? 'default' : busNameOf(String(this.resolve(bus, where)));
        return busName === 'default'
          ? `arn:aws:events:${region}:${account}:rule/${name}`
          : `arn:aws:events:${region}:${account}:rule/${busName}/${name}`;
      }
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${account}:function:${name}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${account}:role/${name}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${region}:${account}:key/${name}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${account}:log-group:${name}:*`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${name}`;
      default: {
        const service = resource.Type.split('::')[1]?.toLowerCase() ?? 'local';
        return `arn:aws:${service}:${region}:${account}:${name}`;
      }
    }
  }

  /** `Ref` of a resource, as CloudFormation documents it per type. */
  ref(logicalId: string, where: string): Json {
    const resource = this.resource(logicalId, where);
    const name = this.physicalName(logicalId, where);
    switch (resource.Type) {
      case 'AWS::SQS::Queue':
        return this.#naming.queueUrl(name);
      case 'AWS::SNS::Topic':
        return this.arn(logicalId, where);
      case 'AWS::KMS::Key':
        return name;
      default:
        return name;
    }
  }

  getAtt(logicalId: string, attribute: string, where: string): Json {
    const resource = this.resource(logicalId, where);
    const name = this.physicalName(logicalId, where);
    if (attribute === 'Arn') return this.arn(logicalId, where);
    switch (`${resource.Type}.${attribute}`) {
      case 'AWS::DynamoDB::Table.StreamArn':
        return `${this.arn(logicalId, where)}/stream/local`;
      case 'AWS::SQS::Queue.QueueName':
      case 'AWS::SNS::Topic.TopicName':
      case 'AWS::Events::EventBus.Name':
        return name;
      case 'AWS::SQS::Queue.QueueUrl':
        return this.#naming.queueUrl(name);
      case 'AWS::SNS::Topic.TopicArn':
        return this.arn(logicalId, where);
      case 'AWS::ApiGatewayV2::Api.ApiEndpoint':
        return (
          this.#naming.apiUrl?.(name) ?? `https://${name}.execute-api.${this.#naming.region}.amazonaws.com`
        );
      case 'AWS::ApiGatewayV2::Api.ApiId':
        return name;
      case 'AWS::KMS::Key.KeyId':
        return name;
      default:
        // Attributes nothing local reads (role ids, log group names...): a stable placeholder.
        return `${name}.${attribute}`;
    }
  }

  condition(name: string, where: string): boolean {
    const cached = this.#conditions.get(name);
    if (cached !== undefined) return cached;
    const definition = this.#stack.template.Conditions?.[name];
    if (definition === undefined) throw new TemplateError(`${where}: no condition ${name}`);
    const value = this.resolve(definition, `${where} → condition ${name}`);
    if (typeof value !== 'boolean') throw new TemplateError(`${where}: condition ${name} is not a boolean`);
    this.#conditions.set(name, value);
    return value;
  }

  /** Resolves every intrinsic function in `value`. `where` names the property for errors. */
  resolve(value: Json, where: string): Json {
    const out = this.#resolve(value, where);
    return out === NO_VALUE ? null : out;
  }

  #resolve(value: Json, where: string): Json | typeof NO_VALUE {
    if (Array.isArray(value)) {
      const items: Json[] = [];
      value.forEach((item, i) => {
        const r = this.#resolve(item, `${where}[${i}]`);
        if (r !== NO_VALUE) items.push(r);
      });
      return items;
    }
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::') || keys[0] === 'Condition')) {
      return this.#intrinsic(keys[0]!, value[keys[0]!]!, where);
    }
    const out: JsonObject = {};
    for (const key of keys) {
      const r = this.#resolve(value[key]!, `${where}.${key}`);
      if (r !== NO_VALUE) out[key] = r;
    }
    return out;
  }

  #pseudo(name: string): Json | typeof NO_VALUE | undefined {
    switch (name) {
      case 'AWS::Region':
        return this.#naming.region;
      case 'AWS::AccountId':
        return this.#naming.account;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.#stack.name;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${this.#naming.region}:${this.#naming.account}:stack/${this.#stack.name}/local`;
      case 'AWS::NotificationARNs':
        return [];
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        return undefined;
    }
  }

  #string(value: Json | typeof NO_VALUE, where: string): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new TemplateError(`${where}: expected a string, got ${JSON.stringify(value)}`);
  }

  #list(value: Json | typeof NO_VALUE, where: string): Json[] {
    if (Array.isArray(value)) return value;
    throw new TemplateError(`${where}: expected a list, got ${JSON.stringify(value)}`);
  }

  #intrinsic(fn: string, arg: Json, where: string): Json | typeof NO_VALUE {
    const at = `${where} (${fn})`;
    switch (fn) {
      case 'Ref': {
        const name = this.#string(arg, at);
        const pseudo = this.#pseudo(name);
        if (pseudo !== undefined) return pseudo;
        const parameter = this.#stack.template.Parameters?.[name];
        if (parameter) {
          if (parameter.Default === undefined)
            throw new TemplateError(`${at}: parameter ${name} has no default`);
          return parameter.Default;
        }
        return this.ref(name, at);
      }
      case 'Fn::GetAtt': {
        const parts = typeof arg === 'string' ? splitOnce(arg, '.') : this.#list(this.#resolve(arg, at), at);
        const [logicalId, attribute] = parts.map((p) => this.#string(p, at));
        if (!logicalId || !attribute) throw new TemplateError(`${at}: needs [logicalId, attribute]`);
        return this.getAtt(logicalId, attribute, at);
      }
      case 'Fn::Join': {
        const [delimiter, items] = this.#list(arg, at);
        const list = this.#list(this.#resolve(items ?? [], at), at);
        return list.map((item) => this.#string(item, at)).join(this.#string(delimiter ?? '', at));
      }
      case 'Fn::Select': {
        const [index, items] = this.#list(arg, at);
        const i = Number(this.#resolve(index ?? null, at));
        const list = this.#list(this.#resolve(items ?? [], at), at);
        if (!Number.isInteger(i) || i < 0 || i >= list.length) {
          throw new TemplateError(`${at}: index ${i} is outside a list of ${list.length}`);
        }
        return list[i]!;
      }
      case 'Fn::Split': {
        const [delimiter, source] = this.#list(arg, at);
        return this.#string(this.#resolve(source ?? '', at), at).split(this.#string(delimiter ?? '', at));
      }
      case 'Fn::Sub': {
        const [text, variables] = typeof arg === 'string' ? [arg, {}] : this.#list(arg, at);
        const vars = this.#resolve(variables ?? {}, at) as JsonObject;
        return this.#string(text ?? '', at).replace(
          /\$\{(!?)([^}]*)\}/g,
          (_m, literal: string, name: string) => {
            if (literal) return `\${${name}}`;
            if (Object.hasOwn(vars, name)) return this.#string(vars[name]!, at);
            const pseudo = this.#pseudo(name);
            if (pseudo !== undefined) return this.#string(pseudo, at);
            const dot = name.indexOf('.');
            if (dot > 0) return this.#string(this.getAtt(name.slice(0, dot), name.slice(dot + 1), at), at);
            const parameter = this.#stack.template.Parameters?.[name];
            if (parameter?.Default !== undefined) return this.#string(parameter.Default, at);
            return this.#string(this.ref(name, at), at);
          },
        );
      }
      case 'Fn::ImportValue': {
        const name = this.#string(this.#resolve(arg, at), at);
        const value = this.#exports.get(name);
        if (value === undefined) {
          throw new TemplateError(
            `${at}: no stack exports ${name} (is the exporting stack in the assembly?)`,
          );
        }
        return value;
      }
      case 'Fn::If': {
        const [condition, then, otherwise] = this.#list(arg, at);
        return this.condition(this.#string(condition ?? '', at), at)
          ? this.#resolve(then ?? null, at)
          : this.#resolve(otherwise ?? null, at);
      }
      case 'Condition':
        return this.condition(this.#string(arg, at), at);
      case 'Fn::Equals': {
        const [a, b] = this.#list(arg, at);
        return JSON.stringify(this.#resolve(a ?? null, at)) === JSON.stringify(this.#resolve(b ?? null, at));
      }
      case 'Fn::Not':
        return !this.#resolve(this.#list(arg, at)[0] ?? null, at);
      case 'Fn::And':
        return this.#list(arg, at).every((c) => this.#resolve(c, at) === true);
      case 'Fn::Or':
        return this.#list(arg, at).some((c) => this.#resolve(c, at) === true);
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((z) => `${this.#naming.region}${z}`);
      case 'Fn::Base64':
        return Buffer.from(this.#string(this.#resolve(arg, at), at)).toString('base64');
      case 'Fn::FindInMap': {
        const [map, top, second] = this.#list(arg, at).map((p) => this.#string(this.#resolve(p, at), at));
        const value = this.#stack.template.Mappings?.[map!]?.[top!]?.[second!];
        if (value === undefined) throw new TemplateError(`${at}: no mapping ${map}/${top}/${second}`);
        return value;
      }
      case 'Fn::ToJsonString':
        return JSON.stringify(this.#resolve(arg, at));
      case 'Fn::Length':
        return this.#list(this.#resolve(arg, at), at).length;
      default:
        throw new TemplateError(`${at}: intrinsic function ${fn} is not supported locally`);
    }
  }
}

function splitOnce(text: string, separator: string): string[] {
  const i = text.indexOf(separator);
  return i < 0 ? [text] : [text.slice(0, i), text.slice(i + 1)];
}

/** The bus name from a name or an event-bus ARN. */
function busNameOf(nameOrArn: string): string {
  const arn = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
  return arn?.[1] ?? nameOrArn;
}

const num = (value: Json | undefined, fallback: number): number =>
  value === undefined || value === null ? fallback : Number(value);
const str = (value: Json | undefined): string | undefined =>
  value === undefined || value === null ? undefined : String(value);

/** The function name from what `FunctionName` may hold: a name, a function ARN, or a partial ARN. */
function functionNameOf(value: string): string {
  const arn = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::.*)?$/.exec(value);
  if (arn) return arn[1]!;
  const partial = /^[^:]+:function:([^:]+)/.exec(value);
  return partial?.[1] ?? value;
}

/** Reads the assembly into the local model, resolving every property it uses. */
export function localModel(assembly: CloudAssembly, naming: LocalNaming): LocalModel {
  const exports = new Map<string, Json>();
  const model: Omit<LocalModel, 'resolveArn' | 'resolve'> = {
    region: naming.region,
    account: naming.account,
    assembly,
    tables: [],
    buses: [],
    queues: [],
    topics: [],
    buckets: [],
    functions: [],
    rules: [],
    schedules: [],
    eventSourceMappings: [],
    invokeConfigs: [],
    httpApis: [],
    notEmulated: {},
  };
  const arns = new Map<string, ArnTarget>();
  // Subscriptions may come before their topic in a template's resource order: attached at the end.
  const subscriptions: (SubscriptionModel & { topicArn: string })[] = [];

  const resolvers = new Map<string, StackResolver>();
  for (const stack of assembly.stacks) {
    const r = new StackResolver(stack, naming, exports);
    resolvers.set(stack.name, r);
    const resources = Object.entries(stack.template.Resources ?? {}).filter(
      ([id, res]) => res.Condition === undefined || r.condition(res.Condition, `${stack.name}/${id}`),
    );
    const props = (id: string, res: CfnResource): JsonObject =>
      r.resolve(res.Properties ?? {}, `${stack.name}/${id}.Properties`) as JsonObject;
    const routes: { apiId: string; routeKey: string; target: string; authorizationType: string }[] = [];
    const integrations = new Map<string, { uri: string; version: string }>();
    const stages: { apiId: string; name: string }[] = [];

    for (const [id, res] of resources) {
      const where = `${stack.name}/${id}`;
      if (!EMULATED.has(res.Type)) {
        model.notEmulated[res.Type] = (model.notEmulated[res.Type] ?? 0) + 1;
        continue;
      }
      switch (res.Type) {
        case 'AWS::DynamoDB::Table': {
          const p = props(id, res);
          const name = r.physicalName(id, where);
          const stream = p.StreamSpecification as JsonObject | undefined;
          const ttl = p.TimeToLiveSpecification as JsonObject | undefined;
          const table: TableModel = {
            logicalId: id,
            stack: stack.name,
            name,
            arn: r.arn(id, where),
            keySchema: p.KeySchema as unknown as TableModel['keySchema'],
            attributeDefinitions: p.AttributeDefinitions as unknown as TableModel['attributeDefinitions'],
            streamViewType: str(stream?.StreamViewType),
            globalSecondaryIndexes: (p.GlobalSecondaryIndexes as JsonObject[] | undefined) ?? [],
            localSecondaryIndexes: (p.LocalSecondaryIndexes as JsonObject[] | undefined) ?? [],
            timeToLiveAttribute: ttl?.Enabled === true ? str(ttl.AttributeName) : undefined,
          };
          model.tables.push(table);
          arns.set(table.arn, { kind: 'table', name });
          arns.set(r.getAtt(id, 'StreamArn', where) as string, { kind: 'stream', table: name });
          break;
        }
        case 'AWS::S3::Bucket': {
          model.buckets.push({
            logicalId: id,
            stack: stack.name,
            name: r.physicalName(id, where),
            arn: r.arn(id, where),
          });
          break;
        }
        case 'AWS::SQS::Queue': {
          const p = props(id, res);
          if (p.FifoQueue === true) throw new TemplateError(`${where}: FIFO queues are not emulated locally`);
          const name = r.physicalName(id, where);
          const redrive =
            typeof p.RedrivePolicy === 'string'
              ? (JSON.parse(p.RedrivePolicy) as JsonObject)
              : (p.RedrivePolicy as JsonObject | undefined);
          const queue: QueueModel = {
            logicalId: id,
            stack: stack.name,
            name,
            arn: r.arn(id, where),
            url: naming.queueUrl(name),
            visibilityTimeoutSeconds: num(p.VisibilityTimeout, 30),
            messageRetentionSeconds: num(p.MessageRetentionPeriod, 345_600),
            delaySeconds: num(p.DelaySeconds, 0),
            redrive: redrive
              ? {
                  deadLetterQueue: String(redrive.deadLetterTargetArn),
                  maxReceiveCount: Number(redrive.maxReceiveCount),
                }
              : undefined,
          };
          model.queues.push(queue);
          arns.set(queue.arn, { kind: 'queue', name });
          break;
        }
        case 'AWS::SNS::Topic': {
          const p = props(id, res);
          const name = r.physicalName(id, where);
          const topic: TopicModel = {
            logicalId: id,
            stack: stack.name,
            name,
            arn: r.arn(id, where),
            displayName: str(p.DisplayName),
            subscriptions: ((p.Subscription as JsonObject[] | undefined) ?? []).map((s) => ({
              protocol: String(s.Protocol),
              endpoint: String(s.Endpoint),
            })),
          };
          model.topics.push(topic);
          arns.set(topic.arn, { kind: 'topic', name });
          break;
        }
        case 'AWS::Events::EventBus': {
          const bus: BusModel = {
            logicalId: id,
            stack: stack.name,
            name: r.physicalName(id, where),
            arn: r.arn(id, where),
          };
          model.buses.push(bus);
          arns.set(bus.arn, { kind: 'bus', name: bus.name });
          break;
        }
        case 'AWS::Lambda::Function': {
          const p = props(id, res);
          const name = r.physicalName(id, where);
          const runtime = String(p.Runtime ?? '');
          // The asset folder: named by the metadata CDK's CLI asks for, else by the asset hash in the S3 key.
          const s3Key = (p.Code as JsonObject | undefined)?.S3Key;
          const assetPath =
            res.Metadata?.['aws:asset:path'] ??
            (typeof s3Key === 'string' && /^[0-9a-f]{64}\.zip$/.test(s3Key)
              ? `asset.${s3Key.slice(0, -4)}`
              : undefined);
          if (typeof assetPath !== 'string') {
            throw new TemplateError(
              `${where}: no aws:asset:path metadata (inline or container code is not run locally)`,
            );
          }
          const fn: FunctionModel = {
            logicalId: id,
            stack: stack.name,
            name,
            arn: r.arn(id, where),
            description: str(p.Description),
            runtime,
            handler: String(p.Handler ?? 'index.handler'),
            codeDirectory: isAbsolute(assetPath) ? assetPath : join(assembly.directory, assetPath),
            timeoutSeconds: num(p.Timeout, 3),
            memorySize: num(p.MemorySize, 128),
            environment: Object.fromEntries(
              Object.entries(((p.Environment as JsonObject | undefined)?.Variables as JsonObject) ?? {}).map(
                ([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)],
              ),
            ),
          };
          model.functions.push(fn);
          arns.set(fn.arn, { kind: 'function', name });
          break;
        }
        case 'AWS::Events::Rule': {
          const p = props(id, res);
          const pattern = p.EventPattern;
          model.rules.push({
            logicalId: id,
            stack: stack.name,
            name: r.physicalName(id, where),
            busName: busNameOf(str(p.EventBusName) ?? 'default'),
            description: str(p.Description),
            pattern:
              pattern === undefined || pattern === null
                ? undefined
                : typeof pattern === 'string'
                  ? pattern
                  : JSON.stringify(pattern),
            schedule: str(p.ScheduleExpression),
            state: p.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
            targets: ((p.Targets as JsonObject[] | undefined) ?? []).map((t) => targetOf(t)),
          });
          break;
        }
        case 'AWS::Scheduler::Schedule': {
          const p = props(id, res);
          const target = (p.Target as JsonObject | undefined) ?? {};
          model.schedules.push({
            logicalId: id,
            stack: stack.name,
            name: r.physicalName(id, where),
            description: str(p.Description),
            expression: String(p.ScheduleExpression ?? ''),
            timeZone: str(p.ScheduleExpressionTimezone) ?? 'UTC',
            state: p.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
            targetArn: String(target.Arn ?? ''),
            input: str(target.Input),
          });
          break;
        }
        case 'AWS::Lambda::EventSourceMapping': {
          const p = props(id, res);
          const sourceArn = String(p.EventSourceArn ?? '');
          const kind = /^arn:[^:]+:sqs:/.test(sourceArn)
            ? 'sqs'
            : /^arn:[^:]+:dynamodb:.*\/stream\//.test(sourceArn)
              ? 'dynamodb'
              : undefined;
          if (!kind) {
            model.notEmulated[`${res.Type} (${sourceArn.split(':')[2] ?? 'unknown'})`] =
              (model.notEmulated[`${res.Type} (${sourceArn.split(':')[2] ?? 'unknown'})`] ?? 0) + 1;
            break;
          }
          const destination = (
            (p.DestinationConfig as JsonObject | undefined)?.OnFailure as JsonObject | undefined
          )?.Destination;
          model.eventSourceMappings.push({
            logicalId: id,
            stack: stack.name,
            functionName: functionNameOf(String(p.FunctionName)),
            kind,
            source: '',
            sourceArn,
            enabled: p.Enabled !== false,
            batchSize: num(p.BatchSize, kind === 'sqs' ? 10 : 100),
            maximumBatchingWindowSeconds: num(p.MaximumBatchingWindowInSeconds, 0),
            reportBatchItemFailures: ((p.FunctionResponseTypes as Json[] | undefined) ?? []).includes(
              'ReportBatchItemFailures',
            ),
            maximumConcurrency:
              (p.ScalingConfig as JsonObject | undefined)?.MaximumConcurrency === undefined
                ? undefined
                : Number((p.ScalingConfig as JsonObject).MaximumConcurrency),
            filters: (
              ((p.FilterCriteria as JsonObject | undefined)?.Filters as JsonObject[] | undefined) ?? []
            ).map((f) => (typeof f.Pattern === 'string' ? f.Pattern : JSON.stringify(f.Pattern))),
            startingPosition: str(p.StartingPosition),
            bisectBatchOnFunctionError: p.BisectBatchOnFunctionError === true,
            maximumRetryAttempts: num(p.MaximumRetryAttempts, -1),
            maximumRecordAgeSeconds: num(p.MaximumRecordAgeInSeconds, -1),
            onFailureArn: str(destination),
          });
          break;
        }
        case 'AWS::Lambda::EventInvokeConfig': {
          const p = props(id, res);
          const destinations = p.DestinationConfig as JsonObject | undefined;
          model.invokeConfigs.push({
            functionName: functionNameOf(String(p.FunctionName)),
            maximumRetryAttempts:
              p.MaximumRetryAttempts === undefined ? undefined : Number(p.MaximumRetryAttempts),
            maximumEventAgeSeconds:
              p.MaximumEventAgeInSeconds === undefined ? undefined : Number(p.MaximumEventAgeInSeconds),
            onSuccessArn: str((destinations?.OnSuccess as JsonObject | undefined)?.Destination),
            onFailureArn: str((destinations?.OnFailure as JsonObject | undefined)?.Destination),
          });
          break;
        }
        case 'AWS::ApiGatewayV2::Api': {
          const p = props(id, res);
          if (p.ProtocolType !== undefined && p.ProtocolType !== 'HTTP') {
            model.notEmulated[`${res.Type} (${String(p.ProtocolType)})`] =
              (model.notEmulated[`${res.Type} (${String(p.ProtocolType)})`] ?? 0) + 1;
            break;
          }
          model.httpApis.push({
            logicalId: id,
            stack: stack.name,
            id: r.physicalName(id, where),
            name: str(p.Name),
            stageNames: [],
            routes: [],
          });
          break;
        }
        case 'AWS::ApiGatewayV2::Route': {
          const p = props(id, res);
          routes.push({
            apiId: String(p.ApiId),
            routeKey: String(p.RouteKey),
            target: String(p.Target ?? ''),
            authorizationType: String(p.AuthorizationType ?? 'NONE'),
          });
          break;
        }
        case 'AWS::ApiGatewayV2::Integration': {
          const p = props(id, res);
          integrations.set(r.physicalName(id, where), {
            uri: String(p.IntegrationUri ?? ''),
            version: String(p.PayloadFormatVersion ?? '2.0'),
          });
          break;
        }
        case 'AWS::ApiGatewayV2::Stage': {
          const p = props(id, res);
          stages.push({ apiId: String(p.ApiId), name: String(p.StageName ?? '$default') });
          break;
        }
        case 'AWS::SNS::Subscription': {
          const p = props(id, res);
          subscriptions.push({
            topicArn: String(p.TopicArn),
            protocol: String(p.Protocol),
            endpoint: String(p.Endpoint),
            ...(typeof p.FilterPolicy === 'object' && p.FilterPolicy !== null
              ? { filterPolicy: p.FilterPolicy as object }
              : {}),
            ...(p.FilterPolicyScope === undefined ? {} : { filterPolicyScope: String(p.FilterPolicyScope) }),
          });
          break;
        }
        default:
          break;
      }
    }
    for (const stage of stages) model.httpApis.find((a) => a.id === stage.apiId)?.stageNames.push(stage.name);
    for (const route of routes) {
      const integration = integrations.get(route.target.replace(/^integrations\//, ''));
      const api = model.httpApis.find((a) => a.id === route.apiId);
      if (!api || !integration) continue;
      // A Lambda proxy integration names the function ARN, or API Gateway's invocation URI around it.
      const functionArn = integration.uri
        .replace(/^arn:[^:]+:apigateway:[^/]*\/functions\//, '')
        .replace(/\/invocations$/, '');
      const target = arns.get(functionArn);
      api.routes.push({
        routeKey: route.routeKey,
        functionName: target?.kind === 'function' ? target.name : functionNameOf(functionArn),
        payloadFormatVersion: integration.version,
        authorizationType: route.authorizationType,
      });
    }
    for (const [name, output] of Object.entries(stack.template.Outputs ?? {})) {
      if (output.Export === undefined) continue;
      const exportName = r.resolve(output.Export.Name, `${stack.name}/Outputs/${name}.Export.Name`);
      exports.set(String(exportName), r.resolve(output.Value, `${stack.name}/Outputs/${name}.Value`));
    }
  }

  for (const s of subscriptions) {
    const target = arns.get(s.topicArn);
    const topic = target?.kind === 'topic' ? model.topics.find((t) => t.name === target.name) : undefined;
    const { topicArn: _arn, ...subscription } = s;
    topic?.subscriptions.push(subscription);
  }
  for (const mapping of model.eventSourceMappings) {
    const target = arns.get(mapping.sourceArn);
    if (mapping.kind === 'sqs' && target?.kind === 'queue') mapping.source = target.name;
    else if (mapping.kind === 'dynamodb' && target?.kind === 'stream') mapping.source = target.table;
    else
      throw new TemplateError(
        `${mapping.stack}/${mapping.logicalId}: event source ${mapping.sourceArn} is not in the assembly`,
      );
  }
  return {
    ...model,
    resolve: (stack: string, value: Json) => {
      const r = resolvers.get(stack);
      if (!r) throw new TemplateError(`no stack ${stack} in the assembly`);
      return r.resolve(value, stack);
    },
    resolveArn: (arn: string) => {
      const direct = arns.get(arn);
      if (direct) return direct;
      const fn = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(arn);
      if (fn) return arns.get(arn.split(':').slice(0, 7).join(':'));
      return undefined;
    },
  };
}

function targetOf(t: JsonObject): RuleTargetModel {
  const transformer = t.InputTransformer as JsonObject | undefined;
  const retry = t.RetryPolicy as JsonObject | undefined;
  return {
    id: String(t.Id),
    arn: String(t.Arn),
    ...(t.Input === undefined ? {} : { input: String(t.Input) }),
    ...(t.InputPath === undefined ? {} : { inputPath: String(t.InputPath) }),
    ...(transformer === undefined
      ? {}
      : {
          inputTransformer: {
            ...(transformer.InputPathsMap === undefined
              ? {}
              : { inputPathsMap: transformer.InputPathsMap as Record<string, string> }),
            inputTemplate: String(transformer.InputTemplate),
          },
        }),
    ...(retry === undefined
      ? {}
      : {
          retryPolicy: {
            ...(retry.MaximumRetryAttempts === undefined
              ? {}
              : { maximumRetryAttempts: Number(retry.MaximumRetryAttempts) }),
            ...(retry.MaximumEventAgeInSeconds === undefined
              ? {}
              : { maximumEventAgeInSeconds: Number(retry.MaximumEventAgeInSeconds) }),
          },
        }),
    ...((t.DeadLetterConfig as JsonObject | undefined)?.Arn === undefined
      ? {}
      : { deadLetterArn: String((t.DeadLetterConfig as JsonObject).Arn) }),
  };
}
