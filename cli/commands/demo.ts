// `rankwatch demo` (npm start): evaluates the Gansu scenario offline and prints the leader's report.
import { fileURLToPath } from 'node:url';
import { type CommandIo, UsageError } from '../io.ts';
import { evaluateCommand } from './evaluate.ts';

const dir = fileURLToPath(new URL('../../scenarios/gansu/', import.meta.url));

export async function demoCommand(opts: { lang?: string }, io: CommandIo): Promise<number> {
  if (opts.lang !== undefined && opts.lang !== 'zh' && opts.lang !== 'en')
    throw new UsageError(`--lang must be zh or en (got "${opts.lang}")`, 'rankwatch demo [--lang zh|en]');
  return evaluateCommand(
    {
      scheme: `${dir}scheme.yaml`,
      observations: `${dir}observations.csv`,
      format: 'table',
      lang: opts.lang ?? 'zh',
    },
    io,
  );
}
