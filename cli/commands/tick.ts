// `rankwatch tick`: fires the template's scheduled rules and EventBridge Scheduler schedules now (all, or
// --rule NAME) on the local engine, as their schedules would, and waits until what they started has been
// delivered. On AWS schedules fire by themselves.
import { resolveTarget, type TargetOptions } from '../engine-client.ts';
import { type CommandIo, UsageError } from '../io.ts';

export const usage = 'rankwatch tick [--rule NAME]';

export async function tickCommand(opts: TargetOptions & { rule?: string }, io: CommandIo): Promise<number> {
  if (opts.aws)
    throw new UsageError('AWS 上的定时规则按计划自行触发 / on AWS, schedules fire by themselves', usage);
  const target = await resolveTarget(opts);
  const scheduled = [
    ...(target.engine?.rules ?? []).flatMap((r) =>
      r.schedule === undefined ? [] : [{ name: r.name, schedule: r.schedule }],
    ),
    ...(target.engine?.schedules ?? []).map((s) => ({
      name: s.name,
      schedule: `${s.expression} ${s.timeZone}`,
    })),
  ];
  if (scheduled.length === 0) {
    io.stdout(
      '模板中没有定时规则或计划 / the template has no scheduled rules or schedules: nothing to fire\n',
    );
    return 0;
  }
  const { fired } = (await target.control('/_engine/tick', opts.rule ? { rule: opts.rule } : {})) as {
    fired: string[];
  };
  for (const name of fired) {
    const rule = scheduled.find((r) => r.name === name);
    io.stdout(`已触发 / fired: ${name} (${rule?.schedule ?? ''})\n`);
  }
  io.stdout('已处理完毕 / delivered\n');
  return 0;
}
