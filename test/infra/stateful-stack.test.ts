import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUS_NAME } from '../../events/sources.ts';
import { TTL_ATTRIBUTE, tableDefinition } from '../../functions/shared/table.ts';
import { PROD, synthRankwatch } from '../support/cdk.ts';

const dev = synthRankwatch();
const t = dev.statefulTemplate;
const keyRef = { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] };

describe('the stateful stack', () => {
  it('mirrors the table definition the functions and DynamoDB Local use: string PK and SK', () => {
    const def = tableDefinition('x');
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: def.KeySchema,
      AttributeDefinitions: def.AttributeDefinitions,
    });
    expect(def.KeySchema).toEqual([
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ]);
  });

  it('keeps the table on demand with a NEW_IMAGE stream, as the relay and projection read it', () => {
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: tableDefinition('x').StreamSpecification?.StreamViewType },
    });
  });

  it('protects the table: point-in-time recovery, deletion protection, retained on stack deletion', () => {
    t.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('encrypts the table with the customer-managed key, which rotates', () => {
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyRef },
    });
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('expires outbox items and sent markers through the TTL attribute the store writes', () => {
    expect(TTL_ATTRIBUTE).toBe('expiresAt');
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
  });

  it('creates the assessment bus under the name the functions and the CLI default to', () => {
    t.hasResourceProperties('AWS::Events::EventBus', { Name: DEFAULT_BUS_NAME });
  });

  it('archives every event of the bus from this account (90 days in dev, 3 years in prod)', () => {
    t.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Bus'), 'Arn'] },
      EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
      RetentionDays: 90,
    });
    synthRankwatch(PROD).statefulTemplate.hasResourceProperties('AWS::Events::Archive', {
      RetentionDays: 3 * 365,
    });
  });

  it('encrypts the bulletin bucket with the key, blocks public access and keeps versions', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyRef },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^AccessLogs') } },
    });
  });

  it('refuses every request to the bulletin bucket that is not over TLS', () => {
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^Bulletins') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('protects the production stacks from deletion', () => {
    expect(dev.stateful.terminationProtection).toBe(false);
    expect(synthRankwatch(PROD).stateful.terminationProtection).toBe(true);
  });
});
