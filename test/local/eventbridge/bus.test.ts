import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../local/clock.ts';
import {
  type DeliveryFailure,
  type EventBridgeEvent,
  EventBridgeRequestError,
  LocalEventBridge,
} from '../../../local/eventbridge/bus.ts';
import { InvalidEventPatternError } from '../../../local/eventbridge/pattern.ts';

let clock: ManualClock;
let bus: LocalEventBridge;
let failures: DeliveryFailure[];

beforeEach(() => {
  clock = new ManualClock(Date.UTC(2025, 2, 3, 8, 0, 0));
  failures = [];
  bus = new LocalEventBridge({
    region: 'cn-northwest-1',
    account: '123456789012',
    clock,
    onDeliveryFailure: (failure) => failures.push(failure),
    log: () => {},
  });
  bus.createEventBus('rankwatch-assessments');
});

const entry = (fields: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  EventBusName: 'rankwatch-assessments',
  Source: 'rankwatch.engine',
  DetailType: 'Ranking.Slipped',
  Detail: JSON.stringify({ entity: 'lanzhou', fromRank: 2, toRank: 5 }),
  ...fields,
});

function recorder() {
  const inputs: string[] = [];
  return { inputs, deliver: (input: string) => void inputs.push(input) };
}

describe('rules', () => {
  it('deliver only the events their pattern matches, to every target, in publishing order', async () => {
    const a = recorder();
    const b = recorder();
    bus.putRule({
      name: 'slips',
      busName: 'rankwatch-assessments',
      pattern: { 'detail-type': ['Ranking.Slipped'], detail: { toRank: [{ numeric: ['>', 3] }] } },
      targets: [
        { id: 'a', ...a },
        { id: 'b', ...b },
      ],
    });
    bus.putEvents([
      entry(),
      entry({ DetailType: 'Ranking.Recovered' }),
      entry({ Detail: '{"entity":"tianshui","toRank":3}' }),
      entry({ Detail: '{"entity":"baiyin","toRank":9}' }),
    ]);
    await bus.drain();
    const entities = (inputs: string[]) =>
      inputs.map((i) => (JSON.parse(i) as EventBridgeEvent).detail.entity);
    expect(entities(a.inputs)).toEqual(['lanzhou', 'baiyin']);
    expect(entities(b.inputs)).toEqual(['lanzhou', 'baiyin']);
  });

  it('deliver after PutEvents has answered, never during it', async () => {
    const target = recorder();
    bus.putRule({
      name: 'all',
      busName: 'rankwatch-assessments',
      pattern: { source: ['rankwatch.engine'] },
      targets: [{ id: 't', ...target }],
    });
    bus.putEvents([entry()]);
    expect(target.inputs).toHaveLength(0);
    await bus.drain();
    expect(target.inputs).toHaveLength(1);
  });

  it('see only their own bus, and a disabled rule sees nothing', async () => {
    const onDefault = recorder();
    const disabled = recorder();
    bus.putRule({
      name: 'default-all',
      pattern: { source: ['rankwatch.engine'] },
      targets: [{ id: 't', ...onDefault }],
    });
    bus.putRule({
      name: 'off',
      busName: 'rankwatch-assessments',
      state: 'DISABLED',
      pattern: { source: ['rankwatch.engine'] },
      targets: [{ id: 't', ...disabled }],
    });
    bus.putEvents([entry()]);
    await bus.drain();
    expect(onDefault.inputs).toHaveLength(0);
    expect(disabled.inputs).toHaveLength(0);
  });

  it('pass the input transformer the rule’s ARN on a custom bus', async () => {
    const target = recorder();
    bus.putRule({
      name: 'slips',
      busName: 'rankwatch-assessments',
      pattern: { 'detail-type': ['Ranking.Slipped'] },
      targets: [
        {
          id: 'leaders',
          ...target,
          inputTransformer: {
            inputPathsMap: { entity: '$.detail.entity', to: '$.detail.toRank' },
            inputTemplate: '"<entity> fell to <to> (<aws.events.rule-arn>)"',
          },
        },
      ],
    });
    bus.putEvents([entry()]);
    await bus.drain();
    expect(target.inputs).toEqual([
      '"lanzhou fell to 5 (arn:aws:events:cn-northwest-1:123456789012:rule/rankwatch-assessments/slips)"',
    ]);
  });

  it('are refused with AWS’s errors: bad pattern, unknown bus, no pattern or schedule, bad placeholder', () => {
    expect(() => bus.putRule({ name: 'r', pattern: { source: [] } })).toThrow(InvalidEventPatternError);
    expect(() => bus.putRule({ name: 'r', busName: 'nope', pattern: { source: ['x'] } })).toThrow(
      new EventBridgeRequestError('ResourceNotFoundException', 'Event bus nope does not exist.'),
    );
    expect(() => bus.putRule({ name: 'r' })).toThrow(
      'Parameter(s) EventPattern or ScheduleExpression must be specified.',
    );
    expect(() =>
      bus.putRule({ name: 'r', busName: 'rankwatch-assessments', schedule: 'rate(1 day)' }),
    ).toThrow('ScheduleExpression is supported only on the default event bus.');
    expect(() =>
      bus.putRule({
        name: 'r',
        pattern: { source: ['x'] },
        targets: [{ id: 't', deliver: () => {}, inputTransformer: { inputTemplate: '"<who>"' } }],
      }),
    ).toThrow('InputTemplate for target t contains invalid placeholder who.');
    expect(bus.rules()).toEqual([]);
  });

  it('are listed with their patterns and replaced by a second putRule of the same name', () => {
    bus.putRule({ name: 'r', pattern: { source: ['a'] } });
    bus.putRule({ name: 'r', pattern: '{"source":["b"]}', targets: [{ id: 't', deliver: () => {} }] });
    expect(bus.rules('default')).toEqual([
      {
        name: 'r',
        arn: 'arn:aws:events:cn-northwest-1:123456789012:rule/r',
        busName: 'default',
        pattern: '{"source":["b"]}',
        schedule: undefined,
        state: 'ENABLED',
        targetIds: ['t'],
      },
    ]);
  });
});

describe('scheduled rules', () => {
  it('fire on demand with a Scheduled Event from aws.events naming the rule', async () => {
    const target = recorder();
    const { ruleArn } = bus.putRule({
      name: 'weekly-bulletin',
      schedule: 'cron(0 1 ? * MON *)',
      targets: [{ id: 'f', ...target }],
    });
    const fired = bus.fireScheduledRule('weekly-bulletin');
    await bus.drain();
    expect(JSON.parse(target.inputs[0]!)).toEqual({
      version: '0',
      id: fired.id,
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: '2025-03-03T08:00:00Z',
      region: 'cn-northwest-1',
      resources: [ruleArn],
      detail: {},
    });
  });
});

describe('delivery failures', () => {
  it('are retried with exponential backoff until the target accepts', async () => {
    const attempts: number[] = [];
    bus.putRule({
      name: 'flaky',
      busName: 'rankwatch-assessments',
      pattern: { source: ['rankwatch.engine'] },
      targets: [
        {
          id: 't',
          deliver: () => {
            attempts.push(clock.now());
            if (attempts.length < 4) throw new Error('throttled');
          },
        },
      ],
    });
    const start = clock.now();
    bus.putEvents([entry()]);
    await clock.advance(60_000);
    await bus.drain();
    expect(attempts.map((at) => at - start)).toEqual([0, 1000, 3000, 7000]);
    expect(failures).toEqual([]);
  });

  it('go to the target’s dead letter once its retries are exhausted', async () => {
    const deadLetters: DeliveryFailure[] = [];
    let attempts = 0;
    bus.putRule({
      name: 'broken',
      busName: 'rankwatch-assessments',
      pattern: { source: ['rankwatch.engine'] },
      targets: [
        {
          id: 't',
          arn: 'arn:aws:sqs:cn-northwest-1:123456789012:q',
          retryPolicy: { maximumRetryAttempts: 2 },
          deliver: () => {
            attempts += 1;
            throw new Error('queue does not exist');
          },
          deadLetter: (failure) => void deadLetters.push(failure),
        },
      ],
    });
    const [result] = bus.putEvents([entry()]).Entries ?? [];
    await clock.advance(60_000);
    await bus.drain();
    expect(attempts).toBe(3);
    expect(deadLetters).toEqual([
      expect.objectContaining({
        ruleName: 'broken',
        targetId: 't',
        targetArn: 'arn:aws:sqs:cn-northwest-1:123456789012:q',
        errorCode: 'RetriesExhausted',
        errorMessage: 'queue does not exist',
        attempts: 3,
        event: expect.objectContaining({ id: result?.EventId }),
      }),
    ]);
    expect(failures).toEqual([]);
  });

  it('stop when the event is older than the maximum age, and reach the bus’s handler without a dead letter', async () => {
    let attempts = 0;
    bus.putRule({
      name: 'old',
      busName: 'rankwatch-assessments',
      pattern: { source: ['rankwatch.engine'] },
      targets: [
        {
          id: 't',
          retryPolicy: { maximumEventAgeInSeconds: 60 },
          deliver: () => {
            attempts += 1;
            throw new Error('down');
          },
        },
      ],
    });
    bus.putEvents([entry()]);
    await clock.advance(10 * 60_000);
    await bus.drain();
    // Attempts at 0, 1, 3, 7, 15, 31 s; the next (63 s) would be past the 60 s limit.
    expect(attempts).toBe(6);
    expect(failures.map((f) => f.errorCode)).toEqual(['EventAgeExceeded']);
  });

  it('of the input transformer are not retried and reach the dead letter at once', async () => {
    const deliveries = recorder();
    bus.putRule({
      name: 'bad-template',
      busName: 'rankwatch-assessments',
      pattern: { source: ['rankwatch.engine'] },
      targets: [
        {
          id: 't',
          ...deliveries,
          inputTransformer: { inputPathsMap: { d: '$.detail' }, inputTemplate: '{"d": "<d>"}' },
        },
      ],
    });
    bus.putEvents([entry()]);
    await bus.drain();
    expect(deliveries.inputs).toEqual([]);
    expect(failures.map((f) => [f.errorCode, f.attempts])).toEqual([['InputTransformationFailed', 0]]);
  });
});

describe('drain', () => {
  it('waits for deliveries that are waiting for a retry', async () => {
    let fail = true;
    bus.putRule({
      name: 'r',
      busName: 'rankwatch-assessments',
      pattern: { source: ['rankwatch.engine'] },
      targets: [
        {
          id: 't',
          deliver: () => {
            if (fail) throw new Error('once');
          },
        },
      ],
    });
    bus.putEvents([entry()]);
    let drained = false;
    const drain = bus.drain().then(() => {
      drained = true;
    });
    await clock.advance(500);
    expect(drained).toBe(false);
    expect(bus.pendingDeliveries).toBe(1);
    expect(bus.idle).toBe(false);
    fail = false;
    await clock.advance(500);
    await drain;
    expect(drained).toBe(true);
    expect(bus.idle).toBe(true);
  });

  it('drops deliveries waiting for a retry on close, leaving no timer behind', async () => {
    bus.putRule({
      name: 'r',
      busName: 'rankwatch-assessments',
      pattern: { source: ['rankwatch.engine'] },
      targets: [
        {
          id: 't',
          deliver: () => {
            throw new Error('down');
          },
        },
      ],
    });
    bus.putEvents([entry()]);
    await clock.advance(0);
    expect(clock.pendingTimers).toBe(1);
    bus.close();
    expect(clock.pendingTimers).toBe(0);
    expect(bus.idle).toBe(true);
    await bus.drain();
  });

  it('lets listeners see every accepted event with its bus', () => {
    const seen: string[] = [];
    bus.onEvent((event, busName) => seen.push(`${busName}:${event['detail-type']}`));
    bus.putEvents([
      entry(),
      entry({ EventBusName: undefined, DetailType: 'X' }),
      entry({ Source: undefined }),
    ]);
    expect(seen).toEqual(['rankwatch-assessments:Ranking.Slipped', 'default:X']);
  });
});
