// `rankwatch bulletin`: the weekly analysis 周分析 or monthly bulletin 月通报 of a scheme on an observations
// CSV, offline: the series replayed into snapshots as the engine would store them, rendered to one HTML file
// (and to PDF through the system's Chromium with --pdf).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { renderBulletinHtml } from '../../bulletin/html.ts';
import { type BulletinKind, buildBulletin } from '../../domain/bulletin.ts';
import { parseObservationsCsv } from '../../domain/observations.ts';
import { replaySeries } from '../../domain/replay.ts';
import { loadSchemeText } from '../../domain/scheme.ts';
import { type CommandIo, UsageError } from '../io.ts';

export const usage =
  'rankwatch bulletin --scheme FILE --observations FILE.csv [--period P] [--kind weekly|monthly] [--lang zh|en] --out FILE.html [--pdf FILE.pdf]';

export async function bulletinCommand(
  opts: {
    scheme?: string;
    observations?: string;
    period?: string;
    kind?: string;
    lang?: string;
    out?: string;
    pdf?: string;
  },
  io: CommandIo,
): Promise<number> {
  if (!opts.scheme) throw new UsageError('--scheme FILE is required', usage);
  if (!opts.observations) throw new UsageError('--observations FILE.csv is required', usage);
  if (!opts.out) throw new UsageError('--out FILE.html is required', usage);
  const lang = opts.lang ?? 'zh';
  if (lang !== 'zh' && lang !== 'en') throw new UsageError(`--lang must be zh or en (got "${lang}")`, usage);
  if (opts.kind !== undefined && opts.kind !== 'weekly' && opts.kind !== 'monthly')
    throw new UsageError(`--kind must be weekly or monthly (got "${opts.kind}")`, usage);
  const started = performance.now();
  const scheme = loadSchemeText(await readFile(opts.scheme, 'utf8'), opts.scheme);
  const observations = parseObservationsCsv(
    await readFile(opts.observations, 'utf8'),
    scheme,
    opts.observations,
  );
  const { snapshots, alerts } = replaySeries(scheme, observations);
  const bulletin = buildBulletin(scheme, snapshots, {
    ...(opts.kind ? { kind: opts.kind as BulletinKind } : {}),
    ...(opts.period ? { period: opts.period } : {}),
    alerts,
  });
  const html = renderBulletinHtml(scheme, bulletin, lang);
  await mkdir(dirname(opts.out), { recursive: true });
  await writeFile(opts.out, html);
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  io.stdout(
    `${opts.out} (${bulletin.kind} ${bulletin.period}, ${Math.round(html.length / 1024)} KB, ${seconds} s)\n`,
  );
  if (opts.pdf) {
    const { htmlToPdf, launchBrowser } = await import('../../bulletin/browser.ts');
    const browser = await launchBrowser();
    try {
      await mkdir(dirname(opts.pdf), { recursive: true });
      await writeFile(opts.pdf, await htmlToPdf(browser, html));
    } finally {
      await browser.close();
    }
    io.stdout(`${opts.pdf}\n`);
  }
  return 0;
}
