// Snapshots: the standings' inputs (latest value per indicator × entity, with the event that set it),
// latest-wins merging of new observations, and the immutable snapshot body recorded after each evaluation.
import type { IndicatorRow, OverallRow, PeriodAssessment } from './assessment.ts';
import type { Evaluation, PeriodMatrix } from './evaluate.ts';
import { type Observation, supersedes } from './observations.ts';
import type { Slip } from './slips.ts';
import type { Standings } from './standings.ts';
import type { CompiledScheme } from './tree.ts';

/** Columnar inputs of one (scheme, period): per indicator, per entity (in the lists' order). */
export interface SnapshotInputs {
  entities: string[];
  indicators: string[];
  /** Dictionary of the events that set cells: [eventId, observedAt (ms epoch, or null), source]. */
  events: [string, number | null, string | null][];
  /** values[indicator][entity]: the value, or null. */
  values: (number | null)[][];
  /** cellEvents[indicator][entity]: index into events, or null. */
  cellEvents: (number | null)[][];
}

export function emptyInputs(c: CompiledScheme): SnapshotInputs {
  const n = c.entityIds.length;
  return {
    entities: [...c.entityIds],
    indicators: c.indicators.map((i) => i.id),
    events: [],
    values: c.indicators.map(() => new Array<number | null>(n).fill(null)),
    cellEvents: c.indicators.map(() => new Array<number | null>(n).fill(null)),
  };
}

/** Re-shapes inputs (possibly from another scheme version) onto the scheme's entity and indicator lists. */
export function alignInputs(c: CompiledScheme, inputs: SnapshotInputs): SnapshotInputs {
  const same =
    inputs.entities.length === c.entityIds.length &&
    inputs.entities.every((e, i) => e === c.entityIds[i]) &&
    inputs.indicators.length === c.indicators.length &&
    inputs.indicators.every((id, j) => id === c.indicators[j]!.id);
  if (same) return inputs;
  const out = emptyInputs(c);
  out.events = inputs.events;
  inputs.indicators.forEach((ind, jj) => {
    const j = c.indicatorIndex.get(ind);
    if (j === undefined) return;
    inputs.entities.forEach((ent, ee) => {
      const e = c.entityIndex.get(ent);
      if (e === undefined) return;
      out.values[j]![e] = inputs.values[jj]![ee]!;
      out.cellEvents[j]![e] = inputs.cellEvents[jj]![ee]!;
    });
  });
  return out;
}

/**
 * Merges observations latest-wins by observedAt (ties: larger event id). Returns new inputs and how many
 * cells changed; superseded or duplicate observations change nothing.
 */
export function mergeObservations(
  c: CompiledScheme,
  base: SnapshotInputs,
  observations: readonly Observation[],
): { inputs: SnapshotInputs; changed: number } {
  const inputs: SnapshotInputs = {
    entities: base.entities,
    indicators: base.indicators,
    events: [...base.events],
    values: base.values.map((col) => [...col]),
    cellEvents: base.cellEvents.map((col) => [...col]),
  };
  const eventIndex = new Map<string, number>();
  inputs.events.forEach(([id, at, src], k) => {
    eventIndex.set(`${id}|${at}|${src}`, k);
  });
  let changed = 0;
  for (const o of observations) {
    const j = c.indicatorIndex.get(o.indicator);
    const e = c.entityIndex.get(o.entity);
    if (j === undefined || e === undefined) continue; // validated before merging
    const k = inputs.cellEvents[j]![e];
    if (k !== null && k !== undefined) {
      const [id, at] = inputs.events[k]!;
      const current: Observation = { ...o, value: inputs.values[j]![e]!, eventId: id };
      if (at !== null) current.observedAt = new Date(at).toISOString();
      else delete current.observedAt;
      if (!supersedes(o, current)) continue;
    }
    const at = o.observedAt ? Date.parse(o.observedAt) : null;
    const tag = `${o.eventId ?? ''}|${at}|${o.source ?? null}`;
    let idx = eventIndex.get(tag);
    if (idx === undefined) {
      idx = inputs.events.length;
      inputs.events.push([o.eventId ?? '', at, o.source ?? null]);
      eventIndex.set(tag, idx);
    }
    if (inputs.values[j]![e] !== o.value || k !== idx) changed++;
    inputs.values[j]![e] = o.value;
    inputs.cellEvents[j]![e] = idx;
  }
  // Drop dictionary entries no cell refers to any more, so equal standings have equal inputs.
  return { inputs: compactEvents(inputs), changed };
}

function compactEvents(inputs: SnapshotInputs): SnapshotInputs {
  const used = new Map<number, number>();
  const events: SnapshotInputs['events'] = [];
  const cellEvents = inputs.cellEvents.map((col) =>
    col.map((k) => {
      if (k === null) return null;
      let nk = used.get(k);
      if (nk === undefined) {
        nk = events.length;
        events.push(inputs.events[k]!);
        used.set(k, nk);
      }
      return nk;
    }),
  );
  return { ...inputs, events, cellEvents };
}

/** The inputs as an evaluation matrix (entity-major, NaN = missing). */
export function inputsToMatrix(c: CompiledScheme, period: string, inputs: SnapshotInputs): PeriodMatrix {
  const aligned = alignInputs(c, inputs);
  const n = c.entityIds.length;
  const m = c.indicators.length;
  const values = new Float64Array(n * m).fill(Number.NaN);
  for (let j = 0; j < m; j++) {
    const col = aligned.values[j]!;
    for (let e = 0; e < n; e++) {
      const v = col[e];
      if (v !== null && v !== undefined) values[e * m + j] = v;
    }
  }
  return { period, values };
}

/** Columnar results of an evaluation (full-precision scores; NaN stored as null). */
export interface SnapshotResults {
  overall: { score: (number | null)[]; rank: number[]; tied: number[] };
  unranked: { entity: string; reason: string }[];
  indicatorScores: (number | null)[][];
  indicatorRanks: number[][];
  indicatorTied: number[][];
  carried: number[][];
  gap: PeriodAssessment['gap'];
  diagnosis: PeriodAssessment['diagnosis'];
  slips: Slip[];
  /** Watched entities' standings (for slips and history without re-reading the whole body). */
  standings: Standings;
}

const num = (x: number) => (Number.isFinite(x) ? x : null);

export function resultsOf(
  ev: Evaluation,
  extra: Pick<SnapshotResults, 'gap' | 'diagnosis' | 'slips' | 'standings'>,
): SnapshotResults {
  const { n, m } = ev;
  const col = <T>(f: (e: number, j: number) => T) =>
    Array.from({ length: m }, (_, j) => Array.from({ length: n }, (_, e) => f(e, j)));
  return {
    overall: {
      score: Array.from(ev.composite, num),
      rank: Array.from(ev.rank),
      tied: Array.from(ev.tied),
    },
    unranked: ev.unranked,
    indicatorScores: col((e, j) => num(ev.scores[e * m + j]!)),
    indicatorRanks: col((e, j) => ev.valueRank[e * m + j]!),
    indicatorTied: col((e, j) => ev.valueTied[e * m + j]!),
    carried: col((e, j) => ev.carried[e * m + j]!),
    ...extra,
  };
}

export interface SnapshotBody {
  scheme: { id: string; version: string };
  period: string;
  seq: number;
  recordedAt: string;
  /** Event ids applied by this snapshot (the receipt). */
  applied: string[];
  inputs: SnapshotInputs;
  results: SnapshotResults;
}

/**
 * A stored snapshot seen as one period of `rankwatch evaluate`'s contract (the inverse of `resultsOf`), so
 * reports render the numbers the engine stored, not numbers recomputed.
 */
export function periodFromSnapshot(body: SnapshotBody): PeriodAssessment {
  const { entities, indicators, values } = body.inputs;
  const r = body.results;
  const order = (a: { rank: number; entity: string }, b: { rank: number; entity: string }) =>
    a.rank - b.rank || entities.indexOf(a.entity) - entities.indexOf(b.entity);
  const overall: OverallRow[] = entities
    .map((entity, e) => ({
      entity,
      score: r.overall.score[e] ?? Number.NaN,
      rank: r.overall.rank[e] ?? 0,
      tied: r.overall.tied[e] === 1,
    }))
    .filter((row) => row.rank > 0)
    .sort(order);
  const byIndicator: Record<string, IndicatorRow[]> = {};
  indicators.forEach((id, j) => {
    byIndicator[id] = entities
      .map((entity, e) => ({
        entity,
        value: values[j]?.[e] ?? Number.NaN,
        score: r.indicatorScores[j]?.[e] ?? Number.NaN,
        rank: r.indicatorRanks[j]?.[e] ?? 0,
        tied: r.indicatorTied[j]?.[e] === 1,
        carried: r.carried[j]?.[e] === 1,
      }))
      .filter((row) => row.rank > 0)
      .sort(order);
  });
  return {
    period: body.period,
    overall,
    unranked: r.unranked,
    indicators: byIndicator,
    gap: r.gap,
    diagnosis: r.diagnosis,
    slips: r.slips,
    transitions: [],
    alerts: [],
  };
}
