// The tamper sweep: every stored item the verification must cover is altered one mutation at a time (raw
// DynamoDB attribute values, so the change is exactly one byte, one character, one deleted or swapped item),
// `store.verify` is run, whether it failed and whether it named the first bad snapshot is recorded, and the
// item is put back byte for byte (read back and compared) before the store is verified again. Used by
// `npm run tamper` (tamper/main.ts) and the CI-sized run in test/integration/tamper.test.ts.
import {
  type AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/dynamodb-local.ts';
import { type StoredHistory, weekId } from './history.ts';

type Item = Record<string, AttributeValue>;
type Verdict = Awaited<ReturnType<StoredHistory['pipeline']['store']['verify']>>;

/** One alteration: items replaced (or deleted, `after: null`), then all put back. */
interface Mutation {
  kind: string;
  changes: { before: Item; after: Item | null }[];
  /** The period whose verification must see it (the first one the altered items belong to). */
  period: string;
  /** What `firstBad` may say: the first bad snapshot (or derived item) in verification order. */
  names: readonly string[];
  /** Deleted projection items are counted as missing by design; they are judged on that count. */
  judge?: 'missing';
  label: string;
}

export interface KindRow {
  kind: string;
  tried: number;
  detected: number;
  missed: number;
  /** Detected but `firstBad` named something else. */
  misnamed: number;
  /** Of the detected: deleted projection items the verifier reported as missing (its verdict still ok). */
  asMissing: number;
  /** The first few misses and misnamings, e.g. `gansu|2026-W01|#1 hash[3]: verify ok`. */
  examples: string[];
}

export interface SweepOptions {
  /** Seed of the sampling generator. */
  seed: number;
  /** Periods whose chunks are mutated at every byte; the others at `bytesPerChunk` sampled positions. */
  everyBytePeriods: number;
  bytesPerChunk: number;
  /** At most this many mutations per kind (sampled, seeded); Infinity for all. */
  perKind: number;
  /** Kinds to skip (e.g. one known not to be covered). */
  skip?: readonly string[];
  progress?: (line: string) => void;
}

export interface SweepResult {
  rows: KindRow[];
  /** Items that did not read back as they were, or a store that did not verify as before, after a restore. */
  restoreFailures: string[];
  ms: number;
}

/** mulberry32: small, seeded, good enough to pick sample positions reproducibly. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample<T>(all: readonly T[], n: number, rnd: () => number): T[] {
  if (n >= all.length) return [...all];
  const copy = [...all];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rnd() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

const clone = (item: Item): Item => structuredClone(item);
const same = (a: Item | undefined, b: Item) =>
  a !== undefined && JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
function sorted(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
    );
  return v;
}

/** One character changed: the low bit of its code flipped (a digit stays a digit in numbers). */
function charChanged(s: string, i: number, numeric: boolean): string {
  const c = s.charCodeAt(i);
  const next = numeric ? String((c - 48 + 1) % 10) : String.fromCharCode(c ^ 1);
  return s.slice(0, i) + next + s.slice(i + 1);
}

/** Every single-character change of an attribute (strings, numbers' digits, each element of a list). */
function characterVariants(value: AttributeValue): { where: string; value: AttributeValue }[] {
  const out: { where: string; value: AttributeValue }[] = [];
  if (value.S !== undefined)
    for (let i = 0; i < value.S.length; i++)
      out.push({ where: `[${i}]`, value: { S: charChanged(value.S, i, false) } });
  else if (value.N !== undefined) {
    for (let i = 0; i < value.N.length; i++)
      if (/\d/.test(value.N[i]!)) out.push({ where: `[${i}]`, value: { N: charChanged(value.N, i, true) } });
  } else if (value.L !== undefined)
    value.L.forEach((element, k) => {
      for (const v of characterVariants(element)) {
        const list = [...value.L!];
        list[k] = v.value;
        out.push({ where: `[${k}]${v.where}`, value: { L: list } });
      }
    });
  else if (value.NULL) out.push({ where: '=string', value: { S: '0'.repeat(64) } });
  return out;
}

const snapshotId = (scheme: string, period: string, seq: number) => `${scheme}|${period}|#${seq}`;
const headId = (scheme: string, period: string) => `${scheme}|${period}|head`;

export const MANIFEST_ATTRIBUTES = [
  'hash',
  'previousHash',
  'seq',
  'recordedAt',
  'schemeVersion',
  'inputChunks',
  'restChunks',
] as const;
export const HEAD_ATTRIBUTES = [
  'hash',
  'seq',
  'schemeVersion',
  'recordedAt',
  'inputChunks',
  'standings',
] as const;

/** The mutations of every kind over the stored items, in a fixed order (then sampled per kind). */
function mutations(h: StoredHistory, items: Item[], opts: SweepOptions, rnd: () => number): Mutation[] {
  const scheme = h.scheme.id;
  const manifests = items
    .filter((i) => i.PK!.S!.startsWith(`SNAP#${scheme}#`))
    .sort((a, b) => (a.PK!.S! + a.SK!.S!).localeCompare(b.PK!.S! + b.SK!.S!));
  const periods = [...new Set(manifests.map((m) => m.period!.S!))].sort();
  const order = (m: Item) => periods.indexOf(m.period!.S!) * 1e6 + Number(m.seq!.N);
  const idOf = (m: Item) => snapshotId(scheme, m.period!.S!, Number(m.seq!.N));
  const out: Mutation[] = [];
  const add = (m: Mutation) => out.push(m);

  // Chunks: which snapshots cite each (content-addressed, so one chunk may serve several).
  const citing = new Map<string, Item[]>();
  for (const m of manifests)
    for (const list of [m.inputChunks!, m.restChunks!])
      for (const c of list.L!) citing.set(c.S!, [...(citing.get(c.S!) ?? []), m]);
  const chunks = items.filter((i) => i.PK!.S!.startsWith('CHUNK#') && citing.has(i.PK!.S!.slice(6)));
  const firstCiting = (chunk: Item) =>
    citing.get(chunk.PK!.S!.slice(6))!.sort((a, b) => order(a) - order(b))[0]!;
  const everyByte = new Set(periods.slice(0, opts.everyBytePeriods));
  for (const chunk of chunks) {
    const first = firstCiting(chunk);
    const data = chunk.data!.B!;
    const all = [...data.keys()];
    const positions = everyByte.has(first.period!.S!)
      ? all
      : sample(all, opts.bytesPerChunk, rnd).sort((a, b) => a - b);
    for (const i of positions) {
      const after = clone(chunk);
      const bytes = new Uint8Array(data);
      bytes[i] = bytes[i]! ^ 0x01;
      after.data = { B: bytes };
      add({
        kind: 'chunk: one byte (bit 0 flipped)',
        changes: [{ before: chunk, after }],
        period: first.period!.S!,
        names: [idOf(first)],
        label: `${chunk.PK!.S!.slice(0, 18)}… byte ${i}`,
      });
    }
    add({
      kind: 'chunk: deleted',
      changes: [{ before: chunk, after: null }],
      period: first.period!.S!,
      names: [idOf(first)],
      label: `${chunk.PK!.S!.slice(0, 18)}…`,
    });
  }

  for (const m of manifests) {
    for (const attribute of MANIFEST_ATTRIBUTES)
      for (const v of characterVariants(m[attribute]!)) {
        const after = clone(m);
        after[attribute] = v.value;
        add({
          kind: `manifest ${attribute}: one character`,
          changes: [{ before: m, after }],
          period: m.period!.S!,
          names: [idOf(m)],
          label: `${idOf(m)} ${attribute}${v.where}`,
        });
      }
    const last = !manifests.some((o) => o.period!.S === m.period!.S && Number(o.seq!.N) > Number(m.seq!.N));
    add({
      kind: 'manifest: deleted',
      changes: [{ before: m, after: null }],
      period: m.period!.S!,
      // The last snapshot of a period leaves no successor to break: the head, pointing at it, is what fails.
      names: last ? [idOf(m), headId(scheme, m.period!.S!)] : [idOf(m)],
      label: idOf(m),
    });
    const other = h.otherVersion;
    const after = clone(m);
    after.schemeVersion = { S: other };
    add({
      kind: 'manifest: scheme version swapped',
      changes: [{ before: m, after }],
      period: m.period!.S!,
      names: [idOf(m)],
      label: `${idOf(m)} ${m.schemeVersion!.S} → ${other}`,
    });
  }

  // Reordering: two manifests' contents swapped under their own keys — neighbours in a period, and the same
  // place in neighbouring periods.
  const swap = (a: Item, b: Item, kind: string) => {
    const [first, second] = order(a) <= order(b) ? [a, b] : [b, a];
    const contents = (x: Item, keysOf: Item) => ({ ...clone(x), PK: keysOf.PK!, SK: keysOf.SK! });
    add({
      kind,
      changes: [
        { before: first, after: contents(second, first) },
        { before: second, after: contents(first, second) },
      ],
      period: first.period!.S!,
      names: [idOf(first)],
      label: `${idOf(first)} ⇄ ${idOf(second)}`,
    });
  };
  for (const [i, m] of manifests.entries()) {
    const next = manifests[i + 1];
    if (next && next.period!.S === m.period!.S) swap(m, next, 'manifests swapped: same period');
    const across = manifests.find(
      (o) => periods.indexOf(o.period!.S!) === periods.indexOf(m.period!.S!) + 1 && o.seq!.N === m.seq!.N,
    );
    if (across) swap(m, across, 'manifests swapped: next period');
  }

  const heads = items.filter((i) => i.PK!.S === `SCHEME#${scheme}` && i.SK!.S!.startsWith('HEAD#'));
  for (const head of heads) {
    const period = head.period!.S!;
    for (const attribute of HEAD_ATTRIBUTES) {
      if (!head[attribute]) continue;
      for (const v of characterVariants(head[attribute]!)) {
        const after = clone(head);
        after[attribute] = v.value;
        add({
          kind: `head ${attribute}: one character`,
          changes: [{ before: head, after }],
          period,
          names: [headId(scheme, period)],
          label: `${headId(scheme, period)} ${attribute}${v.where}`,
        });
      }
    }
    const after = clone(head);
    after.schemeVersion = { S: h.otherVersion };
    add({
      kind: 'head: scheme version swapped',
      changes: [{ before: head, after }],
      period,
      names: [headId(scheme, period)],
      label: `${headId(scheme, period)} → ${h.otherVersion}`,
    });
  }

  // The history projection (one item per entity and snapshot): each field auditors are answered from.
  const projections = items.filter((i) => i.PK!.S!.startsWith(`HISTORY#${scheme}#`));
  for (const item of projections) {
    const period = item.period!.S!;
    const id = `${snapshotId(scheme, period, Number(item.seq!.N))}|${item.entity!.S} (history)`;
    const variant = (kind: string, what: string, f: (x: Item) => void) => {
      const after = clone(item);
      f(after);
      add({ kind, changes: [{ before: item, after }], period, names: [id], label: `${id} ${what}` });
    };
    const rank = Number(item.rank!.N);
    variant('projection rank changed', `rank ${rank} → ${rank === 9 ? 1 : 9}`, (x) => {
      x.rank = { N: String(rank === 9 ? 1 : 9) };
    });
    if (item.score!.N !== undefined)
      variant('projection score changed', `score ${item.score!.N} → 10.5`, (x) => {
        x.score = { N: item.score!.N === '10.5' ? '76.2' : '10.5' };
      });
    variant('projection tied flipped', 'tied', (x) => {
      x.tied = { BOOL: !item.tied!.BOOL };
    });
    for (const [indicator, cell] of Object.entries(item.indicators!.M!)) {
      const value = cell.L![0]!;
      if (value.N === undefined) continue;
      variant('projection indicator value changed', `${indicator} ${value.N} → +1`, (x) => {
        const list = [...cell.L!];
        list[0] = { N: String(Number(value.N) + 1) };
        x.indicators = { M: { ...item.indicators!.M!, [indicator]: { L: list } } };
      });
    }
    add({
      kind: 'projection deleted (counted as missing)',
      changes: [{ before: item, after: null }],
      period,
      names: [id],
      judge: 'missing',
      label: id,
    });
  }

  // The auditor's case (#12): Lanzhou's projection rank 1 → 9 and score 76.20 → 10.50 in one item, the week
  // W10 when stored (else the last week).
  const lanzhou = projections
    .filter((i) => i.entity!.S === 'lanzhou' && i.period!.S! <= weekId(10))
    .sort((a, b) => a.SK!.S!.localeCompare(b.SK!.S!))
    .at(-1);
  if (lanzhou) {
    const id = `${snapshotId(scheme, lanzhou.period!.S!, Number(lanzhou.seq!.N))}|lanzhou (history)`;
    const after = clone(lanzhou);
    after.rank = { N: '9' };
    after.score = { N: '10.5' };
    add({
      kind: "projection: the auditor's case (兰州 rank → 9, score → 10.50)",
      changes: [{ before: lanzhou, after }],
      period: lanzhou.period!.S!,
      names: [id],
      label: `${id} rank ${lanzhou.rank!.N} → 9, score ${lanzhou.score!.N} → 10.5`,
    });
  }
  return out;
}

async function scanAll(client: DynamoDBClient, table: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Runs every mutation (sampled per `opts`) against the stored history; the rows come in first-seen order. */
export async function runSweep(h: StoredHistory, endpoint: string, opts: SweepOptions): Promise<SweepResult> {
  const t0 = Date.now();
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const table = h.pipeline.table;
  const store = h.pipeline.store;
  const scheme = h.scheme.id;
  const rnd = random(opts.seed);
  const items = await scanAll(client, table);
  const all = mutations(h, items, opts, rnd).filter((m) => !opts.skip?.includes(m.kind));
  const byKind = new Map<string, Mutation[]>();
  for (const m of all) byKind.set(m.kind, [...(byKind.get(m.kind) ?? []), m]);

  const baseline = new Map<string, Verdict>();
  const whole = await store.verify(scheme);
  if (!whole.ok)
    throw new Error(`the stored history does not verify before the sweep: ${whole.firstBad} ${whole.reason}`);
  const base = async (period: string) => {
    let v = baseline.get(period);
    if (!v) {
      v = await store.verify(scheme, period);
      baseline.set(period, v);
    }
    return v;
  };

  const rows: KindRow[] = [];
  const restoreFailures: string[] = [];
  for (const [kind, list] of byKind) {
    const chosen = Number.isFinite(opts.perKind) ? sample(list, opts.perKind, rnd) : list;
    const row: KindRow = { kind, tried: 0, detected: 0, missed: 0, misnamed: 0, asMissing: 0, examples: [] };
    for (const m of chosen) {
      const before = await base(m.period);
      for (const c of m.changes)
        if (c.after) await client.send(new PutItemCommand({ TableName: table, Item: c.after }));
        else
          await client.send(
            new DeleteItemCommand({ TableName: table, Key: { PK: c.before.PK!, SK: c.before.SK! } }),
          );
      const v = await store.verify(scheme, m.period);
      const firstBad = v.ok ? undefined : v.firstBad;
      for (const c of m.changes) await client.send(new PutItemCommand({ TableName: table, Item: c.before }));
      row.tried++;
      const detected =
        m.judge === 'missing' ? !v.ok || v.projections.missing === before.projections.missing + 1 : !v.ok;
      const named = firstBad === undefined ? m.judge === 'missing' : m.names.includes(firstBad);
      if (!detected) {
        row.missed++;
        if (row.examples.length < 5) row.examples.push(`${m.label}: verify ok`);
      } else {
        row.detected++;
        if (m.judge === 'missing' && v.ok) row.asMissing++;
        if (!named) {
          row.misnamed++;
          if (row.examples.length < 5)
            row.examples.push(
              `${m.label}: named ${firstBad} (${v.ok ? '' : v.reason}), expected ${m.names.join(' or ')}`,
            );
        }
      }
      // Restored exactly: each item reads back as it was, and the period verifies as before.
      for (const c of m.changes) {
        const got = await client.send(
          new GetItemCommand({
            TableName: table,
            Key: { PK: c.before.PK!, SK: c.before.SK! },
            ConsistentRead: true,
          }),
        );
        if (!same(got.Item, c.before)) restoreFailures.push(`${m.label}: ${c.before.PK!.S} not restored`);
      }
      const again = await store.verify(scheme, m.period);
      if (JSON.stringify(again) !== JSON.stringify(before))
        restoreFailures.push(`${m.label}: verify after restore ${JSON.stringify(again)}`);
    }
    rows.push(row);
    opts.progress?.(rowLine(row));
  }
  const after = await store.verify(scheme);
  if (JSON.stringify(after) !== JSON.stringify(whole))
    restoreFailures.push(`whole store after the sweep: ${JSON.stringify(after)}`);
  client.destroy();
  return { rows, restoreFailures, ms: Date.now() - t0 };
}

export function rowLine(r: KindRow): string {
  return `${r.kind} · tried ${r.tried} · detected ${r.detected} · missed ${r.missed}${r.misnamed ? ` · misnamed ${r.misnamed}` : ''}${r.asMissing ? ` (${r.asMissing} reported as missing, verdict ok)` : ''}`;
}

export function totalLine(rows: readonly KindRow[]): string {
  const sum = (f: (r: KindRow) => number) => rows.reduce((n, r) => n + f(r), 0);
  const tried = sum((r) => r.tried);
  const detected = sum((r) => r.detected);
  const misnamed = sum((r) => r.misnamed);
  const pct = tried ? ((100 * detected) / tried).toFixed(2) : '0';
  return `合计 total · tried ${tried} · detected ${detected} (${pct}%) · missed ${tried - detected} · misnamed ${misnamed}`;
}

/** 100% detected and everything restored; with `strictNames`, also every detection naming the first bad item. */
export const passed = (r: SweepResult, strictNames = false) =>
  r.restoreFailures.length === 0 &&
  r.rows.every((row) => row.missed === 0 && (!strictNames || row.misnamed === 0) && row.tried > 0);
