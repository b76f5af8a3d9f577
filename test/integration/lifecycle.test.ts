// The notifications' lifecycle against DynamoDB Local (#9): the relay stores each notification it sends,
// acknowledgements and escalations are version-checked transactions with an audit trail, escalation runs
// twice change nothing, and an escalation whose writer dies after its transaction still goes out.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { acknowledge, escalationPolicy, levelDueAt, type NotificationState } from '../../domain/lifecycle.ts';
import { loadSchemeText, type Scheme } from '../../domain/scheme.ts';
import { type EscalateDeps, escalateHandler } from '../../functions/escalate.ts';
import { NotificationStore, TransitionRefusedError } from '../../functions/shared/notification-store.ts';
import { generateObservations, SCHEME_PATH } from '../../scenarios/gansu/generate.ts';
import { cliOnTable } from '../support/cli-aws.ts';
import { createPipeline, departmentEvents, type Pipeline } from '../support/pipeline.ts';

const endpoint = inject('dynamodbEndpoint');
const scheme: Scheme = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const WEEKS = 16;
const policy = escalationPolicy(scheme);

describe('the notification lifecycle in the table', () => {
  let p: Pipeline;
  let store: NotificationStore;
  let all: NotificationState[];
  const deps = (at: string, over: Partial<EscalateDeps> = {}): EscalateDeps => ({
    store: p.store,
    notifications: store,
    now: () => new Date(at),
    log: () => {},
    metric: () => {},
    ...over,
  });
  const escalated = () => p.published.filter((e) => e.detailType === 'Alert.Escalated');

  beforeAll(async () => {
    p = await createPipeline(endpoint, scheme, 'lifecycle');
    const rows = generateObservations().filter((r) => Number(r.period.slice(-2)) <= WEEKS);
    const events = departmentEvents(scheme, rows, new Set());
    for (let w = 1; w <= WEEKS; w++) {
      const period = `2026-W${String(w).padStart(2, '0')}`;
      await p.deliver([events.filter((e) => e.detail.period === period)]);
    }
    await p.relayAll();
    store = new NotificationStore(p.store.db, p.table);
    all = await store.list(scheme.id);
  });

  it('stores every notification the relay sent, open at version 1, before sending it', () => {
    const sent = p.published.filter((e) => e.detailType === 'Ranking.Slipped');
    expect(sent.length).toBeGreaterThan(0);
    expect(all.map((s) => s.notification.id).sort()).toEqual(sent.map((e) => e.detail.notificationId).sort());
    expect(all.every((s) => s.status === 'open' && s.version === 1 && s.level === 0)).toBe(true);
    const w16 = all.find((s) => s.notification.period === '2026-W16' && s.notification.scope === 'overall');
    expect(w16?.notification).toMatchObject({ entity: 'lanzhou', rule: 'lostFirst' });
    expect(w16?.notification.context?.gap.scoreGap).toBeGreaterThan(0);
  });

  it('lets one of two leaders acknowledging at once win; the other is told who did', async () => {
    const id = all.find((s) => s.notification.period === '2026-W16' && s.notification.scope === 'overall')!
      .notification.id;
    const ack = (by: string) =>
      store.transition(scheme.id, id, (s) => acknowledge(s, { by, at: '2026-07-05T02:00:00.000Z' }));
    const results = await Promise.allSettled([ack('王局长'), ack('李副局长')]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(TransitionRefusedError);
    const winner = (await store.get(scheme.id, id))!;
    expect(winner).toMatchObject({ status: 'acknowledged', version: 2 });
    expect((lost[0]!.reason as TransitionRefusedError).code).toBe('already_acknowledged');
    expect((lost[0]!.reason as TransitionRefusedError).reason.zh).toContain(winner.acknowledged!.by);
    // The audit trail: both versions, in order.
    const versions = await store.versions(scheme.id, id);
    expect(versions.map((v) => [v.version, v.status])).toEqual([
      [1, 'open'],
      [2, 'acknowledged'],
    ]);
  });

  it('escalates each unacknowledged notification once its SLA has passed, and a second run changes nothing', async () => {
    const open = (await store.list(scheme.id)).filter((s) => s.status === 'open');
    const latest = open.reduce((a, b) => (levelDueAt(a, policy, 1) > levelDueAt(b, policy, 1) ? a : b));
    const at = new Date(Date.parse(levelDueAt(latest, policy, 1)) + 60_000).toISOString();
    // Before any SLA passes nothing happens.
    const early = await escalateHandler({}, deps(open[0]!.notification.openedAt));
    expect(early.escalated).toEqual([]);

    const first = await escalateHandler({}, deps(at));
    const dueNow = open.filter((s) => levelDueAt(s, policy, 1) <= at);
    expect(first.escalated.map((e) => e.id).sort()).toEqual(dueNow.map((s) => s.notification.id).sort());
    const second = await escalateHandler({}, deps(at));
    expect(second.escalated).toEqual([]);

    await p.relayAll();
    const events = escalated();
    const levels = new Map(first.escalated.map((e) => [e.id, e.level]));
    // One Alert.Escalated per level passed, each once; the acknowledged notification never escalates.
    expect(events.length).toBe([...levels.values()].reduce((n, l) => n + l, 0));
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    const acknowledged = (await store.list(scheme.id)).find((s) => s.status === 'acknowledged')!;
    expect(events.some((e) => e.detail.notificationId === acknowledged.notification.id)).toBe(false);
    expect(events[0]!.detail).toMatchObject({
      level: 1,
      levelName: policy.levels[0]!.name.zh,
      sla: policy.slaIso[events[0]!.detail.severity as 'critical' | 'warning' | 'info'],
      slip: { fromRank: expect.any(Number), toRank: expect.any(Number) },
    });
    expect((events[0]!.detail.message as { zh: string }).zh).toContain('提级');
  });

  it('loses no Alert.Escalated when the function dies between its transaction and its reply', async () => {
    const before = escalated().length;
    const states = await store.list(scheme.id);
    const target = states.find((s) => s.status === 'escalated' && s.level === 1)!;
    const at = new Date(Date.parse(levelDueAt(target, policy, 2)) + 60_000).toISOString();
    const dying: NotificationStore = Object.create(store);
    dying.transition = async (...args: Parameters<NotificationStore['transition']>) => {
      await store.transition(...args);
      throw new Error('Lambda crashed after the transaction');
    };
    await expect(escalateHandler({ scheme: scheme.id }, deps(at, { notifications: dying }))).rejects.toThrow(
      'crashed',
    );
    // The retry of the schedule finds nothing more to do for it; the relay sends what the transaction wrote.
    const retry = await escalateHandler({ scheme: scheme.id }, deps(at));
    expect(retry.escalated.map((e) => e.id)).not.toContain(target.notification.id);
    await p.relayAll();
    const sent = escalated().slice(before);
    expect(
      sent.filter((e) => e.detail.notificationId === target.notification.id).map((e) => e.detail.level),
    ).toEqual([2]);
    expect((await store.get(scheme.id, target.notification.id))!.level).toBe(2);
  });

  describe('on the command line (rankwatch alerts, rankwatch ack)', () => {
    const cli = cliOnTable(endpoint, () => p.table, scheme.id);

    it('lists open and escalated notifications only with --open, Chinese first, with their level', async () => {
      const states = await store.list(scheme.id);
      const open = states.filter((s) => s.status === 'open' || s.status === 'escalated');
      const r = await cli('alerts', '--open');
      expect(r.code).toBe(0);
      for (const s of open) expect(r.out).toContain(s.notification.id);
      const acknowledged = states.find((s) => s.status === 'acknowledged')!;
      expect(r.out).not.toContain(acknowledged.notification.id);
      expect(r.out).toContain('已提级 escalated L2');
      const json = JSON.parse((await cli('alerts', '--format', 'json')).out) as NotificationState[];
      expect(json).toHaveLength(states.length);
    });

    it('acknowledges an escalated notification, and tells a second leader who was first (exit 3)', async () => {
      const target = (await store.list(scheme.id)).find((s) => s.status === 'escalated')!;
      const id = target.notification.id;
      const first = await cli('ack', id, '--by', '局长', '--note', '已部署整改');
      expect(first.code).toBe(0);
      expect(first.out).toContain(`已确认 / acknowledged: ${id} · 局长`);
      const second = await cli('ack', id, '--by', '分管领导');
      expect(second.code).toBe(3);
      expect(second.err).toContain('该提醒已由局长于');
      const stored = (await store.get(scheme.id, id))!;
      expect(stored).toMatchObject({
        status: 'acknowledged',
        level: 2,
        acknowledged: { by: '局长', note: '已部署整改' },
      });
      // Acknowledged: the next escalation run leaves it alone however late it is.
      const late = await escalateHandler({}, deps('2027-01-01T00:00:00.000Z'));
      expect(late.escalated.map((e) => e.id)).not.toContain(id);
    });
  });
});

describe('a recovery resolves its notification', () => {
  let p: Pipeline;
  let store: NotificationStore;

  beforeAll(async () => {
    p = await createPipeline(endpoint, scheme, 'recovery');
    const rows = generateObservations().filter((r) => Number(r.period.slice(-2)) <= WEEKS);
    const events = departmentEvents(scheme, rows, new Set());
    for (let w = 1; w <= WEEKS; w++) {
      const period = `2026-W${String(w).padStart(2, '0')}`;
      await p.deliver([events.filter((e) => e.detail.period === period)]);
    }
    await p.relayAll();
    store = new NotificationStore(p.store.db, p.table);
  });

  const w16 = async () =>
    (await store.list(scheme.id)).find(
      (s) =>
        s.notification.period === '2026-W16' &&
        s.notification.entity === 'lanzhou' &&
        s.notification.scope === 'overall',
    )!;

  it('resolves Lanzhou’s W16 notification (reason recovered) when corrected values put it first again, and only that one', async () => {
    const before = await store.list(scheme.id);
    expect((await w16()).status).toBe('open');
    // Corrections a day later: Lanzhou's W16 value of every indicator becomes the best any city reported.
    const w16rows = generateObservations().filter((r) => r.period === '2026-W16');
    const corrections = scheme.indicators.map((ind) => {
      const values = w16rows.filter((r) => r.indicator === ind.id);
      const best = values.reduce((a, b) =>
        (ind.direction === 'higher' ? b.value > a.value : b.value < a.value) ? b : a,
      );
      const mine = values.find((r) => r.entity === 'lanzhou') ?? best;
      return {
        ...mine,
        entity: 'lanzhou',
        value: best.value,
        observedAt: new Date(Date.parse(mine.observedAt) + 86_400_000).toISOString(),
      };
    });
    const owners = new Set(scheme.indicators.map((i) => i.owner));
    await p.deliver([departmentEvents(scheme, corrections, owners)]);
    await p.relayAll();
    const recovered = p.published.filter(
      (e) =>
        e.detailType === 'Ranking.Recovered' &&
        e.detail.alertKey === `${scheme.id}|2026-W16|overall|lanzhou|lostFirst`,
    );
    expect(recovered).toHaveLength(1);
    const state = await w16();
    expect(state).toMatchObject({ status: 'resolved', resolved: { reason: 'recovered' }, version: 2 });
    expect(state.history.map((h) => h.action)).toEqual(['opened', 'resolved']);
    // Every other notification whose rules still fire is untouched.
    const after = await store.list(scheme.id);
    for (const s of after.filter((x) => x.notification.id !== state.notification.id)) {
      const was = before.find((b) => b.notification.id === s.notification.id);
      if (s.status === 'resolved') {
        // Only notifications of Lanzhou's W16 (other scopes it recovered in) may have been resolved too.
        expect(s.notification).toMatchObject({ entity: 'lanzhou', period: '2026-W16' });
      } else if (was) expect(s.version).toBe(was.version);
    }
    // Relaying the same outbox again (a redelivered stream record) resolves nothing twice.
    await p.relayAll();
    expect((await w16()).version).toBe(2);
  });

  it('never escalates a resolved notification', async () => {
    const state = await w16();
    const out = await escalateHandler(
      {},
      {
        store: p.store,
        notifications: store,
        now: () => new Date('2027-01-01T00:00:00.000Z'),
        log: () => {},
        metric: () => {},
      },
    );
    expect(out.escalated.map((e) => e.id)).not.toContain(state.notification.id);
    expect((await w16()).status).toBe('resolved');
  });
});
