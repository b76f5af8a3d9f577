import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnRule } from 'aws-cdk-lib/aws-events';
import { describe, expect, it } from 'vitest';
import {
  type CfnTemplate,
  generatedName,
  type LocalNaming,
  localModel,
  readCloudAssembly,
  TemplateError,
} from '../../local/template.ts';
import { synthRankwatch } from '../support/cdk.ts';

const naming: LocalNaming = {
  region: 'us-east-1',
  account: '000000000000',
  queueUrl: (name) => `http://127.0.0.1:9324/000000000000/${name}`,
  apiUrl: (id) => `http://127.0.0.1:9000/${id}`,
};

/** A cloud assembly on disk with these stacks (each `[name, template, dependencies]`). */
function assembly(stacks: [string, CfnTemplate, string[]?][]): string {
  const dir = mkdtempSync(join(tmpdir(), 'rankwatch-assembly-'));
  const artifacts: Record<string, unknown> = {};
  for (const [name, template, deps] of stacks) {
    writeFileSync(join(dir, `${name}.template.json`), JSON.stringify(template));
    artifacts[name] = {
      type: 'aws:cloudformation:stack',
      properties: { templateFile: `${name}.template.json` },
      dependencies: deps ?? [],
    };
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '55.0.0', artifacts }));
  return dir;
}

type Resource = NonNullable<CfnTemplate['Resources']>[string];
const fnResource = (env: Record<string, unknown>, extra: Record<string, unknown> = {}): Resource =>
  ({
    Type: 'AWS::Lambda::Function',
    Properties: {
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Environment: { Variables: env },
      ...extra,
    },
    Metadata: { 'aws:asset:path': 'asset.fn' },
  }) as Resource;

describe('readCloudAssembly', () => {
  it('orders stacks so that each comes after the stacks it depends on', () => {
    const dir = assembly([
      ['b', { Resources: {} }, ['a']],
      ['a', { Resources: {} }],
    ]);
    expect(readCloudAssembly(dir).stacks.map((s) => s.name)).toEqual(['a', 'b']);
  });

  it('says to synthesise first when there is no manifest', () => {
    expect(() => readCloudAssembly(mkdtempSync(join(tmpdir(), 'empty-')))).toThrow(/cdk synth/);
  });
});

describe('localModel resolves intrinsics as CloudFormation would, to local resources', () => {
  const stateful: CfnTemplate = {
    Resources: {
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
          StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
          TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        },
      },
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'assessments' } },
    },
    Outputs: {
      TableName: { Value: { Ref: 'Table' }, Export: { Name: 'stateful:TableName' } },
      StreamArn: { Value: { 'Fn::GetAtt': ['Table', 'StreamArn'] }, Export: { Name: 'stateful:StreamArn' } },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
      BusName: { Value: { Ref: 'Bus' }, Export: { Name: { 'Fn::Sub': '${AWS::StackName}:BusName' } } },
    },
  };
  const engine: CfnTemplate = {
    Conditions: { IsProd: { 'Fn::Equals': ['dev', 'prod'] } },
    Resources: {
      Dlq: { Type: 'AWS::SQS::Queue', Properties: {} },
      Work: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          VisibilityTimeout: 120,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: 3 },
        },
      },
      ProdOnly: { Type: 'AWS::SQS::Queue', Condition: 'IsProd', Properties: {} },
      Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'leaders' } },
      Fn: fnResource(
        {
          TABLE: { 'Fn::ImportValue': 'stateful:TableName' },
          QUEUE: { Ref: 'Work' },
          JOINED: { 'Fn::Join': ['/', [{ Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, 'x']] },
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
          SUBBED: { 'Fn::Sub': ['${Name}-${Topic.TopicName}-${!Literal}', { Name: 'n' }] },
          SELECTED: { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] },
          MAYBE: { 'Fn::If': ['IsProd', 'prod', { Ref: 'AWS::NoValue' }] },
        },
        { Timeout: 30, MemorySize: 256 },
      ),
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventBusName: { 'Fn::ImportValue': 'app-stateful:BusName' },
          EventPattern: { source: [{ prefix: 'dept.' }] },
          Targets: [
            {
              Id: 'Target0',
              Arn: { 'Fn::GetAtt': ['Work', 'Arn'] },
              DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } },
              RetryPolicy: { MaximumRetryAttempts: 4 },
            },
            {
              Id: 'Target1',
              Arn: { Ref: 'Topic' },
              InputTransformer: { InputPathsMap: { s: '$.source' }, InputTemplate: '"<s>"' },
            },
          ],
        },
      },
      Sqs: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: { Ref: 'Fn' },
          EventSourceArn: { 'Fn::GetAtt': ['Work', 'Arn'] },
          BatchSize: 50,
          MaximumBatchingWindowInSeconds: 2,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: 3 },
        },
      },
      Stream: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: { Ref: 'Fn' },
          EventSourceArn: { 'Fn::ImportValue': 'stateful:StreamArn' },
          StartingPosition: 'TRIM_HORIZON',
          FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT"]}' }] },
          BisectBatchOnFunctionError: true,
          MaximumRetryAttempts: 2,
          DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Dlq', 'Arn'] } } },
        },
      },
      Role: { Type: 'AWS::IAM::Role', Properties: {} },
    },
  };
  const dir = assembly([
    ['app-engine', engine, ['app-stateful']],
    ['app-stateful', stateful],
  ]);
  const model = localModel(readCloudAssembly(dir), naming);

  it('names resources as CloudFormation does when the template does not (stack and logical id)', () => {
    expect(model.tables.map((t) => t.name)).toEqual(['app-stateful-Table']);
    expect(model.queues.map((q) => q.name)).toEqual(['app-engine-Dlq', 'app-engine-Work']);
    expect(model.topics.map((t) => t.name)).toEqual(['leaders']);
    expect(model.buses.map((b) => b.name)).toEqual(['assessments']);
  });

  it('resolves Ref, GetAtt, Join, Sub, Select, Split, If, NoValue and ImportValue in a function environment', () => {
    expect(model.functions[0]!.environment).toEqual({
      TABLE: 'app-stateful-Table',
      QUEUE: 'http://127.0.0.1:9324/000000000000/app-engine-Work',
      JOINED: 'us-east-1/000000000000/x',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${!Literal} is Fn::Sub's escape for a literal ${Literal}
      SUBBED: 'n-leaders-${Literal}',
      SELECTED: 'b',
    });
    expect(model.functions[0]).toMatchObject({
      timeoutSeconds: 30,
      memorySize: 256,
      handler: 'index.handler',
    });
    expect(model.functions[0]!.codeDirectory).toBe(join(dir, 'asset.fn'));
  });

  it('leaves out resources whose condition is false', () => {
    expect(model.queues.some((q) => q.logicalId === 'ProdOnly')).toBe(false);
  });

  it('reads queues with their redrive policy and rules with their bus, pattern and targets', () => {
    expect(model.queues.find((q) => q.logicalId === 'Work')).toMatchObject({
      visibilityTimeoutSeconds: 120,
      redrive: { deadLetterQueue: 'arn:aws:sqs:us-east-1:000000000000:app-engine-Dlq', maxReceiveCount: 3 },
    });
    const [rule] = model.rules;
    expect(rule).toMatchObject({
      busName: 'assessments',
      pattern: '{"source":[{"prefix":"dept."}]}',
      state: 'ENABLED',
    });
    expect(rule!.targets).toEqual([
      {
        id: 'Target0',
        arn: 'arn:aws:sqs:us-east-1:000000000000:app-engine-Work',
        deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:app-engine-Dlq',
        retryPolicy: { maximumRetryAttempts: 4 },
      },
      {
        id: 'Target1',
        arn: 'arn:aws:sns:us-east-1:000000000000:leaders',
        inputTransformer: { inputPathsMap: { s: '$.source' }, inputTemplate: '"<s>"' },
      },
    ]);
    expect(model.resolveArn(rule!.targets[1]!.arn)).toEqual({ kind: 'topic', name: 'leaders' });
  });

  it('reads SQS and table-stream event source mappings, filters and on-failure destinations included', () => {
    expect(model.eventSourceMappings).toEqual([
      expect.objectContaining({
        kind: 'sqs',
        source: 'app-engine-Work',
        functionName: 'app-engine-Fn',
        batchSize: 50,
        maximumBatchingWindowSeconds: 2,
        reportBatchItemFailures: true,
        maximumConcurrency: 3,
      }),
      expect.objectContaining({
        kind: 'dynamodb',
        source: 'app-stateful-Table',
        filters: ['{"eventName":["INSERT"]}'],
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 2,
        onFailureArn: 'arn:aws:sqs:us-east-1:000000000000:app-engine-Dlq',
      }),
    ]);
  });

  it('counts the resource types it does not run', () => {
    expect(model.notEmulated).toEqual({ 'AWS::IAM::Role': 1 });
  });
});

describe('localModel errors name the stack, resource and property', () => {
  it('for an import no stack exports', () => {
    const dir = assembly([
      ['s', { Resources: { Fn: fnResource({ X: { 'Fn::ImportValue': 'nobody:exports' } }) } }],
    ]);
    expect(() => localModel(readCloudAssembly(dir), naming)).toThrow(
      /s\/Fn\.Properties\.Environment\.Variables\.X \(Fn::ImportValue\): no stack exports nobody:exports/,
    );
  });

  it('for an intrinsic function it does not know', () => {
    const dir = assembly([
      ['s', { Resources: { Fn: fnResource({ X: { 'Fn::Cidr': ['10.0.0.0/16', 2, 8] } }) } }],
    ]);
    expect(() => localModel(readCloudAssembly(dir), naming)).toThrow(TemplateError);
    expect(() => localModel(readCloudAssembly(dir), naming)).toThrow(/Fn::Cidr is not supported/);
  });
});

describe('generatedName', () => {
  it('keeps names within the service limit with a stable hash suffix', () => {
    const name = generatedName(
      'a-very-long-stack-name-for-the-engine',
      'DepartmentsRejectedTodigitaleconomyF2DFDFDD',
      'AWS::Events::Rule',
    );
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toBe(
      generatedName(
        'a-very-long-stack-name-for-the-engine',
        'DepartmentsRejectedTodigitaleconomyF2DFDFDD',
        'AWS::Events::Rule',
      ),
    );
  });
});

describe('the rankwatch app as synthesised', () => {
  it('gives the local runtime every rule, queue, mapping, function and route of the engine', () => {
    const { outdir } = synthRankwatch();
    mkdirSync(outdir, { recursive: true });
    const model = localModel(readCloudAssembly(outdir), naming);
    expect(model.tables).toHaveLength(1);
    expect(model.tables[0]!.streamViewType).toBe('NEW_IMAGE');
    expect(model.buses.map((b) => b.name)).toEqual(['rankwatch-assessments']);
    const ingest = model.rules.find((r) => r.logicalId.startsWith('IngestionDepartmentReports'))!;
    expect(JSON.parse(ingest.pattern!)).toEqual({
      source: [{ prefix: 'dept.' }],
      'detail-type': ['Indicator.ValueReported', 'Indicator.ResultsPublished'],
    });
    expect(model.resolveArn(ingest.targets[0]!.arn)).toEqual({
      kind: 'queue',
      name: expect.stringContaining('IngestionQueue'),
    });
    const table = model.tables[0]!.name;
    // Every function reads the table but notify, which only publishes to the alert topic.
    for (const fn of model.functions)
      if (fn.environment.NOTIFY_TOPIC_ARN === undefined)
        expect(fn.environment.TABLE_NAME, fn.name).toBe(table);
      else expect(fn.environment.TABLE_NAME).toBeUndefined();
    expect(model.functions.filter((f) => f.environment.NOTIFY_TOPIC_ARN !== undefined)).toHaveLength(1);
    const ingestFn = model.functions.find(
      (f) => f.environment.POWERTOOLS_SERVICE_NAME === 'rankwatch-ingest',
    )!;
    expect(ingestFn.environment.REJECTED_QUEUE_URL).toMatch(
      /^http:\/\/127\.0\.0\.1:9324\/000000000000\/.*RejectedRecords/,
    );
    // The replay job's worker sends each next period's message to its own queue, on the local SQS endpoint.
    const replayFn = model.functions.find(
      (f) => f.environment.POWERTOOLS_SERVICE_NAME === 'rankwatch-replay',
    )!;
    expect(replayFn.environment.REPLAY_QUEUE_URL).toMatch(
      /^http:\/\/127\.0\.0\.1:9324\/000000000000\/.*-ReplayQueue[0-9A-F]{8}$/,
    );
    expect(model.eventSourceMappings.map((m) => [m.kind, m.filters.length])).toEqual([
      ['sqs', 0],
      ['dynamodb', 1],
      ['dynamodb', 1],
      ['sqs', 0],
    ]);
    expect(model.httpApis[0]!.routes.map((r) => r.routeKey).sort()).toEqual([
      'GET /schemes/{scheme}/dashboard',
      'GET /schemes/{scheme}/dashboard/data',
      'GET /schemes/{scheme}/entities/{entity}/export',
      'GET /schemes/{scheme}/entities/{entity}/history',
      'GET /schemes/{scheme}/notifications',
      'GET /schemes/{scheme}/notifications/{id}',
      'GET /schemes/{scheme}/periods',
      'GET /schemes/{scheme}/periods/{period}/entities/{entity}/explain',
      'GET /schemes/{scheme}/periods/{period}/export',
      'GET /schemes/{scheme}/periods/{period}/snapshot',
      'GET /schemes/{scheme}/periods/{period}/snapshots',
      'GET /schemes/{scheme}/silences',
      'GET /schemes/{scheme}/verify',
      'POST /schemes/{scheme}/notifications/{id}/ack',
      'POST /schemes/{scheme}/silences',
    ]);
  });

  it('follows a rule changed in infra/: the local model has the new pattern, nothing written twice', () => {
    const { outdir } = synthRankwatch(
      {},
      {
        tweak: ({ engine }) => {
          const rule = engine.ingestion.rule.node.defaultChild as CfnRule;
          rule.addPropertyOverride('EventPattern.detail', { scheme: ['gansu-weekly-2026'] });
        },
      },
    );
    const model = localModel(readCloudAssembly(outdir), naming);
    const ingest = model.rules.find((r) => r.logicalId.startsWith('IngestionDepartmentReports'))!;
    expect(JSON.parse(ingest.pattern!).detail).toEqual({ scheme: ['gansu-weekly-2026'] });
  });
});
