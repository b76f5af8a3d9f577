// The alert lifecycle's domain (#9, first part): grouping and inhibition on the Gansu scenario, silences,
// SLA timing and escalation levels, acknowledgement, and ISO-8601 durations.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assessSeries } from '../../domain/assessment.ts';
import { parseDuration } from '../../domain/duration.ts';
import {
  acknowledge,
  dueEscalations,
  escalate,
  escalationPolicy,
  type NotificationState,
  openState,
  recoveryResolves,
  resolve,
} from '../../domain/lifecycle.ts';
import { groupNotifications, type Notification, SEVERITY_RANK } from '../../domain/notifications.ts';
import { parseObservationsCsv } from '../../domain/observations.ts';
import { reminderPeriods } from '../../domain/reminder.ts';
import { loadSchemeText, parseScheme } from '../../domain/scheme.ts';
import type { Silence } from '../../domain/silences.ts';

const SCHEME_PATH = 'scenarios/gansu/scheme.yaml';
const scheme = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const series = assessSeries(
  scheme,
  parseObservationsCsv(readFileSync('scenarios/gansu/observations.csv', 'utf8'), scheme),
);
const owners = Object.fromEntries(scheme.indicators.flatMap((i) => (i.owner ? [[i.id, i.owner]] : [])));
const AT = '2026-04-20T01:00:00.000Z';

function notificationsOf(week: number, silences: Silence[] = []): Notification[] {
  const p = series.periods[week - 1]!;
  return groupNotifications(p.alerts, {
    scheme: scheme.id,
    seq: 1,
    at: AT,
    inhibit: scheme.rules.inhibit,
    silences,
    owners,
    ruleOrder: scheme.rules.slip.map((r) => r.rule),
  });
}

describe('grouping and inhibition on the Gansu scenario', () => {
  it('sends one notification for 兰州 dropping 1 → 3 overall in W16, named by lostFirst, rankDrop inhibited', () => {
    const lanzhou = notificationsOf(16).filter((n) => n.entity === 'lanzhou' && n.scope === 'overall');
    expect(lanzhou).toHaveLength(1);
    const [n] = lanzhou;
    expect(n!.rule).toBe('lostFirst');
    expect(n!.rules.map((r) => r.rule)).not.toContain('rankDrop');
    expect(n!.rules.map((r) => r.rule)).toContain('lostFirst');
    expect(n!.inhibited.map((i) => [i.rule, i.by])).toContainEqual(['rankDrop', 'lostFirst']);
    // The slipped events of that group still hold both alert keys: only what is sent changes.
    const keys = series.periods[15]!.alerts.filter(
      (e) => e.kind === 'slipped' && e.slip.entity === 'lanzhou' && e.slip.scope === 'overall',
    );
    expect(keys.length).toBeGreaterThan(n!.rules.length);
  });

  it('is what assessSeries (rankwatch evaluate) reports as each period’s notifications, opened when the week ends', () => {
    const w16 = series.periods[15]!.notifications!;
    expect(w16.map((n) => [n.entity, n.scope, n.indicator, n.rule, n.alertKeys])).toEqual(
      notificationsOf(16).map((n) => [n.entity, n.scope, n.indicator, n.rule, n.alertKeys]),
    );
    // 2026-W16 runs Monday 13 April to Sunday 19 April.
    expect(new Set(w16.map((n) => n.openedAt))).toEqual(new Set(['2026-04-20T00:00:00.000Z']));
  });

  it('gives one notification per (entity, scope, indicator) in every week, with distinct ids', () => {
    for (const [w] of series.periods.entries()) {
      const ns = notificationsOf(w + 1);
      const groups = ns.map((n) => `${n.entity}|${n.scope}|${n.indicator ?? ''}`);
      expect(new Set(groups).size).toBe(groups.length);
      expect(new Set(ns.map((n) => n.id)).size).toBe(ns.length);
      for (const n of ns) {
        expect(n.rules.length).toBeGreaterThan(0);
        if (n.scope === 'indicator') expect(n.owner).toBe(owners[n.indicator!]);
        else expect(n.owner).toBeUndefined();
      }
    }
  });

  it('records a silenced notification with the silence id, and only inside the silence window', () => {
    const silence: Silence = {
      id: 'S1',
      scheme: scheme.id,
      entity: 'lanzhou',
      scope: 'overall',
      until: '2026-04-21T00:00:00.000Z',
      reason: '数据复核中 / under review',
      by: 'director',
      createdAt: '2026-04-19T00:00:00.000Z',
    };
    const n = notificationsOf(16, [silence]).find((x) => x.entity === 'lanzhou' && x.scope === 'overall');
    expect(n!.silencedBy).toBe('S1');
    expect(openState(n!).status).toBe('silenced');
    const expired = { ...silence, until: '2026-04-20T00:59:59.000Z' };
    const m = notificationsOf(16, [expired]).find((x) => x.entity === 'lanzhou' && x.scope === 'overall');
    expect(m!.silencedBy).toBeUndefined();
  });
});

describe('ISO-8601 durations', () => {
  it('reads hours, days, weeks and combined parts, and refuses months naming the field', () => {
    expect(parseDuration('PT4H')).toBe(4 * 3600_000);
    expect(parseDuration('P1D')).toBe(86_400_000);
    expect(parseDuration('P1W')).toBe(7 * 86_400_000);
    expect(parseDuration('P1DT2H30M')).toBe(86_400_000 + 2.5 * 3600_000);
    expect(() => parseDuration('P1M', 'rules.escalation.sla.warning')).toThrow(
      /rules\.escalation\.sla\.warning/,
    );
  });
});

describe('escalation (提级) and acknowledgement', () => {
  const policy = escalationPolicy(parseScheme({ ...schemeBase(), rules: {} }));
  const opened = openState(sampleNotification('warning', '2026-04-20T01:00:00.000Z'));

  it('passes level k at openedAt + k × the severity SLA (warning: P1D), up to the last level', () => {
    expect(dueEscalations(opened, policy, '2026-04-21T00:59:59.999Z')).toEqual([]);
    expect(dueEscalations(opened, policy, '2026-04-21T01:00:00.000Z').map((d) => d.level)).toEqual([1]);
    expect(dueEscalations(opened, policy, '2026-04-22T13:00:00.000Z').map((d) => d.level)).toEqual([1, 2]);
    expect(dueEscalations(opened, policy, '2027-01-01T00:00:00.000Z').map((d) => d.level)).toEqual([
      1, 2, 3, 4,
    ]);
  });

  it('is idempotent: after escalating to the due level nothing more is due at the same time', () => {
    const now = '2026-04-22T13:00:00.000Z';
    let s: NotificationState = opened;
    for (const d of dueEscalations(s, policy, now)) s = escalate(s, d.level, now);
    expect(s.status).toBe('escalated');
    expect(s.level).toBe(2);
    expect(s.version).toBe(opened.version + 2);
    expect(dueEscalations(s, policy, now)).toEqual([]);
  });

  it('never escalates an acknowledged notification, and refuses a second acknowledgement', () => {
    const r = acknowledge(opened, { by: '王局长', at: '2026-04-20T02:00:00.000Z', note: '已部署整改' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.state.status).toBe('acknowledged');
    expect(r.state.version).toBe(opened.version + 1);
    expect(dueEscalations(r.state, policy, '2030-01-01T00:00:00.000Z')).toEqual([]);
    const again = acknowledge(r.state, { by: '李处长', at: '2026-04-20T03:00:00.000Z' });
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.code).toBe('already_acknowledged');
  });

  it('escalates monotonically in time: a later clock never yields a lower level', () => {
    const start = Date.parse('2026-04-20T01:00:00.000Z');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 * 86_400_000 }),
        fc.integer({ min: 0, max: 86_400_000 }),
        (a, d) => {
          const level = (t: number) =>
            dueEscalations(opened, policy, new Date(start + t).toISOString()).at(-1)?.level ?? 0;
          expect(level(a + d)).toBeGreaterThanOrEqual(level(a));
        },
      ),
    );
  });
});

describe('properties of grouping and the lifecycle (fast-check)', () => {
  const RULES = ['lostFirst', 'rankDrop', 'leftTopN', 'marginErosion'] as const;
  const SEVERITIES = ['critical', 'warning', 'info'] as const;
  const slipArb = fc.record({
    entity: fc.constantFrom('lz', 'tj', 'jyg'),
    indicator: fc.option(fc.constantFrom('i1', 'i2'), { nil: undefined }),
    rule: fc.constantFrom(...RULES),
    severity: fc.constantFrom(...SEVERITIES),
    comparison: fc.constantFrom('period' as const, 'provisional' as const),
  });
  type SlipShape = typeof slipArb extends fc.Arbitrary<infer T> ? T : never;
  const eventsOf = (slips: SlipShape[]) =>
    slips.map((x) => {
      const scope = x.indicator === undefined ? ('overall' as const) : ('indicator' as const);
      const key = ['x', '2026-W16', x.indicator ?? scope, x.entity, x.rule].join('|');
      const slip = {
        key,
        entity: x.entity,
        scope,
        ...(x.indicator === undefined ? {} : { indicator: x.indicator }),
        rule: x.rule,
        severity: x.severity,
        for: 1,
        comparison: x.comparison,
        fromPeriod: '2026-W15',
        toPeriod: '2026-W16',
        fromRank: 1,
        toRank: 3,
        fromMargin: 0,
        toMargin: 0,
        score: 0,
        mean: 0,
      };
      return { kind: 'slipped' as const, key, slip };
    });

  it('one notification per (entity, scope, indicator) that changed, every slipped key listed or inhibited exactly once', () => {
    fc.assert(
      fc.property(fc.array(slipArb, { maxLength: 30 }), (slips) => {
        const events = eventsOf(slips);
        const out = groupNotifications(events, { scheme: 'x', seq: 1, at: AT });
        const groups = new Set(
          events.map((e) => `${e.slip.entity}|${e.slip.scope}|${e.slip.indicator ?? ''}`),
        );
        expect(out).toHaveLength(groups.size);
        expect(new Set(out.map((n) => `${n.entity}|${n.scope}|${n.indicator ?? ''}`))).toEqual(groups);
        expect(new Set(out.map((n) => n.id)).size).toBe(out.length);
        const accounted = out.flatMap((n) => [...n.alertKeys, ...n.inhibited.map((i) => i.key)]);
        expect(accounted.sort()).toEqual([...new Set(events.map((e) => e.key))].sort());
        for (const n of out) {
          expect(n.rules.length).toBeGreaterThan(0);
          // Named by the most severe rule that is listed.
          expect(SEVERITY_RANK[n.severity]).toBe(Math.max(...n.rules.map((r) => SEVERITY_RANK[r.severity])));
        }
      }),
    );
  });

  it('nothing acknowledged is escalated, whenever it was acknowledged and however late the clock', () => {
    const policy = escalationPolicy(parseScheme({ ...schemeBase(), rules: {} }));
    const start = Date.parse('2026-04-20T01:00:00.000Z');
    fc.assert(
      fc.property(
        fc.constantFrom(...SEVERITIES),
        fc.integer({ min: 0, max: 20 * 86_400_000 }),
        fc.integer({ min: 0, max: 365 * 86_400_000 }),
        (severity, ackAfter, later) => {
          let s = openState(sampleNotification(severity, new Date(start).toISOString()));
          const ackAt = new Date(start + ackAfter).toISOString();
          // Whatever fell due before the acknowledgement was escalated first, as the escalate function would.
          for (const d of dueEscalations(s, policy, ackAt)) s = escalate(s, d.level, ackAt);
          const r = acknowledge(s, { by: '王局长', at: ackAt });
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const levelAtAck = r.state.level;
          expect(dueEscalations(r.state, policy, new Date(start + ackAfter + later).toISOString())).toEqual(
            [],
          );
          expect(() => escalate(r.state, levelAtAck + 1, ackAt)).toThrow(
            /status: a acknowledged notification/,
          );
        },
      ),
    );
  });
});

function schemeBase() {
  return {
    id: 'x',
    version: '1',
    name: { zh: '测试', en: 'test' },
    periodKind: 'week',
    entities: [{ id: 'a', name: { zh: '甲', en: 'A' } }],
    indicators: [
      {
        id: 'i',
        name: { zh: '指标', en: 'indicator' },
        weight: 1,
        direction: 'higher',
        unit: '%',
        owner: 'd',
        normalise: { method: 'minmax' },
      },
    ],
  };
}

describe('a recovery resolving a notification, and the periods a reminder compares', () => {
  const k1 = 'x|2026-W16|overall|a|rankDrop';
  const k2 = 'x|2026-W16|overall|a|belowAverage';
  const two = openState({
    ...sampleNotification('warning', '2026-04-20T01:00:00.000Z'),
    rules: [
      { key: k1, rule: 'rankDrop' },
      { key: k2, rule: 'belowAverage' },
    ] as unknown as Notification['rules'],
  });

  it('resolves only when a held key recovered and none of its keys still fires', () => {
    expect(recoveryResolves(two, new Set([k1]), new Set([k2]))).toBe(false);
    expect(recoveryResolves(two, new Set([k1]), new Set())).toBe(true);
    expect(recoveryResolves(two, new Set(['other']), new Set())).toBe(false);
    const done = resolve(two, { at: '2026-04-21T00:00:00.000Z', reason: 'recovered' });
    expect(done.ok && recoveryResolves(done.state, new Set([k1, k2]), new Set())).toBe(false);
  });

  it('compares from what the last reminder saw, else the period before the latest', () => {
    const periods = ['2026-W14', '2026-W15', '2026-W16'];
    expect(reminderPeriods(periods, undefined)).toEqual({ from: '2026-W15', to: '2026-W16' });
    expect(reminderPeriods(periods, '2026-W14')).toEqual({ from: '2026-W14', to: '2026-W16' });
    expect(reminderPeriods(periods, '2026-W16')).toEqual({ from: '2026-W16', to: '2026-W16' });
    expect(reminderPeriods(periods, '2025-W01')).toEqual({ from: '2026-W15', to: '2026-W16' });
    expect(reminderPeriods([], undefined)).toEqual({ from: undefined, to: undefined });
  });
});

function sampleNotification(severity: Notification['severity'], openedAt: string): Notification {
  return {
    id: 'Nsample',
    scheme: 'x',
    period: '2026-W16',
    seq: 1,
    entity: 'a',
    scope: 'overall',
    severity,
    rule: 'rankDrop',
    rules: [],
    inhibited: [],
    alertKeys: ['x|2026-W16|overall|a|rankDrop'],
    openedAt,
  };
}
