// The base function construct: every Lambda function of the engine is built here, with the defaults set once
// (Node.js 22 on arm64, a minified ESM bundle with source maps, its own log group with retention, X-Ray
// tracing, the Powertools service name) and a role that starts with nothing but its own log group.
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type ILayerVersion, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The repository root: entries, the lock file and the builtin shims are resolved from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILTIN_SHIMS = fileURLToPath(new URL('../bundling/builtins/', import.meta.url));

/** Powertools metrics namespace shared by every function (functions/shared/runtime.ts uses the same). */
export const METRICS_NAMESPACE = 'rankwatch';

/**
 * Node built-ins resolved to `process.getBuiltinModule()` shims (infra/bundling/builtins/*.cjs). An ESM
 * `import … from 'node:http'` makes Node build the module's ESM facade, which reads every export and so
 * runs node:http's lazy getters — they load undici (~20 ms here); node:fs, https and others cost a few ms
 * more. Through the shim esbuild wraps the module as CommonJS and reads a property only when the code does.
 * Measured by `npm run bench:cold-start`; the baseline is bundled the same way, so it is no gain on paper.
 */
export function builtinAliases(): string[] {
  return readdirSync(BUILTIN_SHIMS)
    .filter((f) => f.endsWith('.cjs'))
    .flatMap((f) => {
      const name = f.slice(0, -'.cjs'.length).replaceAll('__', '/');
      const shim = `${BUILTIN_SHIMS}${f}`;
      return [`${name}=${shim}`, `node:${name}=${shim}`];
    });
}

export type BundlingChoices = Pick<BundlingOptions, 'metafile'>;

/**
 * How every function is bundled: ESM for Node 22, minified, source maps without sources content (the map
 * only has to point into the repository), every package bundled and pinned by our lock file — nothing taken
 * from the runtime (the functions call AWS through functions/shared/aws, not the AWS SDK; what of the SDK
 * they use, util-dynamodb's converters, is bundled too) — and packages' ES module builds first so esbuild can drop what a handler never calls.
 * `require` is defined for CommonJS dependencies without an ESM import of its own. The event contracts'
 * descriptions are left out (events/zod.ts: they are for the JSON Schemas, never read when parsing).
 */
export function bundlingOptions(extra: BundlingChoices = {}): BundlingOptions {
  requireLocalEsbuild();
  return {
    format: OutputFormat.ESM,
    target: 'node22',
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    bundleAwsSDK: true,
    mainFields: ['module', 'main'],
    banner: "const require=process.getBuiltinModule('node:module').createRequire(import.meta.url);",
    forceDockerBundling: false,
    logLevel: LogLevel.ERROR,
    esbuildArgs: { '--alias': builtinAliases() },
    // The contracts' descriptions are for the JSON Schemas, not for parsing (events/zod.ts).
    define: { 'process.env.RANKWATCH_SCHEMA_DOCS': JSON.stringify('off') },
    ...extra,
  };
}

/**
 * Bundling is local, never in Docker: CDK silently falls back to a Docker build when it cannot find esbuild,
 * which would reach for the network. Fail with the reason instead.
 */
function requireLocalEsbuild(): void {
  try {
    createRequire(`${PROJECT_ROOT}package.json`).resolve('esbuild');
  } catch {
    throw new Error('esbuild is not installed (run npm ci): functions are bundled locally, never in Docker');
  }
}

export interface EngineFunctionProps {
  /** Entry file relative to the repository root, e.g. `functions/ingest.ts`. */
  entry: string;
  description: string;
  /** Powertools service name (logs, metrics and traces are tagged with it). */
  service: string;
  logRetention: RetentionDays;
  environment?: Record<string, string>;
  timeout?: Duration;
  memorySize?: number;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  layers?: ILayerVersion[];
  /** Write esbuild's metafile next to the bundle (the cold-start benchmark reads it). */
  metafile?: boolean;
}

/**
 * IAM takes a role description in Latin-1 only (`[\t\n\r\u0020-\u007E\u00A1-\u00FF]*`, up to 1,000
 * characters; CloudFormation refuses the role otherwise), while the functions' own descriptions name the
 * bureau's terms in Chinese (周提醒): those parts are left out of the role's.
 */
export function roleDescription(service: string, description: string): string {
  const latin1 = `${service}: ${description}`
    .replace(/\s*\([^()]*[^\t\n\r\u0020-\u007E\u00A1-\u00FF][^()]*\)/g, '')
    .replace(/[^\t\n\r\u0020-\u007E\u00A1-\u00FF]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  return latin1.slice(0, 1000);
}

export class EngineFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: EngineFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    // A role of our own instead of the AWSLambdaBasicExecutionRole managed policy: it may write to this
    // function's log group only; everything else is granted by the construct that uses the function.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: roleDescription(props.service, props.description),
    });
    this.logGroup.grantWrite(this.role);
    this.fn = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}${props.entry}`,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      role: this.role,
      layers: props.layers,
      bundling: bundlingOptions({ metafile: props.metafile ?? false }),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.service,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the engine is built and tested on (SPEC: Lambda, Node.js 22); a newer runtime is adopted deliberately, not by default.',
    });
    // The only statement with Resource "*": X-Ray's actions (and, on table-stream consumers,
    // dynamodb:ListStreams, added by the event source) have no resource-level permissions.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments/PutTelemetryRecords (active tracing) and dynamodb:ListStreams (stream event source) support only Resource "*".',
    });
  }
}

/** The wildcard KMS actions CDK grants for writing a table encrypted with a customer-managed key. */
export function acknowledgeTableKeyWrites(fn: EngineFunction): void {
  const reason =
    'Writing to the table encrypted with the customer-managed key: these are the key actions CDK grants for table writes.';
  Validations.of(fn.role).acknowledge(
    { id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason },
    { id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason },
  );
}
