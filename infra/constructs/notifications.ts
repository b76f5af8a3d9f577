// Alert notifications: Ranking.Slipped, Alert.Escalated and Reminder.Weekly → the notify function → one SNS
// topic (KMS-encrypted) whose messages carry the attributes subscriptions filter on. Leaders' e-mail
// subscriptions have no filter and receive everything; each department's have the filter policy
// `{owner: [department]}` and receive only its indicators' alerts and its weekly reminder. (EventBridge's own
// SNS target cannot set message attributes, which routing by owner needs; a filter on the message body would
// make the e-mail JSON.) Optionally slips and escalations also go to a chat webhook through an EventBridge
// API destination, as text written by an input transformer.
import { Duration, RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import {
  ApiDestination,
  Authorization,
  Connection,
  EventField,
  HttpMethod,
  type IEventBus,
  Rule,
  RuleTargetInput,
} from 'aws-cdk-lib/aws-events';
import { ApiDestination as ApiDestinationTarget, LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alertEscalated, rankingSlipped } from '../../events/index.ts';
import { NOTIFIED_CONTRACTS, NOTIFY_TOPIC_ENV } from '../../functions/shared/notify-message.ts';
import type { EngineConfig } from '../config.ts';
import { EngineFunction } from './function.ts';
import { patternFor } from './patterns.ts';
import { deadLetterStore } from './queues.ts';

export interface NotificationsProps {
  bus: IEventBus;
  logRetention: RetentionDays;
  /** Leaders: receive every notification. */
  leaderEmails: readonly string[];
  /** Each department's addresses: receive only what that department owns. */
  departmentEmails: Readonly<Record<string, readonly string[]>>;
  /** Each escalation level's addresses (by level number): receive escalations reaching that level or above. */
  escalationEmails: Readonly<Record<string, readonly string[]>>;
  webhook?: EngineConfig['webhook'];
  /** Where EventBridge puts events it could not deliver to a target. */
  targetDlq: IQueue;
}

/** The alert as a chat robot shows it: Chinese first, then English, from the slip's own bilingual message. */
export function alertText(): string {
  const zh = EventField.fromPath('$.detail.message.zh');
  const en = EventField.fromPath('$.detail.message.en');
  const key = EventField.fromPath('$.detail.alertKey');
  return `${zh}\n\n${en}\n\n(${key})`;
}

export class Notifications extends Construct {
  readonly topic: Topic;
  readonly key: Key;
  readonly rule: Rule;
  readonly notify: EngineFunction;
  /** Notifications the function could not publish after Lambda's retries. */
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.key = new Key(this, 'TopicKey', {
      description: 'rankwatch: encrypts the alert notification topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.topic = new Topic(this, 'Topic', {
      displayName: 'rankwatch 排名预警 / ranking alerts',
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.leaderEmails) this.topic.addSubscription(new EmailSubscription(email));
    for (const [department, emails] of Object.entries(props.departmentEmails)) {
      const filterPolicy = { owner: SubscriptionFilter.stringFilter({ allowlist: [department] }) };
      for (const email of emails) this.topic.addSubscription(new EmailSubscription(email, { filterPolicy }));
    }
    for (const [level, emails] of Object.entries(props.escalationEmails)) {
      const filterPolicy = {
        kind: SubscriptionFilter.stringFilter({ allowlist: ['escalated'] }),
        level: SubscriptionFilter.numericFilter({ greaterThanOrEqualTo: Number(level) }),
      };
      for (const email of emails) this.topic.addSubscription(new EmailSubscription(email, { filterPolicy }));
    }

    this.failures = deadLetterStore(this, 'Failures', 'Notifications that could not be published');
    this.notify = new EngineFunction(this, 'Notify', {
      entry: 'functions/notify.ts',
      description: 'Publishes alerts and reminders to the notification topic, routed by owner',
      service: 'rankwatch-notify',
      logRetention: props.logRetention,
      timeout: Duration.seconds(30),
      memorySize: 256,
      environment: { [NOTIFY_TOPIC_ENV]: this.topic.topicArn },
    });
    // sns:Publish on this topic, and (the topic being encrypted) kms:Decrypt and GenerateDataKey* on its key.
    this.topic.grantPublish(this.notify.fn);
    Validations.of(this.notify.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'Publishing to the topic encrypted with its own key: the key actions CDK grants with sns:Publish, on that key only.',
    });
    this.notify.fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.failures),
    });

    this.rule = new Rule(this, 'Alerts', {
      eventBus: props.bus,
      description:
        'Ranking slips, escalations and weekly reminders → notify → SNS (leaders all, departments their own), in Chinese and English',
      eventPattern: patternFor([...NOTIFIED_CONTRACTS]),
    });
    this.rule.addTarget(
      new LambdaFunction(this.notify.fn, {
        deadLetterQueue: props.targetDlq,
        retryAttempts: 4,
        maxEventAge: Duration.hours(2),
      }),
    );

    if (props.webhook) {
      const connection = new Connection(this, 'WebhookConnection', {
        description: 'Chat webhook for ranking alerts',
        authorization: Authorization.apiKey(
          props.webhook.header,
          SecretValue.secretsManager(props.webhook.secret),
        ),
      });
      const destination = new ApiDestination(this, 'Webhook', {
        description: 'Chat webhook for ranking alerts',
        connection,
        endpoint: props.webhook.url,
        httpMethod: HttpMethod.POST,
        rateLimitPerSecond: 5,
      });
      // The text message body DingTalk and WeCom robots accept; slips and escalations only.
      new Rule(this, 'ToWebhook', {
        eventBus: props.bus,
        description: 'Ranking slips and escalations → the chat webhook, in Chinese and English',
        eventPattern: patternFor([rankingSlipped, alertEscalated]),
      }).addTarget(
        new ApiDestinationTarget(destination, {
          event: RuleTargetInput.fromObject({ msgtype: 'text', text: { content: alertText() } }),
          deadLetterQueue: props.targetDlq,
        }),
      );
    }
  }
}
