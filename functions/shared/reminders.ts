// 周提醒 in the table: for each owner department of a scheme, once per ISO week (in the scheme's time zone),
// the weekly reminder composed from the stored notification states and the watched entities' final standings
// (what each snapshot stores; scheme `watch`) of the latest period against those the last reminder saw. The reminder item and its outbox item (Reminder.Weekly, sent by
// the relay) are one transaction that only succeeds the first time: running the schedule twice in a week, or
// twice at once, reminds nobody twice, and dying after the transaction loses no reminder.
import type { NotificationState } from '../../domain/lifecycle.ts';
import { schemeNames } from '../../domain/messages.ts';
import { periodOrdinal } from '../../domain/period.ts';
import { reminderPeriods, weeklyReminder } from '../../domain/reminder.ts';
import type { Scheme } from '../../domain/scheme.ts';
import type { Standings } from '../../domain/standings.ts';
import { weekOf } from '../../domain/zoned-time.ts';
import { DEPARTMENT_ID_PATTERN } from '../../events/index.ts';
import type { DynamoAssessmentStore } from './dynamo-store.ts';
import { reminderEvent } from './outbox.ts';
import { keys, OUTBOX_TTL_SECONDS, TTL_ATTRIBUTE } from './table.ts';

export type ReminderStore = Pick<
  DynamoAssessmentStore,
  'db' | 'table' | 'allHeads' | 'manifestAsOf' | 'snapshotBody'
>;

export interface SentReminder {
  department: string;
  week: string;
  /** False when this week's reminder was already written (nothing was done). */
  created: boolean;
  open: number;
  escalated: number;
  silenced: number;
  moves: number;
}

/** The departments a scheme reminds: owners of its indicators that are department ids, sorted. */
export function reminderDepartments(scheme: Pick<Scheme, 'indicators'>): string[] {
  return [...new Set(scheme.indicators.map((i) => i.owner))]
    .filter((o) => DEPARTMENT_ID_PATTERN.test(o))
    .sort();
}

async function lastReminder(
  store: ReminderStore,
  scheme: string,
  department: string,
): Promise<{ at: string; period?: string } | undefined> {
  const out = await store.db.query({
    TableName: store.table,
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': keys.reminderPartition(scheme, department) },
    ScanIndexForward: false,
    Limit: 1,
    ConsistentRead: true,
  });
  const item = out.Items?.[0];
  return item
    ? { at: item.at as string, ...(item.period ? { period: item.period as string } : {}) }
    : undefined;
}

/** Composes and writes this week's reminder of every department of the scheme. */
export async function remindScheme(
  scheme: Scheme,
  at: string,
  deps: { store: ReminderStore; states: readonly NotificationState[] },
): Promise<SentReminder[]> {
  const week = weekOf(at, scheme.timeZone);
  const periods = (await deps.store.allHeads(scheme.id))
    .map((h) => h.period)
    .sort((a, b) => periodOrdinal(scheme.periodKind, a) - periodOrdinal(scheme.periodKind, b));
  const standings = new Map<string, Promise<Standings | undefined>>();
  const standingsOf = (period: string | undefined) => {
    if (period === undefined) return Promise.resolve(undefined);
    let held = standings.get(period);
    if (!held) {
      held = deps.store
        .manifestAsOf(scheme.id, period)
        .then(async (m) => (m ? (await deps.store.snapshotBody(m)).results.standings : undefined));
      standings.set(period, held);
    }
    return held;
  };
  const latest = periods.at(-1);
  const names = schemeNames(scheme);
  const out: SentReminder[] = [];
  for (const department of reminderDepartments(scheme)) {
    const last = await lastReminder(deps.store, scheme.id, department);
    const { from } = reminderPeriods(periods, last?.period);
    const [now, then] = await Promise.all([standingsOf(latest), standingsOf(from)]);
    const r = weeklyReminder({
      department,
      at,
      tz: scheme.timeZone,
      states: deps.states,
      names,
      indicators: scheme.indicators.filter((i) => i.owner === department).map((i) => i.id),
      ...(now ? { standingsNow: now } : {}),
      ...(then ? { standingsThen: then } : {}),
      ...(last ? { lastReminderAt: last.at } : {}),
    });
    const compared =
      latest !== undefined && from !== undefined && now && then ? { from, to: latest } : undefined;
    const event = reminderEvent(r, scheme.id, week, compared);
    const summary = {
      department,
      week,
      open: r.open.length,
      escalated: r.escalated.length,
      silenced: r.silenced.length,
      moves: r.moves.length,
    };
    try {
      await deps.store.db.transactWrite({
        TransactItems: [
          {
            Put: {
              TableName: deps.store.table,
              Item: {
                ...keys.reminder(scheme.id, department, week),
                at: r.at,
                ...(latest === undefined ? {} : { period: latest }),
                eventId: event.id,
                counts: JSON.stringify(summary),
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          {
            Put: {
              TableName: deps.store.table,
              Item: {
                ...keys.reminderOutbox(scheme.id, department, week),
                events: JSON.stringify([event]),
                [TTL_ATTRIBUTE]: Math.floor(Date.parse(at) / 1000) + OUTBOX_TTL_SECONDS,
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
        ] as never,
      });
      out.push({ ...summary, created: true });
    } catch (e) {
      const name = (e as Error).name;
      if (name !== 'TransactionCanceledException' && name !== 'ConditionalCheckFailedException') throw e;
      out.push({ ...summary, created: false });
    }
  }
  return out;
}
