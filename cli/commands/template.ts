// `rankwatch template`: the fill-in workbook for a department and a period — its own indicators × every
// entity, in the wide layout `publish --xlsx` and `evaluate` read back — from a scheme file, as evaluate reads it.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isValidPeriod } from '../../domain/period.ts';
import { loadSchemeText } from '../../domain/scheme.ts';
import { type CommandIo, UsageError } from '../io.ts';
import { buildTemplate, departmentIndicators } from '../xlsx/template.ts';

export const usage = 'rankwatch template --department D --period P --scheme FILE --out FILE.xlsx';

const KIND_ZH = { week: '周', month: '月', quarter: '季度', half: '半年', year: '年' } as const;

export async function templateCommand(
  opts: { department?: string; period?: string; scheme?: string; out?: string },
  io: CommandIo,
): Promise<number> {
  if (!opts.department)
    throw new UsageError('需要 --department D（部门编号）/ --department D is required', usage);
  if (!opts.period) throw new UsageError('需要 --period P（考核周期）/ --period P is required', usage);
  if (!opts.scheme)
    throw new UsageError('需要 --scheme FILE（考核方案文件）/ --scheme FILE is required', usage);
  if (!opts.out) throw new UsageError('需要 --out FILE.xlsx / --out FILE.xlsx is required', usage);
  if (!/\.xlsx$/i.test(opts.out))
    throw new UsageError(`--out 须为 .xlsx 文件 / --out must name an .xlsx file (got "${opts.out}")`, usage);
  const scheme = loadSchemeText(await readFile(opts.scheme, 'utf8'), opts.scheme);
  const kind = scheme.periodKind;
  if (!isValidPeriod(kind, opts.period))
    throw new UsageError(
      `--period "${opts.period}" 不是${KIND_ZH[kind]}周期编号 / is not a ${kind} period id of scheme ${scheme.id}`,
      usage,
    );
  const indicators = departmentIndicators(scheme, opts.department);
  if (!indicators.length) {
    const owners = [...new Set(scheme.indicators.map((i) => i.owner))].join(', ');
    throw new UsageError(
      `部门 "${opts.department}" 在方案 ${scheme.id} 中没有指标 / department "${opts.department}" owns no indicator of scheme ${scheme.id} (owners: ${owners})`,
      usage,
    );
  }
  const wb = buildTemplate(scheme, opts.department, opts.period);
  await mkdir(dirname(opts.out), { recursive: true });
  await wb.xlsx.writeFile(opts.out);
  io.stdout(
    `${opts.out}：${opts.department} ${opts.period}，${indicators.length} 项指标 × ${scheme.entities.length} 个单位 / ${indicators.length} indicator(s) × ${scheme.entities.length} entities\n`,
  );
  return 0;
}
