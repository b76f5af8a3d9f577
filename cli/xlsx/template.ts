// The fill-in workbook a department gets for one period: its own indicators across, every entity down (id and
// name), in the wide layout the reader takes back unchanged; units, directions and valid ranges in the header
// comments, and Excel data validation (decimal, within the declared range) on every value cell.
import ExcelJS, { type DataValidation } from 'exceljs';
import { displayName, type Indicator, type Scheme } from '../../domain/scheme.ts';
import { lookup, NAME_HEADERS } from './names.ts';

/** The indicators a department reports: those whose `owner` it is, in scheme order. */
export const departmentIndicators = (scheme: Scheme, department: string): Indicator[] =>
  scheme.indicators.filter((i) => i.owner === department);

/** Column of the first indicator: A holds the entity id, B its name. */
export const FIRST_VALUE_COLUMN = 3;
const VALUE_HEADER_ROW = 1;

/** "0 – 100", "≥ 0", "≤ 100", or undefined when the scheme declares no range. */
function rangeText(ind: Indicator): string | undefined {
  const { min, max } = ind.range ?? {};
  if (min !== undefined && max !== undefined) return `${min} – ${max}`;
  if (min !== undefined) return `≥ ${min}`;
  if (max !== undefined) return `≤ ${max}`;
  return undefined;
}

/** Decimal validation within the declared range; any decimal Excel holds when none is declared. */
export function validationOf(ind: Indicator): DataValidation {
  const { min, max } = ind.range ?? {};
  const range = rangeText(ind);
  const bounds: Pick<DataValidation, 'operator' | 'formulae'> =
    min !== undefined && max !== undefined
      ? { operator: 'between', formulae: [min, max] }
      : min !== undefined
        ? { operator: 'greaterThanOrEqual', formulae: [min] }
        : max !== undefined
          ? { operator: 'lessThanOrEqual', formulae: [max] }
          : { operator: 'between', formulae: ['-1E+307', '1E+307'] };
  return {
    type: 'decimal',
    ...bounds,
    allowBlank: true,
    showErrorMessage: true,
    errorStyle: 'stop',
    errorTitle: '数值无效 / Not a valid value',
    // Excel's limits: 225 characters for the error, 255 for the prompt, 32 for titles.
    error: (range
      ? `请填写 ${range} 之间的数值 / enter a number in ${range} (${ind.unit})`
      : `请填写数值 / enter a number (${ind.unit})`
    ).slice(0, 225),
    showInputMessage: true,
    promptTitle: ind.id.slice(0, 32),
    prompt: `计量单位 unit: ${ind.unit}${range ? `；范围 range: ${range}` : ''}`.slice(0, 255),
  };
}

/** The header comment: what the column is, its unit and direction, and what values are valid. */
function commentOf(ind: Indicator): string {
  const range = rangeText(ind);
  return [
    ind.id,
    [displayName(ind.name, 'zh'), ind.name.en].filter(Boolean).join(' / '),
    `计量单位 unit: ${ind.unit}`,
    ind.direction === 'higher'
      ? '方向 direction: 越高越好 / higher is better'
      : '方向 direction: 越低越好 / lower is better',
    ...(range ? [`有效范围 valid: ${range}`] : []),
    ...(ind.precision !== undefined ? [`小数位 decimals: ${ind.precision}`] : []),
  ].join('\n');
}

/** The header a column gets: the Chinese name when it reads back as this indicator alone, else the id. */
function headerOf(ind: Indicator, find: ReturnType<typeof lookup<Indicator>>): string {
  const name = displayName(ind.name, 'zh');
  const found = name ? find(name) : undefined;
  return found && 'item' in found && found.item === ind ? name : ind.id;
}

export const TEMPLATE_NOTE =
  '注：每格填写一个数值，百分比指标填 93.5 或 93.5%；无数据的单元格留空；单位、方向与有效范围见表头批注。' +
  ' Note: one number per cell (a percent indicator as 93.5 or 93.5%); leave a cell empty when there is no value;' +
  ' units, directions and valid ranges are in the header comments.';

/** The department's fill-in workbook for a period (one sheet named by the period). */
export function buildTemplate(scheme: Scheme, department: string, period: string): ExcelJS.Workbook {
  const indicators = departmentIndicators(scheme, department);
  const find = lookup(scheme.indicators, 'indicator');
  const wb = new ExcelJS.Workbook();
  wb.creator = 'rankwatch';
  wb.title = `${displayName(scheme.name, 'zh')} · ${department} · ${period}`;
  wb.subject = `${scheme.id} v${scheme.version}`;
  const ws = wb.addWorksheet(period, {
    views: [{ state: 'frozen', xSplit: FIRST_VALUE_COLUMN - 1, ySplit: VALUE_HEADER_ROW }],
  });
  ws.columns = [{ width: 16 }, { width: 22 }, ...indicators.map(() => ({ width: 18 }))];
  const header = ws.getRow(VALUE_HEADER_ROW);
  header.getCell(1).value = '单位 entity';
  header.getCell(2).value = NAME_HEADERS[3]!;
  indicators.forEach((ind, j) => {
    const cell = header.getCell(FIRST_VALUE_COLUMN + j);
    cell.value = headerOf(ind, find);
    cell.note = commentOf(ind);
  });
  header.font = { bold: true };
  header.alignment = { wrapText: true, vertical: 'middle' };
  scheme.entities.forEach((entity, i) => {
    const row = ws.getRow(VALUE_HEADER_ROW + 1 + i);
    row.getCell(1).value = entity.id;
    row.getCell(2).value = displayName(entity.name, 'zh', entity.id);
    indicators.forEach((ind, j) => {
      row.getCell(FIRST_VALUE_COLUMN + j).dataValidation = validationOf(ind);
    });
  });
  // One empty row, then the note: the reader ends the table at a row starting 注： with nothing else in it.
  ws.getCell(`A${VALUE_HEADER_ROW + scheme.entities.length + 2}`).value = TEMPLATE_NOTE;
  return wb;
}
