// `rankwatch explain` in front of the query API: its options checked before anything is asked, the route it asks
// with the period, entity, indicator and as-of, the exit codes (3 for a chain that does not verify), and its help.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { explainCommand } from '../../../cli/commands/explain.ts';
import { resolveTarget, type Target } from '../../../cli/engine-client.ts';
import { run } from '../../../cli/main.ts';

vi.mock('../../../cli/engine-client.ts', async (original) => ({
  ...(await original<typeof import('../../../cli/engine-client.ts')>()),
  resolveTarget: vi.fn(),
}));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

const answering = (statusCode: number, body: unknown) => {
  const query = vi.fn(async () => ({
    statusCode,
    body: JSON.stringify(body),
    json: () => body,
  }));
  vi.mocked(resolveTarget).mockResolvedValue({
    kind: 'local',
    engine: undefined,
    query,
  } as unknown as Target);
  return query;
};

describe('rankwatch explain', () => {
  beforeEach(() => vi.mocked(resolveTarget).mockReset());

  it('needs --period and --entity and takes only text or json, zh or en, before asking anything', async () => {
    for (const args of [
      ['--entity', 'lanzhou'],
      ['--period', '2026-W05'],
      ['--period', '2026-W05', '--entity', 'lanzhou', '--format', 'csv'],
      ['--period', '2026-W05', '--entity', 'lanzhou', '--lang', 'fr'],
    ]) {
      const c = capture();
      expect(await run(['explain', '--scheme', 's', ...args], c.io), args.join(' ')).toBe(2);
      expect(c.err.join('')).toContain('usage: rankwatch explain --period P --entity E');
    }
    expect(resolveTarget).not.toHaveBeenCalled();
  });

  it('asks the explain route with the period, entity, indicator and as-of', async () => {
    const query = answering(200, { scheme: { id: 's' } });
    const c = capture();
    const code = await explainCommand(
      {
        scheme: 's',
        period: '2026-W05',
        entity: 'lanzhou',
        indicator: 'hotline_satisfaction',
        'as-of': '2026-02-01T00:00:00Z',
        format: 'json',
      },
      c.io,
    );
    expect(code).toBe(0);
    expect(query).toHaveBeenCalledWith(
      'explain',
      { scheme: 's', period: '2026-W05', entity: 'lanzhou' },
      { indicator: 'hotline_satisfaction', asOf: '2026-02-01T00:00:00Z' },
    );
    expect(JSON.parse(c.out.join(''))).toEqual({ scheme: { id: 's' } });
  });

  it('exits 3 when the chain does not verify (409) and 1 for anything else, saying why in both languages', async () => {
    answering(409, { message: { zh: '哈希链不一致', en: 'the chain does not verify' } });
    const bad = capture();
    expect(await explainCommand({ scheme: 's', period: '2026-W05', entity: 'x' }, bad.io)).toBe(3);
    expect(bad.err.join('')).toContain(
      '溯源失败 / explain failed (409): 哈希链不一致 / the chain does not verify',
    );
    answering(404, { message: { zh: '没有快照', en: 'no snapshot' } });
    expect(await explainCommand({ scheme: 's', period: '2026-W05', entity: 'x' }, capture().io)).toBe(1);
  });

  it('is in the help, Chinese first', async () => {
    const c = capture();
    await run(['help'], c.io);
    expect(c.out.join('')).toMatch(
      /rankwatch explain --period P --entity E .*\n\s+排名与得分溯源（先校验哈希链）\/ how a rank/,
    );
  });
});
