// Leader alerts: Ranking.Slipped → the leaders' SNS topic (e-mail subscriptions), with the alert written in
// Chinese and then English by an input transformer, and optionally the same text to a chat webhook through
// an EventBridge API destination.
import { RemovalPolicy, SecretValue } from 'aws-cdk-lib';
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
import { ApiDestination as ApiDestinationTarget, SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alertEscalated, rankingSlipped } from '../../events/index.ts';
import type { EngineConfig } from '../config.ts';
import { patternFor } from './patterns.ts';

export interface LeaderAlertsProps {
  bus: IEventBus;
  emails: readonly string[];
  webhook?: EngineConfig['webhook'];
  /** Where EventBridge puts alerts it could not deliver. */
  targetDlq: IQueue;
}

/** The alert as leaders read it: Chinese first, then English, from the slip's own bilingual message. */
export function alertText(): string {
  const zh = EventField.fromPath('$.detail.message.zh');
  const en = EventField.fromPath('$.detail.message.en');
  const key = EventField.fromPath('$.detail.alertKey');
  return `${zh}\n\n${en}\n\n(${key})`;
}

export class LeaderAlerts extends Construct {
  readonly topic: Topic;
  readonly key: Key;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: LeaderAlertsProps) {
    super(scope, id);
    this.key = new Key(this, 'TopicKey', {
      description: 'rankwatch: encrypts the leaders alert topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.topic = new Topic(this, 'Topic', {
      displayName: 'rankwatch 排名预警 / ranking alerts',
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.emails) this.topic.addSubscription(new EmailSubscription(email));

    this.rule = new Rule(this, 'Slipped', {
      eventBus: props.bus,
      description:
        'Ranking slips and escalations → leaders (SNS e-mail, optional chat webhook), in Chinese and English',
      eventPattern: patternFor([rankingSlipped, alertEscalated]),
    });
    // The SnsTopic target grants events.amazonaws.com sns:Publish in the topic policy and, because the
    // topic is encrypted, kms:Decrypt and kms:GenerateDataKey* in this key's policy (SNS calls KMS on
    // EventBridge's behalf), so no statement is written by hand.
    this.rule.addTarget(
      new SnsTopic(this.topic, {
        message: RuleTargetInput.fromText(alertText()),
        deadLetterQueue: props.targetDlq,
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
      // The text message body DingTalk and WeCom robots accept.
      this.rule.addTarget(
        new ApiDestinationTarget(destination, {
          event: RuleTargetInput.fromObject({ msgtype: 'text', text: { content: alertText() } }),
          deadLetterQueue: props.targetDlq,
        }),
      );
    }
  }
}
