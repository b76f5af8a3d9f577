// The auditors' query API: an HTTP API whose every route needs IAM (SigV4) authorisation, served by the
// read-only query function, with access logs and throttling on its stage. Auditors assume the Auditor
// role, which may invoke these routes and nothing else.
import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
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
import { Role } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { QUERY_ROUTES, type QueryRoute } from '../../functions/query-routes.ts';
import { TABLE_ENV } from '../../functions/shared/table.ts';
import { trustedPrincipal } from './departments.ts';
import { EngineFunction } from './function.ts';

export interface AuditApiProps {
  table: ITable;
  logRetention: RetentionDays;
  /** Who may assume the Auditor role; default: IAM principals of this account. */
  trustedPrincipals: readonly string[];
}

export class AuditApi extends Construct {
  readonly function: EngineFunction;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly routes: Record<QueryRoute, HttpRoute>;
  readonly auditorRole: Role;

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
    this.auditorRole = new Role(this, 'Auditor', {
      assumedBy: trustedPrincipal(props.trustedPrincipals),
      description: 'rankwatch auditors: may call the query API (read-only) and nothing else',
      maxSessionDuration: Duration.hours(1),
    });
    const entries = (Object.keys(QUERY_ROUTES) as QueryRoute[]).map((name) => {
      const { path, method } = QUERY_ROUTES[name];
      const [route] = this.api.addRoutes({ path, methods: [HttpMethod[method]], integration });
      route!.grantInvoke(this.auditorRole);
      return [name, route!] as const;
    });
    this.routes = Object.fromEntries(entries) as Record<QueryRoute, HttpRoute>;
    // Route grants name the API's routes with `*` for the stage and for path parameters ({scheme}, ...).
    const apiId = Stack.of(this).getLogicalId(this.api.node.defaultChild as CfnElement);
    Validations.of(this.auditorRole).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/*/GET/schemes/*]`,
      reason:
        'execute-api:Invoke on the query routes only: the wildcards stand for the stage and the path parameters ({scheme}, {period}, {entity}).',
    });
  }
}
