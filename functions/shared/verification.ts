// Verification of what auditors are answered from. The hash chain covers the snapshot bodies; everything else
// the store keeps is checked against them: each manifest's key and attributes (seq, period, recordedAt,
// scheme version) against its body, the period head against the last manifest, and the per-entity history
// projection (a derived index, written from the stream) against the snapshots it was built from. Answers
// (history, snapshots, as-of) go through the same checks for the snapshots they cite.
import { createHash } from 'node:crypto';
import type { ChainVerdict } from '../../domain/chain.ts';
import { canonicalJson, chainHash } from '../../domain/chain.ts';
import type { SnapshotBody } from '../../domain/snapshot.ts';
import { joinBody } from './body-parts.ts';
import { type HistoryItem, historyDifference, historyItem } from './history.ts';
import type { DynamoSnapshotReader, HeadItem, ManifestItem } from './snapshot-reader.ts';
import { keys } from './table.ts';

/** A stored item does not agree with the chained snapshots; `where` names the first bad one. */
export class IntegrityError extends Error {
  readonly where: string;
  readonly reason: string;
  constructor(where: string, reason: string) {
    super(`${where}: ${reason}`);
    this.name = 'IntegrityError';
    this.where = where;
    this.reason = reason;
  }
}

export type StoreVerdict = ChainVerdict & {
  periods: number;
  /** History projection items compared with their snapshots, and snapshots' entities without one yet. */
  projections: { checked: number; missing: number };
};

type Reader = Pick<
  DynamoSnapshotReader,
  'manifests' | 'readText' | 'allHeads' | 'projectionItems' | 'db' | 'table'
>;

export const snapshotId = (scheme: string, period: string, seq: number) => `${scheme}|${period}|#${seq}`;
const projectionId = (scheme: string, period: string, seq: number, entity: string) =>
  `${snapshotId(scheme, period, seq)}|${entity} (history)`;

/**
 * The manifests of a period in order, each checked against the one before it: keyed where its own seq says,
 * naming the scheme and period it is stored under, numbered 1, 2, … without gaps, linked by previous hash, recorded no earlier than its predecessor. No body is
 * read, so this is cheap enough for every answer.
 */
export async function checkedManifests(
  reader: Pick<Reader, 'manifests'>,
  scheme: string,
  period: string,
): Promise<ManifestItem[]> {
  const all = await sortedManifests(reader, scheme, period);
  for (let i = 0; i < all.length; i++) checkLink(scheme, period, all, i);
  return all;
}

async function sortedManifests(reader: Pick<Reader, 'manifests'>, scheme: string, period: string) {
  return (await reader.manifests(scheme, period)).sort((a, b) => a.seq - b.seq);
}

/** Manifest i against its place and the one before it (see checkedManifests). */
function checkLink(scheme: string, period: string, all: readonly ManifestItem[], i: number): void {
  const m = all[i]!;
  const expected = i + 1;
  const id = snapshotId(scheme, period, expected);
  const key = keys.manifest(scheme, period, expected);
  if (m.seq !== expected || m.PK !== key.PK || m.SK !== key.SK)
    throw new IntegrityError(
      id,
      `manifest ${m.PK} ${m.SK} says seq ${m.seq}, where #${expected} was expected`,
    );
  // A manifest moved under another period's key (with its body, so its own hash holds) is named where it
  // is stored, not where it says it belongs.
  if (m.scheme !== scheme || m.period !== period)
    throw new IntegrityError(id, `manifest says ${m.scheme} ${m.period}, stored under ${scheme} ${period}`);
  const before = all[i - 1];
  const previous = before?.hash ?? null;
  if (m.previousHash !== previous)
    throw new IntegrityError(id, `previous hash ${m.previousHash} ≠ ${previous}`);
  if (before && !(m.recordedAt >= before.recordedAt))
    throw new IntegrityError(id, `recorded at ${m.recordedAt}, before #${before.seq} (${before.recordedAt})`);
}

/**
 * A snapshot's body read back and checked: every chunk against its content address, the chain hash against
 * the manifest's, and the manifest's attributes against the body's own.
 */
export async function checkedBody(reader: Pick<Reader, 'readText'>, m: ManifestItem): Promise<SnapshotBody> {
  const id = snapshotId(m.scheme, m.period, m.seq);
  let canonical: string;
  try {
    const [inputs, rest] = await Promise.all([reader.readText(m.inputChunks), reader.readText(m.restChunks)]);
    canonical = joinBody(inputs, rest);
  } catch (e) {
    throw new IntegrityError(id, `body unreadable: ${(e as Error).message}`);
  }
  const actual = chainHash(canonical, m.previousHash);
  if (actual !== m.hash) throw new IntegrityError(id, `hash ${m.hash} ≠ recomputed ${actual}`);
  const body = JSON.parse(canonical) as SnapshotBody;
  const attributes: [string, unknown, unknown][] = [
    ['scheme', m.scheme, body.scheme?.id],
    ['schemeVersion', m.schemeVersion, body.scheme?.version],
    ['period', m.period, body.period],
    ['seq', m.seq, body.seq],
    ['recordedAt', m.recordedAt, body.recordedAt],
  ];
  for (const [name, stored, inBody] of attributes)
    if (stored !== inBody)
      throw new IntegrityError(
        id,
        `manifest ${name} ${JSON.stringify(stored)} ≠ the snapshot's ${JSON.stringify(inBody)}`,
      );
  return body;
}

/** The head of a period must point at its last snapshot, and carry that snapshot's standings. */
async function checkHead(
  reader: Pick<Reader, 'readText'>,
  scheme: string,
  period: string,
  head: HeadItem | undefined,
  last: { manifest: ManifestItem; body: SnapshotBody } | undefined,
) {
  checkHeadPointer(scheme, period, head, last?.manifest);
  if (!head || !last) return;
  // The watched entities' standings the next assessment compares with (alerts are decided from them).
  const where = `${scheme}|${period}|head`;
  let stored: unknown;
  try {
    stored = JSON.parse(head.standings ?? (await reader.readText(head.standingsChunks ?? [])));
  } catch (e) {
    throw new IntegrityError(where, `standings unreadable: ${(e as Error).message}`);
  }
  const expected = (last.body.results as { standings?: unknown }).standings;
  if (canonicalJson(stored) !== canonicalJson(expected))
    throw new IntegrityError(where, `head standings differ from snapshot #${last.manifest.seq}'s`);
}

function checkHeadPointer(
  scheme: string,
  period: string,
  head: HeadItem | undefined,
  last: ManifestItem | undefined,
) {
  const where = `${scheme}|${period}|head`;
  if (!head && !last) return;
  if (!head) throw new IntegrityError(where, `period has ${last!.seq} snapshot(s) but no head`);
  if (!last) throw new IntegrityError(where, `head at #${head.seq} but the period has no snapshot`);
  const pairs: [string, unknown, unknown][] = [
    ['seq', head.seq, last.seq],
    ['hash', head.hash, last.hash],
    ['schemeVersion', head.schemeVersion, last.schemeVersion],
    ['recordedAt', head.recordedAt, last.recordedAt],
    ['inputChunks', JSON.stringify(head.inputChunks), JSON.stringify(last.inputChunks)],
  ];
  for (const [name, h, m] of pairs)
    if (h !== m) throw new IntegrityError(where, `head ${name} ${h} ≠ last snapshot #${last.seq}'s ${m}`);
}

const digest = (item: unknown) => createHash('sha256').update(canonicalJson(item)).digest('base64');

async function inGroups<T>(items: readonly T[], size: number, f: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(f));
}

/**
 * Verifies a scheme (or one period): per period the manifests and every body in order, then the head, then
 * the history projection items of that period against the bodies. The first bad item is named. Projection
 * items not written yet (the stream builds them shortly after each snapshot) are counted as missing, not
 * failed: no answer is built from them.
 */
export async function verifyStore(reader: Reader, scheme: string, period?: string): Promise<StoreVerdict> {
  const heads = new Map<string, HeadItem>();
  if (period === undefined) for (const h of await reader.allHeads(scheme)) heads.set(h.period, h);
  else {
    const out = await reader.db.get({
      TableName: reader.table,
      Key: keys.head(scheme, period),
      ConsistentRead: true,
    });
    if (out.Item) heads.set(period, out.Item as HeadItem);
  }
  const periods = period === undefined ? [...heads.keys()] : [period];
  let checked = 0;
  const projections = { checked: 0, missing: 0 };
  let head: string | null = null;
  try {
    for (const p of periods) {
      const manifests = await sortedManifests(reader, scheme, p);
      // entity → SK → digest of the item the projection should hold; the bodies themselves are not kept.
      const expected = new Map<string, Map<string, string>>();
      const bySeq = new Map<number, ManifestItem>();
      let last: { manifest: ManifestItem; body: SnapshotBody } | undefined;
      for (const [i, m] of manifests.entries()) {
        // Its body first: a manifest whose own hash was changed is named, not the next one linking to it.
        if (m.seq === i + 1) {
          const body = await checkedBody(reader, m);
          checkLink(scheme, p, manifests, i);
          last = { manifest: m, body };
        } else checkLink(scheme, p, manifests, i);
        const body = last!.body;
        checked++;
        bySeq.set(m.seq, m);
        body.inputs.entities.forEach((entity, e) => {
          const item = historyItem(body, m.hash, e);
          const own = expected.get(entity) ?? new Map<string, string>();
          expected.set(entity, own);
          own.set(item.SK, digest(item));
        });
      }
      await checkHead(reader, scheme, p, heads.get(p), last);
      await inGroups([...expected.keys()], 8, async (entity) => {
        const want = expected.get(entity)!;
        const stored = await reader.projectionItems(scheme, entity, p);
        for (const item of stored) {
          const sk = String(item.SK);
          const seq = Number(sk.slice(sk.lastIndexOf('#') + 1));
          const id = projectionId(scheme, p, seq, entity);
          const wanted = want.get(sk);
          if (wanted === undefined)
            throw new IntegrityError(id, 'a history item for a snapshot that does not exist');
          if (digest(item) !== wanted) {
            // Rare path: rebuild the expected item to say which field differs.
            const body = await checkedBody(reader, bySeq.get(seq)!);
            const reason = historyDifference(
              item,
              historyItem(body, bySeq.get(seq)!.hash, body.inputs.entities.indexOf(entity)),
            );
            throw new IntegrityError(id, reason ?? 'differs from its snapshot');
          }
          projections.checked++;
        }
        projections.missing += want.size - stored.length;
      });
      head = manifests.at(-1)?.hash ?? head;
    }
  } catch (e) {
    if (!(e instanceof IntegrityError)) throw e;
    return { ok: false, checked, firstBad: e.where, reason: e.reason, periods: periods.length, projections };
  }
  return { ok: true, checked, head, periods: periods.length, projections };
}

export interface HistoryOptions {
  asOf?: string;
  finalOnly?: boolean;
  from?: string;
  to?: string;
}

/**
 * One entity's history built from the chained snapshots it cites (each body checked against its manifest, the
 * manifests of each period against each other), every snapshot or with `asOf` only what was known then, with
 * `finalOnly` the last of each period. A stored projection item that disagrees with its snapshot is an
 * IntegrityError: the answer is never built from it.
 */
export async function verifiedHistory(
  reader: Reader,
  scheme: string,
  entity: string,
  opts: HistoryOptions = {},
): Promise<HistoryItem[]> {
  const periods = (await reader.allHeads(scheme))
    .map((h) => h.period)
    .filter((p) => (opts.from === undefined || p >= opts.from) && (opts.to === undefined || p <= opts.to));
  const stored = new Map((await reader.projectionItems(scheme, entity)).map((i) => [String(i.SK), i]));
  const out: HistoryItem[] = [];
  for (const p of periods) {
    const manifests = await checkedManifests(reader, scheme, p);
    const known = opts.asOf === undefined ? manifests : manifests.filter((m) => m.recordedAt <= opts.asOf!);
    for (const m of opts.finalOnly ? known.slice(-1) : known) {
      const body = await checkedBody(reader, m);
      const e = body.inputs.entities.indexOf(entity);
      if (e < 0) continue;
      const item = historyItem(body, m.hash, e);
      const projected = stored.get(item.SK);
      const difference = projected && historyDifference(projected, item);
      if (difference) throw new IntegrityError(projectionId(scheme, p, m.seq, entity), difference);
      out.push(item);
    }
  }
  return out;
}

/**
 * What the auditors' query API reads through: every answer checked against the chained snapshots it cites,
 * an IntegrityError where the store does not agree with them.
 */
export class AuditedReader {
  readonly reader: Reader & Pick<DynamoSnapshotReader, 'periods'>;

  constructor(reader: Reader & Pick<DynamoSnapshotReader, 'periods'>) {
    this.reader = reader;
  }

  /** Periods that have at least one snapshot, in time order. */
  periods(scheme: string): Promise<string[]> {
    return this.reader.periods(scheme);
  }

  /** The manifests of a period, linked and numbered (bodies are not read), optionally only those known at asOf. */
  async snapshots(scheme: string, period: string, asOf?: string): Promise<ManifestItem[]> {
    const all = await checkedManifests(this.reader, scheme, period);
    return asOf === undefined ? all : all.filter((m) => m.recordedAt <= asOf);
  }

  /** One snapshot, by number or as known at a time (default: the latest), with its checked body. */
  async snapshot(
    scheme: string,
    period: string,
    at: { seq?: number; asOf?: string } = {},
  ): Promise<{ manifest: ManifestItem; body: SnapshotBody } | undefined> {
    const known = await this.snapshots(scheme, period, at.asOf);
    const manifest = at.seq === undefined ? known.at(-1) : known.find((m) => m.seq === at.seq);
    return manifest && { manifest, body: await checkedBody(this.reader, manifest) };
  }

  history(scheme: string, entity: string, opts: HistoryOptions = {}): Promise<HistoryItem[]> {
    return verifiedHistory(this.reader, scheme, entity, opts);
  }

  verify(scheme: string, period?: string): Promise<StoreVerdict> {
    return verifyStore(this.reader, scheme, period);
  }
}
