// The leaders' dashboard page (领导驾驶舱): one self-contained HTML page — inline CSS and script, no framework,
// no chart library in the browser — whose script polls the dashboard data and renders it; the charts are
// Apache ECharts rendered server-side to SVG (the bulletins' helpers) and sent with the data. Chinese first,
// English beside. The page's contract for tests and tools: `<table data-role="ranking">` with one
// `<tr data-entity data-rank>` per ranked entity, `<figure data-chart="trajectory|waterfall">` with an svg,
// `[data-notification][data-status][data-owner]` items with an acknowledge form, `<body data-version data-head-hash>`.
import { createHash } from 'node:crypto';
import type { DashboardData } from '../functions/shared/dashboard-data.ts';
import { FONT_STACK, trajectorySvg, waterfallSvg } from './charts.ts';
import { type DashboardClientConfig, dashboardClient } from './dashboard-client.ts';

export const DEFAULT_POLL_SECONDS = 5;
/** Contributions drawn one by one in the waterfall; the rest are summed into one bar. */
const WATERFALL_BARS = 8;
const CHART_WIDTH = 600;

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The charts of the data as SVG strings (absent when there is nothing to draw). */
export function dashboardCharts(d: DashboardData): Record<string, string> {
  const charts: Record<string, string> = {};
  const focus = d.focus;
  const points = d.trajectory ?? [];
  const depth = (d.ranking ?? []).filter((r) => r.rank !== null).length;
  if (focus && points.some((p) => p.rank !== null))
    charts.trajectory = trajectorySvg({
      periods: points.map((p) => p.period),
      lines: [
        { name: `${focus.name.zh} 总排名 / ${focus.name.en} overall rank`, ranks: points.map((p) => p.rank) },
      ],
      depth: Math.max(depth, ...points.map((p) => p.rank ?? 0)),
      width: CHART_WIDTH,
    });
  if (focus && focus.contributions.length > 0) {
    const shown = focus.contributions.slice(0, WATERFALL_BARS);
    const rest = focus.contributions.slice(WATERFALL_BARS).reduce((a, c) => a + c.value, 0);
    const labels = shown.map((c) => c.name.zh);
    const values = shown.map((c) => c.value);
    if (focus.contributions.length > WATERFALL_BARS) {
      labels.push('其余指标 other indicators');
      values.push(rest);
    }
    charts.waterfall = waterfallSvg({
      labels,
      values,
      totalLabel: focus.position === 'first' ? '合计领先 total lead' : '合计差距 total gap',
      width: CHART_WIDTH,
    });
  }
  return charts;
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font-family:${FONT_STACK};color:#1f2328;background:#f5f6f8;font-size:14px}
header{background:#8b1a1a;color:#fff;padding:12px 20px}
header h1{margin:0;font-size:22px}
header p{margin:4px 0 0}
header code{font-size:12px}
.en{color:#57606a;font-size:0.85em}
header .en{color:#f3d6d6}
main{display:grid;grid-template-columns:minmax(320px,1fr) minmax(320px,1fr);gap:16px;padding:16px 20px}
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px 16px}
section.wide{grid-column:1/-1}
h2{font-size:17px;margin:0 0 8px}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #eaeef2;padding:4px 6px;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.rank{width:6em;font-weight:bold}
tr.focus{background:#fff3cd}
figure{margin:8px 0}
figure svg{max-width:100%;height:auto}
figcaption{font-weight:bold;margin-bottom:4px}
.headline{font-size:18px;font-weight:bold;margin:4px 0}
ul{list-style:none;margin:0;padding:0}
li{border-bottom:1px solid #eaeef2;padding:6px 0}
li p{margin:2px 0}
.status{display:inline-block;border-radius:3px;padding:0 6px;color:#fff;background:#c0392b;font-size:12px}
.status.acknowledged{background:#27864a}
.status.escalated{background:#7b4ea3}
.status .en{color:#fff}
li.sev-info .status.open{background:#2c7fb8}
li.sev-warning .status.open{background:#e6a100}
form{display:flex;gap:6px;flex-wrap:wrap;margin-top:4px}
input{font:inherit;padding:2px 6px;border:1px solid #d0d7de;border-radius:4px;flex:1 1 10em;min-width:8em}
button{font:inherit;padding:2px 10px;border:1px solid #8b1a1a;border-radius:4px;background:#8b1a1a;color:#fff;cursor:pointer}
p.bad,span.bad{color:#c0392b}
p.ok{color:#27864a}
#status.ok{color:#c8f0d0}
.empty{color:#57606a}
@media (max-width:900px){main{grid-template-columns:1fr}}
`;

export interface DashboardPageOptions {
  scheme: { id: string; name: { zh?: string; en?: string } };
  pollSeconds?: number;
  periods?: number;
}

export interface DashboardPage {
  html: string;
  /** Response headers: the page, no caching, and a CSP that lets only its own inline script run. */
  headers: Record<string, string>;
}

/** The page shell; its script fetches the data and renders everything else. */
export function dashboardPage(o: DashboardPageOptions): DashboardPage {
  const config: DashboardClientConfig = {
    dataPath: 'dashboard/data',
    ackPath: 'notifications/{id}/ack',
    pollMs: Math.round((o.pollSeconds ?? DEFAULT_POLL_SECONDS) * 1000),
    periods: o.periods ?? 8,
  };
  // `<` escaped so no string in the config can close the script element.
  const script = `(${dashboardClient.toString()})(${JSON.stringify(config).replace(/</g, '\\u003c')});`;
  const zh = escapeHtml(o.scheme.name.zh ?? o.scheme.name.en ?? o.scheme.id);
  const en = escapeHtml(o.scheme.name.en ?? o.scheme.name.zh ?? o.scheme.id);
  const html = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>领导驾驶舱 · Leaders' dashboard — ${zh}</title>
<style>${CSS}</style>
</head>
<body data-version="" data-head-hash="">
<header>
<h1>领导驾驶舱 <span class="en">Leaders' dashboard</span></h1>
<p data-role="scheme">${zh} <span class="en">${en}</span> · ${escapeHtml(o.scheme.id)}</p>
<p>考核周期 <span class="en">period</span> <b data-role="period">—</b> · 快照 <span class="en">snapshot</span> <code data-role="head">—</code> · 更新于 <span class="en">updated</span> <span data-role="updated">—</span> · <span data-role="status" id="status">连接中 <span class="en">connecting</span></span></p>
<p data-role="caller"></p>
</header>
<main>
<section data-role="focus">
<h2>争第一 <span class="en">Gap to first</span></h2>
<div data-role="gap"></div>
<figure data-chart="trajectory"><figcaption>排名走势 <span class="en">rank trajectory</span></figcaption></figure>
<figure data-chart="waterfall"><figcaption>差距构成（各指标贡献，分） <span class="en">where the gap comes from (points)</span></figcaption></figure>
</section>
<section data-role="ranking-section">
<h2>总排名 <span class="en">Overall ranking</span></h2>
<table data-role="ranking">
<thead><tr><th>名次 <span class="en">rank</span></th><th>市州 <span class="en">entity</span></th><th class="num">得分 <span class="en">score</span></th></tr></thead>
<tbody></tbody>
</table>
<p data-role="unranked" class="en"></p>
</section>
<section data-role="alerts-section">
<h2>预警提醒 <span class="en">Alerts</span> (<span data-role="alert-count">0</span>)</h2>
<ul data-role="alerts"></ul>
</section>
<section data-role="bulletins-section">
<h2>周分析与月通报 <span class="en">Bulletins</span></h2>
<ul data-role="bulletins"></ul>
</section>
</main>
<script>${script}</script>
</body>
</html>
`;
  const hash = createHash('sha256').update(script).digest('base64');
  return {
    html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': `default-src 'none'; script-src 'sha256-${hash}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`,
    },
  };
}
