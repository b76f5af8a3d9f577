// Methodology versions compared on the same inputs: one period's stored inputs evaluated under two scheme
// versions, and per entity the rank change with its cause — which indicator's weighted contribution
// (effective weight × score) moved it relative to the field, and whether the weight or the normalisation did.
import type { Evaluation } from './evaluate.ts';
import { evaluate } from './evaluate.ts';
import { allEffectiveWeights } from './gap.ts';
import type { Scheme } from './scheme.ts';
import { inputsToMatrix, type SnapshotInputs } from './snapshot.ts';
import { compileScheme } from './tree.ts';

/** A period's inputs and the earlier periods' inputs that carry-forward may draw on. */
export interface PeriodInputs {
  period: string;
  inputs: SnapshotInputs;
  earlier?: readonly { period: string; inputs: SnapshotInputs }[];
}

/** One indicator's part in an entity's change between the two versions. */
export interface IndicatorEffect {
  indicator: string;
  /** Effective weights w'_j (shares of the composite, Σ = 1 over present indicators) and scores. */
  fromWeight: number;
  toWeight: number;
  fromScore: number | null;
  toScore: number | null;
  /** w'_j·s_j under each version, and the change. */
  fromContribution: number;
  toContribution: number;
  change: number;
  /**
   * The change less the mean change of the entities ranked under both versions: what moved this entity
   * against the others (an equal shift for everyone moves no rank). weight + normalisation = relative.
   */
  relative: number;
  /** (w'_new − w'_old)·s_old, relative to the field: the part the weight change made. */
  weight: number;
  /** w'_new·(s_new − s_old), relative to the field: the part the normalisation change made. */
  normalisation: number;
}

export type Cause = 'weight' | 'normalisation';

export interface EntityChange {
  entity: string;
  /** Overall ranks under each version (0 = unranked). */
  fromRank: number;
  toRank: number;
  /** Places gained: fromRank − toRank (negative: places lost); 0 when either is unranked. */
  delta: number;
  fromScore: number | null;
  toScore: number | null;
  /** Every indicator, the one that moved the entity most in the direction it moved first. */
  effects: IndicatorEffect[];
  /** The indicator that moved it most, and which change did (null when the rank did not change). */
  driver: { indicator: string; cause: Cause; relative: number } | null;
}

export interface PeriodDiff {
  period: string;
  from: { id: string; version: string };
  to: { id: string; version: string };
  /** Every entity, in the new ranking's order (unranked last). */
  entities: EntityChange[];
  /** The entities whose rank changed. */
  changed: EntityChange[];
}

/** Evaluates stored inputs under a scheme (inputs of another version are aligned by id). */
export function evaluateInputs(scheme: Scheme, p: PeriodInputs): Evaluation {
  const c = compileScheme(scheme);
  return evaluate(
    c,
    inputsToMatrix(c, p.period, p.inputs),
    (p.earlier ?? []).map((e) => inputsToMatrix(c, e.period, e.inputs)),
  );
}

const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);

/**
 * The period under both versions and, per entity, old and new rank and why it moved. Contributions are
 * exact shares of the composite on arithmetic trees; under a geometric topic they are its first-order
 * reading (w'·s), so they rank causes but need not sum to the composite change.
 */
export function methodologyDiff(from: Scheme, to: Scheme, p: PeriodInputs): PeriodDiff {
  const a = evaluateInputs(from, p);
  const b = evaluateInputs(to, p);
  // Indicators of either version, by id (a version may add or drop some).
  const ids = [...new Set([...a.compiled.indicators, ...b.compiled.indicators].map((i) => i.id))];
  const entities = b.compiled.entityIds.filter((e) => a.compiled.entityIndex.has(e));
  const wa = allEffectiveWeights(a);
  const wb = allEffectiveWeights(b);
  const cell = (ev: Evaluation, w: Float64Array, e: number | undefined, id: string) => {
    const j = ev.compiled.indicatorIndex.get(id);
    if (e === undefined || j === undefined || ev.rank[e] === 0) return { w: 0, s: null, c: 0 };
    const s = finite(ev.scores[e * ev.m + j]);
    const weight = s === null ? 0 : w[e * ev.m + j]!;
    return { w: weight, s, c: s === null ? 0 : weight * s };
  };
  const raw = entities.map((entity) => {
    const ea = a.compiled.entityIndex.get(entity)!;
    const eb = b.compiled.entityIndex.get(entity)!;
    return {
      entity,
      ea,
      eb,
      both: a.rank[ea]! > 0 && b.rank[eb]! > 0,
      cells: ids.map((id) => {
        const x = cell(a, wa, ea, id);
        const y = cell(b, wb, eb, id);
        return {
          id,
          x,
          y,
          weight: (y.w - x.w) * (x.s ?? 0),
          normalisation: y.w * ((y.s ?? 0) - (x.s ?? 0)),
        };
      }),
    };
  });
  // The field's mean shift per indicator, over the entities ranked under both versions.
  const field = raw.filter((r) => r.both);
  const mean = (j: number, f: (c: (typeof raw)[number]['cells'][number]) => number) =>
    field.length === 0 ? 0 : field.reduce((sum, r) => sum + f(r.cells[j]!), 0) / field.length;
  const meanWeight = ids.map((_, j) => mean(j, (c) => c.weight));
  const meanNorm = ids.map((_, j) => mean(j, (c) => c.normalisation));

  const out: EntityChange[] = raw.map((r) => {
    const fromRank = a.rank[r.ea]!;
    const toRank = b.rank[r.eb]!;
    const delta = r.both ? fromRank - toRank : 0;
    const effects: IndicatorEffect[] = r.cells.map((c, j) => {
      const weight = c.weight - meanWeight[j]!;
      const normalisation = c.normalisation - meanNorm[j]!;
      return {
        indicator: c.id,
        fromWeight: c.x.w,
        toWeight: c.y.w,
        fromScore: c.x.s,
        toScore: c.y.s,
        fromContribution: c.x.c,
        toContribution: c.y.c,
        change: c.y.c - c.x.c,
        relative: weight + normalisation,
        weight,
        normalisation,
      };
    });
    // Gains list the most helpful indicator first, losses the most harmful; unmoved entities by size.
    const sign = delta > 0 ? 1 : delta < 0 ? -1 : 0;
    effects.sort((x, y) =>
      sign === 0
        ? Math.abs(y.relative) - Math.abs(x.relative) || x.indicator.localeCompare(y.indicator)
        : sign * (y.relative - x.relative) || x.indicator.localeCompare(y.indicator),
    );
    const top = effects[0];
    const driver =
      fromRank !== toRank && top
        ? {
            indicator: top.indicator,
            cause: (Math.abs(top.weight) >= Math.abs(top.normalisation)
              ? 'weight'
              : 'normalisation') as Cause,
            relative: top.relative,
          }
        : null;
    return {
      entity: r.entity,
      fromRank,
      toRank,
      delta,
      fromScore: finite(a.composite[r.ea]),
      toScore: finite(b.composite[r.eb]),
      effects,
      driver,
    };
  });
  out.sort(
    (x, y) =>
      (x.toRank || Number.MAX_SAFE_INTEGER) - (y.toRank || Number.MAX_SAFE_INTEGER) ||
      b.compiled.entityIndex.get(x.entity)! - b.compiled.entityIndex.get(y.entity)!,
  );
  return {
    period: p.period,
    from: { id: from.id, version: from.version },
    to: { id: to.id, version: to.version },
    entities: out,
    changed: out.filter((e) => e.fromRank !== e.toRank),
  };
}
