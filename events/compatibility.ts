/**
 * Whether a schema still honours a published version: every field a v1 producer sends or a v1
 * consumer reads must keep its name, type and meaning. Adding optional fields is fine.
 */
import type { JsonSchema } from './json-schema.ts';

export type BreakingKind =
  | 'removed'
  | 'retyped'
  | 'now-required'
  | 'now-optional'
  | 'values-removed'
  | 'values-added'
  | 'pattern-changed'
  | 'format-changed'
  | 'narrowed'
  | 'closed';

export interface BreakingChange {
  /** The field, e.g. `detail.values[].value`; `(root)` for the event itself. */
  path: string;
  kind: BreakingKind;
  detail: string;
}

const isObject = (value: unknown): value is JsonSchema =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function resolve(node: JsonSchema, root: JsonSchema): JsonSchema {
  let current = node;
  for (let hops = 0; typeof current.$ref === 'string' && hops < 32; hops++) {
    const target = current.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), root);
    if (!isObject(target)) throw new Error(`unresolvable $ref ${current.$ref}`);
    current = target;
  }
  return current;
}

/** The JSON types a schema node admits (through `type`, `enum` and `anyOf`/`oneOf`), `*` when unconstrained. */
function typesOf(node: JsonSchema, root: JsonSchema): Set<string> {
  const n = resolve(node, root);
  if (typeof n.type === 'string') return new Set([n.type]);
  if (Array.isArray(n.type)) return new Set(n.type.map(String));
  if (Array.isArray(n.enum)) {
    return new Set(
      n.enum.map((v) =>
        v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v,
      ),
    );
  }
  const branches = (n.anyOf ?? n.oneOf) as unknown;
  if (Array.isArray(branches)) {
    const all = new Set<string>();
    for (const b of branches) if (isObject(b)) for (const t of typesOf(b, root)) all.add(t);
    return all;
  }
  return new Set(['*']);
}

/** The non-null branches of a union, or the node itself. */
function branchesOf(node: JsonSchema, root: JsonSchema): JsonSchema[] {
  const n = resolve(node, root);
  const list = (n.anyOf ?? n.oneOf) as unknown;
  if (!Array.isArray(list)) return [n];
  return list
    .filter(isObject)
    .map((b) => resolve(b, root))
    .filter((b) => b.type !== 'null');
}

const sameSet = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
const show = (s: Set<string>) => [...s].sort().join('|');

function join(path: string, key: string): string {
  const part = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : `["${key}"]`;
  if (path === '') return part;
  return part.startsWith('[') ? path + part : `${path}.${part}`;
}

function compareBounds(path: string, was: JsonSchema, now: JsonSchema, out: BreakingChange[]): void {
  for (const key of ['minimum', 'minLength', 'minItems', 'minProperties'] as const) {
    const a = was[key];
    const b = now[key];
    if (typeof b === 'number' && (typeof a !== 'number' || b > a)) {
      out.push({ path, kind: 'narrowed', detail: `${key} ${a ?? 'none'} → ${b}` });
    }
  }
  for (const key of ['maximum', 'maxLength', 'maxItems', 'maxProperties'] as const) {
    const a = was[key];
    const b = now[key];
    if (typeof b === 'number' && (typeof a !== 'number' || b < a)) {
      out.push({ path, kind: 'narrowed', detail: `${key} ${a ?? 'none'} → ${b}` });
    }
  }
  for (const key of ['exclusiveMinimum', 'exclusiveMaximum'] as const) {
    if (now[key] === true && was[key] !== true) out.push({ path, kind: 'narrowed', detail: `${key} added` });
  }
}

function compareNode(
  path: string,
  was: JsonSchema,
  now: JsonSchema,
  roots: { was: JsonSchema; now: JsonSchema },
  out: BreakingChange[],
): void {
  const wasTypes = typesOf(was, roots.was);
  const nowTypes = typesOf(now, roots.now);
  if (!sameSet(wasTypes, nowTypes)) {
    out.push({ path: path || '(root)', kind: 'retyped', detail: `${show(wasTypes)} → ${show(nowTypes)}` });
    return;
  }
  const wasBranches = branchesOf(was, roots.was);
  const nowBranches = branchesOf(now, roots.now);
  for (const a of wasBranches) {
    const aTypes = typesOf(a, roots.was);
    const b =
      nowBranches.find((candidate) => sameSet(typesOf(candidate, roots.now), aTypes)) ?? nowBranches[0];
    if (b !== undefined) compareShape(path, a, b, roots, out);
  }
}

function compareShape(
  path: string,
  was: JsonSchema,
  now: JsonSchema,
  roots: { was: JsonSchema; now: JsonSchema },
  out: BreakingChange[],
): void {
  const at = path || '(root)';
  if (Array.isArray(was.enum) || Array.isArray(now.enum)) {
    const a = new Set((Array.isArray(was.enum) ? was.enum : []).map((v) => JSON.stringify(v)));
    const b = new Set((Array.isArray(now.enum) ? now.enum : []).map((v) => JSON.stringify(v)));
    const removed = Array.isArray(was.enum) ? [...a].filter((v) => !b.has(v)) : [];
    const added = Array.isArray(now.enum) ? [...b].filter((v) => !a.has(v)) : [];
    if (!Array.isArray(was.enum))
      out.push({ path: at, kind: 'narrowed', detail: `now limited to ${[...b].join(', ')}` });
    else if (!Array.isArray(now.enum)) {
      out.push({ path: at, kind: 'values-added', detail: `no longer limited to ${[...a].join(', ')}` });
    } else {
      if (removed.length > 0) out.push({ path: at, kind: 'values-removed', detail: removed.join(', ') });
      if (added.length > 0) out.push({ path: at, kind: 'values-added', detail: added.join(', ') });
    }
  }
  if ((was.pattern ?? null) !== (now.pattern ?? null)) {
    out.push({
      path: at,
      kind: 'pattern-changed',
      detail: `${String(was.pattern ?? 'none')} → ${String(now.pattern ?? 'none')}`,
    });
  }
  if ((was.format ?? null) !== (now.format ?? null)) {
    out.push({
      path: at,
      kind: 'format-changed',
      detail: `${String(was.format ?? 'none')} → ${String(now.format ?? 'none')}`,
    });
  }
  compareBounds(at, was, now, out);

  if (isObject(was.properties) || isObject(now.properties)) {
    const wasProps = isObject(was.properties) ? was.properties : {};
    const nowProps = isObject(now.properties) ? now.properties : {};
    const wasRequired = new Set(Array.isArray(was.required) ? was.required.map(String) : []);
    const nowRequired = new Set(Array.isArray(now.required) ? now.required.map(String) : []);
    for (const [name, sub] of Object.entries(wasProps)) {
      const field = join(path, name);
      const next = nowProps[name];
      if (!isObject(next)) {
        out.push({ path: field, kind: 'removed', detail: `"${name}" is gone` });
        continue;
      }
      if (wasRequired.has(name) && !nowRequired.has(name)) {
        out.push({ path: field, kind: 'now-optional', detail: 'v1 consumers rely on it being present' });
      }
      if (isObject(sub)) compareNode(field, sub, next, roots, out);
    }
    for (const name of nowRequired) {
      if (!wasRequired.has(name)) {
        out.push({ path: join(path, name), kind: 'now-required', detail: 'v1 producers may not send it' });
      }
    }
    if (now.additionalProperties === false && was.additionalProperties !== false) {
      out.push({ path: at, kind: 'closed', detail: 'additional properties are no longer allowed' });
    }
  }
  if (isObject(was.items) && isObject(now.items)) compareNode(`${path}[]`, was.items, now.items, roots, out);
}

/** Every way `current` breaks the `published` schema of the same version; empty when compatible. */
export function breakingChanges(published: JsonSchema, current: JsonSchema): BreakingChange[] {
  const out: BreakingChange[] = [];
  compareNode('', published, current, { was: published, now: current }, out);
  return out;
}
