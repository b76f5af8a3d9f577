// The replay job's chaining (replayJobStep): each step replays its period and sends the message for the next
// stored period up to `to`; a skip still hands the job on; the last period sends nothing; a failure sends
// nothing (SQS retries the message). Over a simulated queue: one replay per period, in time order, and a
// duplicate message only adds skips.
import { describe, expect, it } from 'vitest';
import type {
  PeriodReplay,
  ReplayJobMessage,
  ReplayRequest,
} from '../../../functions/shared/methodology-replay.ts';
import { nextReplayPeriod, replayJobStep } from '../../../functions/shared/methodology-replay.ts';
import { scheme as v1 } from '../fixtures.ts';

const v2 = { ...v1, version: '2' };
// Stored out of order on purpose: the job follows time order, not the store's.
const STORED = ['2026-W03', '2026-W01', '2026-W10', '2026-W02'];

function fakeStore(stored: readonly string[] = STORED) {
  return {
    periods: async (id: string) => {
      expect(id).toBe(v1.id);
      return [...stored];
    },
    schemeVersion: async (id: string, version: string) => {
      expect([id, version]).toEqual([v1.id, '2']);
      return v2;
    },
  };
}

const replayed = (period: string): PeriodReplay => ({
  period,
  status: 'replayed',
  seq: 2,
  hash: `h-${period}`,
  previousHash: `old-${period}`,
  fromVersion: '1',
  diff: {
    period,
    from: { id: v1.id, version: '1' },
    to: { id: v1.id, version: '2' },
    entities: [],
    changed: [],
  },
});
const skipped = (period: string): PeriodReplay => ({
  period,
  status: 'skipped',
  reason: 'head already under version 2',
});

const message = (period: string, extra: Partial<ReplayJobMessage> = {}): ReplayJobMessage => ({
  scheme: v1.id,
  version: '2',
  period,
  job: 'job-1',
  ...extra,
});

describe('replayJobStep', () => {
  it('replays the period, then sends the next stored period in time order with the same job, version and end', async () => {
    const asked: ReplayRequest[] = [];
    const sent: ReplayJobMessage[] = [];
    const out = await replayJobStep(message('2026-W01', { to: '2026-W10' }), {
      store: fakeStore(),
      replay: async (req) => {
        asked.push(req);
        return replayed(req.period);
      },
      send: async (m) => {
        sent.push(m);
      },
    });
    expect(asked).toEqual([{ scheme: v1.id, version: '2', period: '2026-W01' }]);
    expect(sent).toEqual([message('2026-W02', { to: '2026-W10' })]);
    expect(out).toEqual({ result: replayed('2026-W01'), next: sent[0] });
  });

  it('still sends the next period when the period is skipped (a redelivery after the commit, or a duplicate)', async () => {
    const sent: ReplayJobMessage[] = [];
    const out = await replayJobStep(message('2026-W02'), {
      store: fakeStore(),
      replay: async (req) => skipped(req.period),
      send: async (m) => {
        sent.push(m);
      },
    });
    expect(out.result.status).toBe('skipped');
    expect(sent.map((m) => m.period)).toEqual(['2026-W03']);
  });

  it('sends nothing after the last stored period', async () => {
    const sent: ReplayJobMessage[] = [];
    const out = await replayJobStep(message('2026-W10'), {
      store: fakeStore(),
      replay: async (req) => replayed(req.period),
      send: async (m) => {
        sent.push(m);
      },
    });
    expect(sent).toEqual([]);
    expect(out.next).toBeUndefined();
  });

  it('stops at `to`: nothing after it is sent, though later periods are stored', async () => {
    const sent: ReplayJobMessage[] = [];
    const deps = {
      store: fakeStore(),
      replay: async (req: ReplayRequest) => replayed(req.period),
      send: async (m: ReplayJobMessage) => {
        sent.push(m);
      },
    };
    await replayJobStep(message('2026-W02', { to: '2026-W03' }), deps);
    await replayJobStep(message('2026-W03', { to: '2026-W03' }), deps);
    expect(sent.map((m) => m.period)).toEqual(['2026-W03']);
  });

  it('skips over a gap: the next period is the next one stored, not the next week', async () => {
    await expect(nextReplayPeriod(fakeStore(), v2, '2026-W03')).resolves.toBe('2026-W10');
    await expect(nextReplayPeriod(fakeStore(), v2, '2026-W03', '2026-W09')).resolves.toBeUndefined();
    // A period that is not stored (its replay skips: no snapshot) still leads to the next stored one.
    await expect(nextReplayPeriod(fakeStore(), v2, '2026-W05')).resolves.toBe('2026-W10');
  });

  it('sends nothing when the replay fails, so SQS retries the period (and the job waits for it)', async () => {
    const sent: ReplayJobMessage[] = [];
    await expect(
      replayJobStep(message('2026-W01'), {
        store: fakeStore(),
        replay: async () => {
          throw new Error('DynamoDB unavailable');
        },
        send: async (m) => {
          sent.push(m);
        },
      }),
    ).rejects.toThrow('DynamoDB unavailable');
    expect(sent).toEqual([]);
  });

  it('fails the step when the next message cannot be sent, so the redelivery (a skip) sends it', async () => {
    await expect(
      replayJobStep(message('2026-W01'), {
        store: fakeStore(),
        replay: async (req) => replayed(req.period),
        send: async () => {
          throw new Error('SQS unavailable');
        },
      }),
    ).rejects.toThrow('SQS unavailable');
  });
});

describe('the replay job over a simulated queue', () => {
  /** Runs the job to its end: replays are idempotent by the heads' versions, as replayPeriod is. */
  async function runJob(
    initial: readonly ReplayJobMessage[],
    failOnce?: { period: string; when: 'replay' | 'send' },
  ) {
    const version = new Map(STORED.map((p) => [p, '1']));
    const order: string[] = [];
    const queue = [...initial];
    let failed = false;
    const deps = {
      store: fakeStore(),
      replay: async (req: ReplayRequest) => {
        if (failOnce?.when === 'replay' && failOnce.period === req.period && !failed) {
          failed = true;
          throw new Error('outage');
        }
        if (version.get(req.period) === '2') return skipped(req.period);
        // Time order: every earlier stored period is under the version when this one is replayed.
        for (const [p, v] of version) if (p < req.period) expect(v, `${p} before ${req.period}`).toBe('2');
        version.set(req.period, '2');
        order.push(req.period);
        return replayed(req.period);
      },
      send: async (m: ReplayJobMessage) => {
        if (failOnce?.when === 'send' && failOnce.period === m.period && !failed) {
          failed = true;
          throw new Error('lost reply');
        }
        queue.push(m);
      },
    };
    let invocations = 0;
    while (queue.length) {
      const m = queue.shift()!;
      invocations++;
      try {
        await replayJobStep(m, deps);
      } catch {
        queue.push(m); // SQS makes it visible again after the visibility timeout.
      }
    }
    return { order, invocations };
  }

  it('replays every stored period once, in time order, one invocation per period', async () => {
    const { order, invocations } = await runJob([message('2026-W01')]);
    expect(order).toEqual(['2026-W01', '2026-W02', '2026-W03', '2026-W10']);
    expect(invocations).toBe(4);
  });

  it('absorbs a duplicate message: the same periods, each once, only skips added', async () => {
    const { order, invocations } = await runJob([message('2026-W01'), message('2026-W01')]);
    expect(order).toEqual(['2026-W01', '2026-W02', '2026-W03', '2026-W10']);
    expect(invocations).toBe(8);
  });

  it('survives a crash between the commit and the send: the redelivered period skips and hands on', async () => {
    const { order, invocations } = await runJob([message('2026-W01')], { period: '2026-W03', when: 'send' });
    expect(order).toEqual(['2026-W01', '2026-W02', '2026-W03', '2026-W10']);
    expect(invocations).toBe(5);
  });

  it('retries a failed period before any later one', async () => {
    const { order } = await runJob([message('2026-W01')], { period: '2026-W02', when: 'replay' });
    expect(order).toEqual(['2026-W01', '2026-W02', '2026-W03', '2026-W10']);
  });
});
