// The bulletins' schedules: the `bulletin` function on two EventBridge Scheduler cron schedules in the bureau's
// time zone — the weekly analysis (周分析, Monday 08:00 Asia/Shanghai by default) and the monthly bulletin
// (月通报, the 1st at 08:00) — writing HTML to the bulletin bucket (SSE-KMS by the bucket's default) and
// Bulletin.Published to the outbox (the relay, alone allowed to publish as the engine, sends it). Failed invocations are retried by Scheduler, then kept in a DLQ.
import { Duration, Fn, TimeZone, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BULLETIN_BUCKET_ENV, BULLETIN_PREFIX } from '../../functions/shared/bulletin-location.ts';
import { TABLE_ENV } from '../../functions/shared/table.ts';
import { acknowledgeTableKeyWrites, EngineFunction } from './function.ts';
import { deadLetterStore } from './queues.ts';
import { lambdaTarget, schedulerRole } from './scheduler.ts';

export interface BulletinsProps {
  table: ITable;
  bucket: IBucket;
  /** The export holding the bucket's ARN under a fixed name (StatefulStack), for the objects' grant. */
  bucketArnExport: string;
  logRetention: RetentionDays;
  /** IANA zone of both schedules (default Asia/Shanghai). */
  timeZone?: string;
}

export class Bulletins extends Construct {
  readonly function: EngineFunction;
  readonly weekly: Schedule;
  readonly monthly: Schedule;
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: BulletinsProps) {
    super(scope, id);
    this.failures = deadLetterStore(this, 'ScheduleFailures', 'Scheduled bulletin runs that failed');
    this.function = new EngineFunction(this, 'Bulletin', {
      entry: 'functions/bulletin.ts',
      description: 'Weekly analysis (周分析) and monthly bulletin (月通报) to the bulletin bucket',
      service: 'rankwatch-bulletin',
      logRetention: props.logRetention,
      timeout: Duration.minutes(5),
      // Charts are rendered server-side (ECharts SSR) and a 3,000 × 200 page takes seconds on one vCPU.
      memorySize: 1769,
      environment: {
        [TABLE_ENV]: props.table.tableName,
        [BULLETIN_BUCKET_ENV]: props.bucket.bucketName,
      },
    });
    const fn = this.function.fn;
    // Reads schemes, heads, manifests, chunks (BatchGetItem), projections (verify) and notifications; writes
    // one outbox item per bulletin (PutItem): the relay sends its Bulletin.Published.
    props.table.grantReadData(fn);
    props.table.grant(fn, 'dynamodb:PutItem');
    props.table.encryptionKey?.grantEncrypt(fn);
    acknowledgeTableKeyWrites(this.function);
    // PutObject under bulletins/ only, and the data key SSE-KMS asks for on its behalf (no multipart uploads).
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [Fn.join('', [Fn.importValue(props.bucketArnExport), `/${BULLETIN_PREFIX}*`])],
      }),
    );
    if (props.bucket.encryptionKey)
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:GenerateDataKey'],
          resources: [props.bucket.encryptionKey.keyArn],
        }),
      );
    Validations.of(this.function.role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${props.bucketArnExport}/${BULLETIN_PREFIX}*]`,
      reason: 's3:PutObject on the bulletin objects only (keys bulletins/<scheme>/<period>-<kind>.html).',
    });

    const role = schedulerRole(this, [{ fn, name: 'bulletin' }]);
    const timeZone = TimeZone.of(props.timeZone ?? 'Asia/Shanghai');
    const target = (kind: 'weekly' | 'monthly') =>
      lambdaTarget(fn, {
        role,
        input: { action: 'bulletin', kind },
        deadLetterQueue: this.failures,
        maxEventAge: Duration.hours(6),
      });
    this.weekly = new Schedule(this, 'WeeklySchedule', {
      description: 'rankwatch: weekly analysis (周分析) of every scheme',
      schedule: ScheduleExpression.cron({ minute: '0', hour: '8', weekDay: 'MON', timeZone }),
      target: target('weekly'),
    });
    this.monthly = new Schedule(this, 'MonthlySchedule', {
      description: 'rankwatch: monthly bulletin (月通报) of every scheme',
      schedule: ScheduleExpression.cron({ minute: '0', hour: '8', day: '1', timeZone }),
      target: target('monthly'),
    });
  }
}
