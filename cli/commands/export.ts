// `rankwatch export`: a period's snapshot or an entity's history for auditors, as CSV, JSON or .xlsx, through
// the query API's export routes (the chain of what is exported verified there first; a store that disagrees
// with its chain is refused, exit 3). The API answers csv and json; the workbook is written here from the JSON.
import { writeFile } from 'node:fs/promises';
import { type ExportTable, exportFromJson, type exportJson } from '../../functions/shared/exports.ts';
import { resolveTarget, schemeOf, type TargetOptions } from '../engine-client.ts';
import { type CommandIo, UsageError } from '../io.ts';

export const exportUsage =
  'rankwatch export (--period P | --entity E [--all] [--from P] [--to P]) [--as-of T] --format csv|xlsx|json [--out FILE] [--scheme ID] [--aws --table T]';

export interface ExportOptions extends TargetOptions {
  scheme?: string;
  period?: string;
  entity?: string;
  'as-of'?: string;
  from?: string;
  to?: string;
  all?: boolean;
  format?: string;
  out?: string;
}

function failure(status: number, body: string): string {
  try {
    const j = JSON.parse(body) as { message?: { zh?: string; en?: string }; field?: string };
    const m = j.message ? `${j.message.zh} / ${j.message.en}` : body;
    return `导出失败 / export failed (${status}): ${j.field ? `${j.field}: ` : ''}${m}`;
  } catch {
    return `导出失败 / export failed (${status}): ${body}`;
  }
}

export async function exportCommand(opts: ExportOptions, io: CommandIo): Promise<number> {
  const format = opts.format ?? 'csv';
  if (format !== 'csv' && format !== 'json' && format !== 'xlsx')
    throw new UsageError(`--format must be csv, xlsx or json (got "${format}")`, exportUsage);
  if ((opts.period === undefined) === (opts.entity === undefined))
    throw new UsageError('give --period P or --entity E (one of them)', exportUsage);
  if (format === 'xlsx' && !opts.out)
    throw new UsageError('--format xlsx needs --out FILE.xlsx', exportUsage);
  const target = await resolveTarget(opts);
  const scheme = schemeOf(opts, target, exportUsage);
  const wire = format === 'csv' ? 'csv' : 'json';
  const answer = opts.period
    ? await target.query(
        'exportPeriod',
        { scheme, period: opts.period },
        { asOf: opts['as-of'], format: wire },
      )
    : await target.query(
        'exportEntity',
        { scheme, entity: opts.entity! },
        {
          asOf: opts['as-of'],
          from: opts.from,
          to: opts.to,
          all: opts.all ? 'true' : undefined,
          format: wire,
        },
      );
  if (answer.statusCode !== 200) {
    io.stderr(`rankwatch: ${failure(answer.statusCode, answer.body)}\n`);
    // 3, as verify: the stored data no longer agrees with its hash chain.
    return answer.statusCode === 409 ? 3 : 1;
  }
  let content: string | Buffer;
  let table: ExportTable | undefined;
  if (format === 'csv') content = answer.body;
  else {
    table = exportFromJson(answer.json() as ReturnType<typeof exportJson>);
    if (format === 'json') content = `${JSON.stringify(answer.json(), null, 2)}\n`;
    else {
      const { exportWorkbook } = await import('../xlsx/export.ts');
      content = await exportWorkbook(table);
    }
  }
  if (!opts.out) {
    io.stdout(typeof content === 'string' ? content : content.toString('base64'));
    return 0;
  }
  await writeFile(opts.out, content);
  const rows = table?.rows.length ?? Math.max(0, answer.body.trim().split(/\r?\n/).length - 1);
  io.stderr(`已导出 / exported ${rows} 行 rows → ${opts.out}（哈希链已校验 / hash chain verified）\n`);
  return 0;
}
