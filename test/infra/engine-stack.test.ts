import { readFileSync } from 'node:fs';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  alertEscalated,
  DEPARTMENT_EVENT_CONTRACTS,
  DEPARTMENT_SOURCE_PREFIX,
  departmentSource,
  ENGINE_SOURCE,
  EVENT_CONTRACTS,
  observationRejected,
  rankingSlipped,
  reminderWeekly,
  schemaFileName,
} from '../../events/index.ts';
import { API_ROUTES } from '../../functions/query-routes.ts';
import { BULLETIN_BUCKET_ENV } from '../../functions/shared/bulletin-location.ts';
import { OBSERVED_AT_TOLERANCE_ENV } from '../../functions/shared/department-reports.ts';
import { REPLAY_QUEUE_ENV } from '../../functions/shared/methodology-replay.ts';
import { STREAM_KIND_PREFIX } from '../../functions/shared/table.ts';
import { registrySchemaName } from '../../infra/constructs/event-schemas.ts';
import { REJECTED_QUEUE_ENV } from '../../infra/constructs/ingestion.ts';
import { ITERATOR_AGE_THRESHOLD } from '../../infra/constructs/observability.ts';
import { EVENT_BUS_ENV } from '../../infra/constructs/relay.ts';
import { STREAM_RETRY_ATTEMPTS } from '../../infra/constructs/stream.ts';
import { PROD, projectContext, synthRankwatch } from '../support/cdk.ts';

// biome-ignore lint/suspicious/noExplicitAny: synthesised CloudFormation is untyped JSON, read field by field.
type Json = any;
type Resource = { Type: string; Properties: Record<string, Json>; [k: string]: unknown };

const dev = synthRankwatch();
const t = dev.engineTemplate;
const DEPARTMENTS = projectContext().departments as string[];

const resources = (template: Template, type: string) =>
  Object.entries(template.findResources(type)) as [string, Resource][];
const only = (template: Template, type: string, props: Record<string, unknown>): [string, Resource] => {
  const found = Object.entries(template.findResources(type, { Properties: props })) as [string, Resource][];
  expect(found, `${type} matching ${JSON.stringify(props)}`).toHaveLength(1);
  return found[0]!;
};
const functionOf = (service: string) =>
  only(t, 'AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: service }) },
  });
const roleOf = (fn: Resource) => (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
/** Every action granted to a role by its inline policies. */
const actionsOf = (template: Template, role: string) =>
  resources(template, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
    .flatMap(
      ([, p]) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    )
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
const getAtt = (logicalId: string, attr = 'Arn') => ({ 'Fn::GetAtt': [logicalId, attr] });
const queueId = (pathPart: string) => {
  const hits = resources(t, 'AWS::SQS::Queue').filter(([id]) => id.startsWith(pathPart));
  expect(hits, pathPart).toHaveLength(1);
  return hits[0]![0];
};

const SERVICES = [
  'rankwatch-ingest',
  'rankwatch-relay',
  'rankwatch-project',
  'rankwatch-query',
  'rankwatch-escalate',
  'rankwatch-remind',
  'rankwatch-notify',
  'rankwatch-bulletin',
  'rankwatch-dashboard',
  'rankwatch-replay',
];

describe('every function', () => {
  it('is one of the engine’s ten, each with its Powertools service name', () => {
    const names = resources(t, 'AWS::Lambda::Function').map(
      ([, f]) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME,
    );
    expect(names.sort()).toEqual([...SERVICES].sort());
  });

  it.each(SERVICES)(
    '%s runs Node.js 22 on arm64 with active tracing, source maps and metrics namespace',
    (service) => {
      const [, fn] = functionOf(service);
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: {
            POWERTOOLS_SERVICE_NAME: service,
            POWERTOOLS_METRICS_NAMESPACE: 'rankwatch',
            NODE_OPTIONS: '--enable-source-maps',
          },
        },
      });
    },
  );

  it.each(SERVICES)(
    '%s logs to a group of its own with a retention, the only log permission it has',
    (service) => {
      const [, fn] = functionOf(service);
      const group = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      t.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 } });
      expect(t.toJSON().Resources[group].Properties).toEqual({ RetentionInDays: 30 });
      const role = t.toJSON().Resources[roleOf(fn)];
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const logStatements = resources(t, 'AWS::IAM::Policy')
        .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleOf(fn)))
        .flatMap(
          ([, p]) => p.Properties.PolicyDocument.Statement as { Action: string[]; Resource: unknown }[],
        )
        .filter((s) => [s.Action].flat().some((a) => a.startsWith('logs:')));
      expect(logStatements).toEqual([
        { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: getAtt(group) },
      ]);
    },
  );

  it('keeps logs a year in prod', () => {
    const prod = synthRankwatch(PROD).engineTemplate;
    for (const [, group] of resources(prod, 'AWS::Logs::LogGroup'))
      expect(group.Properties.RetentionInDays).toBe(365);
  });
});

describe('ingest', () => {
  const [ingestId, ingest] = functionOf('rankwatch-ingest');
  const queue = queueId('IngestionQueue');
  const dlq = queueId('IngestionDeadLetterQueue');
  const rejected = queueId('IngestionRejectedRecords');

  it('is fed by a rule matching the department contracts on the bus, through the ingest queue', () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: [{ prefix: DEPARTMENT_SOURCE_PREFIX }],
        'detail-type': DEPARTMENT_EVENT_CONTRACTS.map((c) => c.detailType),
      },
      Targets: [
        Match.objectLike({
          Arn: getAtt(queue),
          DeadLetterConfig: { Arn: getAtt(queueId('EventTargetDlq')) },
        }),
      ],
    });
  });

  it('reads the queue in batches and reports partial batch failures', () => {
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(queue),
      FunctionName: { Ref: ingestId },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
    });
  });

  it('hands a record to the DLQ after five receives, with visibility six times the function timeout', () => {
    const q = t.toJSON().Resources[queue].Properties;
    expect(q.RedrivePolicy).toEqual({ deadLetterTargetArn: getAtt(dlq), maxReceiveCount: 5 });
    expect(q.VisibilityTimeout).toBe(6 * ingest.Properties.Timeout);
    expect(q.SqsManagedSseEnabled).toBe(true);
  });

  it('gives ingest the observedAt tolerance from context: 300 s by default, or the value set', () => {
    expect(ingest.Properties.Environment.Variables[OBSERVED_AT_TOLERANCE_ENV]).toBe('300');
    const set = synthRankwatch({ observedAtToleranceSeconds: 45 }).engineTemplate;
    const [, fn] = only(set, 'AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'rankwatch-ingest' }) },
    });
    expect(fn.Properties.Environment.Variables[OBSERVED_AT_TOLERANCE_ENV]).toBe('45');
  });

  it('keeps rejected raw records in their own queue, named by REJECTED_QUEUE_URL', () => {
    expect(ingest.Properties.Environment.Variables[REJECTED_QUEUE_ENV]).toEqual({ Ref: rejected });
    expect(actionsOf(t, roleOf(ingest))).toContain('sqs:SendMessage');
  });

  it('may read and put table items but never update or delete them', () => {
    const actions = actionsOf(t, roleOf(ingest));
    expect(actions).toEqual(
      expect.arrayContaining([
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:BatchGetItem',
        'dynamodb:PutItem',
        'dynamodb:BatchWriteItem',
      ]),
    );
    expect(actions).not.toContain('dynamodb:UpdateItem');
    expect(actions).not.toContain('dynamodb:DeleteItem');
    expect(actions).not.toContain('events:PutEvents');
  });
});

describe('the replay job', () => {
  const [replayId, replay] = functionOf('rankwatch-replay');
  const queue = queueId('ReplayQueue');
  const dlq = queueId('ReplayDeadLetterQueue');

  it('reads its queue one message (one period) at a time and reports batch item failures', () => {
    const [, mapping] = only(t, 'AWS::Lambda::EventSourceMapping', { FunctionName: { Ref: replayId } });
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: getAtt(queue),
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(mapping.Properties.MaximumBatchingWindowInSeconds).toBeUndefined();
  });

  it('hands a period to its DLQ after three receives, with visibility six times the function timeout, SSE and TLS only', () => {
    const q = t.toJSON().Resources[queue].Properties;
    expect(q.RedrivePolicy).toEqual({ deadLetterTargetArn: getAtt(dlq), maxReceiveCount: 3 });
    expect(q.VisibilityTimeout).toBe(6 * replay.Properties.Timeout);
    expect(replay.Properties.Timeout).toBe(120);
    for (const id of [queue, dlq]) {
      expect(t.toJSON().Resources[id].Properties.SqsManagedSseEnabled, id).toBe(true);
      t.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('is told the table and its own queue, may send to that queue only, and is fed by nothing else', () => {
    const vars = replay.Properties.Environment.Variables as Record<string, unknown>;
    expect(vars[REPLAY_QUEUE_ENV]).toEqual({ Ref: queue });
    expect(Object.keys(vars)).toContain('TABLE_NAME');
    const statements = resources(t, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleOf(replay)))
      .flatMap(
        ([, p]) =>
          p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
      );
    const sends = statements.filter((s) => [s.Action].flat().includes('sqs:SendMessage'));
    expect(sends.map((s) => s.Resource)).toEqual([getAtt(queue)]);
    // The event source's receive and delete, on its queue only.
    const receives = statements.filter((s) => [s.Action].flat().includes('sqs:ReceiveMessage'));
    expect(receives.map((s) => s.Resource)).toEqual([getAtt(queue)]);
    expect(resources(t, 'AWS::Events::Rule').some(([, r]) => JSON.stringify(r).includes(queue))).toBe(false);
  });

  it('may read the table, put the snapshot transaction and chunks, use the table key, and never update, delete or publish', () => {
    const actions = actionsOf(t, roleOf(replay));
    expect(actions).toEqual(
      expect.arrayContaining([
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:BatchGetItem',
        'dynamodb:PutItem',
        'dynamodb:BatchWriteItem',
        'kms:Decrypt',
        'kms:GenerateDataKey*',
      ]),
    );
    expect(actions).not.toContain('dynamodb:UpdateItem');
    expect(actions).not.toContain('dynamodb:DeleteItem');
    expect(actions.some((a) => a.startsWith('events:') || a.startsWith('sns:'))).toBe(false);
  });

  it('names its queue in the stack output ReplayQueueUrl (for rankwatch replay --job --aws --queue-url)', () => {
    expect(t.toJSON().Outputs.ReplayQueueUrl).toEqual({ Value: { Ref: queue } });
  });
});

describe('the table-stream consumers', () => {
  it.each([
    ['rankwatch-relay', STREAM_KIND_PREFIX.outbox, 'RelayFailures'],
    ['rankwatch-project', STREAM_KIND_PREFIX.manifest, 'HistoryFailures'],
  ])(
    '%s reads only inserted %s items, bisects, retries a bounded number of times, then gives up to a queue',
    (service, prefix, failures) => {
      const [id] = functionOf(service);
      const [, mapping] = only(t, 'AWS::Lambda::EventSourceMapping', { FunctionName: { Ref: id } });
      expect(mapping.Properties).toMatchObject({
        StartingPosition: 'TRIM_HORIZON',
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: STREAM_RETRY_ATTEMPTS,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: getAtt(queueId(failures)) } },
      });
      expect(JSON.stringify(mapping.Properties.EventSourceArn)).toContain('StreamArn');
      const patterns = (mapping.Properties.FilterCriteria.Filters as { Pattern: string }[]).map((f) =>
        JSON.parse(f.Pattern),
      );
      expect(patterns).toEqual([{ eventName: ['INSERT'], dynamodb: { Keys: { PK: { S: [{ prefix }] } } } }]);
    },
  );

  it('the relay may put events on the bus it is told about, read and write its sent markers, and store notifications', () => {
    const [, relay] = functionOf('rankwatch-relay');
    expect(JSON.stringify(relay.Properties.Environment.Variables[EVENT_BUS_ENV])).toContain('Bus');
    const actions = actionsOf(t, roleOf(relay));
    expect(actions).toEqual(
      expect.arrayContaining(['events:PutEvents', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem']),
    );
    // A notification's first state and its log item: one TransactWriteItems of conditional Puts.
    expect(actions).toContain('dynamodb:PutItem');
    expect(actions).not.toContain('dynamodb:UpdateItem');
    expect(actions).not.toContain('dynamodb:DeleteItem');
  });

  it('the projection may read chunks and write history items, and publish nothing', () => {
    const actions = actionsOf(t, roleOf(functionOf('rankwatch-project')[1]));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem']));
    expect(actions).not.toContain('events:PutEvents');
  });
});

describe('alert notifications', () => {
  const [topicId] = only(t, 'AWS::SNS::Topic', { DisplayName: Match.stringLikeRegexp('排名预警') });
  const keyId = (t.toJSON().Resources[topicId].Properties.KmsMasterKeyId as { 'Fn::GetAtt': string[] })[
    'Fn::GetAtt'
  ][0]!;
  const [notifyId, notifyFn] = functionOf('rankwatch-notify');

  it('go to a topic encrypted with a customer-managed key that rotates, over TLS only', () => {
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    expect(t.toJSON().Resources[keyId].Type).toBe('AWS::KMS::Key');
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('come from a rule on Ranking.Slipped, Alert.Escalated and Reminder.Weekly to the notify function', () => {
    const [, rule] = only(t, 'AWS::Events::Rule', {
      EventPattern: {
        source: rankingSlipped.sourcePattern,
        'detail-type': [rankingSlipped.detailType, alertEscalated.detailType, reminderWeekly.detailType],
      },
    });
    const targets = rule.Properties.Targets as Record<string, Json>[];
    expect(targets).toHaveLength(1);
    expect(targets[0]!.Arn).toEqual(getAtt(notifyId));
    expect(targets[0]!.Input).toBeUndefined(); // the whole event: notify checks it against its contract
    expect(targets[0]!.DeadLetterConfig).toEqual({ Arn: getAtt(queueId('EventTargetDlq')) });
    expect(targets[0]!.RetryPolicy).toEqual({ MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 });
    // EventBridge no longer publishes to the topic itself: nothing grants it sns:Publish.
    expect(JSON.stringify(t.toJSON().Resources[keyId].Properties.KeyPolicy)).not.toContain(
      'events.amazonaws.com',
    );
  });

  it('are published by notify, which may publish to this topic and use its key, and nothing else', () => {
    expect(notifyFn.Properties.Environment.Variables.NOTIFY_TOPIC_ARN).toEqual({ Ref: topicId });
    const actions = actionsOf(t, roleOf(notifyFn));
    expect(actions.filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:')).sort()).toEqual(
      // …and hand a failed invocation to its on-failure queue (the destination's grant).
      [
        'kms:Decrypt',
        'kms:GenerateDataKey*',
        'sns:Publish',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleOf(notifyFn) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: topicId } }),
          Match.objectLike({ Resource: getAtt(keyId) }),
        ]),
      },
    });
  });

  it('keep what notify could not publish: Lambda retries twice, then the on-failure queue', () => {
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: notifyId },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: getAtt(queueId('NotificationsFailures')) } },
    });
  });

  it('reach every leader unfiltered, and each department only what it owns (a filter policy on owner)', () => {
    const routed = synthRankwatch({
      alertEmails: 'a@gansu.example.cn,b@gansu.example.cn',
      departmentEmails: JSON.stringify({
        [DEPARTMENTS[0]!]: ['d0@gansu.example.cn'],
        [DEPARTMENTS[1]!]: ['d1@gansu.example.cn', 'd1b@gansu.example.cn'],
      }),
      escalationEmails: JSON.stringify({ 2: ['l2@gansu.example.cn'] }),
    }).engineTemplate;
    const subscriptions = resources(routed, 'AWS::SNS::Subscription').map(([, r]) => r.Properties);
    const byEndpoint = Object.fromEntries(subscriptions.map((p) => [p.Endpoint, p]));
    expect(Object.keys(byEndpoint).sort()).toEqual([
      'a@gansu.example.cn',
      'b@gansu.example.cn',
      'd0@gansu.example.cn',
      'd1@gansu.example.cn',
      'd1b@gansu.example.cn',
      'l2@gansu.example.cn',
    ]);
    for (const p of subscriptions) expect(p.Protocol).toBe('email');
    expect(byEndpoint['a@gansu.example.cn'].FilterPolicy).toBeUndefined();
    expect(byEndpoint['b@gansu.example.cn'].FilterPolicy).toBeUndefined();
    expect(byEndpoint['d0@gansu.example.cn'].FilterPolicy).toEqual({ owner: [DEPARTMENTS[0]] });
    expect(byEndpoint['d1@gansu.example.cn'].FilterPolicy).toEqual({ owner: [DEPARTMENTS[1]] });
    expect(byEndpoint['d1b@gansu.example.cn'].FilterPolicy).toEqual({ owner: [DEPARTMENTS[1]] });
    // An escalation level's addresses: escalations reaching that level or above, nothing else.
    expect(byEndpoint['l2@gansu.example.cn'].FilterPolicy).toEqual({
      kind: ['escalated'],
      level: [{ numeric: ['>=', 2] }],
    });
    // The dev context (cdk.json): one leader, one address per department and one per escalation level of the
    // Gansu scheme (分管领导, 局主要领导), under the reserved .example domain.
    const dev = resources(t, 'AWS::SNS::Subscription').map(([, r]) => [
      r.Properties.Endpoint,
      r.Properties.FilterPolicy,
    ]);
    expect(dev.sort()).toEqual(
      [
        ['leader@lanzhou.rankwatch.example', undefined],
        ...DEPARTMENTS.map((d) => [`${d}@lanzhou.rankwatch.example`, { owner: [d] }]),
        ['deputy@lanzhou.rankwatch.example', { kind: ['escalated'], level: [{ numeric: ['>=', 1] }] }],
        ['director@lanzhou.rankwatch.example', { kind: ['escalated'], level: [{ numeric: ['>=', 2] }] }],
      ].sort(),
    );
  });

  it('refuse department addresses for a department that does not publish, naming the context key', () => {
    expect(() => synthRankwatch({ departmentEmails: '{"nosuch":["x@gansu.example.cn"]}' })).toThrow(
      /context departmentEmails\.nosuch: department "nosuch" is not in departments/,
    );
    expect(() => synthRankwatch({ departmentEmails: `{"${DEPARTMENTS[0]}":["not-an-address"]}` })).toThrow(
      new RegExp(`context departmentEmails\\.${DEPARTMENTS[0]}\\.0`),
    );
    expect(() => synthRankwatch({ escalationEmails: '{"first":["x@gansu.example.cn"]}' })).toThrow(
      /context escalationEmails\.first/,
    );
  });

  it('also go to a chat webhook through an API destination when one is configured', () => {
    const url = 'https://oapi.dingtalk.example.cn/robot/send?access_token=x';
    const w = synthRankwatch({
      webhook: JSON.stringify({ url, secret: 'rankwatch/webhook' }),
    }).engineTemplate;
    w.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'API_KEY',
      AuthParameters: {
        ApiKeyAuthParameters: {
          ApiKeyName: 'x-api-key',
          ApiKeyValue: Match.stringLikeRegexp('resolve:secretsmanager:rankwatch/webhook'),
        },
      },
    });
    w.hasResourceProperties('AWS::Events::ApiDestination', { InvocationEndpoint: url, HttpMethod: 'POST' });
    w.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': [rankingSlipped.detailType, alertEscalated.detailType] },
      Targets: Match.arrayWith([
        Match.objectLike({
          InputTransformer: Match.objectLike({ InputTemplate: Match.stringLikeRegexp('"msgtype":"text"') }),
        }),
      ]),
    });
    expect(resources(t, 'AWS::Events::ApiDestination')).toEqual([]);
  });
});

describe('departments', () => {
  const busPolicies = resources(t, 'AWS::Events::EventBusPolicy').map(
    ([, p]) => p.Properties.Statement as Statement,
  );
  const roleIdOf = (dept: string) => {
    const hits = resources(t, 'AWS::IAM::Role').filter(([id]) =>
      id.startsWith(`DepartmentsPublisher${dept}`),
    );
    expect(hits).toHaveLength(1);
    return hits[0]![0];
  };
  const relayRole = roleOf(functionOf('rankwatch-relay')[1]);

  it.each(DEPARTMENTS)(
    '%s gets its rejections back: a rule on its source routes them to its own queue',
    (dept) => {
      const queue = queueId(`DepartmentsRejections${dept}`);
      t.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: observationRejected.sourcePattern,
          'detail-type': [observationRejected.detailType],
          detail: { originalSource: [departmentSource(dept)] },
        },
        Targets: [Match.objectLike({ Arn: getAtt(queue) })],
      });
      expect(actionsOf(t, roleIdOf(dept))).toEqual(
        expect.arrayContaining(['events:PutEvents', 'sqs:ReceiveMessage', 'sqs:DeleteMessage']),
      );
    },
  );

  /** What the bus policy's Deny statements decide for a principal (a role's logical id) and a source. */
  function denied(principal: string, source: string): boolean {
    const arn = (v: unknown) => (v as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const list = (v: unknown) => (Array.isArray(v) ? v : [v]);
    const like = (pattern: string, s: string) =>
      new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(s);
    return busPolicies.some((st) => {
      expect(st.Effect).toBe('Deny');
      expect(st.Action).toBe('events:PutEvents');
      return Object.entries(st.Condition).every(([op, cond]) => {
        const [[key, value]] = Object.entries(cond) as [[string, unknown]];
        const actual = key === 'aws:PrincipalArn' ? principal : source;
        const values = list(value).map((v) => (key === 'aws:PrincipalArn' ? arn(v) : (v as string)));
        switch (op) {
          case 'ArnEquals':
          case 'StringEquals':
            return values.includes(actual);
          case 'ArnNotEquals':
          case 'StringNotEquals':
            return !values.includes(actual);
          case 'StringLike':
            return values.some((p) => like(p ?? '', actual));
          default:
            throw new Error(`operator ${op} not modelled`);
        }
      });
    });
  }

  it('the bus policy lets each department role publish only as its own source', () => {
    const [a, b] = DEPARTMENTS as [string, string];
    expect(denied(roleIdOf(a), departmentSource(a))).toBe(false);
    expect(denied(roleIdOf(a), departmentSource(b))).toBe(true);
    expect(denied(roleIdOf(a), `${DEPARTMENT_SOURCE_PREFIX}unknown`)).toBe(true);
    expect(denied(roleIdOf(a), ENGINE_SOURCE)).toBe(true);
    expect(denied(roleIdOf(a), 'somebody.else')).toBe(true);
  });

  it('the bus policy keeps department sources from any other principal in the account', () => {
    for (const dept of DEPARTMENTS) expect(denied('SomeAdminRole', departmentSource(dept))).toBe(true);
    expect(denied(relayRole, departmentSource(DEPARTMENTS[0]!))).toBe(true);
  });

  it('the bus policy lets only the relay speak as the engine', () => {
    expect(denied(relayRole, ENGINE_SOURCE)).toBe(false);
    expect(denied('SomeAdminRole', ENGINE_SOURCE)).toBe(true);
    expect(denied(roleOf(functionOf('rankwatch-ingest')[1]), ENGINE_SOURCE)).toBe(true);
  });

  it('each deny statement applies to everyone (Principal *) on the assessment bus', () => {
    for (const st of busPolicies) {
      expect(st.Principal).toBe('*');
      expect(JSON.stringify(st.Resource)).toContain('Bus');
    }
  });
});

type Statement = {
  Effect: string;
  Action: string;
  Principal: unknown;
  Resource: unknown;
  Condition: Record<string, Record<string, unknown>>;
};

describe('the auditors’ query API', () => {
  const [queryId, query] = functionOf('rankwatch-query');

  it('requires IAM authorisation on every route and serves exactly the query and notification routes', () => {
    const routes = resources(t, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(
      Object.values(API_ROUTES)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    );
    for (const r of routes) expect(r.AuthorizationType).toBe('AWS_IAM');
  });

  it('sends the dashboard’s routes to the dashboard function and every other route to the query function', () => {
    const [dashboardId] = functionOf('rankwatch-dashboard');
    const integrations = new Map(
      resources(t, 'AWS::ApiGatewayV2::Integration').map(([id, i]) => [
        id,
        JSON.stringify(i.Properties.IntegrationUri),
      ]),
    );
    for (const [, r] of resources(t, 'AWS::ApiGatewayV2::Route')) {
      const target = String(r.Properties.Target).replace(/^integrations\//, '');
      const integration = (r.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] })[
        'Fn::Join'
      ][1][1].Ref;
      const uri = integrations.get(integration ?? target);
      const fn = String(r.Properties.RouteKey).includes('/dashboard') ? dashboardId : queryId;
      expect(uri, String(r.Properties.RouteKey)).toBe(JSON.stringify(getAtt(fn)));
    }
  });

  it('lets the dashboard function read the table and list bulletins/ of the bulletin bucket, and write nothing', () => {
    const [, dashboard] = functionOf('rankwatch-dashboard');
    const role = roleOf(dashboard);
    const actions = actionsOf(t, role);
    expect(
      actions.filter((a) =>
        /^(dynamodb:(Put|Update|Delete|BatchWrite|TransactWrite)|s3:Put|events:|sns:)/.test(a),
      ),
    ).toEqual([]);
    const list = resources(t, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[])
      .find((st) => st.Action === 's3:ListBucket');
    expect(list).toMatchObject({
      Resource: { 'Fn::ImportValue': 'rankwatch-dev-bulletin-bucket-arn' },
      Condition: { StringLike: { 's3:prefix': ['bulletins/*'] } },
    });
    expect(dashboard.Properties.Environment.Variables[BULLETIN_BUCKET_ENV]).toBeDefined();
  });

  it('logs every request and throttles on its stage', () => {
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: getAtt(Match.stringLikeRegexp('^AuditApiAccessLogs') as unknown as string),
      },
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
  });

  it('is served by the query function, which may read the table and write only acknowledgements (conditional Puts)', () => {
    t.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: getAtt(queryId),
    });
    const actions = actionsOf(t, roleOf(query));
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem']),
    );
    expect(actions).toContain('dynamodb:PutItem');
    for (const write of ['UpdateItem', 'DeleteItem', 'BatchWriteItem'])
      expect(actions).not.toContain(`dynamodb:${write}`);
    expect(query.Properties.Environment.Variables.CALLER_ROLES).toBeDefined();
  });

  /** The route paths a role may invoke, as `METHOD path` (path parameters as `*`). */
  const invokable = (logicalPrefix: string) => {
    const [role] = resources(t, 'AWS::IAM::Role').find(([id]) => id.startsWith(logicalPrefix))!;
    return resources(t, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as { Action: string; Resource: Json }[])
      .filter((st) => st.Action === 'execute-api:Invoke')
      .flatMap((st) => (Array.isArray(st.Resource) ? st.Resource : [st.Resource]))
      .map((r: Json) => {
        const text =
          typeof r === 'string'
            ? r
            : (r['Fn::Join'][1] as Json[]).filter((x) => typeof x === 'string').join('');
        return text.slice(text.indexOf('/*/') + 3);
      })
      .sort();
  };

  it('grants each route to the callers it names: auditors read, leaders and departments also acknowledge and silence', () => {
    const ack = 'POST/schemes/*/notifications/*/ack';
    const silence = 'POST/schemes/*/silences';
    const dashboard = ['GET/schemes/*/dashboard', 'GET/schemes/*/dashboard/data'];
    expect(invokable('AuditApiAuditor')).not.toContain(ack);
    expect(invokable('AuditApiAuditor')).not.toContain(silence);
    expect(invokable('AuditApiAuditor')).toContain('GET/schemes/*/notifications');
    expect(invokable('AuditApiAuditor')).toContain('GET/schemes/*/silences');
    expect(invokable('AuditApiAuditor')).toEqual(expect.arrayContaining(dashboard));
    expect(invokable('AuditApiLeader')).toEqual(
      [
        'GET/schemes/*/notifications',
        'GET/schemes/*/notifications/*',
        ack,
        'GET/schemes/*/silences',
        silence,
        ...dashboard,
      ].sort(),
    );
    expect(invokable('DepartmentsPublisherhotline12345')).toEqual(invokable('AuditApiLeader'));
  });

  it('may be called by the Auditor role, which may do nothing else', () => {
    const [auditor] = resources(t, 'AWS::IAM::Role').find(([id]) => id.startsWith('AuditApiAuditor'))!;
    expect(actionsOf(t, auditor)).toEqual(['execute-api:Invoke']);
  });
});

describe('the schema registry', () => {
  it.each(EVENT_CONTRACTS.map((c) => [c.detailType, c] as const))(
    'publishes %s v1 as JSON Schema Draft 4, exactly as frozen',
    (_name, contract) => {
      const [, schema] = only(t, 'AWS::EventSchemas::Schema', { SchemaName: registrySchemaName(contract) });
      expect(schema.Properties.Type).toBe('JSONSchemaDraft4');
      const published = JSON.parse(
        readFileSync(
          new URL(`../../events/schemas/published/${schemaFileName(contract)}`, import.meta.url),
          'utf8',
        ),
      );
      const content = JSON.parse(schema.Properties.Content as string);
      expect(content).toEqual(published);
      expect(content.$schema).toBe('http://json-schema.org/draft-04/schema#');
      expect(schema.Properties.RegistryName).toBe('rankwatch-dev');
    },
  );
});

describe('alarms and the dashboard', () => {
  const alarms = resources(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  const [opsTopic] = only(t, 'AWS::SNS::Topic', { DisplayName: Match.stringLikeRegexp('运行告警') });
  const alarmOn = (metric: string, dimension: string, value: unknown) =>
    alarms.filter(
      (a) =>
        a.MetricName === metric &&
        (a.Dimensions as { Name: string; Value: unknown }[]).some(
          (d) => d.Name === dimension && JSON.stringify(d.Value) === JSON.stringify(value),
        ),
    );

  /** Every queue something fails into: redrive targets, stream on-failure destinations, rule-target DLQs, rejected records. */
  function deadLetterStores(): string[] {
    const ids = new Set<string>();
    const json = t.toJSON().Resources as Record<string, Resource>;
    for (const r of Object.values(json)) {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::SQS::Queue' && p.RedrivePolicy)
        ids.add(p.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0]);
      if (r.Type === 'AWS::Lambda::EventSourceMapping' && p.DestinationConfig)
        ids.add(p.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0]);
      if (r.Type === 'AWS::Events::Rule')
        for (const target of p.Targets ?? [])
          if (target.DeadLetterConfig) ids.add(target.DeadLetterConfig.Arn['Fn::GetAtt'][0]);
    }
    ids.add(queueId('IngestionRejectedRecords'));
    return [...ids];
  }

  it('watch every dead-letter store: one message in it raises an alarm to the operators', () => {
    const stores = deadLetterStores();
    expect(stores.length).toBeGreaterThanOrEqual(5);
    for (const q of stores) {
      const [alarm] = alarmOn('ApproximateNumberOfMessagesVisible', 'QueueName', getAtt(q, 'QueueName'));
      expect(alarm, q).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: opsTopic }],
      });
    }
  });

  it.each(SERVICES)('watch %s for errors', (service) => {
    const [id] = functionOf(service);
    expect(alarmOn('Errors', 'FunctionName', { Ref: id })[0]).toMatchObject({
      Threshold: 1,
      AlarmActions: [{ Ref: opsTopic }],
    });
  });

  it.each(['rankwatch-relay', 'rankwatch-project'])(
    'watch how far %s is behind the table stream',
    (service) => {
      const [id] = functionOf(service);
      expect(alarmOn('IteratorAge', 'FunctionName', { Ref: id })[0]).toMatchObject({
        Statistic: 'Maximum',
        Threshold: ITERATOR_AGE_THRESHOLD.toMilliseconds(),
        AlarmActions: [{ Ref: opsTopic }],
      });
    },
  );

  it('notify an encrypted topic CloudWatch may publish to', () => {
    const topic = t.toJSON().Resources[opsTopic].Properties;
    const key = t.toJSON().Resources[topic.KmsMasterKeyId['Fn::GetAtt'][0]].Properties;
    expect(key.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    const withEmail = synthRankwatch({ alarmEmails: ['ops@gansu.example.cn'] }).engineTemplate;
    withEmail.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@gansu.example.cn',
    });
  });

  it('are shown on one dashboard with invocations, errors, iterator age and queue depths', () => {
    const [, dash] = only(t, 'AWS::CloudWatch::Dashboard', { DashboardName: 'rankwatch-dev' });
    const body = JSON.stringify(dash.Properties.DashboardBody);
    for (const metric of [
      'Invocations',
      'Errors',
      'IteratorAge',
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      '5xx',
    ])
      expect(body).toContain(metric);
  });
});

describe('the alert lifecycle (提级)', () => {
  const [escalateId, escalate] = functionOf('rankwatch-escalate');

  it('runs escalate every 15 minutes on an EventBridge Scheduler schedule, with retries and a DLQ', () => {
    const [, schedule] = only(t, 'AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(15 minutes)' });
    expect(schedule.Properties.State).toBe('ENABLED');
    expect(schedule.Properties.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    expect(schedule.Properties.Target).toMatchObject({
      Arn: getAtt(escalateId),
      Input: JSON.stringify({ action: 'escalate' }),
      DeadLetterConfig: { Arn: getAtt(queueId('AlertLifecycleScheduleFailures')) },
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
    });
  });

  it('lets escalate read notifications and write its transactions, and nothing else on the table', () => {
    const actions = actionsOf(t, roleOf(escalate)).filter((a) => a.startsWith('dynamodb:'));
    expect(actions.sort()).toEqual(
      ['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'].sort(),
    );
    expect(escalate.Properties.Runtime).toBe('nodejs22.x');
  });

  const [remindId, remind] = functionOf('rankwatch-remind');

  it('runs remind (周提醒) every Monday at 09:00 in Asia/Shanghai, with retries and the same DLQ', () => {
    const [, schedule] = only(t, 'AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 9 ? * MON *)' });
    expect(schedule.Properties.ScheduleExpressionTimezone).toBe('Asia/Shanghai');
    expect(schedule.Properties.State).toBe('ENABLED');
    expect(schedule.Properties.Target).toMatchObject({
      Arn: getAtt(remindId),
      Input: JSON.stringify({ action: 'remind' }),
      DeadLetterConfig: { Arn: getAtt(queueId('AlertLifecycleScheduleFailures')) },
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 6 * 3600 },
    });
  });

  it('lets remind read what a reminder is made of and write its two conditional puts, and nothing else', () => {
    const actions = actionsOf(t, roleOf(remind)).filter((a) => a.startsWith('dynamodb:'));
    expect(actions.sort()).toEqual(
      ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'].sort(),
    );
    expect(remind.Properties.Runtime).toBe('nodejs22.x');
  });
});

describe('the bulletins (周分析, 月通报)', () => {
  const [bulletinId, bulletin] = functionOf('rankwatch-bulletin');

  it.each([
    ['weekly', 'cron(0 8 ? * MON *)'],
    ['monthly', 'cron(0 8 1 * ? *)'],
  ])('runs the %s bulletin on %s in Asia/Shanghai, with retries and its DLQ', (kind, expression) => {
    const [, schedule] = only(t, 'AWS::Scheduler::Schedule', { ScheduleExpression: expression });
    expect(schedule.Properties.ScheduleExpressionTimezone).toBe('Asia/Shanghai');
    expect(schedule.Properties.State).toBe('ENABLED');
    expect(schedule.Properties.Target).toMatchObject({
      Arn: getAtt(bulletinId),
      Input: JSON.stringify({ action: 'bulletin', kind }),
      DeadLetterConfig: { Arn: getAtt(queueId('BulletinsScheduleFailures')) },
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 6 * 3600 },
    });
  });

  it('is told the table and the bucket, not the bus (its event goes through the outbox)', () => {
    const vars = bulletin.Properties.Environment.Variables as Record<string, unknown>;
    expect(Object.keys(vars)).toEqual(expect.arrayContaining(['TABLE_NAME', BULLETIN_BUCKET_ENV]));
    expect(Object.keys(vars)).not.toContain(EVENT_BUS_ENV);
  });

  it('reads the table and puts its outbox item, puts objects under bulletins/ only, asks KMS for data keys; no bus access', () => {
    const role = roleOf(bulletin);
    const statements = resources(t, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
      .flatMap(
        ([, p]) =>
          p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
      );
    const actions = actionsOf(t, role);
    expect(
      actions
        .filter((a) => a.startsWith('dynamodb:') && a !== 'dynamodb:PutItem')
        .every((a) => /^dynamodb:(Get|Query|Scan|BatchGet|ConditionCheck|DescribeTable)/.test(a)),
    ).toBe(true);
    expect(actions.filter((a) => a.startsWith('s3:'))).toEqual(['s3:PutObject']);
    expect(actions).toContain('kms:GenerateDataKey');
    expect(actions).toContain('dynamodb:PutItem');
    expect(actions.some((a) => a.startsWith('events:'))).toBe(false);
    const put = statements.find((s) => s.Action === 's3:PutObject')!;
    expect(JSON.stringify(put.Resource)).toContain('"Fn::ImportValue":"rankwatch-dev-bulletin-bucket-arn"');
    expect(JSON.stringify(put.Resource)).toContain('/bulletins/*');
  });
});
