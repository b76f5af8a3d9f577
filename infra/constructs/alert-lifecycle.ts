// The alert lifecycle's scheduled side: the `escalate` function on an EventBridge Scheduler schedule (every
// 15 minutes by default; the escalation times themselves come from each scheme's SLAs, so the rate only
// bounds how late an escalation can be), and the `remind` function (周提醒) on a weekly cron in the bureau's
// time zone (Monday 09:00 Asia/Shanghai by default). Failed invocations are retried by Scheduler, then kept
// in a DLQ.
import { Duration, TimeZone } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLE_ENV } from '../../functions/shared/table.ts';
import { acknowledgeTableKeyWrites, EngineFunction } from './function.ts';
import { deadLetterStore } from './queues.ts';
import { lambdaTarget, schedulerRole } from './scheduler.ts';

export interface AlertLifecycleProps {
  table: ITable;
  logRetention: RetentionDays;
  /** How often escalate runs (default 15 minutes). */
  rate?: Duration;
  /** When remind runs each week: weekday 1 = Monday … 7 = Sunday, HH:MM, IANA zone (default 1, 09:00, Asia/Shanghai). */
  reminder?: { weekday: number; time: string; timeZone: string };
}

const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;

export class AlertLifecycle extends Construct {
  readonly escalate: EngineFunction;
  readonly escalateSchedule: Schedule;
  readonly remind: EngineFunction;
  readonly remindSchedule: Schedule;
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: AlertLifecycleProps) {
    super(scope, id);
    this.failures = deadLetterStore(this, 'ScheduleFailures', 'Scheduled lifecycle invocations that failed');
    this.escalate = new EngineFunction(this, 'Escalate', {
      entry: 'functions/escalate.ts',
      description: 'Escalates notifications past their acknowledgement SLA',
      service: 'rankwatch-escalate',
      logRetention: props.logRetention,
      timeout: Duration.minutes(2),
      memorySize: 512,
      environment: { [TABLE_ENV]: props.table.tableName },
    });
    const fn = this.escalate.fn;
    // Reads schemes and notifications; each escalation is one TransactWriteItems of Puts (state, log, outbox).
    props.table.grant(
      fn,
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:ConditionCheckItem',
    );
    props.table.encryptionKey?.grantEncryptDecrypt(fn);
    acknowledgeTableKeyWrites(this.escalate);

    this.remind = new EngineFunction(this, 'Remind', {
      entry: 'functions/remind.ts',
      description: 'Weekly reminder (周提醒) of each owner department',
      service: 'rankwatch-remind',
      logRetention: props.logRetention,
      timeout: Duration.minutes(2),
      memorySize: 512,
      environment: { [TABLE_ENV]: props.table.tableName },
    });
    // Reads schemes, heads, manifests, snapshot chunks (BatchGetItem), notifications and the last reminder;
    // each reminder is one TransactWriteItems of two conditional Puts (the reminder, its outbox item).
    props.table.grant(
      this.remind.fn,
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
    );
    props.table.encryptionKey?.grantEncryptDecrypt(this.remind.fn);
    acknowledgeTableKeyWrites(this.remind);
    const reminder = props.reminder ?? { weekday: 1, time: '09:00', timeZone: 'Asia/Shanghai' };
    const [hour, minute] = reminder.time.split(':').map(Number);

    const role = schedulerRole(this, [
      { fn, name: 'escalate' },
      { fn: this.remind.fn, name: 'remind' },
    ]);
    this.escalateSchedule = new Schedule(this, 'EscalateSchedule', {
      description: 'rankwatch: escalate notifications past their SLA',
      schedule: ScheduleExpression.rate(props.rate ?? Duration.minutes(15)),
      target: lambdaTarget(fn, {
        role,
        input: { action: 'escalate' },
        deadLetterQueue: this.failures,
        maxEventAge: Duration.hours(1),
      }),
    });
    this.remindSchedule = new Schedule(this, 'RemindSchedule', {
      description: 'rankwatch: weekly reminder (周提醒) of each owner department',
      schedule: ScheduleExpression.cron({
        minute: String(minute),
        hour: String(hour),
        weekDay: WEEKDAYS[reminder.weekday - 1]!,
        timeZone: TimeZone.of(reminder.timeZone),
      }),
      target: lambdaTarget(this.remind.fn, {
        role,
        input: { action: 'remind' },
        deadLetterQueue: this.failures,
        maxEventAge: Duration.hours(6),
      }),
    });
  }
}
