// Departments: who may publish as whom, and where their rejections go back to. Each configured department
// gets a publisher role and its own rejections queue; the bus policy pins every role to its `dept.<id>`
// source and denies department sources to everyone else, and the engine's source to all but the relay.
//
// Explicit Deny statements are used because an Allow in a bus policy restricts nobody in the same account:
// an identity policy granting events:PutEvents is enough there. A Deny in the resource policy overrides it.
import { Duration, Validations } from 'aws-cdk-lib';
import { CfnEventBusPolicy, type EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import {
  AccountRootPrincipal,
  ArnPrincipal,
  CompositePrincipal,
  Effect,
  type IPrincipal,
  type IRole,
  PolicyStatement,
  Role,
  StarPrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { observationRejected } from '../../events/index.ts';
import { DEPARTMENT_SOURCE_PREFIX, departmentSource, ENGINE_SOURCE } from '../../events/sources.ts';
import { patternFor } from './patterns.ts';
import { secureQueue } from './queues.ts';

export interface DepartmentsProps {
  bus: EventBus;
  departments: readonly string[];
  /** Who may assume the department roles; default: IAM principals of this account. */
  trustedPrincipals: readonly string[];
  /** The only principal allowed to publish as the engine (the outbox relay's role). */
  engineRole: IRole;
  targetDlq: IQueue;
}

export interface Department {
  id: string;
  source: string;
  /** Assume this role to publish as `dept.<id>` and to read the department's rejections. */
  role: Role;
  rejections: Queue;
}

/** Principals the trusted ARNs name, or this account's root (delegating to its IAM policies). */
export function trustedPrincipal(arns: readonly string[]): IPrincipal {
  if (arns.length === 0) return new AccountRootPrincipal();
  const principals = arns.map((arn) => new ArnPrincipal(arn));
  return principals.length === 1 ? principals[0]! : new CompositePrincipal(...principals);
}

/** One Deny statement of the bus policy for PutEvents under the given conditions (its own resource). */
function denyPutEvents(scope: Departments, sid: string, conditions: Record<string, unknown>): void {
  const statement = new PolicyStatement({
    sid,
    effect: Effect.DENY,
    principals: [new StarPrincipal()],
    actions: ['events:PutEvents'],
    resources: [scope.bus.eventBusArn],
    conditions,
  });
  new CfnEventBusPolicy(scope, `Deny-${sid}`, {
    eventBusName: scope.bus.eventBusName,
    statementId: sid,
    statement: statement.toStatementJson(),
  });
}

export class Departments extends Construct {
  readonly departments: Department[];
  readonly bus: EventBus;

  constructor(scope: Construct, id: string, props: DepartmentsProps) {
    super(scope, id);
    const { bus } = props;
    this.bus = bus;

    this.departments = props.departments.map((deptId) => {
      const source = departmentSource(deptId);
      const role = new Role(this, `Publisher-${deptId}`, {
        assumedBy: trustedPrincipal(props.trustedPrincipals),
        description: `rankwatch: publish as ${source} and read its rejections`,
        maxSessionDuration: Duration.hours(1),
      });
      bus.grantPutEventsTo(role);

      const rejections = secureQueue(this, `Rejections-${deptId}`);
      Validations.of(rejections).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SQS3',
        reason:
          'Delivery endpoint read by the department itself; every rejection is also on the bus archive and its raw record in the rejected-records queue.',
      });
      rejections.grantConsumeMessages(role);
      new Rule(this, `RejectedTo-${deptId}`, {
        eventBus: bus,
        description: `Observation.Rejected for events published as ${source} → that department's queue`,
        eventPattern: patternFor([observationRejected], { originalSource: [source] }),
      }).addTarget(new SqsQueue(rejections, { deadLetterQueue: props.targetDlq }));

      // Hand-written: no grant expresses "only as this source". The role may not publish any other source.
      denyPutEvents(this, `only-own-source-${deptId}`, {
        ArnEquals: { 'aws:PrincipalArn': role.roleArn },
        StringNotEquals: { 'events:source': source },
      });
      return { id: deptId, source, role, rejections };
    });

    // Hand-written: department sources are reserved to the department roles (anyone else is denied).
    denyPutEvents(this, 'department-sources-reserved', {
      StringLike: { 'events:source': `${DEPARTMENT_SOURCE_PREFIX}*` },
      ArnNotEquals: { 'aws:PrincipalArn': this.departments.map((d) => d.role.roleArn) },
    });
    // Hand-written: only the outbox relay speaks as the engine, so nobody can forge an alert or assessment.
    denyPutEvents(this, 'engine-source-reserved', {
      StringEquals: { 'events:source': ENGINE_SOURCE },
      ArnNotEquals: { 'aws:PrincipalArn': props.engineRole.roleArn },
    });
  }
}
