// The leaders' loop on the command line: `rankwatch alerts` lists the notifications with their state, level
// and age (who acknowledged what), `rankwatch ack ID --by NAME` acknowledges one — the same version-checked
// change the engine makes, so a second acknowledgement is told who was first; `rankwatch silence` stores a
// silence and `rankwatch silences` lists them.

import { userInfo } from 'node:os';
import { acknowledge, type NotificationState } from '../../domain/lifecycle.ts';
import { RULE_NAMES, SEVERITY_NAMES } from '../../domain/messages.ts';
import { displayName, type Scheme } from '../../domain/scheme.ts';
import { parseSilence, type Silence, SilenceValidationError, silenceActive } from '../../domain/silences.ts';
import { NotificationStore, TransitionRefusedError } from '../../functions/shared/notification-store.ts';
import { SilenceStore, silenceId } from '../../functions/shared/silence-store.ts';
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
export const ackUsage =
  'rankwatch ack ID --by NAME [--note TEXT] [--department D] [--scheme ID] [--aws --table T | --aws --api URL]';

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
  const target = await resolveTarget(opts);
  if (target.loopApi && opts.at === undefined) {
    // The local engine: through its API, signed as the leader (or --department), so its role checks apply.
    const schemeId = schemeOf(opts, target, ackUsage);
    const res = await target.loopApi(
      'POST',
      `/schemes/${encodeURIComponent(schemeId)}/notifications/${encodeURIComponent(id)}/ack`,
      { by: opts.by, ...(opts.note ? { note: opts.note } : {}) },
      { department: opts.department },
    );
    return apiOutcome(
      res,
      io,
      (b) => {
        const s = b as { version?: number; acknowledged?: { at?: string } };
        return `已确认 / acknowledged: ${id} · ${opts.by} · ${s.acknowledged?.at ?? ''} (version ${s.version})`;
      },
      '未确认 / not acknowledged',
    );
  }
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

/** An API answer as the CLI prints it: the line for success; exit 3 for a conflict, 1 for a refusal. */
function apiOutcome(
  res: { statusCode: number; json(): unknown },
  io: CommandIo,
  ok: (body: unknown) => string,
  refused: string,
): number {
  const body = res.json() as { message?: { zh: string; en: string }; field?: string | null };
  if (res.statusCode === 200 || res.statusCode === 201) {
    io.stdout(`${ok(body)}\n`);
    return 0;
  }
  const why = body.message ? `${body.message.zh} / ${body.message.en}` : JSON.stringify(body);
  io.stderr(`${refused} (${res.statusCode}${body.field ? `, ${body.field}` : ''}): ${why}\n`);
  return res.statusCode === 409 ? 3 : res.statusCode === 400 ? 2 : 1;
}

export interface SilenceOptions extends TargetOptions {
  scheme?: string;
  entity?: string;
  scope?: string;
  rule?: string;
  until?: string;
  reason?: string;
  by?: string;
  at?: string;
  all?: boolean;
  format?: string;
  department?: string;
}

export const silenceUsage =
  'rankwatch silence [--entity E] [--scope overall|INDICATOR] [--rule R] --until T --reason TEXT [--by NAME] [--department D] [--scheme ID] [--aws --table T | --aws --api URL]';
export const silencesUsage = 'rankwatch silences [--all] [--scheme ID] [--format json] [--aws --table T]';

async function silencesOf(opts: SilenceOptions, usage: string) {
  const { schemeId, scheme, notifications } = await notificationsOf(opts, usage);
  return { schemeId, scheme, silences: new SilenceStore(notifications.db, notifications.table) };
}

/** `rankwatch silence`: stores a silence; notifications it covers are recorded, not sent, until it expires. */
export async function silenceCommand(opts: SilenceOptions, io: CommandIo): Promise<number> {
  const at = opts.at ?? new Date().toISOString();
  if (Number.isNaN(Date.parse(at)))
    throw new UsageError(`--at must be an ISO time (got "${opts.at}")`, silenceUsage);
  if (opts.entity === undefined && opts.scope === undefined && opts.rule === undefined)
    throw new UsageError(
      'name at least one of --entity, --scope, --rule: a silence of everything would hide every slip',
      silenceUsage,
    );
  const target = await resolveTarget(opts);
  if (target.loopApi && opts.at === undefined) {
    // The local engine: through its API, signed as the leader (or --department, for its own indicators).
    const schemeId = schemeOf(opts, target, silenceUsage);
    const body = {
      ...(opts.entity === undefined ? {} : { entity: opts.entity }),
      ...(opts.scope === undefined ? {} : { scope: opts.scope }),
      ...(opts.rule === undefined ? {} : { rule: opts.rule }),
      until: opts.until,
      reason: opts.reason,
      by: opts.by ?? userInfo().username,
    };
    const res = await target.loopApi('POST', `/schemes/${encodeURIComponent(schemeId)}/silences`, body, {
      department: opts.department,
    });
    return apiOutcome(
      res,
      io,
      (b) => {
        const s = (b as { silence: Silence }).silence;
        return `${res.statusCode === 201 ? '已静默 / silenced' : '已存在 / already stored'}: ${s.id} · ${describeSilence(s, undefined)} · 至 until ${s.until} · ${s.by}: ${s.reason}`;
      },
      '未静默 / not silenced',
    );
  }
  const { schemeId, scheme, silences } = await silencesOf(opts, silenceUsage);
  if (!scheme) throw new UsageError(`scheme "${schemeId}" is not stored`, silenceUsage);
  const createdAt = new Date(at).toISOString();
  const input = {
    scheme: schemeId,
    entity: opts.entity,
    scope: opts.scope,
    rule: opts.rule,
    until: opts.until,
    reason: opts.reason,
    by: opts.by ?? userInfo().username,
    createdAt,
  };
  let silence: Silence;
  try {
    const parsed = parseSilence(
      { ...input, id: '' },
      { entities: scheme.entities.map((e) => e.id), indicators: scheme.indicators.map((i) => i.id) },
    );
    silence = { ...parsed, id: silenceId(parsed) };
  } catch (e) {
    if (e instanceof SilenceValidationError) throw new UsageError(`--${e.field}: ${e.message}`, silenceUsage);
    throw e;
  }
  const { created } = await silences.put(silence);
  io.stdout(
    `${created ? '已静默 / silenced' : '已存在 / already stored'}: ${silence.id} · ${describeSilence(silence, scheme)} · 至 until ${silence.until} · ${silence.by}: ${silence.reason}\n`,
  );
  return 0;
}

/** What a silence covers, Chinese first. */
function describeSilence(s: Silence, scheme: Scheme | undefined): string {
  const entity = s.entity
    ? displayName(
        scheme?.entities.find((e) => e.id === s.entity)?.name ?? { zh: s.entity, en: s.entity },
        'zh',
        s.entity,
      )
    : '所有单位 any entity';
  const scope =
    s.scope === undefined
      ? '所有范围 any scope'
      : s.scope === 'overall'
        ? '总排名 overall'
        : displayName(
            scheme?.indicators.find((i) => i.id === s.scope)?.name ?? { zh: s.scope, en: s.scope },
            'zh',
            s.scope,
          );
  const rule = s.rule ? `${RULE_NAMES[s.rule].zh} / ${RULE_NAMES[s.rule].en}` : '所有规则 any rule';
  return `${entity} · ${scope} · ${rule}`;
}

/** `rankwatch silences`: the silences in force (or every stored one with --all). */
export async function silencesCommand(opts: SilenceOptions, io: CommandIo): Promise<number> {
  if (opts.format !== undefined && opts.format !== 'json' && opts.format !== 'table')
    throw new UsageError(`--format must be table or json (got "${opts.format}")`, silencesUsage);
  const at = opts.at ?? new Date().toISOString();
  const { schemeId, scheme, silences } = await silencesOf(opts, silencesUsage);
  const list = opts.all ? await silences.list(schemeId) : await silences.active(schemeId, at);
  if (opts.format === 'json') {
    io.stdout(`${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  if (!list.length) {
    io.stdout(opts.all ? '没有静默 / no silences stored\n' : '没有生效的静默 / no silence in force\n');
    return 0;
  }
  io.stdout(
    `${table(
      ['编号 id', '范围 covers', '至 until', '设置人 by', '原因 reason', '状态 state'],
      list.map((s) => [
        s.id,
        describeSilence(s, scheme),
        s.until,
        s.by,
        s.reason,
        silenceActive(s, at)
          ? '生效 in force'
          : Date.parse(at) < Date.parse(s.createdAt)
            ? '未开始 not yet'
            : '已过期 expired',
      ]),
    )}\n`,
  );
  return 0;
}
