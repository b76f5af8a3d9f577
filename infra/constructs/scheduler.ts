// EventBridge Scheduler's side of the scheduled functions (escalate, remind, bulletin): one role the schedules
// assume, allowed to invoke the named functions only, and each schedule's Lambda target with its input, the
// retries and the dead-letter queue for runs that still fail.
import { type CfnElement, type Duration, Stack, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** Scheduler's own role in `scope`; the invoke grants come with each target (LambdaInvoke adds them). */
export function schedulerRole(scope: Construct, targets: { fn: IFunction; name: string }[]): Role {
  const role = new Role(scope, 'SchedulerRole', {
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
  });
  for (const { fn, name } of targets) {
    const fnId = Stack.of(scope).getLogicalId(fn.node.defaultChild as CfnElement);
    Validations.of(role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${fnId}.Arn>:*]`,
      reason: `lambda:InvokeFunction on the ${name} function and its versions (the \`:*\` is the qualifier), as the Scheduler target grants it.`,
    });
  }
  return role;
}

/** A schedule's target: the function with this input, 3 retries within `maxEventAge`, then the DLQ. */
export function lambdaTarget(
  fn: IFunction,
  options: { role: Role; input: Record<string, unknown>; deadLetterQueue: IQueue; maxEventAge: Duration },
): LambdaInvoke {
  return new LambdaInvoke(fn, {
    input: ScheduleTargetInput.fromObject(options.input),
    deadLetterQueue: options.deadLetterQueue,
    role: options.role,
    retryAttempts: 3,
    maxEventAge: options.maxEventAge,
  });
}
