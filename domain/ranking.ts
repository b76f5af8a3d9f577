// Standard competition ranking ("1224") with ties (并列), and rounding to a published precision.

/** Rounds half away from zero to `precision` decimal places; undefined precision keeps the value. */
export function roundTo(x: number, precision: number | undefined): number {
  if (precision === undefined || !Number.isFinite(x)) return x;
  const f = 10 ** precision;
  // The tiny relative nudge absorbs binary representation error (0.9625 stored as 0.96249999…).
  const r = Math.round(Math.abs(x) * f * (1 + 4 * Number.EPSILON)) / f;
  return x < 0 ? -r : r;
}

export interface Ranks {
  /** 1-based rank per position; 0 where the key is NaN (not ranked). */
  rank: Int32Array;
  /** 1 where the rank is shared with another position (并列). */
  tied: Uint8Array;
}

/**
 * Competition ranks: rank = 1 + number of entries strictly better. `higherIsBetter` orders the keys;
 * NaN keys are left unranked. Keys should already be rounded to the comparison precision.
 */
export function competitionRanks(keys: ArrayLike<number>, higherIsBetter: boolean): Ranks {
  const n = keys.length;
  const rank = new Int32Array(n);
  const tied = new Uint8Array(n);
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (!Number.isNaN(keys[i] as number)) order.push(i);
  order.sort(higherIsBetter ? (a, b) => keys[b]! - keys[a]! : (a, b) => keys[a]! - keys[b]!);
  let start = 0;
  while (start < order.length) {
    const v = keys[order[start]!]!;
    let end = start + 1;
    while (end < order.length && keys[order[end]!] === v) end++;
    const shared = end - start > 1 ? 1 : 0;
    for (let k = start; k < end; k++) {
      rank[order[k]!] = start + 1;
      tied[order[k]!] = shared;
    }
    start = end;
  }
  return { rank, tied };
}

/** Rank an extra value would take among `others` (1 + number strictly better), without re-sorting. */
export function rankAmong(value: number, others: ArrayLike<number>, higherIsBetter: boolean): number {
  let better = 0;
  for (let i = 0; i < others.length; i++) {
    const o = others[i]!;
    if (higherIsBetter ? o > value : o < value) better++;
  }
  return better + 1;
}
