// 周提醒: the weekly reminder per owner department — its open, escalated and silenced notifications with
// their age, and the rank changes on its indicators since the last reminder.
import type { NotificationState } from './lifecycle.ts';
import { type Names, RULE_NAMES } from './messages.ts';
import type { LocalizedText } from './notifications.ts';
import { indicatorScope, type Standings } from './standings.ts';
import { DEFAULT_TIME_ZONE, zonedParts } from './zoned-time.ts';

export interface ReminderItem {
  id: string;
  status: 'open' | 'escalated' | 'silenced';
  level: number;
  entity: string;
  indicator?: string;
  period: string;
  rule: NotificationState['notification']['rule'];
  severity: NotificationState['notification']['severity'];
  openedAt: string;
  /** Age at the reminder, in whole hours. */
  ageHours: number;
  title: LocalizedText;
}

export interface RankMove {
  entity: string;
  indicator: string;
  fromRank: number;
  toRank: number;
}

export interface Reminder {
  department: string;
  at: string;
  tz: string;
  /** The reminder's wall-clock date in tz (YYYY-MM-DD). */
  localDate: string;
  lastReminderAt?: string;
  open: ReminderItem[];
  escalated: ReminderItem[];
  silenced: ReminderItem[];
  moves: RankMove[];
  names: { entity: Record<string, LocalizedText>; indicator: Record<string, LocalizedText> };
}

export interface ReminderInput {
  department: string;
  at: string;
  tz?: string;
  states: readonly NotificationState[];
  lastReminderAt?: string;
  /** Standings now and at the last reminder; rank changes on the department's indicators. */
  standingsNow?: Standings;
  standingsThen?: Standings;
  /** The department's indicators (default: those of its notifications). */
  indicators?: readonly string[];
  /** Entities whose moves are reported (default: all in standingsNow). */
  entities?: readonly string[];
  names?: Names;
}

const idName = (id: string): LocalizedText => ({ zh: id, en: id });

export function weeklyReminder(input: ReminderInput): Reminder {
  const tz = input.tz ?? DEFAULT_TIME_ZONE;
  const names = input.names ?? { entity: idName, indicator: idName };
  const at = Date.parse(input.at);
  if (Number.isNaN(at)) throw new RangeError(`at: "${input.at}" is not an ISO timestamp`);
  const mine = input.states.filter((s) => s.notification.owner === input.department);
  const usedEntities: Record<string, LocalizedText> = {};
  const usedIndicators: Record<string, LocalizedText> = {};
  const item = (s: NotificationState): ReminderItem => {
    const n = s.notification;
    usedEntities[n.entity] = names.entity(n.entity);
    if (n.indicator !== undefined) usedIndicators[n.indicator] = names.indicator(n.indicator);
    const ind = n.indicator === undefined ? undefined : names.indicator(n.indicator);
    const out: ReminderItem = {
      id: n.id,
      status: s.status as ReminderItem['status'],
      level: s.level,
      entity: n.entity,
      period: n.period,
      rule: n.rule,
      severity: n.severity,
      openedAt: n.openedAt,
      ageHours: Math.max(0, Math.floor((at - Date.parse(n.openedAt)) / 3_600_000)),
      title: {
        zh: `${names.entity(n.entity).zh} ${ind ? `「${ind.zh}」` : '总排名'} ${RULE_NAMES[n.rule].zh}`,
        en: `${names.entity(n.entity).en} ${ind ? `“${ind.en}”` : 'overall'} ${RULE_NAMES[n.rule].en}`,
      },
    };
    if (n.indicator !== undefined) out.indicator = n.indicator;
    return out;
  };
  // Oldest first: what has waited longest is read first.
  const pick = (status: ReminderItem['status']) =>
    mine
      .filter((s) => s.status === status && Date.parse(s.notification.openedAt) <= at)
      .sort(
        (a, b) =>
          a.notification.openedAt.localeCompare(b.notification.openedAt) ||
          a.notification.id.localeCompare(b.notification.id),
      )
      .map(item);
  const indicators = [
    ...new Set(
      input.indicators ??
        mine.map((s) => s.notification.indicator).filter((x): x is string => x !== undefined),
    ),
  ].sort();
  const moves: RankMove[] = [];
  if (input.standingsNow && input.standingsThen) {
    const entities = input.entities ?? Object.keys(input.standingsNow.entities).sort();
    for (const indicator of indicators)
      for (const entity of entities) {
        const now = input.standingsNow.entities[entity]?.[indicatorScope(indicator)]?.rank ?? 0;
        const then = input.standingsThen.entities[entity]?.[indicatorScope(indicator)]?.rank ?? 0;
        if (now > 0 && then > 0 && now !== then) {
          moves.push({ entity, indicator, fromRank: then, toRank: now });
          usedEntities[entity] = names.entity(entity);
          usedIndicators[indicator] = names.indicator(indicator);
        }
      }
  }
  const p = zonedParts(input.at, tz);
  const r: Reminder = {
    department: input.department,
    at: new Date(at).toISOString(),
    tz,
    localDate: `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`,
    open: pick('open'),
    escalated: pick('escalated'),
    silenced: pick('silenced'),
    moves,
    names: { entity: usedEntities, indicator: usedIndicators },
  };
  if (input.lastReminderAt !== undefined) r.lastReminderAt = input.lastReminderAt;
  return r;
}

function age(h: number): LocalizedText {
  const d = Math.floor(h / 24);
  const rest = h - d * 24;
  return {
    zh: d > 0 ? `${d}天${rest}小时` : `${rest}小时`,
    en: d > 0 ? `${d} d ${rest} h` : `${rest} h`,
  };
}

/** Plain text, Chinese then English, one line per item: readable in any e-mail client. */
export function reminderText(r: Reminder): LocalizedText {
  const ent = (id: string) => r.names.entity[id] ?? idName(id);
  const ind = (id: string) => r.names.indicator[id] ?? idName(id);
  const zh: string[] = [`【周提醒】${r.department} · ${r.localDate}（${r.tz}）`, ''];
  const en: string[] = [`[Weekly reminder] ${r.department} · ${r.localDate} (${r.tz})`, ''];
  const section = (title: LocalizedText, items: ReminderItem[]) => {
    zh.push(`${title.zh}（${items.length}）`);
    en.push(`${title.en} (${items.length})`);
    if (items.length === 0) {
      zh.push('  无');
      en.push('  none');
    }
    for (const i of items) {
      const a = age(i.ageHours);
      const lvl = i.level > 0 ? { zh: ` 第${i.level}级`, en: ` level ${i.level}` } : { zh: '', en: '' };
      zh.push(`  - ${i.title.zh}（${i.period}）已${a.zh}${lvl.zh} [${i.id}]`);
      en.push(`  - ${i.title.en} (${i.period}), open ${a.en}${lvl.en} [${i.id}]`);
    }
    zh.push('');
    en.push('');
  };
  section({ zh: '未确认', en: 'Open' }, r.open);
  section({ zh: '已提级', en: 'Escalated' }, r.escalated);
  section({ zh: '已静默', en: 'Silenced' }, r.silenced);
  const since = r.lastReminderAt
    ? { zh: `自${r.lastReminderAt}以来`, en: ` since ${r.lastReminderAt}` }
    : { zh: '本周', en: ' this week' };
  zh.push(`${since.zh}排名变化（${r.moves.length}）`);
  en.push(`Rank changes${since.en} (${r.moves.length})`);
  if (r.moves.length === 0) {
    zh.push('  无');
    en.push('  none');
  }
  for (const m of r.moves) {
    const up = m.toRank < m.fromRank;
    zh.push(
      `  - ${ent(m.entity).zh}「${ind(m.indicator).zh}」第${m.fromRank}名 → 第${m.toRank}名${up ? '（上升）' : '（下降）'}`,
    );
    en.push(
      `  - ${ent(m.entity).en} “${ind(m.indicator).en}” ${m.fromRank} → ${m.toRank}${up ? ' (up)' : ' (down)'}`,
    );
  }
  return { zh: zh.join('\n'), en: en.join('\n') };
}

/**
 * The periods a reminder's rank moves compare: from what the last reminder saw (no moves when nothing was
 * recorded since) or, for the first reminder, the period before the latest; to the latest. `periods` in order.
 */
export function reminderPeriods(
  periods: readonly string[],
  lastSeen: string | undefined,
): { from: string | undefined; to: string | undefined } {
  const from = lastSeen !== undefined && periods.includes(lastSeen) ? lastSeen : periods.at(-2);
  return { from, to: periods.at(-1) };
}
