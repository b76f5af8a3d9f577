/// <reference lib="dom" />
// The Gansu weekly analysis opened in Debian's headless Chromium: the ranking contract, data marks in every
// chart, CJK glyphs, golden checks of the waterfall, heat map and robustness, a screenshot and a PDF.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, htmlToPdf, launchBrowser } from '../../bulletin/browser.ts';
import { COLOURS, FONT_STACK } from '../../bulletin/charts.ts';
import { renderBulletinHtml } from '../../bulletin/html.ts';
import { assessSeries } from '../../domain/assessment.ts';
import { buildBulletin } from '../../domain/bulletin.ts';
import { parseObservationsCsv } from '../../domain/observations.ts';
import { replaySeries } from '../../domain/replay.ts';
import { loadSchemeText } from '../../domain/scheme.ts';
import { OBSERVATIONS_PATH, SCHEME_PATH } from '../../scenarios/gansu/generate.ts';

const gansu = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const obs = parseObservationsCsv(readFileSync(OBSERVATIONS_PATH, 'utf8'), gansu, OBSERVATIONS_PATH);
const replay = replaySeries(gansu, obs);
const w26 = assessSeries(gansu, obs).periods.at(-1)!;
const html = renderBulletinHtml(
  gansu,
  buildBulletin(gansu, replay.snapshots, { alerts: replay.alerts }),
  'zh',
);

let browser: Browser;
let page: Page;
const requests: string[] = [];

// One browser for the file; a loaded 2-core machine can take many seconds to start it.
beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('request', (r) => {
    if (!r.url().startsWith('data:') && r.url() !== 'about:blank') requests.push(r.url());
  });
  await page.setContent(html, { waitUntil: 'load', timeout: 60_000 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
}, 60_000);

describe('the Gansu weekly analysis in Chromium', { timeout: 120_000 }, () => {
  it('lists the 14 entities in the ranking table with their ranks', async () => {
    const rows = await page.$$eval('table[data-role="ranking"] tr[data-entity]', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-entity'), Number(tr.getAttribute('data-rank'))]),
    );
    expect(rows).toEqual(w26.overall.map((r) => [r.entity, r.rank]));
  });

  it('renders data marks in the SVG of every chart', async () => {
    const charts = await page.$$eval('figure[data-chart]', (figs) =>
      figs.map((f) => ({
        kind: f.getAttribute('data-chart'),
        svg: f.querySelectorAll(':scope > svg').length,
        // Distinct (series, data item) pairs: a data item may draw more than one element.
        marks: new Set(
          [...f.querySelectorAll('svg [ecmeta_data_index]')].map(
            (el) => `${el.getAttribute('ecmeta_series_index')}/${el.getAttribute('ecmeta_data_index')}`,
          ),
        ).size,
        visible: [...f.querySelectorAll('svg [ecmeta_data_index]')].filter((el) => {
          const box = (el as SVGGraphicsElement).getBBox();
          return box.width > 0 && box.height > 0;
        }).length,
      })),
    );
    expect(charts.map((c) => c.kind)).toEqual(['waterfall', 'trajectory', 'heatmap', 'robustness']);
    for (const c of charts) {
      expect(c.svg, c.kind!).toBe(1);
      expect(c.visible, c.kind!).toBeGreaterThan(0);
    }
    const marks = Object.fromEntries(charts.map((c) => [c.kind, c.marks]));
    expect(marks.waterfall).toBe(13); // 12 bars and the total
    expect(marks.trajectory).toBeGreaterThanOrEqual(8 * 6); // 8 weeks × (overall + 5 topics)
    expect(marks.robustness).toBe(14 * 3); // interval, median and published rank per entity
  });

  it('has a heat map of 14 entities × 23 indicators', async () => {
    const heat = await page.$eval('figure[data-chart="heatmap"]', (f) => ({
      cells: Number(f.getAttribute('data-cells')),
      marks: new Set(
        [...f.querySelectorAll('svg [ecmeta_series_index="0"][ecmeta_data_index]')].map((el) =>
          el.getAttribute('ecmeta_data_index'),
        ),
      ).size,
    }));
    expect(heat).toEqual({ cells: 14 * 23, marks: 14 * 23 });
  });

  it('draws waterfall bars that sum to the gap, in the data and in the picture', async () => {
    const w = await page.$eval(
      'figure[data-chart="waterfall"]',
      (f, colours) => {
        const bars = [...f.querySelectorAll('svg [ecmeta_data_index]')].map((el) => ({
          series: el.getAttribute('ecmeta_series_index'),
          fill: el.getAttribute('fill'),
          width: (el as SVGGraphicsElement).getBBox().width,
        }));
        const steps = bars.filter((b) => b.series === '0');
        const signed = steps.reduce((a, b) => a + (b.fill === colours.behind ? b.width : -b.width), 0);
        const total = bars.filter((b) => b.series === '1');
        return {
          gap: Number(f.getAttribute('data-gap')),
          values: JSON.parse(f.getAttribute('data-values')!) as number[],
          steps: steps.length,
          signed,
          totalWidth: total[0]!.width,
        };
      },
      COLOURS,
    );
    expect(w.gap).toBeCloseTo(w26.gap.lanzhou!.scoreGap, 10);
    expect(w.values.reduce((a, v) => a + v, 0)).toBeCloseTo(w.gap, 10);
    expect(w.steps).toBe(12);
    // Each bar's width is rounded to the pixel (and at least 1 px): allow a pixel per bar.
    expect(Math.abs(w.signed - w.totalWidth)).toBeLessThan(13);
  });

  it('gives probabilities of being first that sum to 1', async () => {
    const r = await page.$eval('figure[data-chart="robustness"]', (f) => ({
      sum: Number(f.getAttribute('data-p-first-sum')),
      rows: [...document.querySelectorAll('table[data-role="robustness"] tr[data-entity]')].map((tr) =>
        Number(tr.getAttribute('data-p-first')),
      ),
    }));
    expect(r.sum).toBeCloseTo(1, 12);
    expect(r.rows).toHaveLength(14);
    expect(r.rows.reduce((a, p) => a + p, 0)).toBeCloseTo(1, 12);
  });

  it('renders CJK glyphs, not tofu, in the page font', async () => {
    const glyphs = await page.evaluate((font) => {
      const canvas = document.createElement('canvas');
      canvas.width = 40;
      canvas.height = 40;
      const g = canvas.getContext('2d')!;
      const draw = (ch: string) => {
        g.clearRect(0, 0, 40, 40);
        g.font = `32px ${font}`;
        g.fillText(ch, 2, 32);
        return {
          pixels: Array.from(g.getImageData(0, 0, 40, 40).data).join(','),
          width: g.measureText(ch).width,
        };
      };
      const tofu = draw('\uE000'); // a private-use code point: no font has it, so it draws the missing glyph
      const lan = draw('兰');
      const zhou = draw('州');
      const span = document.createElement('span');
      span.textContent = '兰州市';
      document.body.append(span);
      const width = span.getBoundingClientRect().width;
      span.style.fontFamily = 'monospace';
      span.textContent = 'abc';
      const latin = span.getBoundingClientRect().width;
      span.remove();
      return {
        available: document.fonts.check(`16px ${font}`, '兰州市'),
        differFromTofu: lan.pixels !== tofu.pixels && zhou.pixels !== tofu.pixels,
        differFromEachOther: lan.pixels !== zhou.pixels,
        width,
        latin,
      };
    }, FONT_STACK);
    expect(glyphs.available).toBe(true);
    expect(glyphs.differFromTofu).toBe(true);
    expect(glyphs.differFromEachOther).toBe(true);
    // Three full-width ideographs at 13 px are wider than three half-width Latin letters.
    expect(glyphs.width).toBeGreaterThan(glyphs.latin * 1.5);
    const svgText = await page.$eval(
      'figure[data-chart="heatmap"] svg text',
      (t) => getComputedStyle(t).fontFamily,
    );
    expect(svgText).toContain('Noto Sans CJK SC');
  });

  it('loads nothing from the network', () => {
    expect(requests).toEqual([]);
  });

  it('takes a screenshot of the first page', async () => {
    const png = await page.screenshot({ clip: { x: 0, y: 0, width: 800, height: 1100 } });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000);
  });

  it('prints to an A4 PDF with a page for each section', async () => {
    const pdf = await htmlToPdf(browser, html);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? [];
    const sections = (html.match(/<section /g) ?? []).length;
    expect(sections).toBe(10);
    expect(pages.length).toBeGreaterThanOrEqual(sections - 1); // the headline shares the first page
    // A4 is 595 × 842 points.
    const box = /\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/.exec(pdf.toString('latin1'));
    expect(Math.abs(Number(box![1]) - 595)).toBeLessThan(1);
    expect(Math.abs(Number(box![2]) - 842)).toBeLessThan(1);
  });
});
