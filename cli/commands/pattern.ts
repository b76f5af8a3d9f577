// `rankwatch test-pattern`: does an event match a pattern — a pattern given inline or from a file, or the
// pattern of a rule the engine runs (`--rule`, from the synthesised template) — answered by EventBridge's
// TestEventPattern: the local EventBridge by default, AWS with --aws.
import { readFile } from 'node:fs/promises';
import { ListRulesCommand, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { resolveTarget, type TargetOptions } from '../engine-client.ts';
import { type CommandIo, UsageError } from '../io.ts';

export const usage =
  'rankwatch test-pattern (--pattern JSON|@FILE | --rule NAME) --event JSON|@FILE [--bus NAME] [--aws]';

export interface PatternOptions extends TargetOptions {
  pattern?: string;
  rule?: string;
  event?: string;
}

async function textOf(value: string): Promise<string> {
  return value.startsWith('@') ? readFile(value.slice(1), 'utf8') : value;
}

/** Envelope fields TestEventPattern requires, filled in where the event leaves them out. */
function completeEvent(text: string, region: string): { json: string; filled: string[] } {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`--event is not JSON: ${(e as Error).message}`, usage);
  }
  const defaults: Record<string, unknown> = {
    version: '0',
    id: '00000000-0000-0000-0000-000000000000',
    account: '000000000000',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [],
  };
  const filled: string[] = [];
  for (const [field, value] of Object.entries(defaults)) {
    if (!Object.hasOwn(event, field)) {
      event[field] = value;
      filled.push(field);
    }
  }
  return { json: JSON.stringify(event), filled };
}

export async function testPatternCommand(opts: PatternOptions, io: CommandIo): Promise<number> {
  if (!opts.event) throw new UsageError('--event is required', usage);
  if ((opts.pattern === undefined) === (opts.rule === undefined))
    throw new UsageError('give --pattern or --rule', usage);
  const target = await resolveTarget(opts);
  const client = target.eventBridge();
  try {
    let pattern: string;
    if (opts.rule !== undefined) {
      const rules = await client.send(new ListRulesCommand({ EventBusName: opts.bus ?? target.busName }));
      const wanted = opts.rule;
      const rule =
        rules.Rules?.find((r) => r.Name === wanted) ?? rules.Rules?.find((r) => r.Name?.includes(wanted));
      if (!rule?.EventPattern) {
        const names = (rules.Rules ?? []).map((r) => r.Name).join(', ');
        throw new UsageError(
          `no rule with a pattern named like "${wanted}" on ${opts.bus ?? target.busName} (rules: ${names})`,
          usage,
        );
      }
      pattern = rule.EventPattern;
      io.stdout(`规则 / rule ${rule.Name}: ${pattern}\n`);
    } else {
      pattern = await textOf(opts.pattern!);
    }
    const { json, filled } = completeEvent(
      await textOf(opts.event),
      (await client.config.region()) ?? 'us-east-1',
    );
    if (filled.length) io.stdout(`已补全事件信封字段 / envelope fields filled in: ${filled.join(', ')}\n`);
    try {
      const out = await client.send(new TestEventPatternCommand({ EventPattern: pattern, Event: json }));
      io.stdout(out.Result ? '匹配 / matches\n' : '不匹配 / does not match\n');
      return out.Result ? 0 : 1;
    } catch (e) {
      const err = e as Error;
      if (err.name === 'InvalidEventPatternException' || err.name === 'ValidationException') {
        io.stdout(`无效 / invalid (${err.name}): ${err.message}\n`);
        return 2;
      }
      throw e;
    }
  } finally {
    client.destroy();
  }
}
