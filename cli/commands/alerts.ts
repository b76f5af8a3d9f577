// The leaders' loop on the command line: `rankwatch alerts` lists the notifications with their state, level
// and age (who acknowledged what), `rankwatch ack ID --by NAME` acknowledges one — the same version-checked
// change the engine makes, so a second acknowledgement is told who was first.

import { acknowledge, type NotificationState } from '../../domain/lifecycle.ts';
import { RULE_NAMES, SEVERITY_NAMES } from '../../domain/messages.ts';
import { displayName, type Scheme } from '../../domain/scheme.ts';
import { NotificationStore, TransitionRefusedError } from '../../functions/shared/notification-store.ts';
import { resolveTarget, schemeOf, type TargetOptions } from '../engine-client.ts';
import { type CommandIo, UsageError } from '../io.ts';
import { table } from '../text.ts';

export interface AlertsOptions extends TargetOptions {
  scheme?: string;
  open?: boolean;
  department?: string;
  format?: string;
  by?: string;
  note?: string;
  at?: string;
}

export const alertsUsage =
  'rankwatch alerts [--open] [--department D] [--scheme ID] [--format json] [--aws --table T]';
export const ackUsage = 'rankwatch ack ID --by NAME [--note TEXT] [--scheme ID] [--aws --table T]';

const STATUS = {
  open: { zh: '待确认', en: 'open' },
  acknowledged: { zh: '已确认', en: 'acknowledged' },
  escalated: { zh: '已提级', en: 'escalated' },
  resolved: { zh: '已解除', en: 'resolved' },
  silenced: { zh: '已静默', en: 'silenced' },
} as const;

async function notificationsOf(opts: AlertsOptions, usage: string) {
  const target = await resolveTarget(opts);
  const schemeId = schemeOf(opts, target, usage);
  const store = target.store();
  let scheme: Scheme | undefined;
  try {
    scheme = await store.activeScheme(schemeId);
  } catch {
    scheme = undefined;
  }
  return { schemeId, scheme, notifications: new NotificationStore(store.db, store.table) };
}

/** Age in whole hours, as days and hours. */
function age(ms: number): string {
  const h = Math.max(0, Math.floor(ms / 3_600_000));
  return h >= 24 ? `${Math.floor(h / 24)}天${h % 24}时 ${Math.floor(h / 24)}d${h % 24}h` : `${h}时 ${h}h`;
}

/** One line per notification, Chinese first: id, state (level), age, who, what. */
export function alertRows(
  states: readonly NotificationState[],
  scheme: Scheme | undefined,
  now: Date,
): string {
  const entity = (id: string) =>
    displayName(scheme?.entities.find((e) => e.id === id)?.name ?? { zh: id, en: id }, 'zh', id);
  const indicator = (id: string) =>
    displayName(scheme?.indicators.find((i) => i.id === id)?.name ?? { zh: id, en: id }, 'zh', id);
  return table(
    ['编号 id', '状态 state', '已开放 age', '单位 entity', '范围 scope', '规则 rule', '责任部门 owner'],
    states.map((s) => {
      const n = s.notification;
      const status = STATUS[s.status];
      return [
        n.id,
        `${status.zh} ${status.en}${s.level > 0 ? ` L${s.level}` : ''}${s.acknowledged ? ` (${s.acknowledged.by})` : ''}`,
        age(now.getTime() - Date.parse(n.openedAt)),
        `${entity(n.entity)} ${n.period}`,
        n.scope === 'overall' ? '总排名 overall' : indicator(n.indicator!),
        `${SEVERITY_NAMES[n.severity].zh} ${RULE_NAMES[n.rule].zh} / ${RULE_NAMES[n.rule].en}`,
        n.owner ?? '—',
      ];
    }),
  );
}

export async function alertsCommand(opts: AlertsOptions, io: CommandIo): Promise<number> {
  if (opts.format !== undefined && opts.format !== 'json' && opts.format !== 'table')
    throw new UsageError(`--format must be table or json (got "${opts.format}")`, alertsUsage);
  const { schemeId, scheme, notifications } = await notificationsOf(opts, alertsUsage);
  const states = (await notifications.list(schemeId)).filter(
    (s) =>
      (!opts.open || s.status === 'open' || s.status === 'escalated') &&
      (opts.department === undefined || s.notification.owner === opts.department),
  );
  if (opts.format === 'json') {
    io.stdout(`${JSON.stringify(states, null, 2)}\n`);
    return 0;
  }
  io.stdout(
    states.length
      ? `${alertRows(states, scheme, new Date())}\n`
      : '没有符合条件的预警提醒 / no notifications match\n',
  );
  return 0;
}

export async function ackCommand(
  id: string | undefined,
  opts: AlertsOptions,
  io: CommandIo,
): Promise<number> {
  if (!id) throw new UsageError('a notification id is required (see rankwatch alerts)', ackUsage);
  if (!opts.by) throw new UsageError('--by NAME is required: who acknowledges', ackUsage);
  const at = opts.at ?? new Date().toISOString();
  if (Number.isNaN(Date.parse(at)))
    throw new UsageError(`--at must be an ISO time (got "${opts.at}")`, ackUsage);
  const { schemeId, notifications } = await notificationsOf(opts, ackUsage);
  try {
    const s = await notifications.transition(schemeId, id, (current) =>
      acknowledge(current, { by: opts.by!, at, ...(opts.note ? { note: opts.note } : {}) }),
    );
    io.stdout(`已确认 / acknowledged: ${id} · ${opts.by} · ${at} (version ${s?.version})\n`);
    return 0;
  } catch (e) {
    if (e instanceof TransitionRefusedError) {
      io.stderr(`未确认 / not acknowledged: ${e.reason.zh} / ${e.reason.en}\n`);
      return 3;
    }
    throw e;
  }
}
