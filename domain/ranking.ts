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
  const rank = new Int32Array(keys.length);
  const tied = new Uint8Array(keys.length);
  competitionRanksInto(keys, higherIsBetter, rank, tied);
  return { rank, tied };
}

/**
 * competitionRanks writing into `rank[i * stride + offset]` and `tied[i * stride + offset]`, so an
 * evaluation fills its entity-major matrices in place, one indicator column at a time.
 */
export function competitionRanksInto(
  keys: ArrayLike<number>,
  higherIsBetter: boolean,
  rank: Int32Array,
  tied: Uint8Array,
  stride = 1,
  offset = 0,
): void {
  const n = keys.length;
  // Sorting (key, index) pairs in typed arrays is several times faster than sorting an index array with
  // a comparator, which dominated evaluation at 3,000 × 200 (one sort per indicator).
  const s = scratchFor(n);
  const sorted = s.keys; // best first: negated keys when higher is better
  const index = s.index;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    if (Number.isNaN(k)) {
      rank[i * stride + offset] = 0;
      tied[i * stride + offset] = 0;
      continue;
    }
    sorted[count] = higherIsBetter ? -k : k;
    index[count++] = i;
  }
  sortAscending(sorted, index, count, s);
  let start = 0;
  while (start < count) {
    const v = sorted[start]!;
    let end = start + 1;
    while (end < count && sorted[end] === v) end++;
    const shared = end - start > 1 ? 1 : 0;
    for (let k = start; k < end; k++) {
      const at = index[k]! * stride + offset;
      rank[at] = start + 1;
      tied[at] = shared;
    }
    start = end;
  }
}

/**
 * Work arrays for sorting, kept between calls and grown on demand: allocating seven typed arrays per
 * indicator column made the garbage collector a visible cost at 3,000 × 200. Nothing here outlives a call.
 */
interface Scratch {
  keys: Float64Array;
  index: Int32Array;
  bucket: Int32Array;
  start: Int32Array;
  next: Int32Array;
  keys2: Float64Array;
  index2: Int32Array;
}
let scratch: Scratch | undefined;
function scratchFor(n: number): Scratch {
  if (scratch && scratch.keys.length >= n) return scratch;
  const cap = Math.max(n, 64);
  scratch = {
    keys: new Float64Array(cap),
    index: new Int32Array(cap),
    bucket: new Int32Array(cap),
    start: new Int32Array(cap + 1),
    next: new Int32Array(cap),
    keys2: new Float64Array(cap),
    index2: new Int32Array(cap),
  };
  return scratch;
}

/** Sorts `keys[0..count)` ascending (no NaN), moving `index` along. */
function sortAscending(keys: Float64Array, index: Int32Array, count: number, s: Scratch): void {
  if (count < 64 || !bucketSort(keys, index, count, s)) quicksort(keys, index, 0, count - 1);
}

/**
 * Interpolation bucket sort: scatters the keys into `count` buckets by (k − min)·count/(max − min), a
 * monotone map, so buckets come out in order and equal keys share one; then sorts each bucket. Expected
 * linear time for spread-out values (a comparison sort mispredicts a branch per comparison); a crowded
 * bucket falls back to quicksort. Returns false when the range cannot be spread (infinite keys).
 */
function bucketSort(keys: Float64Array, index: Int32Array, count: number, s: Scratch): boolean {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    const k = keys[i]!;
    if (k < min) min = k;
    if (k > max) max = k;
  }
  if (min === max) return true; // all equal: already in order
  const scale = count / (max - min);
  if (!(scale > 0 && scale < Number.POSITIVE_INFINITY)) return false;
  const { bucket, start, next, keys2, index2 } = s;
  start.fill(0, 0, count + 1);
  for (let i = 0; i < count; i++) {
    const b = Math.min(count - 1, Math.floor((keys[i]! - min) * scale));
    bucket[i] = b;
    start[b + 1]!++;
  }
  for (let b = 0; b < count; b++) {
    start[b + 1]! += start[b]!;
    next[b] = start[b]!;
  }
  for (let i = 0; i < count; i++) {
    const at = next[bucket[i]!]!++;
    keys2[at] = keys[i]!;
    index2[at] = index[i]!;
  }
  keys.set(keys2.subarray(0, count));
  index.set(index2.subarray(0, count));
  for (let b = 0; b < count; b++) {
    const lo = start[b]!;
    const hi = start[b + 1]! - 1;
    if (hi - lo > 16) quicksort(keys, index, lo, hi);
    else if (hi > lo) insertionSort(keys, index, lo, hi);
  }
  return true;
}

/** Quicksort of `keys[lo..hi]` moving `index` along; short runs by insertion sort. */
function quicksort(keys: Float64Array, index: Int32Array, from: number, to: number): void {
  const stack: number[] = [from, to];
  while (stack.length > 0) {
    let hi = stack.pop()!;
    let lo = stack.pop()!;
    while (hi - lo > 16) {
      const pivot = keys[(lo + hi) >>> 1]!;
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (keys[i]! < pivot) i++;
        while (keys[j]! > pivot) j--;
        if (i <= j) {
          const k = keys[i]!;
          keys[i] = keys[j]!;
          keys[j] = k;
          const x = index[i]!;
          index[i] = index[j]!;
          index[j] = x;
          i++;
          j--;
        }
      }
      // Continue with the shorter side and defer the longer one: the stack stays O(log n) deep.
      if (j - lo < hi - i) {
        stack.push(i, hi);
        hi = j;
      } else {
        stack.push(lo, j);
        lo = i;
      }
    }
    insertionSort(keys, index, lo, hi);
  }
}

function insertionSort(keys: Float64Array, index: Int32Array, lo: number, hi: number): void {
  for (let i = lo + 1; i <= hi; i++) {
    const k = keys[i]!;
    const x = index[i]!;
    let j = i - 1;
    while (j >= lo && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      index[j + 1] = index[j]!;
      j--;
    }
    keys[j + 1] = k;
    index[j + 1] = x;
  }
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
