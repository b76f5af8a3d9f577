// The local EventBridge Scheduler on a manual clock: each schedule fires at its expression's times in its
// zone, invokes its target asynchronously with the Input plus `at` (the fire time), never twice for one time,
// and only through `fire` (tick) when the engine does not fire schedules by itself; and in the engine, the
// template's schedules firing the bundled functions once started.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/clock.ts';
import { type Engine, startEngine } from '../../local/engine.ts';
import { LocalScheduler } from '../../local/scheduler.ts';
import type { ScheduleModel } from '../../local/template.ts';
import { synthRankwatch } from '../support/cdk.ts';

const schedule = (over: Partial<ScheduleModel>): ScheduleModel => ({
  logicalId: 'S',
  stack: 'st',
  name: 'sched',
  description: undefined,
  expression: 'rate(15 minutes)',
  timeZone: 'Etc/UTC',
  state: 'ENABLED',
  targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
  input: JSON.stringify({ action: 'escalate' }),
  ...over,
});
const recorder = () => {
  const events: unknown[] = [];
  return { events, invokeAsync: (e: unknown) => events.push(e) };
};

describe('the local scheduler', () => {
  it('fires a rate schedule every 15 minutes from its start, with the Input and the fire time', async () => {
    const clock = new ManualClock(Date.parse('2026-07-06T00:00:00Z'));
    const s = new LocalScheduler(clock);
    const target = recorder();
    s.add(schedule({}), target);
    await clock.advance(44 * 60_000);
    expect(target.events).toEqual([
      { action: 'escalate', at: '2026-07-06T00:15:00.000Z' },
      { action: 'escalate', at: '2026-07-06T00:30:00.000Z' },
    ]);
    await clock.advance(60_000);
    expect(target.events).toHaveLength(3);
    s.stop();
  });

  it('fires the weekly reminder cron at Monday 09:00 in Shanghai (01:00 UTC), once per week', async () => {
    // Sunday 2026-07-05 12:00 UTC.
    const clock = new ManualClock(Date.parse('2026-07-05T12:00:00Z'));
    const s = new LocalScheduler(clock);
    const target = recorder();
    s.add(
      schedule({
        expression: 'cron(0 9 ? * MON *)',
        timeZone: 'Asia/Shanghai',
        input: '{"action":"remind"}',
      }),
      target,
    );
    expect(s.nextFireTimes()).toEqual({ sched: '2026-07-06T01:00:00.000Z' });
    await clock.advanceTo(Date.parse('2026-07-20T00:00:00Z'));
    expect(target.events).toEqual([
      { action: 'remind', at: '2026-07-06T01:00:00.000Z' },
      { action: 'remind', at: '2026-07-13T01:00:00.000Z' },
    ]);
    expect(s.firings.map((f) => f.by)).toEqual(['clock', 'clock']);
    s.stop();
  });

  it('does nothing by itself when told not to fire on the clock, and fires by name (or all) when ticked', async () => {
    const clock = new ManualClock(Date.parse('2026-07-06T00:00:00Z'));
    const s = new LocalScheduler(clock, false);
    const a = recorder();
    const b = recorder();
    s.add(schedule({ name: 'a', logicalId: 'A' }), a);
    s.add(schedule({ name: 'b', logicalId: 'B', state: 'DISABLED' }), b);
    await clock.advance(3_600_000);
    expect(a.events).toHaveLength(0);
    expect(s.fire()).toEqual(['a']);
    expect(s.fire('B')).toEqual(['b']);
    expect(s.fire('nothing')).toEqual([]);
    expect(a.events).toEqual([{ action: 'escalate', at: '2026-07-06T01:00:00.000Z' }]);
    expect(b.events).toHaveLength(1);
    expect(s.firings.map((f) => [f.schedule, f.by])).toEqual([
      ['a', 'tick'],
      ['b', 'tick'],
    ]);
  });

  it('stops firing when stopped, and names a schedule whose expression it cannot read', async () => {
    const clock = new ManualClock(Date.parse('2026-07-06T00:00:00Z'));
    const s = new LocalScheduler(clock);
    const target = recorder();
    s.add(schedule({}), target);
    s.stop();
    await clock.advance(3_600_000);
    expect(target.events).toHaveLength(0);
    expect(() => s.add(schedule({ name: 'bad', expression: 'cron(0 9 L * ? *)' }), target)).toThrow(
      /schedule bad: /,
    );
  });
});

describe('the rankwatch template’s schedules on the engine clock', () => {
  const { outdir } = synthRankwatch({}, { bundle: true });
  let engine: Engine;
  beforeAll(async () => {
    engine = await startEngine({
      cdkOut: outdir,
      timeScale: 250,
      stateDir: mkdtempSync(join(tmpdir(), 'rankwatch-schedules-')),
      alertConsole: false,
      log: () => {},
    });
  }, 120_000);
  afterAll(async () => {
    await engine?.stop();
  });

  it('fire by themselves once started (rate(15 minutes) at 250× is every 3.6 s), invoking the bundled escalate function without errors', async () => {
    const escalate = engine.model.functions.find(
      (f) => f.environment.POWERTOOLS_SERVICE_NAME === 'rankwatch-escalate',
    )!;
    const stats = () => engine.functionStats.get(escalate.name) ?? { invocations: 0, errors: 0 };
    expect(engine.scheduler.firesOnClock).toBe(false);
    expect(stats().invocations).toBe(0);
    engine.scheduler.start();
    const next = engine.state().schedules!.find((s) => s.expression === 'rate(15 minutes)')!.next!;
    expect(Date.parse(next) - engine.clock.now()).toBeLessThanOrEqual(15 * 60_000);
    const deadline = Date.now() + 15_000;
    while (stats().invocations === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await engine.settle();
    expect(stats()).toMatchObject({ invocations: expect.any(Number), errors: 0 });
    expect(stats().invocations).toBeGreaterThanOrEqual(1);
    // Other schedules may fire first when the real clock is near their time (Monday morning in Asia/Shanghai).
    const rate = engine.state().schedules!.find((s) => s.expression === 'rate(15 minutes)')!.name;
    expect(engine.scheduler.firings.filter((f) => f.by === 'clock').map((f) => f.schedule)).toContain(rate);
  }, 60_000);
});
