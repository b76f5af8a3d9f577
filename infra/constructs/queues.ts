// Queues as every construct here wants them: encrypted at rest (SQS-managed keys, which EventBridge and
// Lambda can use without key policies), TLS-only, and a dead-letter store that keeps messages 14 days.
import { Duration, Validations } from 'aws-cdk-lib';
import { type DeadLetterQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface QueueOptions {
  visibilityTimeout?: Duration;
  deadLetterQueue?: DeadLetterQueue;
}

export function secureQueue(scope: Construct, id: string, options: QueueOptions = {}): Queue {
  return new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(options.deadLetterQueue ? 4 : 14),
    ...options,
  });
}

/**
 * A queue where failures end up (a DLQ, an on-failure destination, the rejected-records store). It has no
 * dead-letter queue of its own: it is the last stop, watched by an alarm.
 */
export function deadLetterStore(scope: Construct, id: string, what: string): Queue {
  const queue = secureQueue(scope, id);
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions::AwsSolutions-SQS3',
    reason: `${what}: a terminal dead-letter store (14 days, alarmed), so it has no DLQ of its own.`,
  });
  return queue;
}
