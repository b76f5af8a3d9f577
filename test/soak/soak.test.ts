// The CI-sized fault-injection soak (npm run soak runs 10,000 events): 2,000 department events through the
// local engine while every kind of fault is injected, judged by the checker against the domain's evaluation.
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS } from '../../local/faults.ts';
import { runSoak, type SoakResult, summaryLine } from '../../soak/soak.ts';
import { synthRankwatch } from '../support/cdk.ts';

const { outdir } = synthRankwatch({}, { bundle: true });

describe('the soak with faults (2,000 events)', () => {
  let result: SoakResult;

  it('loses, duplicates and gets wrong nothing while every kind of fault is injected', async () => {
    result = await runSoak({ cdkOut: outdir, events: 2_000 });
    console.log(summaryLine(result));
    expect(result.plan.events).toHaveLength(2_000);
    for (const kind of FAULT_KINDS) expect(result.faults.injected[kind], kind).toBeGreaterThan(0);
    expect(result.findings.lost).toEqual([]);
    expect(result.findings.duplicated).toEqual([]);
    expect(result.findings.wrong).toEqual([]);
  }, 300_000);

  it('played every kind of department event, and rejected each bad one', () => {
    const kinds = new Set(result.plan.events.map((e) => e.kind));
    for (const kind of [
      'table',
      'value',
      'correction',
      'table-correction',
      'stale',
      'duplicate',
      'not-owner',
    ])
      expect(kinds, kind).toContain(kind);
    const bad = result.plan.events.filter((e) => e.expect.outcome === 'rejected').length;
    expect(bad).toBeGreaterThan(100);
    expect(result.findings.figures.rejections).toBe(bad);
    expect(result.findings.figures.periods).toBe(result.plan.weeks);
  });
});

describe('the checker', () => {
  it('counts as lost the events an engine drops on the way to ingest, and as wrong what they change', async () => {
    // Every tenth message to the ingest queue vanishes: nothing in the engine notices, the checker must.
    const dropped = await runSoak({
      cdkOut: outdir,
      events: 400,
      weeks: 3,
      restart: false,
      rates: {},
      tamper: (engine) => {
        const queue = [...engine.queues.values()].find((q) => q.name.includes('IngestionQueue'))!;
        const send = queue.send.bind(queue);
        let n = 0;
        queue.send = (input) => (++n % 10 === 0 ? { messageId: `dropped-${n}`, md5OfBody: '' } : send(input));
      },
    });
    expect(dropped.faults.total).toBe(0);
    expect(dropped.findings.lost.length + dropped.findings.wrong.length).toBeGreaterThan(0);
    expect(dropped.findings.wrong.some((w) => w.includes('final standings differ'))).toBe(true);
  }, 120_000);
});
