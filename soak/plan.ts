// The soak's department events: a seeded, deterministic stream of N events over the first weeks of the Gansu
// scenario — whole tables, single values, corrections, stale re-reports, exact duplicates and bad inputs —
// in an order where weeks arrive late and out of order. Each event says what must become of it (applied,
// or rejected with which reasons), so the checker needs none of the engine's code to judge the outcome.
import { readFileSync } from 'node:fs';
import type { Observation } from '../domain/observations.ts';
import { loadSchemeText, type Scheme } from '../domain/scheme.ts';
import {
  INDICATOR_RESULTS_PUBLISHED,
  INDICATOR_VALUE_REPORTED,
  type IndicatorResultsPublishedDetail,
  type IndicatorValueReportedDetail,
} from '../events/index.ts';
import { departmentSource } from '../events/sources.ts';
import {
  generateObservations,
  mulberry32,
  type ObservationRow,
  SCHEME_PATH,
} from '../scenarios/gansu/generate.ts';

/** What must become of a published event. */
export type Expectation =
  | { outcome: 'applied' }
  /** Rejected with exactly these reasons (path and code), through Observation.Rejected and the DLQ. */
  | { outcome: 'rejected'; cause: 'validation' | 'authorisation'; reasons: { path: string; code: string }[] };

export type SoakEventKind =
  | 'table'
  | 'value'
  | 'correction'
  | 'table-correction'
  | 'stale'
  | 'duplicate'
  | 'not-owner'
  | 'unknown-entity'
  | 'bad-period'
  | 'unknown-indicator'
  | 'not-a-number'
  | 'unknown-scheme';

export interface SoakEvent {
  kind: SoakEventKind;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  expect: Expectation;
  /** The observations it carries when applied (none for rejected events). */
  observations: Observation[];
}

export interface SoakPlanOptions {
  /** Department events to publish (default 10,000). */
  events?: number;
  seed?: number;
  /** Weeks of the scenario the events cover (default 8). */
  weeks?: number;
}

export interface SoakPlan {
  scheme: Scheme;
  seed: number;
  weeks: number;
  events: SoakEvent[];
}

/** The hotline reports value by value; the other departments publish whole tables. */
const VALUE_REPORTERS = new Set(['hotline12345']);

/** Shares of the events after each week's first publication (they sum to 1). */
const MIX: [SoakEventKind, number][] = [
  ['correction', 0.3],
  ['table-correction', 0.06],
  ['stale', 0.12],
  ['duplicate', 0.2],
  ['not-owner', 0.08],
  ['unknown-entity', 0.05],
  ['bad-period', 0.05],
  ['unknown-indicator', 0.05],
  ['not-a-number', 0.05],
  ['unknown-scheme', 0.04],
];

export function soakPlan(options: SoakPlanOptions = {}): SoakPlan {
  const total = options.events ?? 10_000;
  const seed = options.seed ?? 20261205;
  const weeks = options.weeks ?? 8;
  const rand = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const scheme = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
  const owner = new Map(scheme.indicators.map((i) => [i.id, i.owner]));
  const weekOf = (period: string) => Number(period.slice(-2));
  const rows = generateObservations().filter((r) => weekOf(r.period) <= weeks);

  // The range each indicator's values take in the scenario: corrections stay inside it.
  const range = new Map<string, [number, number]>();
  for (const r of rows) {
    const [lo, hi] = range.get(r.indicator) ?? [r.value, r.value];
    range.set(r.indicator, [Math.min(lo, r.value), Math.max(hi, r.value)]);
  }
  // Every event gets a timestamp of its own (base ± a unique number of seconds): no two different values
  // of one (indicator, entity, period) share an observedAt, so latest-wins never needs the event id.
  let tick = 0;
  const shifted = (at: string, sign: 1 | -1) =>
    new Date(Date.parse(at) + sign * ++tick * 1000).toISOString().replace('.000Z', 'Z');
  const nudge = (indicator: string, value: number) => {
    const [lo, hi] = range.get(indicator)!;
    const precision = scheme.indicators.find((i) => i.id === indicator)?.precision ?? 2;
    const moved = value + (rand() - 0.5) * 0.2 * (hi - lo || 1);
    return Number(Math.min(hi, Math.max(lo, moved)).toFixed(precision));
  };

  const applied = (
    kind: SoakEventKind,
    source: string,
    detailType: string,
    detail: Record<string, unknown>,
    observations: Observation[],
  ): SoakEvent => ({ kind, source, detailType, detail, expect: { outcome: 'applied' }, observations });
  const valueEvent = (kind: SoakEventKind, row: ObservationRow, value: number, observedAt: string) => {
    const detail: IndicatorValueReportedDetail = {
      schemaVersion: 1,
      scheme: scheme.id,
      indicator: row.indicator,
      entity: row.entity,
      period: row.period,
      value,
      observedAt,
    };
    return applied(kind, row.source, INDICATOR_VALUE_REPORTED, detail, [
      { period: row.period, entity: row.entity, indicator: row.indicator, value, observedAt },
    ]);
  };
  const tableEvent = (kind: SoakEventKind, list: ObservationRow[], values: number[], observedAt: string) => {
    const first = list[0]!;
    const detail: IndicatorResultsPublishedDetail = {
      schemaVersion: 1,
      scheme: scheme.id,
      indicator: first.indicator,
      period: first.period,
      observedAt,
      values: list.map((r, i) => ({ entity: r.entity, value: values[i]! })),
    };
    return applied(
      kind,
      first.source,
      INDICATOR_RESULTS_PUBLISHED,
      detail,
      list.map((r, i) => ({
        period: r.period,
        entity: r.entity,
        indicator: r.indicator,
        value: values[i]!,
        observedAt,
      })),
    );
  };

  // Each week's first publication: a table per indicator, or one value per row for the value reporters.
  const byWeek = new Map<number, SoakEvent[]>();
  const tables = new Map<string, ObservationRow[]>();
  for (const r of rows) {
    const list = byWeek.get(weekOf(r.period)) ?? [];
    byWeek.set(weekOf(r.period), list);
    if (VALUE_REPORTERS.has(owner.get(r.indicator)!)) {
      list.push(valueEvent('value', r, r.value, r.observedAt));
      continue;
    }
    const key = `${r.period}|${r.indicator}`;
    if (!tables.has(key)) tables.set(key, []);
    tables.get(key)!.push(r);
  }
  // A table carries one observedAt: its latest row's (as a department publishes it when complete).
  for (const list of tables.values()) {
    const at = list.map((r) => r.observedAt).reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
    for (const r of list) r.observedAt = at;
    byWeek.get(weekOf(list[0]!.period))!.push(
      tableEvent(
        'table',
        list,
        list.map((r) => r.value),
        at,
      ),
    );
  }

  // Late and out of order: one week in four is held back and published after a later week.
  const order = [...byWeek.keys()].sort((a, b) => a - b);
  for (let i = 0; i < order.length - 1; i++) {
    if (rand() < 0.25) {
      const j = Math.min(order.length - 1, i + 1 + Math.floor(rand() * 3));
      const [held] = order.splice(i, 1);
      order.splice(j, 0, held!);
    }
  }

  const events: SoakEvent[] = [];
  const published: SoakEvent[] = [];
  const bad = (
    kind: SoakEventKind,
    source: string,
    detailType: string,
    detail: Record<string, unknown>,
    cause: 'validation' | 'authorisation',
    reasons: { path: string; code: string }[],
  ): SoakEvent => ({
    kind,
    source,
    detailType,
    detail,
    expect: { outcome: 'rejected', cause, reasons },
    observations: [],
  });
  const departments = [...new Set(scheme.indicators.map((i) => i.owner))];
  const extra = (known: ObservationRow[]): SoakEvent => {
    let x = rand();
    let kind: SoakEventKind = MIX[0]![0];
    for (const [k, share] of MIX) {
      kind = k;
      x -= share;
      if (x < 0) break;
    }
    const row = pick(known);
    switch (kind) {
      case 'correction':
        return valueEvent(kind, row, nudge(row.indicator, row.value), shifted(row.observedAt, 1));
      case 'stale':
        return valueEvent(kind, row, nudge(row.indicator, row.value), shifted(row.observedAt, -1));
      case 'table-correction': {
        const list = known.filter((r) => r.period === row.period && r.indicator === row.indicator);
        const values = list.map((r) => (rand() < 0.25 ? nudge(r.indicator, r.value) : r.value));
        return tableEvent(kind, list, values, shifted(row.observedAt, 1));
      }
      case 'duplicate': {
        const copy = pick(published);
        return { ...copy, kind: 'duplicate' };
      }
      case 'not-owner': {
        const other = pick(departments.filter((d) => d !== owner.get(row.indicator)));
        const e = valueEvent(kind, row, row.value, shifted(row.observedAt, 1));
        return bad(kind, departmentSource(other), e.detailType, e.detail, 'authorisation', [
          { path: 'detail.indicator', code: 'not_owner' },
        ]);
      }
      case 'unknown-entity': {
        const e = valueEvent(kind, { ...row, entity: 'atlantis' }, row.value, shifted(row.observedAt, 1));
        return bad(kind, row.source, e.detailType, e.detail, 'validation', [
          { path: 'detail.entity', code: 'unknown_entity' },
        ]);
      }
      case 'bad-period': {
        const e = valueEvent(kind, { ...row, period: '2026-08' }, row.value, shifted(row.observedAt, 1));
        return bad(kind, row.source, e.detailType, e.detail, 'validation', [
          { path: 'detail.period', code: 'bad_period' },
        ]);
      }
      case 'unknown-indicator': {
        const e = valueEvent(
          kind,
          { ...row, indicator: 'moon_landings' },
          row.value,
          shifted(row.observedAt, 1),
        );
        return bad(kind, row.source, e.detailType, e.detail, 'validation', [
          { path: 'detail.indicator', code: 'unknown_indicator' },
        ]);
      }
      case 'not-a-number': {
        const e = valueEvent(kind, row, row.value, shifted(row.observedAt, 1));
        return bad(kind, row.source, e.detailType, { ...e.detail, value: String(row.value) }, 'validation', [
          { path: 'detail.value', code: 'invalid_type' },
        ]);
      }
      default: {
        const e = valueEvent(kind, row, row.value, shifted(row.observedAt, 1));
        return bad(kind, row.source, e.detailType, { ...e.detail, scheme: 'no-such-scheme' }, 'validation', [
          { path: 'detail.scheme', code: 'unknown_scheme' },
        ]);
      }
    }
  };

  // Weeks in their (shuffled) order, each followed by its share of extra events about what is known so far.
  const base = order.reduce((n, w) => n + byWeek.get(w)!.length, 0);
  const extras = Math.max(0, total - base);
  const known: ObservationRow[] = [];
  order.forEach((w, i) => {
    const week = byWeek.get(w)!;
    for (const e of week) {
      if (events.length >= total) break;
      events.push(e);
      published.push(e);
    }
    known.push(...rows.filter((r) => weekOf(r.period) === w));
    const share = Math.round((extras * (i + 1)) / order.length) - Math.round((extras * i) / order.length);
    for (let k = 0; k < share && events.length < total; k++) {
      const e = extra(known);
      events.push(e);
      if (e.expect.outcome === 'applied') published.push(e);
    }
  });
  return { scheme, seed, weeks, events };
}

/** The plan's applied observations, latest-wins by observedAt per (period, entity, indicator). */
export function latestInputs(plan: SoakPlan): Observation[] {
  const latest = new Map<string, Observation>();
  for (const e of plan.events) {
    if (e.expect.outcome !== 'applied') continue;
    for (const o of e.observations) {
      const key = `${o.period}|${o.entity}|${o.indicator}`;
      const held = latest.get(key);
      if (!held || Date.parse(o.observedAt!) > Date.parse(held.observedAt!)) latest.set(key, o);
    }
  }
  return [...latest.values()];
}
