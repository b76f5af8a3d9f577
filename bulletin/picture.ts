// Regenerates the README's picture of a bulletin page (docs/bulletin-weekly.png): the Gansu scenario's W26
// weekly analysis rendered by the bulletin command's path and photographed in headless Chromium.
//   npm run bulletin:picture
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildBulletin } from '../domain/bulletin.ts';
import { parseObservationsCsv } from '../domain/observations.ts';
import { replaySeries } from '../domain/replay.ts';
import { loadSchemeText } from '../domain/scheme.ts';
import { OBSERVATIONS_PATH, SCHEME_PATH } from '../scenarios/gansu/generate.ts';
import { launchBrowser } from './browser.ts';
import { renderBulletinHtml } from './html.ts';

const OUT = fileURLToPath(new URL('../docs/bulletin-weekly.png', import.meta.url));

const scheme = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const observations = parseObservationsCsv(readFileSync(OBSERVATIONS_PATH, 'utf8'), scheme, OBSERVATIONS_PATH);
const { snapshots, alerts } = replaySeries(scheme, observations);
const html = renderBulletinHtml(scheme, buildBulletin(scheme, snapshots, { alerts }), 'zh');

const browser = await launchBrowser();
try {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 800, height: 1200 });
  await page.setContent(html, { waitUntil: 'load' });
  // The first screen of the page: headline, ranking and the gap waterfall, down to the trajectory section.
  const bottom = await page.$eval('section[data-section="trajectory"]', (s) => s.getBoundingClientRect().top);
  mkdirSync(fileURLToPath(new URL('../docs/', import.meta.url)), { recursive: true });
  writeFileSync(
    OUT,
    await page.screenshot({ fullPage: true, clip: { x: 0, y: 0, width: 800, height: Math.ceil(bottom) } }),
  );
  process.stdout.write(`${OUT}\n`);
} finally {
  await browser.close();
}
