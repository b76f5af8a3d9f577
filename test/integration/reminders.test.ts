// 周提醒 against DynamoDB Local (#9): the remind function writes each owner department's weekly reminder
// once per ISO week (Asia/Shanghai), with a Reminder.Weekly outbox item the relay sends; running it twice, or
// twice at once, reminds nobody twice; its contents are the stored notification states and the rank moves on
// the department's indicators between the final standings of the compared periods (checked against
// assessSeries, not the engine's own code) for the watched entities, whose standings each snapshot stores.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { assessSeries } from '../../domain/assessment.ts';
import type { NotificationState } from '../../domain/lifecycle.ts';
import { loadSchemeText, type Scheme } from '../../domain/scheme.ts';
import { reminderWeekly } from '../../events/index.ts';
import { type RemindDeps, remindHandler } from '../../functions/remind.ts';
import { NotificationStore } from '../../functions/shared/notification-store.ts';
import { reminderDepartments } from '../../functions/shared/reminders.ts';
import { generateObservations, SCHEME_PATH } from '../../scenarios/gansu/generate.ts';
import { createPipeline, departmentEvents, type Pipeline } from '../support/pipeline.ts';

const endpoint = inject('dynamodbEndpoint');
const scheme: Scheme = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const WEEKS = 16;
const rows = generateObservations().filter((r) => Number(r.period.slice(-2)) <= WEEKS);
const series = assessSeries(scheme, rows);
// Monday 2026-07-06 09:00 in Shanghai, and the next Monday.
const MONDAY = '2026-07-06T01:00:00.000Z';
const NEXT_MONDAY = '2026-07-13T01:00:00.000Z';

describe('the weekly reminder (周提醒) in the table', () => {
  let p: Pipeline;
  let states: NotificationState[];
  const deps = (at: string): RemindDeps => ({
    store: p.store,
    notifications: new NotificationStore(p.store.db, p.table),
    now: () => new Date(at),
    log: () => {},
    metric: () => {},
  });
  const reminders = () => p.published.filter((e) => e.detailType === 'Reminder.Weekly');

  beforeAll(async () => {
    p = await createPipeline(endpoint, scheme, 'reminders');
    const events = departmentEvents(scheme, rows, new Set());
    for (let w = 1; w <= WEEKS; w++) {
      const period = `2026-W${String(w).padStart(2, '0')}`;
      await p.deliver([events.filter((e) => e.detail.period === period)]);
    }
    await p.relayAll();
    states = await new NotificationStore(p.store.db, p.table).list(scheme.id);
  });

  it('writes one reminder per owner department for the week, and a second run (or two at once) writes none', async () => {
    const departments = reminderDepartments(scheme);
    expect(departments.length).toBeGreaterThan(1);
    const [a, b] = await Promise.all([remindHandler({}, deps(MONDAY)), remindHandler({}, deps(MONDAY))]);
    const created = [...a.reminders, ...b.reminders].filter((r) => r.created);
    expect(created.map((r) => r.department).sort()).toEqual(departments);
    expect(created.every((r) => r.week === '2026-W28')).toBe(true);
    // Later the same week (Sunday night in Shanghai is still W28): nothing new.
    const again = await remindHandler({}, deps('2026-07-12T15:59:00.000Z'));
    expect(again.reminders.every((r) => !r.created)).toBe(true);
    await p.relayAll();
    expect(
      reminders()
        .map((e) => e.detail.owner)
        .sort(),
    ).toEqual(departments);
  });

  it('sends each department its own open, escalated and silenced notifications, oldest first, with their age', () => {
    for (const e of reminders()) {
      const detail = reminderWeekly.detail.parse(e.detail);
      const mine = states.filter((s) => s.notification.owner === detail.owner);
      expect(detail.items.map((i) => i.notificationId)).toEqual(
        mine
          .filter((s) => s.status === 'open')
          .sort(
            (x, y) =>
              x.notification.openedAt.localeCompare(y.notification.openedAt) ||
              x.notification.id.localeCompare(y.notification.id),
          )
          .map((s) => s.notification.id),
      );
      for (const i of detail.items)
        expect(i.ageHours).toBe(Math.floor((Date.parse(MONDAY) - Date.parse(i.openedAt)) / 3_600_000));
      expect(detail.counts.open).toBe(detail.items.length);
      expect(detail.message.zh.startsWith(`【周提醒】${detail.owner} · 2026-07-06（Asia/Shanghai）`)).toBe(
        true,
      );
      expect(detail.message.en).toContain('[Weekly reminder]');
    }
  });

  it('lists the watched entities’ rank moves on the department’s indicators between the W15 and W16 final standings', () => {
    // The stored standings are the watched entities’ (scheme watch: focus, i.e. Lanzhou).
    expect(scheme.watch).toBe('focus');
    const w15 = series.periods.find((x) => x.period === '2026-W15')!;
    const w16 = series.periods.find((x) => x.period === '2026-W16')!;
    let total = 0;
    for (const e of reminders()) {
      const detail = reminderWeekly.detail.parse(e.detail);
      expect(detail.comparedPeriods).toEqual({ from: '2026-W15', to: '2026-W16' });
      const expected: { entity: string; indicator: string; fromRank: number; toRank: number }[] = [];
      for (const ind of scheme.indicators
        .filter((i) => i.owner === detail.owner)
        .map((i) => i.id)
        .sort())
        for (const entity of [...scheme.focus].sort()) {
          const then = w15.indicators[ind]!.find((r) => r.entity === entity)?.rank ?? 0;
          const now = w16.indicators[ind]!.find((r) => r.entity === entity)?.rank ?? 0;
          if (then > 0 && now > 0 && then !== now)
            expected.push({ entity, indicator: ind, fromRank: then, toRank: now });
        }
      expect(detail.moves).toEqual(expected);
      total += expected.length;
    }
    expect(total).toBeGreaterThan(0);
  });

  it('next week counts moves from what the last reminder saw: no period was recorded since, so none', async () => {
    const out = await remindHandler({}, deps(NEXT_MONDAY));
    expect(out.reminders.every((r) => r.created && r.week === '2026-W29' && r.moves === 0)).toBe(true);
    await p.relayAll();
    const next = reminders().filter((e) => e.detail.week === '2026-W29');
    expect(next).toHaveLength(reminderDepartments(scheme).length);
    for (const e of next)
      expect(e.detail).toMatchObject({
        lastReminderAt: MONDAY,
        comparedPeriods: { from: '2026-W16', to: '2026-W16' },
      });
  });
});
