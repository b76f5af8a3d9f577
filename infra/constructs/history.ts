// History projection: each new snapshot manifest on the table stream → one small item per entity, which
// the auditors' history and as-of queries read.
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { STREAM_KIND_PREFIX, TABLE_ENV } from '../../functions/shared/table.ts';
import { acknowledgeTableKeyWrites, EngineFunction } from './function.ts';
import { deadLetterStore } from './queues.ts';
import { tableStreamSource } from './stream.ts';

export interface HistoryProjectionProps {
  table: ITable;
  logRetention: RetentionDays;
}

export class HistoryProjection extends Construct {
  readonly function: EngineFunction;
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: HistoryProjectionProps) {
    super(scope, id);
    this.failures = deadLetterStore(this, 'Failures', 'History projection on-failure destination');
    this.function = new EngineFunction(this, 'Project', {
      entry: 'functions/project.ts',
      description: 'Projects each new snapshot into per-entity history items',
      service: 'rankwatch-project',
      logRetention: props.logRetention,
      timeout: Duration.minutes(2),
      memorySize: 1024,
      environment: { [TABLE_ENV]: props.table.tableName },
    });
    const fn = this.function.fn;
    fn.addEventSource(tableStreamSource(props.table, STREAM_KIND_PREFIX.manifest, this.failures));
    // Snapshot chunks are read with BatchGetItem; history items are written with BatchWriteItem.
    props.table.grant(fn, 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem');
    props.table.encryptionKey?.grantEncryptDecrypt(fn);
    acknowledgeTableKeyWrites(this.function);
  }
}
