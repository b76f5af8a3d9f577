// The leader's report of an assessment series: overall ranking with 并列 and arrows, the focus entity's gap
// to first with the top prescriptions and coaching pairs, and the slip alerts — Chinese by default.
import type { PeriodAssessment, SeriesAssessment } from '../domain/assessment.ts';
import {
  CLASS_NAMES,
  type Lang,
  reachedFirstMessage,
  recoveredMessage,
  schemeNames,
  slipMessage,
} from '../domain/messages.ts';
import { displayName, type Scheme } from '../domain/scheme.ts';
import { fmt, fmtValue, table } from './text.ts';

const T = {
  title: { zh: '考核结果', en: 'Assessment' },
  overall: { zh: '总排名', en: 'Overall ranking' },
  rank: { zh: '名次', en: 'Rank' },
  entity: { zh: '市州', en: 'Entity' },
  score: { zh: '得分', en: 'Score' },
  change: { zh: '较上期', en: 'vs prev.' },
  tied: { zh: '并列', en: 'tied' },
  unranked: { zh: '未排名', en: 'Unranked' },
  gap: { zh: '与第一名差距', en: 'Gap to first' },
  lead: { zh: '领先第二名', en: 'Lead over second' },
  biggest: { zh: '差距主要来自（各指标贡献，分）', en: 'Where the gap comes from (points per indicator)' },
  prescriptions: {
    zh: '精准治疗处方（按每1%努力可得分排序）',
    en: 'Prescriptions (points per 1% of effort)',
  },
  quick: { zh: '快速见效', en: 'quick win' },
  toFirst: { zh: '单项追至第一所需', en: 'Single-indicator move to reach first' },
  coaching: { zh: '一对一辅导', en: 'Coaching pairs' },
  slips: { zh: '排名预警', en: 'Ranking alerts' },
  none: { zh: '无', en: 'none' },
  patterns: { zh: '方向模式', en: 'Direction patterns' },
  holds: { zh: '成立', en: 'holds' },
  fails: { zh: '不成立', en: 'does not hold' },
  history: { zh: '各期预警', en: 'Alerts by period' },
} as const;

/** A move in % with one decimal; moves too small to show as 0.1% read "<0.1" rather than "0.0". */
function pct(x: number | null | undefined): string {
  return x !== null && x !== undefined && x > 0 && x < 0.05 ? '<0.1' : fmt(x, 1);
}

function arrow(now: number, before: number | undefined): string {
  if (before === undefined || before === 0) return 'new';
  if (now < before) return `↑${before - now}`;
  if (now > before) return `↓${now - before}`;
  return '→';
}

export function renderPeriod(
  scheme: Scheme,
  a: PeriodAssessment,
  prev: PeriodAssessment | undefined,
  lang: Lang,
  /** `alerts`: the period's alert lines as received (the local engine reads them from the leaders' topic). */
  options: { alerts?: string[] } = {},
): string {
  const names = schemeNames(scheme);
  const t = (k: keyof typeof T) => T[k][lang];
  const ent = (id: string) => names.entity(id)[lang];
  const ind = (id: string) => names.indicator(id)[lang];
  const out: string[] = [];
  out.push(
    `${displayName(scheme.name, lang, scheme.id)} · ${a.period} · ${t('title')} (${scheme.id} ${scheme.version})`,
  );
  out.push('');
  out.push(`${t('overall')}`);
  const prevRank = new Map(prev?.overall.map((r) => [r.entity, r.rank]));
  const digits = scheme.composite.precision ?? 2;
  out.push(
    table(
      [t('rank'), t('entity'), t('score'), t('change')],
      a.overall.map((r) => [
        `${r.rank}${r.tied ? ` (${t('tied')})` : ''}`,
        (scheme.focus.includes(r.entity) ? '▶ ' : '  ') + ent(r.entity),
        fmt(r.score, digits),
        arrow(r.rank, prevRank.get(r.entity)),
      ]),
      [2],
    ),
  );
  if (a.unranked.length) {
    out.push(`${t('unranked')}: ${a.unranked.map((u) => `${ent(u.entity)} (${u.reason})`).join('; ')}`);
  }
  for (const [focus, g] of Object.entries(a.gap)) {
    out.push('');
    if (g.position === 'unranked') continue;
    const who = ent(focus);
    if (g.position === 'first')
      out.push(
        `${who} — ${lang === 'zh' ? '第1名' : 'rank 1'}; ${t('lead')} ${g.versus ? ent(g.versus) : ''}: ${fmt(g.scoreGap)}`,
      );
    else
      out.push(
        `${who} — ${lang === 'zh' ? `第${g.rank}名` : `rank ${g.rank}`}; ${t('gap')} (${g.versus ? ent(g.versus) : ''}): ${fmt(g.scoreGap)}`,
      );
    const top = Object.entries(g.contributions)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 5);
    out.push(
      `  ${t('biggest')}: ${top.map(([id, v]) => `${ind(id)} ${v >= 0 ? '+' : ''}${fmt(v)}`).join(lang === 'zh' ? '，' : ', ')}`,
    );
    const feasible = Object.entries(g.toFirst)
      .filter(([, s]) => s.feasible && s.delta !== 0)
      .sort((x, y) => (x[1].deltaPct ?? Infinity) - (y[1].deltaPct ?? Infinity))
      .slice(0, 3);
    if (g.position === 'behind' && feasible.length)
      out.push(
        `  ${t('toFirst')}: ${feasible
          .map(
            ([id, s]) =>
              `${ind(id)} → ${fmtValue(s.requiredValue)} (${s.delta! > 0 ? '+' : ''}${fmtValue(s.delta)}, ${pct(s.deltaPct)}%)`,
          )
          .join(lang === 'zh' ? '；' : '; ')}`,
      );
    const d = a.diagnosis[focus];
    if (d) {
      out.push(`  ${t('prescriptions')}:`);
      d.prescriptions.slice(0, 5).forEach((p, i) => {
        const cls = d.indicators[p.indicator]?.class;
        out.push(
          `   ${i + 1}. ${ind(p.indicator)} ${fmtValue(d.indicators[p.indicator]?.value)} → ${fmtValue(p.requiredValue)} ` +
            `(${pct(p.movePct)}%, ${lang === 'zh' ? '追平' : 'reach'} ${ent(p.passes)}) +${fmt(p.points, 3)} ` +
            `${lang === 'zh' ? '分' : 'pts'}${p.quickWin ? ` [${t('quick')}]` : ''}${cls ? ` · ${CLASS_NAMES[cls][lang]}` : ''}`,
        );
      });
      if (d.coaching.length) {
        out.push(`  ${t('coaching')}:`);
        for (const cp of d.coaching.slice(0, 6)) {
          const owner = cp.ownerName ? displayName(cp.ownerName, lang) : cp.owner;
          const leader = cp.leader ? ` / ${displayName(cp.leader, lang)}` : '';
          out.push(
            `   · ${ind(cp.indicator)}: ${owner}${leader} ⇄ ${ent(cp.learnFrom)} (${fmtValue(cp.theirValue)}, #${cp.theirRank})`,
          );
        }
      }
      for (const p of d.patterns) {
        const marks = p.members.map(
          (mm) =>
            `${ind(mm.indicator)}${mm.actual === 'up' ? '↑' : mm.actual === 'down' ? '↓' : '·'}${mm.ok ? '✓' : '✗'}`,
        );
        out.push(
          `  ${t('patterns')} ${displayName(p.name, lang, p.id)}: ${p.holds ? t('holds') : t('fails')} (${marks.join(' ')})`,
        );
      }
    }
  }
  out.push('');
  out.push(`${t('slips')} (${a.period}):`);
  const lines = options.alerts ?? alertLines(scheme, a, lang);
  out.push(...(lines.length ? lines.map((l) => `  ${l}`) : [`  ${t('none')}`]));
  return out.join('\n');
}

export function alertLines(scheme: Scheme, a: PeriodAssessment, lang: Lang): string[] {
  const names = schemeNames(scheme);
  return a.alerts.map((ev) => {
    if (ev.kind === 'slipped') return slipMessage(ev.slip, names)[lang];
    if (ev.kind === 'recovered') return recoveredMessage(ev.slip, ev.rank, names)[lang];
    return reachedFirstMessage(ev.transition, names)[lang];
  });
}

/** The full report: the latest period in detail, then the alerts of every period. */
export function renderSeries(scheme: Scheme, series: SeriesAssessment, lang: Lang): string {
  const ps = series.periods;
  const last = ps[ps.length - 1];
  if (!last) return lang === 'zh' ? '没有观测数据' : 'no observations';
  const out = [renderPeriod(scheme, last, ps[ps.length - 2], lang), ''];
  out.push(`${T.history[lang]}:`);
  for (const p of ps) {
    const lines = alertLines(scheme, p, lang);
    if (lines.length) out.push(`  ${p.period}: ${lines.length}`, ...lines.map((l) => `    ${l}`));
  }
  return out.join('\n');
}
