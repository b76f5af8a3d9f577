// Bilingual (Chinese first) wording of slips, rules and classes, shared by the CLI, alerts and bulletins.
import type { Slip, SlipRule } from './slips.ts';

export type Lang = 'zh' | 'en';

export const RULE_NAMES: Record<SlipRule, { zh: string; en: string }> = {
  rankDrop: { zh: '排名下降', en: 'rank drop' },
  lostFirst: { zh: '失去第一', en: 'lost first place' },
  leftTopN: { zh: '跌出前列', en: 'left the top group' },
  belowAverage: { zh: '低于平均', en: 'fell below average' },
  consecutiveDeclines: { zh: '连续下滑', en: 'consecutive declines' },
  marginErosion: { zh: '优势收窄/差距扩大', en: 'margin erosion' },
};

export const SEVERITY_NAMES = {
  critical: { zh: '严重', en: 'critical' },
  warning: { zh: '警告', en: 'warning' },
  info: { zh: '提示', en: 'info' },
} as const;

export const CLASS_NAMES = {
  strength: { zh: '优势', en: 'strength' },
  weakness: { zh: '短板', en: 'weakness' },
  declining: { zh: '下滑', en: 'declining' },
  critical: { zh: '危险', en: 'critical' },
  middle: { zh: '居中', en: 'middle' },
} as const;

export interface Names {
  entity(id: string): { zh: string; en: string };
  indicator(id: string): { zh: string; en: string };
}

/** One-line slip message in both languages, e.g. "兰州市 总排名 由第1名降至第3名（排名下降）". */
export function slipMessage(slip: Slip, names: Names): { zh: string; en: string } {
  const ent = names.entity(slip.entity);
  const scopeZh = slip.scope === 'overall' ? '总排名' : `「${names.indicator(slip.indicator!).zh}」排名`;
  const scopeEn =
    slip.scope === 'overall' ? 'overall rank' : `rank on “${names.indicator(slip.indicator!).en}”`;
  const rule = RULE_NAMES[slip.rule];
  const sev = SEVERITY_NAMES[slip.severity];
  const when =
    slip.comparison === 'provisional'
      ? { zh: '（本期数据更新）', en: ' (provisional, same period)' }
      : { zh: '', en: '' };
  if (slip.rule === 'marginErosion') {
    // The rank may not move at all: say what did — the lead shrank or the gap to first grew.
    const pts = (x: number) => Math.abs(x).toFixed(2);
    const change =
      slip.fromMargin >= 0 && slip.toMargin >= 0
        ? {
            zh: `领先第二名优势由${pts(slip.fromMargin)}分收窄至${pts(slip.toMargin)}分`,
            en: `lead over second shrank from ${pts(slip.fromMargin)} to ${pts(slip.toMargin)} points`,
          }
        : slip.fromMargin >= 0
          ? {
              zh: `由领先${pts(slip.fromMargin)}分变为落后第一名${pts(slip.toMargin)}分`,
              en: `went from leading by ${pts(slip.fromMargin)} to trailing first by ${pts(slip.toMargin)} points`,
            }
          : {
              zh: `与第一名差距由${pts(slip.fromMargin)}分扩大至${pts(slip.toMargin)}分`,
              en: `gap to first grew from ${pts(slip.fromMargin)} to ${pts(slip.toMargin)} points`,
            };
    const scope =
      slip.scope === 'overall'
        ? { zh: '总分', en: 'overall' }
        : {
            zh: `「${names.indicator(slip.indicator!).zh}」`,
            en: `on “${names.indicator(slip.indicator!).en}”`,
          };
    return {
      zh: `【${sev.zh}】${ent.zh} ${slip.toPeriod} ${scope.zh}${change.zh}（第${slip.toRank}名，${rule.zh}）${when.zh}`,
      en: `[${sev.en}] ${ent.en} ${slip.toPeriod} ${scope.en}: ${change.en} (rank ${slip.toRank}, ${rule.en})${when.en}`,
    };
  }
  return {
    zh: `【${sev.zh}】${ent.zh} ${slip.toPeriod} ${scopeZh}由第${slip.fromRank}名变为第${slip.toRank}名（${rule.zh}）${when.zh}`,
    en: `[${sev.en}] ${ent.en} ${slip.toPeriod} ${scopeEn} went from ${slip.fromRank} to ${slip.toRank} (${rule.en})${when.en}`,
  };
}

export function recoveredMessage(slip: Slip, rank: number, names: Names): { zh: string; en: string } {
  const ent = names.entity(slip.entity);
  const scopeZh = slip.scope === 'overall' ? '总排名' : `「${names.indicator(slip.indicator!).zh}」排名`;
  const scopeEn =
    slip.scope === 'overall' ? 'overall rank' : `rank on “${names.indicator(slip.indicator!).en}”`;
  return {
    zh: `【已恢复】${ent.zh} ${scopeZh}回到第${rank}名（${RULE_NAMES[slip.rule].zh}已解除）`,
    en: `[recovered] ${ent.en} ${scopeEn} is back at ${rank} (${RULE_NAMES[slip.rule].en} cleared)`,
  };
}

export function reachedFirstMessage(
  t: { entity: string; scope: 'overall' | 'indicator'; indicator?: string; fromRank: number; period: string },
  names: Names,
): { zh: string; en: string } {
  const ent = names.entity(t.entity);
  const scopeZh = t.scope === 'overall' ? '总排名' : `「${names.indicator(t.indicator!).zh}」`;
  const scopeEn = t.scope === 'overall' ? 'overall' : `on “${names.indicator(t.indicator!).en}”`;
  return {
    zh: `【登顶】${ent.zh} ${t.period} ${scopeZh}由第${t.fromRank}名升至第1名`,
    en: `[first place] ${ent.en} ${t.period} reached first ${scopeEn} (was ${t.fromRank})`,
  };
}

/**
 * ASCII double quotes in names become typographic ones: alert texts travel inside EventBridge input
 * templates, where a raw `"` in a value breaks the quoted text the leaders receive.
 */
export function typographic(name: string): string {
  return name.replace(/"([^"]*)"/g, '“$1”').replace(/"/g, '”');
}

/** Name lookups for a scheme, each name in both languages (falling back to the other, then the id). */
export function schemeNames(scheme: {
  entities: { id: string; name: { zh?: string; en?: string } }[];
  indicators: { id: string; name: { zh?: string; en?: string } }[];
}): Names {
  const both = (id: string, n?: { zh?: string; en?: string }) => ({
    zh: typographic(n?.zh ?? n?.en ?? id),
    en: typographic(n?.en ?? n?.zh ?? id),
  });
  const ent = new Map(scheme.entities.map((e) => [e.id, e.name]));
  const ind = new Map(scheme.indicators.map((i) => [i.id, i.name]));
  return { entity: (id) => both(id, ent.get(id)), indicator: (id) => both(id, ind.get(id)) };
}
