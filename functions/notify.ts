// notify: Ranking.Slipped, Alert.Escalated and Reminder.Weekly from the bus → one SNS message each, plain
// text (Chinese, then English) with the attributes subscriptions filter on, so each department's e-mail
// subscription (FilterPolicy on `owner`) receives only its own indicators' alerts and its reminder, and the
// leaders' (no filter) everything. EventBridge's SNS target cannot set message attributes; this function is
// what routing by owner needs. A failed publish fails the invocation: Lambda retries it, then keeps the event
// in the on-failure queue. SNS standard topics do not de-duplicate, so a retried invocation may send twice.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Topics } from './shared/aws/sns.ts';
import { NOTIFY_TOPIC_ENV, type NotifyKind, notifyMessage } from './shared/notify-message.ts';
import { count, defaultSns, log, logger, metrics } from './shared/runtime.ts';

export interface NotifyDeps {
  sns: Topics;
  topicArn: string;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
  metric(name: 'NotificationsPublished', value: number): void;
}

export async function notifyHandler(
  event: unknown,
  deps: NotifyDeps,
): Promise<{ messageId: string; kind: NotifyKind; owner?: string }> {
  const m = notifyMessage(event);
  const { MessageId } = await deps.sns.publish({
    TopicArn: deps.topicArn,
    Subject: m.subject,
    Message: m.message,
    MessageAttributes: m.attributes,
  });
  const owner = m.attributes.owner?.StringValue;
  deps.metric('NotificationsPublished', 1);
  deps.log('info', 'notification published', { messageId: MessageId, kind: m.kind, owner });
  return { messageId: MessageId, kind: m.kind, ...(owner === undefined ? {} : { owner }) };
}

export const handler = middy((event: unknown) => {
  const topicArn = process.env[NOTIFY_TOPIC_ENV];
  if (!topicArn) throw new Error(`${NOTIFY_TOPIC_ENV} is not set`);
  return notifyHandler(event, { sns: defaultSns(), topicArn, log, metric: count });
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
