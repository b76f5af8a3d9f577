// Outbox relay: the table stream's outbox items → PutEvents on the bus. Stream retries, bisection and the
// on-failure queue make sure an alert is never lost; the relay itself re-sends only unconfirmed entries.
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { STREAM_KIND_PREFIX, TABLE_ENV } from '../../functions/shared/table.ts';
import { acknowledgeTableKeyWrites, EngineFunction } from './function.ts';
import { deadLetterStore } from './queues.ts';
import { tableStreamSource } from './stream.ts';

/** Environment variable naming the bus (read by functions/relay.ts). */
export const EVENT_BUS_ENV = 'EVENT_BUS_NAME';

export interface OutboxRelayProps {
  bus: IEventBus;
  table: ITable;
  logRetention: RetentionDays;
}

export class OutboxRelay extends Construct {
  readonly function: EngineFunction;
  /** Stream batches the relay gave up on (after bisecting and retrying). */
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: OutboxRelayProps) {
    super(scope, id);
    this.failures = deadLetterStore(this, 'Failures', 'Relay on-failure destination');
    this.function = new EngineFunction(this, 'Relay', {
      entry: 'functions/relay.ts',
      description: 'Publishes outbox events from the table stream to the assessment bus',
      service: 'rankwatch-relay',
      logRetention: props.logRetention,
      timeout: Duration.minutes(1),
      environment: { [TABLE_ENV]: props.table.tableName, [EVENT_BUS_ENV]: props.bus.eventBusName },
    });
    const fn = this.function.fn;
    fn.addEventSource(tableStreamSource(props.table, STREAM_KIND_PREFIX.outbox, this.failures));
    props.bus.grantPutEventsTo(fn);
    // Sent markers: BatchGetItem to skip what was already sent, BatchWriteItem to record what was; a
    // notification's first state: TransactWriteItems of Puts; a recovery resolving its notifications: Query
    // (the scheme's notifications and alert buckets), GetItem (the state it changes) and a Put transaction.
    props.table.grant(
      fn,
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:PutItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    );
    props.table.encryptionKey?.grantEncryptDecrypt(fn);
    acknowledgeTableKeyWrites(this.function);
  }
}
