// `rankwatch evaluate`: assess a scheme on an observations CSV (or .xlsx workbook) offline, as a leader's table
// or JSON.
import { readFile } from 'node:fs/promises';
import { assessSeries, toJson } from '../../domain/assessment.ts';
import { type Observation, parseObservationsCsv } from '../../domain/observations.ts';
import { loadSchemeText, type Scheme } from '../../domain/scheme.ts';
import { type CommandIo, UsageError } from '../io.ts';
import { renderSeries } from '../report.ts';

export const usage =
  'rankwatch evaluate --scheme FILE --observations FILE.csv|FILE.xlsx [--format table|json] [--lang zh|en]';

/** Observations from a file, read by its extension: .xlsx through the workbook reader, anything else as CSV. */
export async function readObservationsFile(file: string, scheme: Scheme): Promise<Observation[]> {
  if (/\.xlsx$/i.test(file)) {
    // exceljs loads only when a workbook is read: every other command starts without it.
    const { readObservationsXlsx } = await import('../xlsx/read.ts');
    return readObservationsXlsx(await readFile(file), scheme, file);
  }
  if (/\.xls$/i.test(file))
    throw new UsageError(
      `不支持旧版 .xls，请在 Excel 中另存为 .xlsx / .xls (Excel 97–2003) is not read: save it as .xlsx (${file})`,
      usage,
    );
  return parseObservationsCsv(await readFile(file, 'utf8'), scheme, file);
}

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
  const observations = await readObservationsFile(opts.observations, scheme);
  const series = assessSeries(scheme, observations);
  io.stdout(format === 'json' ? `${toJson(series)}\n` : `${renderSeries(scheme, series, lang)}\n`);
  return 0;
}
