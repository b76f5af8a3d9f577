// `rankwatch evaluate`: assess a scheme on an observations CSV offline, as a leader's table or JSON.
import { readFile } from 'node:fs/promises';
import { assessSeries, toJson } from '../../domain/assessment.ts';
import { parseObservationsCsv } from '../../domain/observations.ts';
import { loadSchemeText } from '../../domain/scheme.ts';
import { type CommandIo, UsageError } from '../io.ts';
import { renderSeries } from '../report.ts';

export const usage =
  'rankwatch evaluate --scheme FILE --observations FILE.csv [--format table|json] [--lang zh|en]';

export async function evaluateCommand(
  opts: { scheme?: string; observations?: string; format?: string; lang?: string },
  io: CommandIo,
): Promise<number> {
  if (!opts.scheme) throw new UsageError('--scheme FILE is required', usage);
  if (!opts.observations) throw new UsageError('--observations FILE.csv is required', usage);
  const format = opts.format ?? 'table';
  if (format !== 'table' && format !== 'json')
    throw new UsageError(`--format must be table or json (got "${format}")`, usage);
  const lang = opts.lang ?? 'zh';
  if (lang !== 'zh' && lang !== 'en') throw new UsageError(`--lang must be zh or en (got "${lang}")`, usage);
  const scheme = loadSchemeText(await readFile(opts.scheme, 'utf8'), opts.scheme);
  const observations = parseObservationsCsv(
    await readFile(opts.observations, 'utf8'),
    scheme,
    opts.observations,
  );
  const series = assessSeries(scheme, observations);
  io.stdout(format === 'json' ? `${toJson(series)}\n` : `${renderSeries(scheme, series, lang)}\n`);
  return 0;
}
