// The snapshot hash chain: SHA-256 over RFC 8785 canonical JSON of the body plus the previous hash, and
// a verifier that walks a chain and names the first snapshot that does not match.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** JSON-safe copy: NaN and ±Infinity become null, as JSON (and so the stored body) has no such numbers. */
export function jsonSafe<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
  );
}

/** RFC 8785 (JCS) canonical JSON text. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value cannot be canonicalised');
  return text;
}

/** hash = SHA-256(canonical(body) ‖ previousHash), hex; the first link uses the empty string. */
export function chainHash(canonicalBody: string, previousHash: string | null): string {
  return createHash('sha256')
    .update(canonicalBody, 'utf8')
    .update(previousHash ?? '', 'utf8')
    .digest('hex');
}

export interface ChainLink {
  /** What names the snapshot in a report, e.g. `gansu|2026-W05|#3`. */
  id: string;
  hash: string;
  previousHash: string | null;
  /** The canonical body as read back from storage, or an error that happened reading it. */
  canonicalBody: string | Error;
}

export type ChainVerdict =
  | { ok: true; checked: number; head: string | null }
  | { ok: false; checked: number; firstBad: string; reason: string };

/** Walks links in order; the first link whose body, hash or back-link does not match is named. */
export function verifyChain(links: Iterable<ChainLink>): ChainVerdict {
  let prev: string | null = null;
  let checked = 0;
  for (const link of links) {
    checked++;
    if (link.canonicalBody instanceof Error)
      return {
        ok: false,
        checked,
        firstBad: link.id,
        reason: `body unreadable: ${link.canonicalBody.message}`,
      };
    if (link.previousHash !== prev)
      return {
        ok: false,
        checked,
        firstBad: link.id,
        reason: `previous hash ${link.previousHash} ≠ ${prev}`,
      };
    const actual = chainHash(link.canonicalBody, prev);
    if (actual !== link.hash)
      return { ok: false, checked, firstBad: link.id, reason: `hash ${link.hash} ≠ recomputed ${actual}` };
    prev = link.hash;
  }
  return { ok: true, checked, head: prev };
}
