import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderBulletinHtml } from '../../bulletin/html.ts';
import { buildBulletin } from '../../domain/bulletin.ts';
import { parseObservationsCsv } from '../../domain/observations.ts';
import { replaySeries } from '../../domain/replay.ts';
import { loadSchemeText } from '../../domain/scheme.ts';
import { OBSERVATIONS_PATH, SCHEME_PATH } from '../../scenarios/gansu/generate.ts';

const gansu = loadSchemeText(readFileSync(SCHEME_PATH, 'utf8'), SCHEME_PATH);
const obs = parseObservationsCsv(readFileSync(OBSERVATIONS_PATH, 'utf8'), gansu, OBSERVATIONS_PATH);
const replay = replaySeries(gansu, obs);
const weekly = buildBulletin(gansu, replay.snapshots, { alerts: replay.alerts });

describe('the bulletin page', () => {
  const zh = renderBulletinHtml(gansu, weekly, 'zh');

  it('is one self-contained page: inline style and SVG, nothing fetched', () => {
    expect(zh.startsWith('<!doctype html>')).toBe(true);
    expect(zh).toContain('<style>');
    expect(zh).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(zh).not.toMatch(/(src|href)\s*=\s*"(https?:)?\/\//i);
    expect(zh).not.toMatch(/url\(\s*['"]?https?:/i);
  });

  it('reads Chinese first and English with lang en', () => {
    expect(zh).toContain('<html lang="zh-CN">');
    expect(zh).toContain('2026年甘肃省市州数字化发展周考核 · 周分析');
    expect(zh).toContain('兰州市');
    const en = renderBulletinHtml(gansu, weekly, 'en');
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('Weekly analysis');
    expect(en).toContain('Lanzhou');
    expect(en).not.toContain('周分析');
  });

  it('titles the monthly bulletin 月通报 with the weeks it covers', () => {
    const monthly = buildBulletin(gansu, replay.snapshots, { kind: 'monthly', robustness: false });
    const html = renderBulletinHtml(gansu, monthly, 'zh');
    expect(html).toContain('月通报');
    expect(html).toContain('本月各周: 2026-W23、2026-W24、2026-W25、2026-W26');
  });

  it('carries the machine-readable ranking rows and chart figures', () => {
    const rows = [...zh.matchAll(/<tr data-entity="([^"]+)" data-rank="(\d+)"/g)].slice(0, 14);
    expect(rows.map((m) => [m[1], Number(m[2])])).toEqual(weekly.ranking.map((r) => [r.entity, r.rank]));
    const table = zh.slice(
      zh.indexOf('<table data-role="ranking">'),
      zh.indexOf('</table>', zh.indexOf('data-role="ranking"')),
    );
    expect(table.match(/<tr data-entity=/g)).toHaveLength(14);
    const figures = [...zh.matchAll(/<figure data-chart="([a-z]+)"[^>]*><svg /g)].map((m) => m[1]);
    expect(figures).toEqual(['waterfall', 'trajectory', 'heatmap', 'robustness']);
  });

  it('prints on A4 with a page break before every section but the first', () => {
    expect(zh).toContain('@page { size: A4;');
    expect(zh).toMatch(/@media print \{[\s\S]*?\n {2}section \{ break-before: page; \}/);
    expect(zh.match(/<section data-section="[a-z]+" class="first">/g)).toHaveLength(1);
  });

  it('cites the scheme version and every snapshot hash it read', () => {
    expect(zh).toContain('gansu-weekly-2026</b> v1');
    for (const s of weekly.snapshots) expect(zh).toContain(s.hash!);
  });

  it('says no notification is recorded unless the lifecycle gives some, and shows those given by status', () => {
    expect(zh).toContain('<p data-role="notifications-none">无记录</p>');
    const html = renderBulletinHtml(
      gansu,
      {
        ...weekly,
        alerts: {
          ...weekly.alerts,
          notifications: [
            {
              entity: 'lanzhou',
              severity: 'warning',
              status: 'acknowledged',
              scope: 'overall',
              acknowledged: { by: '李副局长', at: '2026-06-23T09:00:00+08:00', note: '已部署整改' },
            },
            {
              entity: 'lanzhou',
              severity: 'critical',
              status: 'escalated',
              scope: 'indicator:biz_permit_days',
              level: 2,
            },
          ],
        },
      },
      'zh',
    );
    const statuses = [...html.matchAll(/<tr data-status="([a-z]+)">/g)].map((m) => m[1]);
    expect(statuses).toEqual(['escalated', 'acknowledged']);
    expect(html).toContain('已提级');
    expect(html).toContain('李副局长 2026-06-23T09:00:00+08:00：已部署整改');
    expect(html).toContain('工程建设项目审批平均用时');
  });

  it('escapes names that look like markup', () => {
    const odd = {
      ...gansu,
      entities: gansu.entities.map((e) => (e.id === 'lanzhou' ? { ...e, name: { zh: '<b>兰州</b>' } } : e)),
    };
    const html = renderBulletinHtml(odd, weekly, 'zh');
    expect(html).toContain('&lt;b&gt;兰州&lt;/b&gt;');
    expect(html).not.toContain('<b>兰州</b>');
  });

  it('renders the same bytes every time', () => {
    expect(renderBulletinHtml(gansu, weekly, 'zh')).toBe(zh);
  });
});
