// The lineage of a stored rank (`rankwatch explain`): a small scheme worked by hand (goalpost, minmax over a
// missing value, rank, a topic tree, a tie made by rounding, a corrected report), and the printed text read back:
// every formula line re-evaluated from the numbers it prints, chained up the tree to the stored composite, for
// every entity of the hand example and of Gansu weeks with a carried and a missing value.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explanationText } from '../../cli/commands/explain.ts';
import { jsonSafe } from '../../domain/chain.ts';
import { type Explanation, explain } from '../../domain/explain.ts';
import { type Observation, parseObservationsCsv } from '../../domain/observations.ts';
import { roundTo } from '../../domain/ranking.ts';
import { recordAssessment } from '../../domain/record.ts';
import { replaySeries } from '../../domain/replay.ts';
import { loadSchemeText, parseScheme, type Scheme } from '../../domain/scheme.ts';
import type { SnapshotBody } from '../../domain/snapshot.ts';
import { compileScheme } from '../../domain/tree.ts';

const hand: Scheme = parseScheme({
  id: 'hand',
  version: '1',
  name: { zh: '手算', en: 'By hand' },
  periodKind: 'month',
  entities: ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, name: { en: id.toUpperCase() } })),
  departments: [{ id: 'stats', name: { zh: '统计局', en: 'Statistics' } }],
  topics: [
    { id: 't1', name: { en: 'Topic 1' }, weight: 2 },
    { id: 't2', name: { en: 'Topic 2' }, weight: 1 },
  ],
  indicators: [
    {
      id: 'i1',
      name: { en: 'Goalpost' },
      topic: 't1',
      weight: 1,
      direction: 'higher',
      unit: '%',
      owner: 'stats',
      precision: 1,
      normalise: { method: 'goalpost', best: 100, worst: 50 },
    },
    {
      id: 'i2',
      name: { en: 'Minmax' },
      topic: 't1',
      weight: 3,
      direction: 'lower',
      unit: 'days',
      owner: 'stats',
      precision: 1,
      normalise: { method: 'minmax' },
    },
    {
      id: 'i3',
      name: { en: 'Rank' },
      topic: 't2',
      weight: 1,
      direction: 'higher',
      unit: 'n',
      owner: 'stats',
      precision: 0,
      normalise: { method: 'rank' },
    },
  ],
  composite: { aggregate: 'arithmetic', precision: 1 },
});

const PERIOD = '2026-03';
const T1 = '2026-03-20T02:00:00.000Z';
const T2 = '2026-03-25T02:00:00.000Z';
// c has no i2; e differs from b only in i1 (80.01 against 80), which the rounding to 1 decimal ties.
const VALUES: Record<string, [number, number | null, number]> = {
  a: [85, 10, 5], // a's i1 is corrected to 90 in the second batch
  b: [80, 20, 7],
  c: [70, null, 6],
  d: [60, 30, 3],
  e: [80.01, 20, 7],
};
const first: Observation[] = Object.entries(VALUES).flatMap(([entity, vs]) =>
  vs.flatMap((value, j) =>
    value === null
      ? []
      : [
          {
            period: PERIOD,
            entity,
            indicator: `i${j + 1}`,
            value,
            observedAt: T1,
            source: 'dept.stats',
            eventId: `ev-${entity}-${j + 1}`,
          },
        ],
  ),
);
const correction: Observation = {
  period: PERIOD,
  entity: 'a',
  indicator: 'i1',
  value: 90,
  observedAt: T2,
  source: 'dept.stats',
  eventId: 'ev-a-1-fix',
};

function record(
  head: SnapshotBody | null,
  observations: Observation[],
  now: string,
  scheme: Scheme = hand,
): SnapshotBody {
  const r = recordAssessment({
    scheme,
    period: PERIOD,
    head: head && {
      period: PERIOD,
      seq: head.seq,
      hash: 'h',
      inputs: head.inputs,
      standings: head.results.standings,
    },
    earlier: [],
    history: [],
    alertStates: new Map(),
    observations,
    now,
  });
  if (r.kind !== 'recorded') throw new Error('nothing recorded');
  return jsonSafe(r.body);
}

const s1 = record(null, first, T1);
const s2 = record(s1, [correction], T2);
const explainHand = (entity: string, indicator?: string) =>
  explain({
    compiled: compileScheme(hand),
    body: s2,
    earlier: [s1],
    entity,
    ...(indicator ? { indicator } : {}),
  });

describe('an explanation worked by hand', () => {
  const a = explainHand('a');
  const c = explainHand('c');
  const b = explainHand('b');

  it('shows the corrected value with its event and lists the value it superseded', () => {
    const i1 = a.indicators.find((i) => i.id === 'i1')!;
    expect(i1.value).toBe(90);
    expect(i1.input).toEqual({
      value: 90,
      eventId: 'ev-a-1-fix',
      observedAt: T2,
      source: 'dept.stats',
      department: 'stats',
      firstSeq: 2,
      lastSeq: 2,
    });
    expect(i1.superseded).toEqual([
      {
        value: 85,
        eventId: 'ev-a-1',
        observedAt: T1,
        source: 'dept.stats',
        department: 'stats',
        firstSeq: 1,
        lastSeq: 1,
      },
    ]);
    // Unchanged cells were set in #1 and are still held in #2, superseding nothing.
    const i2 = a.indicators.find((i) => i.id === 'i2')!;
    expect(i2.input).toMatchObject({ eventId: 'ev-a-2', firstSeq: 1, lastSeq: 2 });
    expect(i2.superseded).toEqual([]);
  });

  it('gives each normalisation its parameters and the score they make', () => {
    const [i1, i2, i3] = a.indicators;
    // goalpost: (90 − 50)/(100 − 50)·100 = 80
    expect(i1!.normalise).toEqual({ method: 'goalpost', best: 100, worst: 50, transform: null, offset: 0 });
    expect(i1!.score).toBe(80);
    // minmax, lower is better, over b, d, e and a (c has no value): (30 − 10)/(30 − 10)·100 = 100
    expect(i2!.normalise).toEqual({
      method: 'minmax',
      min: 10,
      max: 30,
      minEntities: ['a'],
      maxEntities: ['d'],
      count: 4,
    });
    expect(i2!.score).toBe(100);
    // rank: 7, 7, 6, 5, 3 → a is 4th of 5: 100·(5 − 4)/(5 − 1) = 25
    expect(i3!.normalise).toEqual({ method: 'rank', rank: 4, count: 5, points: null });
    expect(i3!.score).toBe(25);
    expect(c.indicators[1]).toMatchObject({ value: null, normalise: null, score: null, rank: null });
  });

  it('aggregates through the tree, renormalising over what is present', () => {
    // a: t1 = (1·80 + 3·100)/4 = 95; t2 = 25; composite = (2·95 + 1·25)/3 = 71.666…
    const t1 = a.nodes.find((n) => n.id === 't1')!;
    expect(t1.value).toBe(95);
    expect(t1.children.map((ch) => [ch.id, ch.weight, ch.share])).toEqual([
      ['i1', 1, 0.25],
      ['i2', 3, 0.75],
    ]);
    expect(a.nodes.at(-1)).toMatchObject({ id: '', value: 215 / 3, presentWeight: 3 });
    expect(a.composite).toMatchObject({ raw: 215 / 3, score: 215 / 3, precision: 1, key: 71.7 });
    // c: i2 missing, so t1 = 40 alone (share 1); t2 = 50 (3rd of 5); composite = (2·40 + 50)/3 = 43.333…
    const ct1 = c.nodes.find((n) => n.id === 't1')!;
    expect(ct1).toMatchObject({ value: 40, presentWeight: 1 });
    expect(ct1.children.map((ch) => [ch.id, ch.value, ch.share])).toEqual([
      ['i1', 40, 1],
      ['i2', null, 0],
    ]);
    expect(c.composite.score).toBeCloseTo(130 / 3, 12);
    expect(c.ranking).toMatchObject({ rank: 4, tied: false, better: 3 });
  });

  it('ranks 1224 on the rounded composite: b (68.333…) and e (68.336…) share 2nd, c is 4th', () => {
    // b: t1 = (60 + 3·50)/4 = 52.5, t2 = 100 → (105 + 100)/3 = 68.333…; e: i1 = 60.02 → 68.3366…
    expect(b.composite.score).toBeCloseTo(205 / 3, 12);
    expect(b.composite.key).toBe(68.3);
    expect(b.ranking).toMatchObject({ rank: 2, tied: true, better: 1, ranked: 5 });
    expect(b.ranking.tiedWith.map((t) => t.entity)).toEqual(['e']);
    expect(b.ranking.tiedWith[0]!.score).toBeCloseTo((2 * ((60.02 + 150) / 4) + 100) / 3, 12);
    expect(explainHand('d').ranking.rank).toBe(5);
  });

  it('re-derives every stored number with the engine’s functions', () => {
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      const x = explainHand(id);
      expect(
        x.checks.filter((k) => !k.ok),
        id,
      ).toEqual([]);
      expect(x.consistent).toBe(true);
    }
  });

  it('with an indicator, shows only its input and the nodes on its path to the root', () => {
    const x = explainHand('a', 'i3');
    expect(x.indicators.map((i) => i.id)).toEqual(['i3']);
    expect(x.nodes.map((n) => n.id)).toEqual(['t2', '']);
    expect(x.composite.score).toBe(a.composite.score);
    expect(() => explainHand('a', 'nope')).toThrow(/indicator "nope"/);
    expect(() => explainHand('zz')).toThrow(/entity "zz"/);
  });

  it('prints Chinese first, and says that a report superseded within one batch is not in the chain', () => {
    const text = explanationText(a);
    expect(text.startsWith('溯源 / Explanation: hand v1 · 2026-03 #2')).toBe(true);
    expect(text).toContain('取代 / superseded: 85 ← 事件 / event ev-a-1');
    expect(text).toContain('not in the chain, only in the event archive');
    expect(explanationText(a, 'en')).not.toMatch(/[\u4e00-\u9fff]/);
    expect(explanationText(a, 'zh')).not.toContain('superseded');
  });
});

// ── the printed text, read back ───────────────────────────────────────────────────────────────────────

/** Evaluates the plain arithmetic a formula line prints (+ - × / ^, ln, exp, min, max). */
function arithmetic(expr: string): number {
  const js = expr
    .replace(/×/g, '*')
    .replace(/\^/g, '**')
    .replace(/\b(ln|exp|min|max)\(/g, (_m, f: string) => `Math.${f === 'ln' ? 'log' : f}(`);
  if (!/^[\d\s.+\-*/()e,Mathlogexpminax]*$/.test(js)) throw new Error(`not arithmetic: ${expr}`);
  return Function(`"use strict"; return (${js});`)() as number;
}

const near = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

/**
 * Recomputes the composite from the English text alone: each formula's numbers against its printed result,
 * each child's value in the tree against the line that computed it, then rescale and rounding. Returns the
 * composite and the rank line's numbers.
 */
function readBack(text: string): {
  composite: number;
  better: number;
  rank: number;
  formulas: number;
  children: number;
} {
  const results = new Map<string, number>();
  let formulas = 0;
  let children = 0;
  let section = 0;
  let node = '';
  let composite = Number.NaN;
  let rank = { better: -1, rank: -1 };
  for (const line of text.split('\n')) {
    const heading = /^(\d)\. /.exec(line);
    if (heading) {
      section = Number(heading[1]);
      continue;
    }
    const formula = line.indexOf(': s = ');
    if (formula >= 0) {
      const parts = line.slice(formula + ': s = '.length).split(' = ');
      const result = Number(parts.at(-1)!.split(' ')[0]);
      const numbers = parts.length >= 3 ? parts.at(-2)! : parts[0]!;
      if (!numbers.startsWith('0 (a child'))
        expect(near(arithmetic(numbers), result), `${line}\n${numbers} ≠ ${result}`).toBe(true);
      formulas++;
      const id = line.trim().split(' ')[0]!;
      if (section === 2) results.set(id, result);
      if (section === 3) {
        node = line.trim().startsWith('composite (root)') ? '' : id;
        results.set(node, result);
      }
      if (section === 4) composite = result;
      continue;
    }
    const child = /^ {4}· (\S+) w=(\S+) s=(\S+)/.exec(line);
    if (child && section === 3) {
      if (child[3] === 'missing,') continue;
      // A child's value is what its own line computed (indicators in section 2, topics earlier in section 3).
      expect(results.get(child[1]!), `${node} ← ${child[1]}`).toBe(Number(child[3]));
      children++;
      continue;
    }
    const raw = /^ {2}raw = (\S+)/.exec(line);
    if (raw) {
      expect(Number(raw[1])).toBe(results.get(''));
      composite = Number(raw[1]);
    }
    const ranked = /= 1 \+ (\d+) = (\d+)/.exec(line);
    if (ranked) rank = { better: Number(ranked[1]), rank: Number(ranked[2]) };
  }
  return { composite, ...rank, formulas, children };
}

function expectReadBack(x: Explanation, body: SnapshotBody, scheme: Scheme) {
  const text = explanationText(x, 'en');
  const back = readBack(text);
  const e = body.inputs.entities.indexOf(x.entity.id);
  const stored = body.results.overall.score[e]!;
  const precision = scheme.composite.precision;
  expect(roundTo(back.composite, precision), x.entity.id).toBe(roundTo(stored, precision));
  expect(back.rank, x.entity.id).toBe(body.results.overall.rank[e]);
  const keys = body.results.overall.score.map((s) => roundTo(s ?? Number.NaN, precision));
  expect(back.better).toBe(keys.filter((k) => k > keys[e]!).length);
  expect(x.consistent, x.entity.id).toBe(true);
  // Every line was read: a formula per scored indicator (a missing one scored zero too), per node and the rescale; every present child.
  const present = x.indicators.filter((i) => i.value !== null || i.score !== null).length;
  expect(back.formulas).toBe(present + x.nodes.length + (x.composite.rescale ? 1 : 0));
  expect(back.children).toBe(x.nodes.flatMap((n) => n.children).filter((ch) => ch.value !== null).length);
  return text;
}

describe('the printed explanation, read back', () => {
  it('recomputes every hand-example entity’s composite and rank from the printed numbers', () => {
    for (const id of ['a', 'b', 'c', 'd', 'e']) expectReadBack(explainHand(id), s2, hand);
  });

  it('reads back a rescaled composite (minmax to [0, 1]) and a missing value scored zero', () => {
    const rescaled = parseScheme({
      ...hand,
      composite: { aggregate: 'arithmetic', precision: 3, rescale: 'minmax' },
      missing: { carryForward: 0, otherwise: 'zero' },
    });
    const body = record(null, first, T1, rescaled);
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      const x = explain({ compiled: compileScheme(rescaled), body, earlier: [], entity: id });
      expect(x.composite.rescale).toMatchObject({ maxEntities: ['a'], minEntities: ['d'] });
      expectReadBack(x, body, rescaled);
    }
    // c's i2 is missing and scores 0: t1 = (1·40 + 3·0)/4 = 10, composite raw = (2·10 + 50)/3 = 23.333…
    const c = explain({ compiled: compileScheme(rescaled), body, earlier: [], entity: 'c' });
    expect(c.indicators[1]).toMatchObject({ value: null, score: 0 });
    expect(c.nodes.find((n) => n.id === 't1')!.value).toBe(10);
    expect(c.composite.raw).toBeCloseTo(70 / 3, 12);
    expect(explanationText(c, 'en')).toContain('i2 [lower is better] missing (otherwise: zero): s = 0 = 0');
  });

  it('does not agree with a stored score that was changed: the check fails and the text says so', () => {
    const altered: SnapshotBody = structuredClone(s2);
    altered.results.overall.score[0] = altered.results.overall.score[0]! + 0.1;
    const x = explain({ compiled: compileScheme(hand), body: altered, earlier: [s1], entity: 'a' });
    expect(x.consistent).toBe(false);
    expect(x.checks.filter((k) => !k.ok).map((k) => k.what)).toEqual(['composite']);
    expect(explanationText(x, 'en')).toContain('checks FAILED: composite stored');
    expect(() => expectReadBack(x, altered, hand)).toThrow();
  });

  const root = new URL('../../scenarios/gansu/', import.meta.url);
  const gansu = loadSchemeText(readFileSync(new URL('scheme.yaml', root), 'utf8'), 'scheme.yaml');
  const weeks = ['2026-W01', '2026-W02'];
  // Lanzhou's gov_online_rate is missing in W02 (carried from W01); Tianshui's in both weeks (missing, reweighted).
  const dropped = (o: Observation) =>
    o.indicator === 'gov_online_rate' &&
    ((o.entity === 'lanzhou' && o.period === '2026-W02') || o.entity === 'tianshui');
  const observations = parseObservationsCsv(readFileSync(new URL('observations.csv', root), 'utf8'), gansu)
    .filter((o) => weeks.includes(o.period))
    .filter((o) => !dropped(o));
  const [w1, w2] = replaySeries(gansu, observations).snapshots.map((s) => jsonSafe(s.body));
  const explainGansu = (entity: string) =>
    explain({
      compiled: compileScheme(gansu),
      body: w2!,
      earlier: [],
      carrySources: [{ period: '2026-W01', inputs: w1!.inputs }],
      entity,
    });

  it('recomputes the Gansu composites (goalpost, log goalpost, minmax, zscore, rank with points, none, a geometric topic) for every city', () => {
    for (const entity of gansu.entities.map((e) => e.id)) expectReadBack(explainGansu(entity), w2!, gansu);
  });

  it('shows a carried value with the period and event it came from, and a missing one left out', () => {
    const lanzhou = explainGansu('lanzhou').indicators.find((i) => i.id === 'gov_online_rate')!;
    const j = w1!.inputs.indicators.indexOf('gov_online_rate');
    expect(lanzhou).toMatchObject({
      carried: true,
      value: w1!.inputs.values[j]![w1!.inputs.entities.indexOf('lanzhou')],
      input: null,
      carriedFrom: { period: '2026-W01', source: 'dept.govservice', department: 'govservice' },
    });
    const tianshui = explainGansu('tianshui');
    expect(tianshui.indicators.find((i) => i.id === 'gov_online_rate')).toMatchObject({
      value: null,
      score: null,
    });
    const gov = tianshui.nodes.find((n) => n.id === 'digital_gov')!;
    expect(gov.presentWeight).toBe(7); // 10 without the missing weight 3
    expect(explanationText(tianshui, 'en')).toContain('· gov_online_rate w=3 s=missing, left out');
  });
});
