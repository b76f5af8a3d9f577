import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assessSeries } from '../../domain/assessment.ts';
import { canonicalJson, jsonSafe, verifyChain } from '../../domain/chain.ts';
import { parseObservationsCsv } from '../../domain/observations.ts';
import { replaySeries } from '../../domain/replay.ts';
import { loadSchemeText } from '../../domain/scheme.ts';
import { periodFromSnapshot } from '../../domain/snapshot.ts';
import { OBSERVATIONS_PATH, SCHEME_PATH } from '../../scenarios/gansu/generate.ts';

const gansu = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const obs = parseObservationsCsv(readFileSync(OBSERVATIONS_PATH, 'utf8'), gansu, OBSERVATIONS_PATH);

describe('an observation series replayed into snapshots', () => {
  const replay = replaySeries(gansu, obs);
  const series = assessSeries(gansu, obs);

  it('records one snapshot per period with the ranking, gaps and alerts that assessSeries reports', () => {
    expect(replay.snapshots.map((s) => s.body.period)).toEqual(series.periods.map((p) => p.period));
    replay.snapshots.forEach((s, i) => {
      const p = series.periods[i]!;
      const read = periodFromSnapshot(JSON.parse(JSON.stringify(s.body)));
      expect(read.overall, p.period).toEqual(p.overall);
      expect(read.gap, p.period).toEqual(JSON.parse(JSON.stringify(p.gap)));
      expect(replay.alerts[i]!.events, p.period).toEqual(p.alerts);
    });
  });

  it('chains the snapshots by hash as the store does, the same on every run', () => {
    const verdict = verifyChain(
      replay.snapshots.map((s) => ({
        id: s.body.period,
        hash: s.hash!,
        previousHash: s.previousHash ?? null,
        canonicalBody: canonicalJson(jsonSafe(s.body)),
      })),
    );
    expect(verdict).toEqual({ ok: true, checked: 26, head: replay.snapshots.at(-1)!.hash });
    expect(replaySeries(gansu, obs).snapshots.map((s) => s.hash)).toEqual(
      replay.snapshots.map((s) => s.hash),
    );
  });
});
