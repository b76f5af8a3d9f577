// Alarms and the dashboard: an alarm on every dead-letter store (anything in it is a failure to look at), on
// every function's errors and on the stream consumers' iterator age (alerts waiting in the outbox), all to
// the operators' encrypted topic; one dashboard with the same signals side by side.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  type Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EngineFunction } from './function.ts';

/** Stream consumers fall behind when their oldest unprocessed record is older than this. */
export const ITERATOR_AGE_THRESHOLD = Duration.minutes(1);

export interface ObservabilityProps {
  dashboardName: string;
  functions: readonly { name: string; function: EngineFunction }[];
  streamConsumers: readonly { name: string; function: EngineFunction }[];
  deadLetterStores: readonly { name: string; queue: IQueue }[];
  workQueues: readonly { name: string; queue: IQueue }[];
  api: HttpApi;
  emails: readonly string[];
}

export class Observability extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const key = new Key(this, 'TopicKey', {
      description: 'rankwatch: encrypts the operators alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.topic = new Topic(this, 'Topic', {
      displayName: 'rankwatch 运行告警 / operations alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // CloudWatch publishes alarm notifications as the service; the grant adds sns:Publish to the topic
    // policy and kms:Decrypt/GenerateDataKey* to the key policy.
    this.topic.grantPublish(new ServicePrincipal('cloudwatch.amazonaws.com'));
    for (const email of props.emails) this.topic.addSubscription(new EmailSubscription(email));
    const action = new SnsAction(this.topic);

    const alarm = (id: string, metric: IMetric, threshold: number, description: string, periods = 1) => {
      const a = new Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: periods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };

    for (const { name, queue } of props.deadLetterStores)
      alarm(
        `${name}NotEmpty`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        1,
        `${name} holds messages: something failed and is waiting to be inspected or redriven.`,
      );
    for (const { name, function: f } of props.functions)
      alarm(
        `${name}Errors`,
        f.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        1,
        `${name} function invocations failed.`,
      );
    for (const { name, function: f } of props.streamConsumers)
      alarm(
        `${name}IteratorAge`,
        iteratorAge(f),
        ITERATOR_AGE_THRESHOLD.toMilliseconds(),
        `${name} is behind the table stream by more than ${ITERATOR_AGE_THRESHOLD.toHumanString()} (alerts are waiting).`,
        3,
      );
    alarm(
      'ApiServerErrors',
      props.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      1,
      'The auditors query API answered with 5xx.',
    );

    const fnMetrics = (f: (e: EngineFunction) => IMetric) => props.functions.map(({ function: e }) => f(e));
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(24),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: '# rankwatch\n考核排名监测引擎：上报 → 评估 → 预警 / ingest → assess → alert',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph(
        'Invocations',
        fnMetrics((e) => e.fn.metricInvocations()),
      ),
      graph(
        'Errors',
        fnMetrics((e) => e.fn.metricErrors()),
      ),
      graph(
        'Duration p95 (ms)',
        fnMetrics((e) => e.fn.metricDuration({ statistic: 'p95' })),
      ),
      graph(
        'Throttles',
        fnMetrics((e) => e.fn.metricThrottles()),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Stream iterator age (ms)',
        props.streamConsumers.map(({ function: f }) => iteratorAge(f)),
      ),
      graph(
        'Work queues: oldest message (s)',
        props.workQueues.map(({ queue }) => queue.metricApproximateAgeOfOldestMessage()),
      ),
      graph(
        'Dead-letter stores: messages',
        props.deadLetterStores.map(({ queue }) => queue.metricApproximateNumberOfMessagesVisible()),
      ),
      graph('Query API', [
        props.api.metricCount(),
        props.api.metricClientError(),
        props.api.metricServerError(),
      ]),
    );
  }
}

function iteratorAge(f: EngineFunction): Metric {
  return f.fn.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) }) as Metric;
}

function graph(title: string, metrics: IMetric[]): GraphWidget {
  return new GraphWidget({ title, left: metrics, width: 6, height: 6 });
}
