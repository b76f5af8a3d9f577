// Lineage of a stored rank and score (`rankwatch explain`): for one entity of one snapshot, the inputs with the
// events that set them and the earlier values they superseded, each indicator's normalisation with its
// parameters, the weight tree's aggregation with renormalisation over present children, the composite, and the
// tie rule that gave the rank. Numbers shown are the stored ones; the derivations are re-run through the
// engine's own functions (evaluate, scoreColumn, aggregateNode, roundTo) and checked against what was stored.
import { evaluate, type PeriodMatrix } from './evaluate.ts';
import { competitionRanks, roundTo } from './ranking.ts';
import type { LocalisedName } from './scheme.ts';
import { goalpostScore, minmaxScore } from './scoring.ts';
import { inputsToMatrix, type SnapshotBody, type SnapshotInputs } from './snapshot.ts';
import type { CompiledScheme } from './tree.ts';

/** One value a cell held, with the event that set it and the snapshots (by seq) that recorded it. */
export interface CellValue {
  value: number;
  eventId: string;
  /** ISO time, or null when the report carried none. */
  observedAt: string | null;
  /** The event's source (`dept.<id>`), or null. */
  source: string | null;
  /** The department id from the source (`dept.<id>` → `<id>`), or null. */
  department: string | null;
  /** First and last snapshot of the period that held this value. */
  firstSeq: number;
  lastSeq: number;
}

export type NormalisationParameters =
  | { method: 'goalpost'; best: number; worst: number; transform: 'log' | null; offset: number }
  | {
      method: 'minmax';
      /** Lowest and highest value of the period's entities (carried values included). */
      min: number;
      max: number;
      minEntities: string[];
      maxEntities: string[];
      count: number;
    }
  | { method: 'zscore'; mean: number; sd: number; count: number }
  | { method: 'rank'; rank: number; count: number; points: number[] | null }
  | { method: 'none' };

export interface IndicatorExplanation {
  id: string;
  name: LocalisedName;
  unit: string;
  direction: 'higher' | 'lower';
  topic: string | null;
  weight: number;
  owner: string;
  precision: number | null;
  /** The value scored (this period's, or carried from an earlier period); null when missing. */
  value: number | null;
  carried: boolean;
  /** The cell of this period's inputs (null when the entity reported nothing for the period). */
  input: CellValue | null;
  /** Where a carried value came from. */
  carriedFrom: {
    period: string;
    eventId: string;
    observedAt: string | null;
    source: string | null;
    department: string | null;
  } | null;
  /** Earlier values of this cell in the period's chain that the current one replaced, oldest first. */
  superseded: CellValue[];
  /** Parameters of the normalisation (null when the value is missing). */
  normalise: NormalisationParameters | null;
  /** The stored indicator score (null when missing). */
  score: number | null;
  /** Indicator rank by value rounded to the indicator's precision, in its direction. */
  rank: number | null;
  tied: boolean;
  tiedWith: string[];
}

export interface NodeChild {
  kind: 'indicator' | 'topic';
  id: string;
  weight: number;
  /** The child's score (an indicator's stored score, a topic's value); null when missing. */
  value: number | null;
  /** Weight share after renormalisation over present children (0 when missing). */
  share: number;
}

export interface NodeExplanation {
  /** Topic id, or '' for the root (the composite before any rescale). */
  id: string;
  name: LocalisedName | null;
  aggregate: 'arithmetic' | 'geometric';
  floor: number | null;
  children: NodeChild[];
  /** Σ of the present children's weights (the renormalisation denominator). */
  presentWeight: number;
  value: number | null;
}

export interface Check {
  what: string;
  stored: number | null;
  derived: number | null;
  ok: boolean;
}

export interface Explanation {
  scheme: { id: string; version: string; name: LocalisedName };
  period: string;
  seq: number;
  recordedAt: string;
  entity: { id: string; name: LocalisedName };
  /** Only this indicator's input and path when set. */
  indicator: string | null;
  missingPolicy: { carryForward: number; otherwise: 'reweight' | 'zero' | 'unranked' };
  indicators: IndicatorExplanation[];
  /** The weight tree for this entity, children before parents, the root last. */
  nodes: NodeExplanation[];
  composite: {
    /** The root node's value. */
    raw: number | null;
    rescale: { min: number; max: number; minEntities: string[]; maxEntities: string[] } | null;
    /** The stored overall score (after rescale, full precision). */
    score: number | null;
    /** composite.precision, the decimals the comparison for ranks uses (null: full precision). */
    precision: number | null;
    /** The score rounded to that precision: the key ranks compare. */
    key: number | null;
  };
  ranking: {
    rank: number | null;
    tied: boolean;
    /** Entities whose rounded score is strictly higher (rank = 1 + better). */
    better: number;
    ranked: number;
    tiedWith: { entity: string; score: number }[];
    unranked: string | null;
  };
  /** Stored numbers against the engine's functions re-run on the stored inputs. */
  checks: Check[];
  consistent: boolean;
}

export interface ExplainInput {
  compiled: CompiledScheme;
  body: SnapshotBody;
  /** The period's snapshots before `body` (any order; later ones are ignored), for lineage. */
  earlier: readonly SnapshotBody[];
  /** Earlier periods' inputs as known when `body` was recorded, for carried values. */
  carrySources?: readonly { period: string; inputs: SnapshotInputs }[];
  entity: string;
  indicator?: string;
}

export class ExplainError extends Error {
  readonly field: 'entity' | 'indicator';
  constructor(field: 'entity' | 'indicator', message: string) {
    super(message);
    this.name = 'ExplainError';
    this.field = field;
  }
}

const departmentOf = (source: string | null) =>
  source?.startsWith('dept.') ? source.slice('dept.'.length) : null;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const finite = (x: number | undefined | null): number | null =>
  x === undefined || x === null || !Number.isFinite(x) ? null : x;

/** The cell (indicator, entity) of some inputs, looked up by id (inputs of other scheme versions too). */
function cellOf(inputs: SnapshotInputs, indicator: string, entity: string) {
  const j = inputs.indicators.indexOf(indicator);
  const e = inputs.entities.indexOf(entity);
  if (j < 0 || e < 0) return null;
  const value = inputs.values[j]?.[e];
  if (value === null || value === undefined) return null;
  const k = inputs.cellEvents[j]?.[e];
  const ev = k === null || k === undefined ? undefined : inputs.events[k];
  return {
    value,
    eventId: ev?.[0] ?? '',
    observedAt: iso(ev?.[1] ?? null),
    source: ev?.[2] ?? null,
  };
}

/**
 * A cell's values across the period's chain, oldest first: each distinct (value, event, observedAt, source)
 * with the snapshots that held it. The last is the one `chain`'s last snapshot holds (if any).
 */
export function cellLineage(chain: readonly SnapshotBody[], indicator: string, entity: string): CellValue[] {
  const out: CellValue[] = [];
  const byKey = new Map<string, CellValue>();
  for (const b of [...chain].sort((x, y) => x.seq - y.seq)) {
    const cell = cellOf(b.inputs, indicator, entity);
    if (!cell) continue;
    const key = JSON.stringify([cell.value, cell.eventId, cell.observedAt, cell.source]);
    const seen = byKey.get(key);
    if (seen) seen.lastSeq = b.seq;
    else {
      const v: CellValue = {
        ...cell,
        department: departmentOf(cell.source),
        firstSeq: b.seq,
        lastSeq: b.seq,
      };
      byKey.set(key, v);
      out.push(v);
    }
  }
  return out;
}

const close = (a: number | null, b: number | null) =>
  a === null || b === null ? a === b : a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));

/** Explains one entity's stored rank and score in one snapshot (see the module comment). */
export function explain(input: ExplainInput): Explanation {
  const c = input.compiled;
  const { body } = input;
  const scheme = c.scheme;
  const e = c.entityIndex.get(input.entity);
  if (e === undefined)
    throw new ExplainError('entity', `entity "${input.entity}" is not in ${scheme.id} ${scheme.version}`);
  if (input.indicator !== undefined && !c.indicatorIndex.has(input.indicator))
    throw new ExplainError(
      'indicator',
      `indicator "${input.indicator}" is not in ${scheme.id} ${scheme.version}`,
    );
  const n = c.entityIds.length;
  const m = c.indicators.length;
  const r = body.results;
  const chain = [...input.earlier.filter((b) => b.seq < body.seq), body];

  // The engine's own evaluation of the stored inputs: values used (carried included), scores, node values.
  const carry: PeriodMatrix[] = (input.carrySources ?? []).map((s) => inputsToMatrix(c, s.period, s.inputs));
  const ev = evaluate(c, inputsToMatrix(c, body.period, body.inputs), carry);
  const checks: Check[] = [];
  const check = (what: string, stored: number | null, derived: number | null) =>
    checks.push({ what, stored, derived, ok: close(stored, derived) });

  const storedScore = (j: number, x: number) => finite(r.indicatorScores[j]?.[x]);
  const entityOrder = (list: number[]) => list.map((x) => c.entityIds[x]!);

  const shown = c.indicators
    .map((ind, j) => ({ ind, j }))
    .filter(({ ind }) => input.indicator === undefined || ind.id === input.indicator);
  const indicators: IndicatorExplanation[] = shown.map(({ ind, j }) => {
    const value = finite(ev.values[e * m + j]);
    const carried = ev.carried[e * m + j] === 1;
    const lineage = cellLineage(chain, ind.id, input.entity);
    const now = cellOf(body.inputs, ind.id, input.entity);
    const current = now
      ? lineage.find(
          (v) =>
            v.value === now.value &&
            v.eventId === now.eventId &&
            v.observedAt === now.observedAt &&
            v.source === now.source,
        )!
      : null;
    const superseded = lineage.filter((v) => v !== current);
    let carriedFrom: IndicatorExplanation['carriedFrom'] = null;
    if (carried) {
      // As evaluate carries: the youngest earlier period within the window that has a value.
      const sources = [...(input.carrySources ?? [])].sort((a, b) => (a.period < b.period ? 1 : -1));
      for (const s of sources) {
        const cell = cellOf(s.inputs, ind.id, input.entity);
        if (cell && cell.value === value) {
          carriedFrom = {
            period: s.period,
            eventId: cell.eventId,
            observedAt: cell.observedAt,
            source: cell.source,
            department: departmentOf(cell.source),
          };
          break;
        }
      }
    }
    const score = storedScore(j, e);
    check(`${ind.id}.score`, score, finite(ev.scores[e * m + j]));
    check(`${ind.id}.carried`, r.carried[j]?.[e] ?? 0, ev.carried[e * m + j]!);
    const column: number[] = [];
    for (let x = 0; x < n; x++) if (!Number.isNaN(ev.values[x * m + j]!)) column.push(x);
    const higher = ind.direction === 'higher';
    let normalise: NormalisationParameters | null = null;
    const norm = ind.normalise;
    if (value !== null) {
      const derived = (s: number) => check(`${ind.id}.score from its parameters`, score, s);
      switch (norm.method) {
        case 'goalpost':
          normalise = {
            method: 'goalpost',
            best: norm.best,
            worst: norm.worst,
            transform: norm.transform ?? null,
            offset: norm.offset ?? 0,
          };
          derived(goalpostScore(norm, value));
          break;
        case 'minmax': {
          let min = Number.POSITIVE_INFINITY;
          let max = Number.NEGATIVE_INFINITY;
          for (const x of column) {
            const v = ev.values[x * m + j]!;
            if (v < min) min = v;
            if (v > max) max = v;
          }
          normalise = {
            method: 'minmax',
            min,
            max,
            minEntities: entityOrder(column.filter((x) => ev.values[x * m + j] === min)),
            maxEntities: entityOrder(column.filter((x) => ev.values[x * m + j] === max)),
            count: column.length,
          };
          derived(minmaxScore(value, min, max, higher));
          break;
        }
        case 'zscore': {
          // Summed in entity order, as scoreColumn sums: the same mean and σ to the last bit.
          let sum = 0;
          for (const x of column) sum += ev.values[x * m + j]!;
          const mean = sum / column.length;
          let ss = 0;
          for (const x of column) ss += (ev.values[x * m + j]! - mean) * (ev.values[x * m + j]! - mean);
          const sd = Math.sqrt(ss / column.length);
          normalise = { method: 'zscore', mean, sd, count: column.length };
          derived(sd === 0 ? 50 : 50 + (10 * (higher ? 1 : -1) * (value - mean)) / sd);
          break;
        }
        case 'rank': {
          const rank = ev.valueRank[e * m + j]!;
          const count = column.length;
          normalise = { method: 'rank', rank, count, points: norm.points ?? null };
          derived(
            norm.points
              ? (norm.points[rank - 1] ?? 0)
              : count === 1
                ? 100
                : (100 * (count - rank)) / (count - 1),
          );
          break;
        }
        case 'none':
          normalise = { method: 'none' };
          derived(value);
          break;
      }
    }
    const rank = r.indicatorRanks[j]?.[e] ?? 0;
    check(`${ind.id}.rank`, rank, ev.valueRank[e * m + j]!);
    const tiedWith =
      rank > 0 ? c.entityIds.filter((_id, x) => x !== e && (r.indicatorRanks[j]?.[x] ?? 0) === rank) : [];
    return {
      id: ind.id,
      name: ind.name,
      unit: ind.unit,
      direction: ind.direction,
      topic: ind.topic ?? null,
      weight: ind.weight,
      owner: ind.owner,
      precision: ind.precision ?? null,
      value,
      carried,
      input: current,
      carriedFrom,
      superseded,
      normalise,
      score,
      rank: rank > 0 ? rank : null,
      tied: r.indicatorTied[j]?.[e] === 1,
      tiedWith,
    };
  });

  // The tree for this entity: every node's children with their weights and renormalised shares.
  const k = c.nodes.length;
  const nodeValue = (node: number) => finite(ev.nodeValues[e * k + node]);
  const childValue = (child: number) =>
    child < 0 ? finite(ev.scores[e * m + (-child - 1)]) : nodeValue(child);
  const onPath = new Set<number>();
  if (input.indicator !== undefined) {
    let node = c.leafParent[c.indicatorIndex.get(input.indicator)!]!;
    while (node >= 0) {
      onPath.add(node);
      node = c.nodes[node]!.parent;
    }
  }
  const topics = new Map((scheme.topics ?? []).map((t) => [t.id, t]));
  const nodes: NodeExplanation[] = [...c.order]
    .filter((node) => input.indicator === undefined || onPath.has(node))
    .map((node) => {
      const t = c.nodes[node]!;
      const children = [...t.children].map((child, i): NodeChild => {
        const v = childValue(child);
        return {
          kind: child < 0 ? 'indicator' : 'topic',
          id: child < 0 ? c.indicators[-child - 1]!.id : c.nodes[child]!.id,
          weight: t.weights[i]!,
          value: v,
          share: 0,
        };
      });
      const presentWeight = children.reduce((s, ch) => s + (ch.value === null ? 0 : ch.weight), 0);
      for (const ch of children) if (ch.value !== null) ch.share = ch.weight / presentWeight;
      return {
        id: t.id,
        name: t.id === '' ? null : (topics.get(t.id)?.name ?? null),
        aggregate: t.aggregate,
        floor: t.floor ?? null,
        children,
        presentWeight,
        value: nodeValue(node),
      };
    });

  // Composite, rescale and the tie rule, from the stored scores.
  const stored = (x: number) => finite(r.overall.score[x]);
  const score = stored(e);
  const raw = finite(ev.rawComposite[e]);
  check('composite', score, finite(ev.composite[e]));
  let rescale: Explanation['composite']['rescale'] = null;
  if (ev.rescale) {
    const { min, max } = ev.rescale;
    const at = (v: number) => c.entityIds.filter((_, x) => ev.rawComposite[x] === v);
    rescale = { min, max, minEntities: at(min), maxEntities: at(max) };
  }
  const precision = scheme.composite.precision ?? null;
  const keys = Float64Array.from({ length: n }, (_, x) =>
    roundTo(stored(x) ?? Number.NaN, precision ?? undefined),
  );
  const ranks = competitionRanks(keys, true);
  const rank = r.overall.rank[e] ?? 0;
  check('rank', rank, ranks.rank[e]!);
  check('rank from the engine', rank, ev.rank[e]!);
  const key = finite(keys[e]);
  let better = 0;
  let ranked = 0;
  for (let x = 0; x < n; x++) {
    if (Number.isNaN(keys[x]!)) continue;
    ranked++;
    if (key !== null && keys[x]! > key) better++;
  }
  const tiedWith =
    rank > 0
      ? c.entityIds
          .map((id, x) => ({ entity: id, score: stored(x) ?? Number.NaN, x }))
          .filter(({ x }) => x !== e && (r.overall.rank[x] ?? 0) === rank)
          .map(({ entity, score }) => ({ entity, score }))
      : [];

  return {
    scheme: { id: scheme.id, version: scheme.version, name: scheme.name },
    period: body.period,
    seq: body.seq,
    recordedAt: body.recordedAt,
    entity: { id: input.entity, name: scheme.entities[e]!.name },
    indicator: input.indicator ?? null,
    missingPolicy: { ...scheme.missing },
    indicators,
    nodes,
    composite: { raw, rescale, score, precision, key },
    ranking: {
      rank: rank > 0 ? rank : null,
      tied: r.overall.tied[e] === 1,
      better,
      ranked,
      tiedWith,
      unranked: r.unranked.find((u) => u.entity === input.entity)?.reason ?? null,
    },
    checks,
    consistent: checks.every((x) => x.ok),
  };
}
