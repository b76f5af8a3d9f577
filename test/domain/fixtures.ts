// Small inline schemes and evaluations for the domain tests: defaults that keep each test about its numbers.
import { type Evaluation, evaluate, type PeriodValues, toMatrix } from '../../domain/evaluate.ts';
import { parseScheme, type Scheme, type SchemeInput } from '../../domain/scheme.ts';
import { compileScheme } from '../../domain/tree.ts';

type IndicatorInput = SchemeInput['indicators'][number];

/** Entities with the given ids (names are the ids). */
export function entities(...ids: string[]): SchemeInput['entities'] {
  return ids.map((id) => ({ id, name: { zh: id, en: id } }));
}

/** An indicator with neutral defaults: weight 1, higher-is-better, owner `dept`, scored as `none`. */
export function indicator(id: string, extra: Partial<IndicatorInput> = {}): IndicatorInput {
  return {
    id,
    name: { zh: id, en: id },
    weight: 1,
    direction: 'higher',
    unit: 'pt',
    owner: 'dept',
    normalise: { method: 'none' },
    ...extra,
  };
}

/** A scheme input with defaults (`s`, month periods, entities A–D) overridable field by field. */
export function schemeInput(extra: Partial<SchemeInput> = {}): SchemeInput {
  return {
    id: 's',
    version: '1',
    name: { zh: '测试', en: 'test' },
    periodKind: 'month',
    entities: entities('A', 'B', 'C', 'D'),
    indicators: [indicator('x')],
    ...extra,
  };
}

/** A validated scheme. */
export function scheme(extra: Partial<SchemeInput> = {}): Scheme {
  return parseScheme(schemeInput(extra));
}

/** Evaluates one period's values (indicator → entity → value), with earlier periods for carry-forward. */
export function run(
  s: Scheme,
  values: PeriodValues,
  period = '2026-01',
  history: { period: string; values: PeriodValues }[] = [],
): Evaluation {
  const c = compileScheme(s);
  return evaluate(
    c,
    toMatrix(c, period, values),
    history.map((h) => toMatrix(c, h.period, h.values)),
  );
}

/** Index of an entity in the evaluation. */
export function idx(ev: Evaluation, entity: string): number {
  const e = ev.compiled.entityIndex.get(entity);
  if (e === undefined) throw new Error(`no entity ${entity}`);
  return e;
}

export function rankOf(ev: Evaluation, entity: string): number {
  return ev.rank[idx(ev, entity)]!;
}

export function compositeOf(ev: Evaluation, entity: string): number {
  return ev.composite[idx(ev, entity)]!;
}

export function ranks(ev: Evaluation): Record<string, number> {
  return Object.fromEntries(ev.compiled.entityIds.map((id, e) => [id, ev.rank[e]!]));
}

export function tiedOf(ev: Evaluation, entity: string): boolean {
  return ev.tied[idx(ev, entity)] === 1;
}

function cell(ev: Evaluation, entity: string, indicatorId: string): number {
  const j = ev.compiled.indicatorIndex.get(indicatorId);
  if (j === undefined) throw new Error(`no indicator ${indicatorId}`);
  return idx(ev, entity) * ev.m + j;
}

export function scoreOf(ev: Evaluation, entity: string, indicatorId: string): number {
  return ev.scores[cell(ev, entity, indicatorId)]!;
}

export function valueAt(ev: Evaluation, entity: string, indicatorId: string): number {
  return ev.values[cell(ev, entity, indicatorId)]!;
}

export function valueRankOf(ev: Evaluation, entity: string, indicatorId: string): number {
  return ev.valueRank[cell(ev, entity, indicatorId)]!;
}

export function carriedOf(ev: Evaluation, entity: string, indicatorId: string): boolean {
  return ev.carried[cell(ev, entity, indicatorId)] === 1;
}
