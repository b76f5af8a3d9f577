// The weight tree (indicators in topics, topics in parent topics): compilation, aggregation with
// renormalisation over present children, and effective weights along the path to the root.
import type { Indicator, Scheme } from './scheme.ts';

export type Aggregate = 'arithmetic' | 'geometric';

export interface TreeNode {
  id: string; // topic id, or '' for the root
  aggregate: Aggregate;
  floor: number | undefined;
  /** Children: indicator indices are encoded as -(j + 1), node indices as themselves. */
  children: Int32Array;
  weights: Float64Array;
  parent: number; // -1 for the root
}

export interface CompiledScheme {
  scheme: Scheme;
  entityIds: string[];
  entityIndex: Map<string, number>;
  indicators: Indicator[];
  indicatorIndex: Map<string, number>;
  nodes: TreeNode[];
  /** Node indices, children before parents; the root is last. */
  order: Int32Array;
  root: number;
  /** Parent node of each indicator, and the indicator's position within it. */
  leafParent: Int32Array;
  leafSlot: Int32Array;
  /** Node index → position among its parent's children. */
  nodeSlot: Int32Array;
  /** Whether every node on the indicator's path to the root aggregates arithmetically. */
  arithmeticPath: Uint8Array;
  higher: Uint8Array; // 1 if the indicator is higher-is-better
  precision: (number | undefined)[];
}

const cache = new WeakMap<Scheme, CompiledScheme>();

/** Compiles a validated scheme into index-based structures (cached per scheme object). */
export function compileScheme(scheme: Scheme): CompiledScheme {
  const hit = cache.get(scheme);
  if (hit) return hit;
  const entityIds = scheme.entities.map((e) => e.id);
  const indicators = scheme.indicators;
  const topics = scheme.topics ?? [];
  const nodeIndex = new Map<string, number>(topics.map((t, i) => [t.id, i]));
  const root = topics.length;
  const childLists: { child: number; weight: number }[][] = Array.from({ length: root + 1 }, () => []);
  const parents = new Int32Array(root + 1).fill(-1);
  topics.forEach((t, i) => {
    const p = t.parent === undefined ? root : nodeIndex.get(t.parent)!;
    parents[i] = p;
    childLists[p]!.push({ child: i, weight: t.weight });
  });
  const leafParent = new Int32Array(indicators.length);
  indicators.forEach((ind, j) => {
    const p = ind.topic === undefined ? root : nodeIndex.get(ind.topic)!;
    leafParent[j] = p;
    childLists[p]!.push({ child: -(j + 1), weight: ind.weight });
  });
  const nodes: TreeNode[] = childLists.map((list, i) => ({
    id: i === root ? '' : topics[i]!.id,
    aggregate: i === root ? scheme.composite.aggregate : (topics[i]!.aggregate ?? 'arithmetic'),
    floor: i === root ? scheme.composite.floor : topics[i]!.floor,
    children: Int32Array.from(list.map((c) => c.child)),
    weights: Float64Array.from(list.map((c) => c.weight)),
    parent: parents[i]!,
  }));
  const leafSlot = new Int32Array(indicators.length);
  const nodeSlot = new Int32Array(nodes.length).fill(-1);
  nodes.forEach((node) => {
    node.children.forEach((c, k) => {
      if (c < 0) leafSlot[-c - 1] = k;
      else nodeSlot[c] = k;
    });
  });
  // Post-order: depth-first from the root, children first.
  const order: number[] = [];
  const visit = (n: number) => {
    for (const c of nodes[n]!.children) if (c >= 0) visit(c);
    order.push(n);
  };
  visit(root);
  const arithmeticPath = new Uint8Array(indicators.length);
  indicators.forEach((_, j) => {
    let n = leafParent[j]!;
    let ok = 1;
    while (n >= 0) {
      if (nodes[n]!.aggregate !== 'arithmetic') ok = 0;
      n = nodes[n]!.parent;
    }
    arithmeticPath[j] = ok;
  });
  const compiled: CompiledScheme = {
    scheme,
    entityIds,
    entityIndex: new Map(entityIds.map((e, i) => [e, i])),
    indicators,
    indicatorIndex: new Map(indicators.map((ind, j) => [ind.id, j])),
    nodes,
    order: Int32Array.from(order),
    root,
    leafParent,
    leafSlot,
    nodeSlot,
    arithmeticPath,
    higher: Uint8Array.from(indicators.map((i) => (i.direction === 'higher' ? 1 : 0))),
    precision: indicators.map((i) => i.precision),
  };
  cache.set(scheme, compiled);
  return compiled;
}

/** Value of one node from its children's values (NaN = missing); weights renormalise over present ones. */
export function aggregateNode(node: TreeNode, childValue: (child: number) => number): number {
  const { children, weights } = node;
  let wsum = 0;
  if (node.aggregate === 'arithmetic') {
    let acc = 0;
    for (let k = 0; k < children.length; k++) {
      const v = childValue(children[k]!);
      if (Number.isNaN(v)) continue;
      acc += weights[k]! * v;
      wsum += weights[k]!;
    }
    return wsum === 0 ? Number.NaN : acc / wsum;
  }
  let logAcc = 0;
  let zero = false;
  for (let k = 0; k < children.length; k++) {
    let v = childValue(children[k]!);
    if (Number.isNaN(v)) continue;
    if (node.floor !== undefined && v < node.floor) v = node.floor;
    wsum += weights[k]!;
    if (v <= 0) zero = true;
    else logAcc += weights[k]! * Math.log(v);
  }
  if (wsum === 0) return Number.NaN;
  return zero ? 0 : Math.exp(logAcc / wsum);
}

/**
 * Aggregates one entity's indicator scores (`scores[j]`, NaN = missing) up the tree, writing every node's
 * value into `nodeValues`; returns the root value (NaN when nothing is present).
 */
export function aggregateEntity(
  c: CompiledScheme,
  scores: ArrayLike<number>,
  nodeValues: Float64Array,
): number {
  const childValue = (child: number) => (child < 0 ? scores[-child - 1]! : nodeValues[child]!);
  for (let k = 0; k < c.order.length; k++) {
    const n = c.order[k]!;
    nodeValues[n] = aggregateNode(c.nodes[n]!, childValue);
  }
  return nodeValues[c.root]!;
}

/**
 * Effective weights w'_j: the product of renormalised weight shares on the path from the root to each
 * indicator, for one entity's presence pattern (Σ w'_j = 1 over present indicators; 0 where absent).
 */
export function effectiveWeights(
  c: CompiledScheme,
  nodeValues: Float64Array,
  scores: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(c.indicators.length);
  const share = new Float64Array(c.nodes.length);
  share[c.root] = Number.isNaN(nodeValues[c.root]!) ? 0 : 1;
  for (let k = c.order.length - 1; k >= 0; k--) {
    const n = c.order[k]!;
    const node = c.nodes[n]!;
    if (share[n] === 0) continue;
    let wsum = 0;
    const present = (child: number) =>
      !Number.isNaN(child < 0 ? (scores[-child - 1] as number) : (nodeValues[child] as number));
    for (let i = 0; i < node.children.length; i++) if (present(node.children[i]!)) wsum += node.weights[i]!;
    for (let i = 0; i < node.children.length; i++) {
      const child = node.children[i]!;
      if (!present(child)) continue;
      const s = (share[n]! * node.weights[i]!) / wsum;
      if (child < 0) out[-child - 1] = s;
      else share[child] = s;
    }
  }
  return out;
}

/**
 * The root value when indicator j's score is replaced by `s`, other scores fixed: walks only the path
 * from j to the root, using the entity's cached node values.
 */
export function rootWithScore(
  c: CompiledScheme,
  scores: ArrayLike<number>,
  nodeValues: Float64Array,
  j: number,
  s: number,
): number {
  let node = c.leafParent[j]!;
  let replacedChild = -(j + 1);
  let replacedValue = s;
  let value = Number.NaN;
  while (node >= 0) {
    const rc = replacedChild;
    const rv = replacedValue;
    value = aggregateNode(c.nodes[node]!, (child) =>
      child === rc ? rv : child < 0 ? scores[-child - 1]! : nodeValues[child]!,
    );
    replacedChild = node;
    replacedValue = value;
    node = c.nodes[node]!.parent;
  }
  return value;
}
