import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import {
  EventBridgeClient,
  ListEventBusesCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import JSON5 from 'json5';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../local/clock.ts';
import { type EventBridgeEvent, LocalEventBridge } from '../../../local/eventbridge/bus.ts';
import { type EventBridgeServer, startEventBridgeServer } from '../../../local/eventbridge/server.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let clock: ManualClock;
let eventBridge: LocalEventBridge;
let server: EventBridgeServer;
let client: EventBridgeClient;
let delivered: { input: string; rule: string }[];
let warnings: string[];

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2025, 2, 3, 8, 30, 15, 250));
  warnings = [];
  eventBridge = new LocalEventBridge({
    region: 'cn-northwest-1',
    account: '123456789012',
    clock,
    log: (message) => warnings.push(message),
  });
  eventBridge.createEventBus('rankwatch-assessments');
  delivered = [];
  for (const busName of ['default', 'rankwatch-assessments']) {
    eventBridge.putRule({
      name: `all-${busName}`,
      busName,
      pattern: { source: [{ prefix: '' }] },
      targets: [{ id: 'record', deliver: (input) => void delivered.push({ input, rule: `all-${busName}` }) }],
    });
  }
  server = await startEventBridgeServer({ eventBridge });
  client = new EventBridgeClient({
    endpoint: server.url,
    region: 'any-region',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  client.destroy();
  await server.close();
});

const entry = (fields: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  EventBusName: 'rankwatch-assessments',
  Source: 'dept.hotline12345',
  DetailType: 'Indicator.ValueReported',
  Detail: JSON.stringify({ entity: 'lanzhou', value: 3.5 }),
  ...fields,
});

async function rejection(
  run: () => Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the request to be refused');
}

describe('PutEvents through the real SDK', () => {
  it('gives each accepted entry an EventId and delivers the EventBridge envelope to matching rules', async () => {
    const out = await client.send(
      new PutEventsCommand({ Entries: [entry({ Resources: ['arn:aws:x:::thing'] })] }),
    );
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries).toHaveLength(1);
    const id = out.Entries?.[0]?.EventId;
    expect(id).toMatch(UUID);
    await eventBridge.drain();
    expect(delivered.map((d) => d.rule)).toEqual(['all-rankwatch-assessments']);
    expect(JSON.parse(delivered[0]!.input)).toEqual({
      version: '0',
      id,
      'detail-type': 'Indicator.ValueReported',
      source: 'dept.hotline12345',
      account: '123456789012',
      time: '2025-03-03T08:30:15Z',
      region: 'cn-northwest-1',
      resources: ['arn:aws:x:::thing'],
      detail: { entity: 'lanzhou', value: 3.5 },
    });
  });

  it('sends entries without a bus name to the default bus, and uses the entry Time when given', async () => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [entry({ EventBusName: undefined, Time: new Date('2024-12-31T23:59:58.900Z') })],
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
    await eventBridge.drain();
    expect(delivered.map((d) => d.rule)).toEqual(['all-default']);
    expect((JSON.parse(delivered[0]!.input) as EventBridgeEvent).time).toBe('2024-12-31T23:59:58Z');
  });

  it('accepts an event-bus ARN as the bus name', async () => {
    await client.send(
      new PutEventsCommand({
        Entries: [
          entry({
            EventBusName: 'arn:aws:events:cn-northwest-1:123456789012:event-bus/rankwatch-assessments',
          }),
        ],
      }),
    );
    await eventBridge.drain();
    expect(delivered.map((d) => d.rule)).toEqual(['all-rankwatch-assessments']);
  });

  it('answers each refused entry with AWS’s error code in place and counts them in FailedEntryCount', async () => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          entry({ Source: undefined }),
          entry(),
          entry({ DetailType: undefined }),
          entry({ Detail: undefined }),
          entry({ Detail: '"a string"' }),
          entry({ Detail: '[1, 2]' }),
          entry({ Detail: '{"unclosed": ' }),
          entry({ Detail: 'null' }),
          entry({ Detail: '{}' }),
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(7);
    expect(out.Entries).toEqual([
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
      { EventId: expect.stringMatching(UUID) },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
      },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { EventId: expect.stringMatching(UUID) },
    ]);
    await eventBridge.drain();
    expect(delivered).toHaveLength(2);
  });

  it('does not validate details against the event schemas, as AWS does not', async () => {
    const out = await client.send(
      new PutEventsCommand({ Entries: [entry({ Detail: JSON.stringify({ nonsense: true }) })] }),
    );
    expect(out.FailedEntryCount).toBe(0);
    await eventBridge.drain();
    expect(delivered).toHaveLength(1);
  });

  it('refuses a request with no entries or more than ten with a ValidationException', async () => {
    const none = await rejection(() => client.send(new PutEventsCommand({ Entries: [] })));
    expect(none.name).toBe('ValidationException');
    expect(none.message).toBe(
      "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    expect(none.$metadata?.httpStatusCode).toBe(400);

    const eleven = await rejection(() =>
      client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry()) })),
    );
    expect(eleven.name).toBe('ValidationException');
    expect(eleven.message).toMatch(
      /^1 validation error detected: Value '\[PutEventsRequestEntry\(time=null, source=dept\.hotline12345, /,
    );
    expect(eleven.message).toMatch(
      /at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10$/,
    );
    await eventBridge.drain();
    expect(delivered).toHaveLength(0);
  });

  it('accepts exactly ten entries', async () => {
    const out = await client.send(
      new PutEventsCommand({ Entries: Array.from({ length: 10 }, () => entry()) }),
    );
    expect(out.FailedEntryCount).toBe(0);
    expect(new Set(out.Entries?.map((e) => e.EventId)).size).toBe(10);
  });

  it('refuses a request whose entries reach 256 KB together, though each would fit alone', async () => {
    const detail = JSON.stringify({ padding: 'x'.repeat(70 * 1024) });
    const tooLarge = await rejection(() =>
      client.send(
        new PutEventsCommand({ Entries: Array.from({ length: 4 }, () => entry({ Detail: detail })) }),
      ),
    );
    expect(tooLarge.name).toBe('ValidationException');
    expect(tooLarge.message).toBe('Total size of the entries in the request is over the limit.');
    const fits = await client.send(
      new PutEventsCommand({ Entries: Array.from({ length: 3 }, () => entry({ Detail: detail })) }),
    );
    expect(fits.FailedEntryCount).toBe(0);
  });

  it('accepts and drops entries for a bus that does not exist, as AWS does, and says so in the log', async () => {
    const out = await client.send(
      new PutEventsCommand({ Entries: [entry({ EventBusName: 'no-such-bus' })] }),
    );
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries?.[0]?.EventId).toMatch(UUID);
    await eventBridge.drain();
    expect(delivered).toHaveLength(0);
    expect(warnings.join('\n')).toContain('no-such-bus');
  });

  it('answers a per-entry ResourceNotFoundException for an unknown bus when asked to be strict', async () => {
    const strict = new LocalEventBridge({ rejectUnknownBus: true, clock });
    const out = strict.putEvents([
      entry({ EventBusName: 'no-such-bus' }),
      entry({ EventBusName: undefined }),
    ]);
    expect(out).toEqual({
      FailedEntryCount: 1,
      Entries: [
        { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus no-such-bus does not exist.' },
        { EventId: expect.stringMatching(UUID) },
      ],
    });
  });
});

describe('TestEventPattern through the real SDK', () => {
  const event = JSON.stringify({
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'Indicator.ValueReported',
    source: 'dept.hotline12345',
    account: '123456789012',
    time: '2025-03-03T08:30:15Z',
    region: 'cn-northwest-1',
    resources: [],
    detail: { value: 3.5 },
  });

  it('answers whether the event matches the pattern', async () => {
    const matches = await client.send(
      new TestEventPatternCommand({ EventPattern: '{"source":[{"prefix":"dept."}]}', Event: event }),
    );
    expect(matches.Result).toBe(true);
    const misses = await client.send(
      new TestEventPatternCommand({
        EventPattern: '{"detail":{"value":[{"numeric":[">",4]}]}}',
        Event: event,
      }),
    );
    expect(misses.Result).toBe(false);
  });

  it('refuses an invalid pattern with InvalidEventPatternException and the pattern engine’s message', async () => {
    const error = await rejection(() =>
      client.send(new TestEventPatternCommand({ EventPattern: '{"source":[]}', Event: event })),
    );
    expect(error.name).toBe('InvalidEventPatternException');
    expect(error.message).toBe('Event pattern is not valid. Reason: Empty arrays are not allowed');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('refuses an event missing a mandatory envelope field with AWS’s ValidationException', async () => {
    const error = await rejection(() =>
      client.send(
        new TestEventPatternCommand({ EventPattern: '{"source":["x"]}', Event: '{"testEvent":"value"}' }),
      ),
    );
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe('Parameter Event is not valid.');
  });
});

describe('TestEventPattern over HTTP on the AWS-recorded conformance cases', () => {
  const fixtures = new URL('../../fixtures/conformance/', import.meta.url);
  const cases = readdirSync(new URL('eventbridge-patterns/', fixtures)).filter((f) => f.endsWith('.json5'));
  const recorded = JSON.parse(
    readFileSync(new URL('eventbridge-patterns-aws-errors.json', fixtures), 'utf8'),
  ) as Record<
    string,
    { 'recorded-content': Record<string, { exception_message?: { Error: { Message: string } } }> }
  >;
  const awsMessage = (name: string) =>
    Object.entries(recorded).find(([test]) => test.endsWith(`[${name}]`))?.[1]['recorded-content'][name]
      ?.exception_message?.Error.Message;

  it('answers all 155 as AWS did through the SDK', async () => {
    expect(cases).toHaveLength(155);
    for (const file of cases) {
      const name = file.replace(/\.json5$/, '');
      const { Event, EventPattern } = JSON5.parse<{ Event: object; EventPattern: object }>(
        readFileSync(new URL(`eventbridge-patterns/${file}`, fixtures), 'utf8'),
      );
      const call = () =>
        client.send(
          new TestEventPatternCommand({
            EventPattern: JSON.stringify(EventPattern),
            Event: JSON.stringify(Event),
          }),
        );
      if (name.endsWith('_EXC')) {
        const error = await rejection(call);
        expect([name, error.name, error.message]).toEqual([
          name,
          'InvalidEventPatternException',
          awsMessage(name),
        ]);
      } else {
        expect([name, (await call()).Result]).toEqual([name, !name.endsWith('_NEG')]);
      }
    }
  });
});

describe('the HTTP edge', () => {
  it('answers raw JSON-protocol requests with the error body AWS uses', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.TestEventPattern' },
      body: JSON.stringify({ EventPattern: '{"a":"b"}', Event: '{}' }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await response.json()).toEqual({
      __type: 'InvalidEventPatternException',
      message: 'Event pattern is not valid. Reason: "a" must be an object or an array',
    });
  });

  it('says which operations it does not know', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.DeleteEverything' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });

  it('lists the buses for a quick look with the CLI', async () => {
    const out = await client.send(new ListEventBusesCommand({}));
    expect(out.EventBuses?.map((bus) => bus.Name).sort()).toEqual(['default', 'rankwatch-assessments']);
  });

  it('frees its port on close even while the SDK keeps a connection alive', async () => {
    const local = await startEventBridgeServer({ eventBridge });
    const keepAlive = new EventBridgeClient({
      endpoint: local.url,
      region: 'x',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await keepAlive.send(new PutEventsCommand({ Entries: [entry()] }));
    await local.close();
    keepAlive.destroy();
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(local.port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
});
