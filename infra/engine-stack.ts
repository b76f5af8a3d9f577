// The engine stack: everything that can be replaced by a redeployment — functions, queues and DLQs, rules,
// the leaders' and operators' topics, the auditors' API, the schema registry, alarms and the dashboard. It
// uses the table and the bus of the stateful stack.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { EngineConfig } from './config.ts';
import { AlertLifecycle } from './constructs/alert-lifecycle.ts';
import { AuditApi } from './constructs/audit-api.ts';
import { Bulletins } from './constructs/bulletins.ts';
import { Departments } from './constructs/departments.ts';
import { EventSchemas } from './constructs/event-schemas.ts';
import { HistoryProjection } from './constructs/history.ts';
import { Ingestion } from './constructs/ingestion.ts';
import { Notifications } from './constructs/notifications.ts';
import { Observability } from './constructs/observability.ts';
import { deadLetterStore } from './constructs/queues.ts';
import { OutboxRelay } from './constructs/relay.ts';
import { ReplayJob } from './constructs/replay.ts';
import { bulletinBucketArnExport } from './stateful-stack.ts';

export interface EngineStackProps extends StackProps {
  config: EngineConfig;
  table: ITable;
  bus: EventBus;
  /** Where the bulletin function writes the weekly analysis and the monthly bulletin. */
  bulletins: IBucket;
}

export class EngineStack extends Stack {
  readonly ingestion: Ingestion;
  readonly relay: OutboxRelay;
  readonly history: HistoryProjection;
  readonly alerts: Notifications;
  readonly lifecycle: AlertLifecycle;
  readonly bulletins: Bulletins;
  readonly replay: ReplayJob;
  readonly departments: Departments;
  readonly auditApi: AuditApi;
  readonly schemas: EventSchemas;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: EngineStackProps) {
    super(scope, id, props);
    const { config, table, bus } = props;
    const logRetention = config.stage === 'prod' ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH;

    // Events a rule matched but EventBridge could not deliver to its target (after its own retries).
    const targetDlq = deadLetterStore(this, 'EventTargetDlq', 'Undeliverable rule targets');

    this.ingestion = new Ingestion(this, 'Ingestion', {
      bus,
      table,
      logRetention,
      targetDlq,
      observedAtToleranceSeconds: config.observedAtToleranceSeconds,
    });
    this.relay = new OutboxRelay(this, 'Relay', { bus, table, logRetention });
    this.history = new HistoryProjection(this, 'History', { table, logRetention });
    this.lifecycle = new AlertLifecycle(this, 'AlertLifecycle', { table, logRetention });
    this.bulletins = new Bulletins(this, 'Bulletins', {
      table,
      bucket: props.bulletins,
      bucketArnExport: bulletinBucketArnExport(config.stage),
      logRetention,
    });
    this.replay = new ReplayJob(this, 'Replay', { table, logRetention });
    this.alerts = new Notifications(this, 'Notifications', {
      bus,
      logRetention,
      leaderEmails: config.alertEmails,
      departmentEmails: config.departmentEmails,
      escalationEmails: config.escalationEmails,
      webhook: config.webhook,
      targetDlq,
    });
    this.departments = new Departments(this, 'Departments', {
      bus,
      departments: config.departments,
      trustedPrincipals: config.trustedPrincipals,
      engineRole: this.relay.function.role,
      targetDlq,
    });
    this.auditApi = new AuditApi(this, 'AuditApi', {
      table,
      logRetention,
      trustedPrincipals: config.trustedPrincipals,
      departments: this.departments.departments,
      bulletins: { bucket: props.bulletins, arnExport: bulletinBucketArnExport(config.stage) },
    });
    this.schemas = new EventSchemas(this, 'EventSchemas', { registryName: `rankwatch-${config.stage}` });

    this.observability = new Observability(this, 'Observability', {
      dashboardName: `rankwatch-${config.stage}`,
      functions: [
        { name: 'Ingest', function: this.ingestion.function },
        { name: 'Relay', function: this.relay.function },
        { name: 'Project', function: this.history.function },
        { name: 'Query', function: this.auditApi.function },
        { name: 'Dashboard', function: this.auditApi.dashboard },
        { name: 'Escalate', function: this.lifecycle.escalate },
        { name: 'Remind', function: this.lifecycle.remind },
        { name: 'Notify', function: this.alerts.notify },
        { name: 'Bulletin', function: this.bulletins.function },
        { name: 'Replay', function: this.replay.function },
      ],
      streamConsumers: [
        { name: 'Relay', function: this.relay.function },
        { name: 'Project', function: this.history.function },
      ],
      deadLetterStores: [
        { name: 'IngestDlq', queue: this.ingestion.deadLetterQueue },
        { name: 'RejectedRecords', queue: this.ingestion.rejectedQueue },
        { name: 'RelayFailures', queue: this.relay.failures },
        { name: 'ProjectFailures', queue: this.history.failures },
        { name: 'EventTargetDlq', queue: targetDlq },
        { name: 'LifecycleScheduleFailures', queue: this.lifecycle.failures },
        { name: 'NotifyFailures', queue: this.alerts.failures },
        { name: 'BulletinScheduleFailures', queue: this.bulletins.failures },
        { name: 'ReplayDlq', queue: this.replay.deadLetterQueue },
      ],
      workQueues: [
        { name: 'Ingest', queue: this.ingestion.queue },
        { name: 'Replay', queue: this.replay.queue },
        ...this.departments.departments.map((d) => ({ name: `Rejections-${d.id}`, queue: d.rejections })),
      ],
      api: this.auditApi.api,
      emails: config.alarmEmails,
    });

    new CfnOutput(this, 'QueryApiUrl', { value: this.auditApi.api.apiEndpoint });
    new CfnOutput(this, 'AuditorRoleArn', { value: this.auditApi.auditorRole.roleArn });
    new CfnOutput(this, 'LeaderRoleArn', { value: this.auditApi.leaderRole.roleArn });
    new CfnOutput(this, 'AlertTopicArn', { value: this.alerts.topic.topicArn });
    // Where `rankwatch replay --job --aws --queue-url URL` sends a replay job's first message.
    new CfnOutput(this, 'ReplayQueueUrl', { value: this.replay.queue.queueUrl });
    for (const d of this.departments.departments) {
      new CfnOutput(this, `PublisherRole-${d.id}`, { value: d.role.roleArn });
      new CfnOutput(this, `RejectionsQueue-${d.id}`, { value: d.rejections.queueUrl });
    }
  }
}
