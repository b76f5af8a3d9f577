import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../cli/main.ts';
import { OBSERVATIONS_PATH, SCHEME_PATH } from '../../../scenarios/gansu/generate.ts';

const dir = mkdtempSync(join(tmpdir(), 'rankwatch-bulletin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) } };
}

describe('rankwatch bulletin', () => {
  it('writes the weekly analysis of the last week by default', async () => {
    const c = io();
    const out = join(dir, 'w.html');
    const code = await run(
      ['bulletin', '--scheme', SCHEME_PATH, '--observations', OBSERVATIONS_PATH, '--out', out],
      c.io,
    );
    expect(code).toBe(0);
    expect(c.out.join('')).toMatch(/w\.html \(weekly 2026-W26, \d+ KB, [\d.]+ s\)/);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('周分析');
    expect(html).toContain('data-period="2026-W26"');
  });

  it('writes a monthly bulletin for a given month in English', async () => {
    const c = io();
    const out = join(dir, 'sub', 'm.html');
    const code = await run(
      [
        'bulletin',
        '--scheme',
        SCHEME_PATH,
        '--observations',
        OBSERVATIONS_PATH,
        '--kind',
        'monthly',
        '--period',
        '2026-04',
        '--lang',
        'en',
        '--out',
        out,
      ],
      c.io,
    );
    expect(code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('Monthly bulletin');
    expect(html).toContain('data-period="2026-04"');
  });

  it.each([
    [['--observations', OBSERVATIONS_PATH, '--out', 'x.html'], /--scheme FILE is required/],
    [['--scheme', SCHEME_PATH, '--observations', OBSERVATIONS_PATH], /--out FILE.html is required/],
    [
      ['--scheme', SCHEME_PATH, '--observations', OBSERVATIONS_PATH, '--out', 'x.html', '--kind', 'daily'],
      /--kind must be weekly or monthly/,
    ],
    [
      ['--scheme', SCHEME_PATH, '--observations', OBSERVATIONS_PATH, '--out', 'x.html', '--lang', 'fr'],
      /--lang must be zh or en/,
    ],
  ])('refuses %j with a usage error', async (args, message) => {
    const c = io();
    expect(await run(['bulletin', ...args], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(message);
  });

  it('names a period that has no snapshot', async () => {
    const c = io();
    const code = await run(
      [
        'bulletin',
        '--scheme',
        SCHEME_PATH,
        '--observations',
        OBSERVATIONS_PATH,
        '--period',
        '2026-W40',
        '--out',
        join(dir, 'e.html'),
      ],
      c.io,
    );
    expect(code).toBe(1);
    expect(c.err.join('')).toContain(
      'BulletinInputError: period "2026-W40" has no snapshot (latest: 2026-W26)',
    );
  });
});
