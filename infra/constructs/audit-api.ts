// The auditors' query API: an HTTP API whose every route needs IAM (SigV4) authorisation, served by the
// read-only query function, with access logs and throttling on its stage. Auditors assume the Auditor
// role, which may invoke these routes and nothing else.
import { type CfnElement, Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import {
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  API_ROUTES,
  type ApiRoute,
  type CallerKind,
  DASHBOARD_ROUTES,
} from '../../functions/query-routes.ts';
import { CALLER_ROLES_ENV } from '../../functions/shared/alert-routes.ts';
import { BULLETIN_BUCKET_ENV, BULLETIN_PREFIX } from '../../functions/shared/bulletin-location.ts';
import { TABLE_ENV } from '../../functions/shared/table.ts';
import { trustedPrincipal } from './departments.ts';
import { acknowledgeTableKeyWrites, EngineFunction } from './function.ts';

export interface AuditApiProps {
  table: ITable;
  logRetention: RetentionDays;
  /** Who may assume the Auditor and Leader roles; default: IAM principals of this account. */
  trustedPrincipals: readonly string[];
  /** Department publisher roles, which may list and acknowledge their own indicators' notifications. */
  departments: readonly { id: string; role: Role }[];
  /** The bulletin bucket, whose bulletins/ the dashboard lists; and its ARN's fixed export name. */
  bulletins?: { bucket: IBucket; arnExport: string };
}

export class AuditApi extends Construct {
  readonly function: EngineFunction;
  /** The leaders' dashboard routes' function (its charts' ECharts stays out of the query bundle). */
  readonly dashboard: EngineFunction;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly routes: Record<ApiRoute, HttpRoute>;
  readonly auditorRole: Role;
  readonly leaderRole: Role;

  constructor(scope: Construct, id: string, props: AuditApiProps) {
    super(scope, id);
    this.function = new EngineFunction(this, 'Query', {
      entry: 'functions/query.ts',
      description: 'Auditors queries: snapshots, as-of, entity history, chain verification (JSON/CSV)',
      service: 'rankwatch-query',
      logRetention: props.logRetention,
      // API Gateway waits at most 30 s for an integration.
      timeout: Duration.seconds(29),
      memorySize: 1024,
      environment: { [TABLE_ENV]: props.table.tableName },
    });
    props.table.grantReadData(this.function.fn);
    // Acknowledging is one TransactWriteItems of conditional Puts (the state and its log item).
    props.table.grant(this.function.fn, 'dynamodb:PutItem');
    props.table.encryptionKey?.grantEncryptDecrypt(this.function.fn);
    acknowledgeTableKeyWrites(this.function);

    this.dashboard = new EngineFunction(this, 'Dashboard', {
      entry: 'functions/dashboard.ts',
      description:
        'Leaders dashboard: the page and its data (ranking, gap, trajectory, notifications, bulletins)',
      service: 'rankwatch-dashboard',
      logRetention: props.logRetention,
      timeout: Duration.seconds(29),
      memorySize: 1024,
      environment: {
        [TABLE_ENV]: props.table.tableName,
        ...(props.bulletins ? { [BULLETIN_BUCKET_ENV]: props.bulletins.bucket.bucketName } : {}),
      },
    });
    // Reads only: heads, snapshots (checked against the chain), notifications; the bulletins' keys.
    props.table.grantReadData(this.dashboard.fn);
    if (props.bulletins)
      this.dashboard.fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [Fn.importValue(props.bulletins.arnExport)],
          conditions: { StringLike: { 's3:prefix': [`${BULLETIN_PREFIX}*`] } },
        }),
      );

    this.api = new HttpApi(this, 'Api', {
      description: 'rankwatch auditors query API (IAM)',
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 20, burstLimit: 40 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });

    const integration = new HttpLambdaIntegration('Query', this.function.fn);
    const dashboardIntegration = new HttpLambdaIntegration('Dashboard', this.dashboard.fn);
    this.auditorRole = new Role(this, 'Auditor', {
      assumedBy: trustedPrincipal(props.trustedPrincipals),
      description: 'rankwatch auditors: may call the query API (read-only) and nothing else',
      maxSessionDuration: Duration.hours(1),
    });
    this.leaderRole = new Role(this, 'Leader', {
      assumedBy: trustedPrincipal(props.trustedPrincipals),
      description: 'rankwatch leaders: may list, read and acknowledge notifications through the API',
      maxSessionDuration: Duration.hours(1),
    });
    const callers: Record<CallerKind, Role[]> = {
      auditor: [this.auditorRole],
      leader: [this.leaderRole],
      department: props.departments.map((d) => d.role),
    };
    const entries = (Object.keys(API_ROUTES) as ApiRoute[]).map((name) => {
      const { path, method, callers: allowed } = API_ROUTES[name];
      const [route] = this.api.addRoutes({
        path,
        methods: [HttpMethod[method as keyof typeof HttpMethod]],
        integration: name in DASHBOARD_ROUTES ? dashboardIntegration : integration,
      });
      // Not route.grantInvoke: it grants everything under the first path parameter (GET /schemes/*), which
      // would give departments the auditors' routes. Here each route's own path, parameters as `*`.
      const resource = `${this.api.arnForExecuteApi(method, '/')}${path.slice(1).replace(/\{[^}]+\}/g, '*')}`;
      for (const kind of allowed)
        for (const role of callers[kind])
          role.addToPrincipalPolicy(
            new PolicyStatement({ actions: ['execute-api:Invoke'], resources: [resource] }),
          );
      return [name, route!] as const;
    });
    // The function tells callers apart by the role they signed with (the route grants already narrowed them).
    const callerRoles = Stack.of(this).toJsonString({
      [this.auditorRole.roleName]: 'auditor',
      [this.leaderRole.roleName]: 'leader',
      ...Object.fromEntries(props.departments.map((d) => [d.role.roleName, `department:${d.id}`])),
    });
    this.function.fn.addEnvironment(CALLER_ROLES_ENV, callerRoles);
    this.dashboard.fn.addEnvironment(CALLER_ROLES_ENV, callerRoles);
    this.routes = Object.fromEntries(entries) as Record<ApiRoute, HttpRoute>;
    // Route grants name the API's routes with `*` for the stage and for path parameters ({scheme}, ...).
    const apiId = Stack.of(this).getLogicalId(this.api.node.defaultChild as CfnElement);
    // Each route's grant has wildcards for the stage and the path parameters; acknowledged per role and route.
    const reason =
      'execute-api:Invoke on the routes this caller may use only: the wildcards stand for the stage and the path parameters ({scheme}, {period}, {entity}, {id}).';
    for (const kind of Object.keys(callers) as CallerKind[])
      for (const role of callers[kind])
        Validations.of(role).acknowledge(
          ...(Object.values(API_ROUTES) as { method: string; path: string; callers: readonly CallerKind[] }[])
            .filter((r) => r.callers.includes(kind))
            .map((r) => ({
              id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/*/${r.method}${r.path.replace(/\{[^}]+\}/g, '*')}]`,
              reason,
            })),
        );
  }
}
