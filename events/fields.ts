/** Field schemas shared by the event contracts: ids, periods, timestamps, bilingual text. */
import { ID_PATTERN, isPeriodId, PERIOD_PATTERN } from './ids.ts';
import { bilingual } from './issues.ts';
import { DEPARTMENT_ID_PATTERN } from './sources.ts';
import * as z from './zod.ts';
import { described } from './zod.ts';

export { ID_PATTERN, isoWeeksInYear, isPeriodId, PERIOD_PATTERN } from './ids.ts';

const periodFormatMessage = bilingual(
  'period must look like 2026, 2026-H1, 2026-Q3, 2026-08 or 2026-W33',
  '考核周期格式应为 2026、2026-H1、2026-Q3、2026-08 或 2026-W33',
);
const week53Message = bilingual('this year has no ISO week 53', '该年份没有第 53 周（ISO 周）');

export const PeriodId = described(
  z.string().check(
    z.regex(PERIOD_PATTERN, { message: periodFormatMessage }),
    z.refine((p: string) => isPeriodId(p) || !PERIOD_PATTERN.test(p), { message: week53Message }),
  ),
  'Assessment period (考核周期): year 2026, half 2026-H1, quarter 2026-Q3, month 2026-08 or ISO week 2026-W33.',
);

const idMessage = bilingual(
  'ids contain only letters, digits, `-` and `_`, starting with a letter or digit',
  '编号只能由字母、数字、`-` 和 `_` 组成，并以字母或数字开头',
);

const id = (what: string) =>
  described(z.string().check(z.maxLength(128), z.regex(ID_PATTERN, { message: idMessage })), what);

export const SchemeId = id('Scheme id (考核方案), as in the scheme file, e.g. `gansu-digital-government`.');
export const IndicatorId = id('Indicator id (考核指标) within the scheme, e.g. `hotline_connection_rate`.');
export const EntityId = id('Entity id (市州/单位) within the scheme, e.g. `lanzhou`.');

export const DepartmentId = described(
  z.string().check(
    z.regex(DEPARTMENT_ID_PATTERN, {
      message: bilingual(
        'department id must be letters, digits, `_` or `-` (at most 64)',
        '部门编号只能由字母、数字、`_` 或 `-` 组成（最多 64 个字符）',
      ),
    }),
  ),
  'Department id (部门), the scheme `owner` of indicators, e.g. `hotline12345`; its source is `dept.<id>`.',
);

/** Scheme versions are recorded as text so `3`, `2026.1` and `2026-08-rev2` all round-trip unchanged. */
export const SchemeVersion = described(
  z.string().check(z.minLength(1), z.maxLength(64)),
  'Version of the scheme the engine evaluated with, exactly as the scheme file gives it (as text).',
);

export const Timestamp = described(
  z.iso.datetime({ offset: true }),
  'ISO 8601 timestamp with `Z` or an offset, e.g. `2026-08-31T16:00:00Z` or `2026-09-01T00:00:00+08:00`.',
);

/** The outbox id the engine gives each event it publishes; consumers de-duplicate on it. */
export const EventId = described(
  z.string().check(z.minLength(1), z.maxLength(128)),
  'Stable id of this event, assigned in the outbox before publishing; a re-sent copy carries the same id, so consumers de-duplicate on it (the envelope `id` differs per PutEvents call).',
);

export const LocalizedText = described(
  z.object({
    zh: described(z.string().check(z.minLength(1)), 'Chinese text (shown first).'),
    en: described(z.string().check(z.minLength(1)), 'English text.'),
  }),
  'Text for people, in Chinese and English.',
);
export type LocalizedText = z.infer<typeof LocalizedText>;

/** Every v1 detail carries `schemaVersion: 1` so a consumer can tell versions apart before parsing further. */
export const SchemaVersion1 = described(
  z.literal(1),
  'Version of this detail schema; 1 for v1. A breaking change publishes a new version beside v1.',
);

export const Rank = described(
  z.int().check(z.gte(1)),
  'Standard competition rank ("1224"): 1 + number of entities strictly better.',
);

export const Scope = described(
  z.enum(['overall', 'indicator']),
  '`overall`: the composite ranking; `indicator`: the ranking on one indicator (see `indicator`).',
);

export const ScopedIndicator = described(
  z.optional(IndicatorId),
  'The indicator, present exactly when `scope` is `indicator`.',
);

export const SlipRule = described(
  z.enum(['rankDrop', 'lostFirst', 'leftTopN', 'belowAverage', 'consecutiveDeclines', 'marginErosion']),
  'The slip rule (see the scheme `rules`) that fired.',
);

export const Severity = described(
  z.enum(['critical', 'warning', 'info']),
  'Severity the scheme gives the rule.',
);

export const Comparison = described(
  z.enum(['period', 'provisional']),
  '`period`: against the last snapshot of the previous period; `provisional`: against the previous snapshot of the same period (data still arriving).',
);

const scopeMessage = bilingual(
  '`indicator` is required when `scope` is `indicator` and must be absent when `scope` is `overall`',
  '`scope` 为 `indicator` 时必须给出 `indicator`，为 `overall` 时不应给出',
);

/** `indicator` is present exactly when the scope is one indicator; JSON Schema cannot say this, zod checks it. */
export function checkScopedIndicator(
  detail: { scope: 'overall' | 'indicator'; indicator?: string | undefined },
  ctx: z.core.$RefinementCtx,
): void {
  if ((detail.scope === 'indicator') !== (detail.indicator !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['indicator'], message: scopeMessage });
  }
}

export const AlertKey = described(
  z.string().check(z.minLength(1), z.maxLength(512)),
  'Key of the alert: one alert per (scheme, period, scope, entity, rule). Slipped, Recovered, ReachedFirst and Escalated events of one alert share it.',
);

export const SnapshotSequence = described(
  z.int().check(z.gte(1)),
  'Number of the snapshot (within scheme and period) whose evaluation raised this event.',
);
