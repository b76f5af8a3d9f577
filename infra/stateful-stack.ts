// The stateful stack: what outlives any deployment of the engine — the single table (snapshots, heads, alert
// state, outbox), the assessment bus with its archive, the customer-managed key and the bulletin bucket.
// Everything here is retained on stack deletion; the engine stack can be torn down and redeployed freely.
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { DEFAULT_BUS_NAME } from '../events/sources.ts';
import { TTL_ATTRIBUTE, tableDefinition } from '../functions/shared/table.ts';
import type { EngineConfig } from './config.ts';

/** The export name of the bulletin bucket's ARN. */
export const bulletinBucketArnExport = (stage: string) => `rankwatch-${stage}-bulletin-bucket-arn`;

export interface StatefulStackProps extends StackProps {
  config: EngineConfig;
}

/** Key attributes of the production table definition (functions/shared/table.ts), mirrored here. */
function keyOf(type: 'HASH' | 'RANGE') {
  const def = tableDefinition('mirror');
  const name = def.KeySchema?.find((k) => k.KeyType === type)?.AttributeName;
  const attr = def.AttributeDefinitions?.find((a) => a.AttributeName === name);
  if (!name || attr?.AttributeType !== 'S') throw new Error(`table definition has no string ${type} key`);
  return { name, type: AttributeType.STRING };
}

export class StatefulStack extends Stack {
  readonly key: Key;
  readonly table: Table;
  readonly bus: EventBus;
  readonly bulletins: Bucket;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { stage } = props.config;

    this.key = new Key(this, 'DataKey', {
      description: `rankwatch ${stage}: encrypts the assessment table, its stream and the bulletin bucket`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.table = new Table(this, 'Table', {
      partitionKey: keyOf('HASH'),
      sortKey: keyOf('RANGE'),
      billingMode: BillingMode.PAY_PER_REQUEST,
      stream: StreamViewType.NEW_IMAGE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bus = new EventBus(this, 'Bus', {
      eventBusName: DEFAULT_BUS_NAME,
      description: 'rankwatch: department reports in, assessments, slips and bulletins out',
    });
    this.bus.archive('Archive', {
      description: 'Every event on the assessment bus, for replay and audit',
      eventPattern: { account: [this.account] },
      retention: Duration.days(stage === 'prod' ? 3 * 365 : 90),
    });

    const accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(stage === 'prod' ? 365 : 30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bulletins = new Bucket(this, 'Bulletins', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'bulletins/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Exported under a fixed name: the engine stack's bulletin function may put objects under bulletins/ only,
    // and a fixed name keeps that wildcard grant's acknowledgement stable (CDK's own export names carry a hash).
    new CfnOutput(this, 'BulletinBucketArn', {
      value: this.bulletins.bucketArn,
      exportName: bulletinBucketArnExport(stage),
    });
  }
}
