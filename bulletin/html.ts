// A bulletin (周分析 / 月通报) as one self-contained HTML page: inline CSS and ECharts SVG, Chinese first
// (English with lang 'en'), A4 print CSS with a page break between sections, and a machine-readable
// contract (the ranking table's data-entity/data-rank rows, each chart's <figure data-chart>).
import type { Bulletin, NotificationRecord } from '../domain/bulletin.ts';
import {
  type Lang,
  reachedFirstMessage,
  recoveredMessage,
  SEVERITY_NAMES,
  schemeNames,
  slipMessage,
} from '../domain/messages.ts';
import { displayName, type Scheme } from '../domain/scheme.ts';
import { FONT_STACK, heatmapSvg, robustnessSvg, trajectorySvg, waterfallSvg } from './charts.ts';

type Text = { zh: string; en: string };
const T = {
  weekly: { zh: '周分析', en: 'Weekly analysis' },
  monthly: { zh: '月通报', en: 'Monthly bulletin' },
  periodAnalysis: { zh: '考核分析', en: 'Assessment analysis' },
  weeks: { zh: '本月各周', en: 'weeks of the month' },
  compared: { zh: '对比', en: 'compared with' },
  headline: { zh: '要点', en: 'Headline' },
  ranking: { zh: '总排名', en: 'Overall ranking' },
  rank: { zh: '名次', en: 'Rank' },
  entity: { zh: '市州', en: 'Entity' },
  score: { zh: '得分', en: 'Score' },
  change: { zh: '较上期', en: 'Change' },
  tied: { zh: '并列', en: 'tied' },
  new: { zh: '新', en: 'new' },
  unranked: { zh: '未排名', en: 'Unranked' },
  gap: { zh: '与第一名差距', en: 'Gap to first' },
  lead: { zh: '领先第二名', en: 'Lead over second' },
  waterfall: {
    zh: '差距构成（各指标贡献 C_j，分）',
    en: 'Where the gap comes from (contributions C_j, points)',
  },
  others: { zh: '其余指标', en: 'other indicators' },
  total: { zh: '合计差距', en: 'total gap' },
  totalLead: { zh: '合计领先', en: 'total lead' },
  trajectory: { zh: '排名走势（总排名与各类别）', en: 'Rank trajectories (overall and by topic)' },
  overall: { zh: '总排名', en: 'Overall' },
  heatmap: { zh: '各指标排名热力图', en: 'Indicator ranks' },
  heatmapLimited: { zh: '仅列出本市前后各市州', en: "only the focus entity's neighbours are shown" },
  boards: { zh: '红榜与黑榜', en: 'Best and worst indicators' },
  red: { zh: '红榜（排名靠前）', en: 'Red list (best ranks)' },
  black: { zh: '黑榜（排名靠后）', en: 'Black list (worst ranks)' },
  indicator: { zh: '指标', en: 'Indicator' },
  value: { zh: '数值', en: 'Value' },
  carried: { zh: '顺延', en: 'carried' },
  treatment: { zh: '精准治疗', en: 'Diagnosis and treatment' },
  patterns: { zh: '方向模式', en: 'Direction patterns' },
  holds: { zh: '成立', en: 'holds' },
  fails: { zh: '不成立', en: 'does not hold' },
  expected: { zh: '预期', en: 'expected' },
  actual: { zh: '实际', en: 'actual' },
  up: { zh: '升', en: 'up' },
  down: { zh: '降', en: 'down' },
  flat: { zh: '持平', en: 'flat' },
  noData: { zh: '无数据', en: 'no data' },
  prescriptions: { zh: '处方（按每1%努力可得分排序）', en: 'Prescriptions (points per 1% of effort)' },
  target: { zh: '目标值', en: 'Target' },
  move: { zh: '变动', en: 'Move' },
  passes: { zh: '追平', en: 'Passes' },
  points: { zh: '得分', en: 'Points' },
  rankAfter: { zh: '调整后名次', en: 'Rank after' },
  owner: { zh: '责任部门', en: 'Owner' },
  quick: { zh: '快速见效', en: 'quick win' },
  coaching: { zh: '一对一辅导', en: 'Coaching pairs' },
  leader: { zh: '分管领导', en: 'Leader' },
  learnFrom: { zh: '学习对象', en: 'Learn from' },
  theirValue: { zh: '对方数值', en: 'Their value' },
  cls: { zh: '类别', en: 'Class' },
  alerts: { zh: '预警与处置', en: 'Alerts' },
  slips: { zh: '本期触发的下滑规则', en: 'Slip rules that held' },
  sent: { zh: '已发送预警', en: 'Alerts sent' },
  notifications: { zh: '预警处置状态', en: 'Notification status' },
  noneRecorded: { zh: '无记录', en: 'none recorded' },
  none: { zh: '无', en: 'none' },
  status: { zh: '状态', en: 'Status' },
  severity: { zh: '级别', en: 'Severity' },
  period: { zh: '周期', en: 'Period' },
  scope: { zh: '范围', en: 'Scope' },
  acknowledgedBy: { zh: '签收', en: 'Acknowledged' },
  level: { zh: '提级', en: 'Level' },
  robustness: { zh: '排名稳健性', en: 'Rank robustness' },
  median: { zh: '中位名次', en: 'Median rank' },
  interval: { zh: '5%–95%区间', en: '5–95% interval' },
  pFirst: { zh: '位居第一的概率', en: 'P(first)' },
  declared: { zh: '公布名次', en: 'Published rank' },
  sources: { zh: '数据来源与校验', en: 'Sources and verification' },
  schemeVersion: { zh: '考核方案', en: 'Scheme' },
  seq: { zh: '快照序号', en: 'Snapshot' },
  recordedAt: { zh: '记录时间', en: 'Recorded at' },
  hash: { zh: '哈希（SHA-256）', en: 'Hash (SHA-256)' },
  prevHash: { zh: '前一哈希', en: 'Previous hash' },
  unknown: { zh: '未提供', en: 'not given' },
} satisfies Record<string, Text>;

const STATUS: Record<NotificationRecord['status'], Text> = {
  open: { zh: '待处理', en: 'open' },
  acknowledged: { zh: '已签收', en: 'acknowledged' },
  escalated: { zh: '已提级', en: 'escalated' },
  resolved: { zh: '已解除', en: 'resolved' },
  silenced: { zh: '已静默', en: 'silenced' },
};

const RACE: Record<Bulletin['headline'][number]['race']['status'], Text> = {
  first: { zh: '争第一：保持第一', en: 'Race for first: holding first place' },
  reachable: { zh: '争第一：单项可追至第一', en: 'Race for first: one indicator can reach first' },
  behind: { zh: '争第一：需多项共同提升', en: 'Race for first: no single indicator is enough' },
  unranked: { zh: '争第一：本期未排名', en: 'Race for first: not ranked this period' },
};

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (x: number | null | undefined, d = 2) =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d);
const num = (x: number | null | undefined, d = 4) =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : String(Number(x.toFixed(d)));
const pct = (x: number | null | undefined) =>
  x !== null && x !== undefined && x > 0 && x < 0.05 ? '&lt;0.1%' : `${fmt(x, 1)}%`;

const CSS = `
:root { --ink: #1f2328; --muted: #57606a; --rule: #d0d7de; --red: #c0392b; --green: #27864a; }
* { box-sizing: border-box; }
body { font-family: ${FONT_STACK}; color: var(--ink); margin: 0 auto; max-width: 760px; padding: 24px 20px;
  font-size: 13px; line-height: 1.55; background: #fff; }
header { border-bottom: 3px solid var(--red); padding-bottom: 8px; margin-bottom: 12px; }
header h1 { font-size: 22px; margin: 0 0 4px; letter-spacing: 0.04em; }
header .meta { color: var(--muted); font-size: 12px; }
h2 { font-size: 16px; border-left: 4px solid var(--red); padding-left: 8px; margin: 18px 0 8px; }
h3 { font-size: 14px; margin: 12px 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 12px; }
th, td { border-bottom: 1px solid var(--rule); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.focus td { background: #fff4e5; font-weight: 600; }
.up { color: var(--red); } .down { color: var(--green); } .same { color: var(--muted); }
.headline { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 8px; }
.card { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 10px; }
.card .k { color: var(--muted); font-size: 11px; } .card .v { font-size: 20px; font-weight: 700; }
.race { margin: 6px 0 0; padding: 6px 10px; background: #fdf2f0; border-radius: 6px; }
figure { margin: 6px 0 12px; break-inside: avoid; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 11px; }
.ok { color: var(--green); } .bad { color: var(--red); }
.hash { font-family: "Noto Sans Mono", "DejaVu Sans Mono", monospace; font-size: 10px; word-break: break-all; }
.note { color: var(--muted); font-size: 11px; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; }
  section { break-before: page; }
  section.first { break-before: auto; }
  tr, .card { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
}
`;

/** Renders a bulletin to HTML; `scheme` supplies the names, units and departments. */
export function renderBulletinHtml(scheme: Scheme, b: Bulletin, lang: Lang = 'zh'): string {
  const t = (k: keyof typeof T) => T[k][lang];
  const names = schemeNames(scheme);
  const ent = (id: string | null) => (id === null ? '—' : esc(names.entity(id)[lang]));
  const indName = (id: string) => names.indicator(id)[lang];
  const ind = (id: string) => esc(indName(id));
  const indicators = new Map(scheme.indicators.map((i) => [i.id, i]));
  const unit = (id: string) => esc(indicators.get(id)?.unit ?? '');
  const topics = new Map((scheme.topics ?? []).map((x) => [x.id, x]));
  const departments = new Map((scheme.departments ?? []).map((d) => [d.id, d]));
  const dept = (id: string) => esc(displayName(departments.get(id)?.name, lang, id));
  const rankText = (r: number, tied: boolean) =>
    lang === 'zh' ? `第${r}名${tied ? '（并列）' : ''}` : `#${r}${tied ? ' (tied)' : ''}`;
  const arrow = (change: number | null, previous: number | null) => {
    if (previous === null) return `<span class="same">${t('new')}</span>`;
    if (change === null || change === 0) return '<span class="same">→</span>';
    return change > 0 ? `<span class="up">↑${change}</span>` : `<span class="down">↓${-change}</span>`;
  };
  const kindName =
    b.kind === 'monthly' ? t('monthly') : scheme.periodKind === 'week' ? t('weekly') : t('periodAnalysis');
  const schemeName = esc(displayName(scheme.name, lang, scheme.id));
  const out: string[] = [];
  const section = (id: string, title: string, body: string, first = false) =>
    out.push(
      `<section data-section="${id}"${first ? ' class="first"' : ''}><h2>${esc(title)}</h2>${body}</section>`,
    );
  let charts = 0;
  const chart = (kind: string, svg: string, attrs: Record<string, string | number> = {}, caption = '') =>
    `<figure data-chart="${kind}"${Object.entries(attrs)
      .map(([k, v]) => ` data-${k}="${esc(String(v))}"`)
      .join(
        '',
      )}>${svg.replace(/\bec-/g, `c${charts++}-`)}${caption ? `<figcaption>${caption}</figcaption>` : ''}</figure>`;

  // ── headline ──
  const cards = b.headline
    .map((h) => {
      const prev =
        h.previousRank === null
          ? t('new')
          : h.change === 0
            ? lang === 'zh'
              ? '持平'
              : 'unchanged'
            : h.change! > 0
              ? lang === 'zh'
                ? `上升${h.change}位`
                : `up ${h.change}`
              : lang === 'zh'
                ? `下降${-h.change!}位`
                : `down ${-h.change!}`;
      const gapLabel = h.position === 'first' ? t('lead') : t('gap');
      const easiest = h.race.easiest;
      const raceLine =
        esc(RACE[h.race.status][lang]) +
        (easiest
          ? lang === 'zh'
            ? `（最易：${ind(easiest.indicator)} 达到 ${num(easiest.requiredValue)}${unit(easiest.indicator)}，变动 ${pct(easiest.deltaPct)}；共${h.race.feasibleMoves}项可行）`
            : ` (easiest: ${ind(easiest.indicator)} to ${num(easiest.requiredValue)} ${unit(easiest.indicator)}, a ${pct(easiest.deltaPct)} move; ${h.race.feasibleMoves} feasible)`
          : '');
      return `<h3>${ent(h.entity)}</h3><div class="headline" data-entity="${esc(h.entity)}">
<div class="card"><div class="k">${t('rank')}</div><div class="v" data-role="headline-rank">${h.rank > 0 ? rankText(h.rank, h.tied) : t('unranked')}</div></div>
<div class="card"><div class="k">${t('change')}</div><div class="v">${esc(prev)}</div></div>
<div class="card"><div class="k">${gapLabel}${h.versus ? `（${ent(h.versus)}）` : ''}</div><div class="v" data-role="headline-gap" data-gap="${h.scoreGap}">${fmt(h.scoreGap)}</div></div>
<div class="card"><div class="k">${t('score')}</div><div class="v">${fmt(h.score)}</div></div>
</div><p class="race">${raceLine}</p>`;
    })
    .join('');
  const covered =
    b.kind === 'monthly' && b.periods.length > 1
      ? `${t('weeks')}: ${b.periods.map(esc).join(lang === 'zh' ? '、' : ', ')}`
      : '';
  out.push(
    `<header><h1>${schemeName} · ${esc(kindName)}</h1><div class="meta">${esc(b.period)}${covered ? ` · ${covered}` : ''}${
      b.compareTo ? ` · ${t('compared')} ${esc(b.compareTo)}` : ''
    } · ${esc(scheme.id)} v${esc(scheme.version)}</div></header>`,
  );
  section('headline', t('headline'), cards, true);

  // ── ranking ──
  const digits = scheme.composite.precision ?? 2;
  const rows = b.ranking
    .map(
      (r) =>
        `<tr data-entity="${esc(r.entity)}" data-rank="${r.rank}"${r.focus ? ' class="focus"' : ''}><td class="n">${r.rank}${
          r.tied ? ` <small>${t('tied')}</small>` : ''
        }</td><td>${r.focus ? '▶ ' : ''}${ent(r.entity)}</td><td class="n">${fmt(r.score, digits)}</td><td class="n">${arrow(r.change, r.previousRank)}</td></tr>`,
    )
    .join('');
  const unranked = b.unranked.length
    ? `<p class="note">${t('unranked')}: ${b.unranked.map((u) => `${ent(u.entity)}（${esc(u.reason)}）`).join('；')}</p>`
    : '';
  section(
    'ranking',
    `${t('ranking')} · ${b.periods.at(-1)}`,
    `<table data-role="ranking"><thead><tr><th class="n">${t('rank')}</th><th>${t('entity')}</th><th class="n">${t('score')}</th><th class="n">${t('change')}</th></tr></thead><tbody>${rows}</tbody></table>${unranked}`,
  );

  // ── gap waterfall ──
  const waterfalls = b.waterfalls
    .map((w) => {
      const labels = w.bars.map((bar) =>
        bar.indicator === null ? `${t('others')} (${bar.count})` : indName(bar.indicator),
      );
      const svg = waterfallSvg({
        labels,
        values: w.bars.map((bar) => bar.contribution),
        totalLabel: w.position === 'first' ? t('totalLead') : t('total'),
      });
      const title = `${ent(w.entity)} ${w.position === 'first' ? t('lead') : t('gap')}（${ent(w.versus)}）：${fmt(w.scoreGap)}`;
      return `<h3>${title}</h3>${chart(
        'waterfall',
        svg,
        { entity: w.entity, gap: w.scoreGap, values: JSON.stringify(w.bars.map((bar) => bar.contribution)) },
        esc(t('waterfall')),
      )}`;
    })
    .join('');
  section('gap', t('gap'), waterfalls || `<p>${t('none')}</p>`);

  // ── trajectories ──
  const trajectories = b.trajectories
    .map((tr) => {
      const svg = trajectorySvg({
        periods: tr.periods,
        depth: Math.max(...tr.ranked, 2),
        lines: tr.series.map((s) => ({
          name: s.scope === 'overall' ? t('overall') : displayName(topics.get(s.scope)?.name, lang, s.scope),
          ranks: s.ranks,
        })),
      });
      return `<h3>${ent(tr.entity)}</h3>${chart('trajectory', svg, { entity: tr.entity, periods: tr.periods.length, series: tr.series.length })}`;
    })
    .join('');
  section('trajectory', t('trajectory'), trajectories);

  // ── heat map ──
  const hm = b.heatmap;
  const heat = heatmapSvg({
    columns: hm.entities.map((id) => names.entity(id)[lang]),
    rows: hm.indicators.map(indName),
    ranks: hm.ranks,
    depth: Math.max(...hm.depth, 2),
    highlight: hm.entities.map((id, k) => (b.focus.includes(id) ? k : -1)).filter((k) => k >= 0),
  });
  section(
    'heatmap',
    t('heatmap'),
    chart(
      'heatmap',
      heat,
      {
        rows: hm.indicators.length,
        columns: hm.entities.length,
        cells: hm.indicators.length * hm.entities.length,
      },
      hm.limited ? `${esc(t('heatmapLimited'))} (${hm.entities.length}/${hm.totalEntities})` : '',
    ),
  );

  // ── 红榜 / 黑榜 ──
  const boardTable = (rowsOf: Bulletin['boards'][number]['red'], role: string) =>
    `<table data-role="${role}"><thead><tr><th>${t('indicator')}</th><th class="n">${t('value')}</th><th class="n">${t('rank')}</th><th class="n">${t('change')}</th></tr></thead><tbody>${rowsOf
      .map(
        (r) =>
          `<tr data-indicator="${esc(r.indicator)}" data-rank="${r.rank}"><td>${ind(r.indicator)}</td><td class="n">${num(r.value)} ${unit(r.indicator)}${
            r.carried ? ` <small>${t('carried')}</small>` : ''
          }</td><td class="n">${r.rank}${r.tied ? ` <small>${t('tied')}</small>` : ''}</td><td class="n">${arrow(
            r.previousRank === null ? null : r.previousRank - r.rank,
            r.previousRank,
          )}</td></tr>`,
      )
      .join('')}</tbody></table>`;
  section(
    'boards',
    t('boards'),
    b.boards
      .map(
        (bd) =>
          `<h3>${ent(bd.entity)}</h3><div class="two"><div><h3 class="up">${t('red')}</h3>${boardTable(bd.red, 'red-list')}</div><div><h3 class="down">${t('black')}</h3>${boardTable(bd.black, 'black-list')}</div></div>`,
      )
      .join(''),
  );

  // ── treatment: patterns, prescriptions, coaching ──
  const dir = (d: 'up' | 'down' | 'flat' | null) => (d === null ? t('noData') : t(d));
  const treatments = b.treatments
    .map((tr) => {
      const patterns = tr.patterns
        .map(
          (p) =>
            `<h3>${t('patterns')}：${esc(displayName(p.name, lang, p.id))} — <span class="${p.holds ? 'ok' : 'bad'}">${p.holds ? t('holds') : t('fails')}</span></h3><table data-role="pattern" data-pattern="${esc(p.id)}" data-holds="${p.holds}"><thead><tr><th>${t('indicator')}</th><th>${t('expected')}</th><th>${t('actual')}</th><th></th></tr></thead><tbody>${p.members
              .map(
                (m) =>
                  `<tr><td>${ind(m.indicator)}</td><td>${dir(m.expected)}</td><td>${dir(m.actual)}</td><td class="${m.ok ? 'ok' : 'bad'}">${m.ok ? '✓' : '✗'}</td></tr>`,
              )
              .join('')}</tbody></table>`,
        )
        .join('');
      const prescriptions = tr.prescriptions.length
        ? `<h3>${t('prescriptions')}</h3><table data-role="prescriptions"><thead><tr><th>${t('indicator')}</th><th class="n">${t('target')}</th><th class="n">${t('move')}</th><th>${t('passes')}</th><th class="n">${t('points')}</th><th class="n">${t('rankAfter')}</th><th>${t('owner')}</th></tr></thead><tbody>${tr.prescriptions
            .map(
              (p) =>
                `<tr><td>${ind(p.indicator)}${p.quickWin ? ` <small class="ok">${t('quick')}</small>` : ''}</td><td class="n">${num(p.requiredValue)} ${unit(p.indicator)}</td><td class="n">${pct(p.movePct)}</td><td>${ent(p.passes)}</td><td class="n">+${fmt(p.points, 3)}</td><td class="n">${p.rankAfter}</td><td>${dept(p.owner)}</td></tr>`,
            )
            .join('')}</tbody></table>`
        : '';
      const coaching = tr.coaching.length
        ? `<h3>${t('coaching')}</h3><table data-role="coaching"><thead><tr><th>${t('indicator')}</th><th>${t('owner')}</th><th>${t('leader')}</th><th>${t('learnFrom')}</th><th class="n">${t('theirValue')}</th></tr></thead><tbody>${tr.coaching
            .map(
              (cp) =>
                `<tr><td>${ind(cp.indicator)}</td><td>${cp.ownerName ? esc(displayName(cp.ownerName, lang)) : esc(cp.owner)}</td><td>${cp.leader ? esc(displayName(cp.leader, lang)) : '—'}</td><td>${ent(cp.learnFrom)}</td><td class="n">${num(cp.theirValue)} ${unit(cp.indicator)} (#${cp.theirRank})</td></tr>`,
            )
            .join('')}</tbody></table>`
        : '';
      return `<h3>${ent(tr.entity)}</h3>${patterns}${prescriptions}${coaching}`;
    })
    .join('');
  section('treatment', t('treatment'), treatments || `<p>${t('none')}</p>`);

  // ── alerts ──
  const slipRows = b.alerts.slips
    .map(
      (s) =>
        `<tr data-severity="${s.severity}"><td>${esc(s.toPeriod)}</td><td>${esc(SEVERITY_NAMES[s.severity][lang])}</td><td>${esc(slipMessage(s, names)[lang])}</td></tr>`,
    )
    .join('');
  const sent = b.alerts.sent
    ? b.alerts.sent.length
      ? `<ul data-role="alerts-sent">${b.alerts.sent
          .map(({ period, event }) => {
            const text =
              event.kind === 'slipped'
                ? slipMessage(event.slip, names)[lang]
                : event.kind === 'recovered'
                  ? recoveredMessage(event.slip, event.rank, names)[lang]
                  : reachedFirstMessage(event.transition, names)[lang];
            return `<li data-kind="${event.kind}">${esc(period)} ${esc(text)}</li>`;
          })
          .join('')}</ul>`
      : `<p>${t('none')}</p>`
    : `<p>${t('noneRecorded')}</p>`;
  const notifications = b.alerts.notifications
    ? b.alerts.notifications.length
      ? `<table data-role="notifications"><thead><tr><th>${t('status')}</th><th>${t('severity')}</th><th>${t('entity')}</th><th>${t('scope')}</th><th>${t('period')}</th><th>${t('acknowledgedBy')}</th><th>${t('level')}</th></tr></thead><tbody>${[
          ...b.alerts.notifications,
        ]
          .sort((x, y) => order(x.status) - order(y.status))
          .map(
            (n) =>
              `<tr data-status="${n.status}"><td>${esc(STATUS[n.status][lang])}</td><td>${esc(SEVERITY_NAMES[n.severity][lang])}</td><td>${ent(n.entity)}</td><td>${esc(scopeName(n.scope, names, lang))}${n.rules?.length ? ` <small>${esc(n.rules.join(', '))}</small>` : ''}</td><td>${esc(n.period ?? '')}</td><td>${n.acknowledged ? `${esc(n.acknowledged.by)} ${esc(n.acknowledged.at)}${n.acknowledged.note ? `：${esc(n.acknowledged.note)}` : ''}` : '—'}</td><td>${n.level === undefined ? '—' : esc(String(n.level))}</td></tr>`,
          )
          .join('')}</tbody></table>`
      : `<p>${t('none')}</p>`
    : `<p data-role="notifications-none">${t('noneRecorded')}</p>`;
  section(
    'alerts',
    t('alerts'),
    `<h3>${t('notifications')}</h3>${notifications}<h3>${t('sent')}</h3>${sent}<h3>${t('slips')}</h3>${
      slipRows
        ? `<table data-role="slips"><thead><tr><th>${t('period')}</th><th>${t('severity')}</th><th></th></tr></thead><tbody>${slipRows}</tbody></table>`
        : `<p>${t('none')}</p>`
    }`,
  );

  // ── robustness ──
  const r = b.robustness;
  if (r) {
    const shown = r.entities.filter((d) => b.heatmap.entities.includes(d.entity));
    const svg = robustnessSvg({
      entities: shown.map((d) => names.entity(d.entity)[lang]),
      intervals: shown.map((d) => [d.p05, d.median, d.p95, d.rank]),
      depth: r.entities.length,
      names: [t('interval'), t('median'), t('declared')],
    });
    const method =
      r.weights.distribution === 'uniform'
        ? lang === 'zh'
          ? `权重各乘以 U(${fmt(1 - r.weights.spread)}, ${fmt(1 + r.weights.spread)})`
          : `each weight × U(${fmt(1 - r.weights.spread)}, ${fmt(1 + r.weights.spread)})`
        : lang === 'zh'
          ? `各层权重份额取狄利克雷分布（集中度 ${r.weights.concentration}）`
          : `weight shares drawn from a Dirichlet (concentration ${r.weights.concentration})`;
    const alts = r.alternatives.length
      ? (lang === 'zh' ? '；备选标准化：' : '; alternative normalisations: ') +
        r.alternatives
          .map(
            (a) =>
              `${a.indicator ? indName(a.indicator) : lang === 'zh' ? '全部指标' : 'all indicators'} → ${a.method}`,
          )
          .join(lang === 'zh' ? '、' : ', ')
      : '';
    const table = `<table data-role="robustness"><thead><tr><th>${t('entity')}</th><th class="n">${t('declared')}</th><th class="n">${t('median')}</th><th class="n">${t('interval')}</th><th class="n">${t('pFirst')}</th></tr></thead><tbody>${r.entities
      .filter((d) => shown.includes(d) || d.pFirst > 0)
      .map(
        (d) =>
          `<tr data-entity="${esc(d.entity)}" data-p-first="${d.pFirst}"${b.focus.includes(d.entity) ? ' class="focus"' : ''}><td>${ent(d.entity)}</td><td class="n">${d.rank}</td><td class="n">${d.median}</td><td class="n">${d.p05}–${d.p95}</td><td class="n">${fmt(d.pFirst * 100, 1)}%</td></tr>`,
      )
      .join('')}</tbody></table>`;
    section(
      'robustness',
      t('robustness'),
      `${chart('robustness', svg, { draws: r.draws, seed: r.seed, 'p-first-sum': r.entities.reduce((a, d) => a + d.pFirst, 0) })}${table}<p class="note">${
        lang === 'zh'
          ? `蒙特卡洛 ${r.draws} 次，种子 ${r.seed}；${method}${alts}。`
          : `Monte Carlo, ${r.draws} draws, seed ${r.seed}; ${method}${alts}.`
      }</p>`,
    );
  }

  // ── sources ──
  const sources = `<p>${t('schemeVersion')}: <b>${esc(b.scheme.id)}</b> v${esc(b.scheme.version)}</p><table data-role="sources"><thead><tr><th>${t('period')}</th><th class="n">${t('seq')}</th><th>${t('recordedAt')}</th><th>${t('hash')}</th></tr></thead><tbody>${b.snapshots
    .map(
      (s) =>
        `<tr data-period="${esc(s.period)}"><td>${esc(s.period)}</td><td class="n">#${s.seq}</td><td>${esc(s.recordedAt)}</td><td class="hash">${s.hash ? esc(s.hash) : t('unknown')}${
          s.previousHash ? `<br>← ${esc(s.previousHash)}` : ''
        }</td></tr>`,
    )
    .join('')}</tbody></table>`;
  section('sources', t('sources'), sources);

  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="rankwatch-bulletin" content="${b.kind}" data-scheme="${esc(b.scheme.id)}" data-version="${esc(b.scheme.version)}" data-period="${esc(b.period)}">
<title>${schemeName} · ${esc(kindName)} · ${esc(b.period)}</title><style>${CSS}</style></head>
<body>${out.join('\n')}</body></html>
`;
}

function order(status: NotificationRecord['status']): number {
  return ['escalated', 'open', 'acknowledged', 'silenced', 'resolved'].indexOf(status);
}

function scopeName(scope: string | undefined, names: ReturnType<typeof schemeNames>, lang: Lang): string {
  if (!scope || scope === 'overall') return lang === 'zh' ? '总排名' : 'overall';
  const id = scope.startsWith('indicator:') ? scope.slice('indicator:'.length) : scope;
  return names.indicator(id)[lang];
}
