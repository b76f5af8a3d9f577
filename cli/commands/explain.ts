// `rankwatch explain`: how one entity's stored rank and score came about — inputs with the department, event and
// time that set them and the values they superseded, each normalisation with its parameters, the weight tree's
// aggregation, the composite and the tie rule — through the query API's explain route (the period's hash chain
// verified there first; a chain that does not verify is refused, exit 3). Every number printed is at full
// precision and every formula line can be recomputed by hand from what the lines above it print.
import type { Explanation, IndicatorExplanation, NodeExplanation } from '../../domain/explain.ts';
import { displayName, type LocalisedName } from '../../domain/scheme.ts';
import type { ExplainAnswer } from '../../functions/shared/explain.ts';
import { resolveTarget, schemeOf, type TargetOptions } from '../engine-client.ts';
import { type CommandIo, UsageError } from '../io.ts';

export const explainUsage =
  'rankwatch explain --period P --entity E [--indicator I] [--as-of T] [--lang zh|en] [--format text|json] [--scheme ID] [--aws --table T]';

export interface ExplainOptions extends TargetOptions {
  scheme?: string;
  period?: string;
  entity?: string;
  indicator?: string;
  'as-of'?: string;
  lang?: string;
  format?: string;
}

function failure(status: number, body: string): string {
  try {
    const j = JSON.parse(body) as { message?: { zh?: string; en?: string }; field?: string };
    const m = j.message ? `${j.message.zh} / ${j.message.en}` : body;
    return `溯源失败 / explain failed (${status}): ${j.field ? `${j.field}: ` : ''}${m}`;
  } catch {
    return `溯源失败 / explain failed (${status}): ${body}`;
  }
}

export async function explainCommand(opts: ExplainOptions, io: CommandIo): Promise<number> {
  const format = opts.format ?? 'text';
  if (format !== 'text' && format !== 'json')
    throw new UsageError(`--format must be text or json (got "${format}")`, explainUsage);
  if (opts.lang !== undefined && opts.lang !== 'zh' && opts.lang !== 'en')
    throw new UsageError(`--lang must be zh or en (got "${opts.lang}")`, explainUsage);
  if (!opts.period) throw new UsageError('--period P is required', explainUsage);
  if (!opts.entity) throw new UsageError('--entity E is required', explainUsage);
  const target = await resolveTarget(opts);
  const scheme = schemeOf(opts, target, explainUsage);
  const answer = await target.query(
    'explain',
    { scheme, period: opts.period, entity: opts.entity },
    { indicator: opts.indicator, asOf: opts['as-of'] },
  );
  if (answer.statusCode !== 200) {
    io.stderr(`rankwatch: ${failure(answer.statusCode, answer.body)}\n`);
    // 3, as verify: the stored data no longer agrees with its hash chain.
    return answer.statusCode === 409 ? 3 : 1;
  }
  const explained = answer.json() as ExplainAnswer;
  io.stdout(
    format === 'json'
      ? `${JSON.stringify(explained, null, 2)}\n`
      : explanationText(explained, opts.lang as 'zh' | 'en' | undefined),
  );
  return 0;
}

// ── text ───────────────────────────────────────────────────────────────────────────────────────────────

/**
 * The explanation as text: Chinese and English (Chinese first), or one of them with `lang`. Numbers are printed
 * in full (JavaScript's shortest round-trip form) and each formula line reads `s = <formula> = <numbers> =
 * <result>`, the numbers part plain arithmetic (+ - × / ^, ln, exp, min, max) over what is printed.
 */
export function explanationText(x: ExplainAnswer | Explanation, lang?: 'zh' | 'en'): string {
  const t = (zh: string, en: string) => (lang === 'zh' ? zh : lang === 'en' ? en : `${zh} / ${en}`);
  const name = (n: LocalisedName | null | undefined, fallback: string) =>
    lang === 'en'
      ? displayName(n ?? undefined, 'en', fallback)
      : lang === 'zh'
        ? displayName(n ?? undefined, 'zh', fallback)
        : [n?.zh, n?.en].filter(Boolean).join(' ') || fallback;
  const lines: string[] = [];
  const a = x as Partial<ExplainAnswer>;
  lines.push(
    `${t('溯源', 'Explanation')}: ${x.scheme.id} v${x.scheme.version} · ${x.period} #${x.seq} (${x.recordedAt}) · ${x.entity.id} ${name(x.entity.name, '')}`.trimEnd(),
  );
  if (a.hash) lines.push(`${t('快照哈希', 'snapshot hash')}: ${a.hash}`);
  if (a.verified)
    lines.push(
      `${t('哈希链已校验', 'hash chain verified')}: ${a.verified.snapshots} ${t('个快照', 'snapshot(s)')}, ${t('链头', 'head')} ${a.verified.chainHead ?? '—'}`,
    );
  lines.push(
    `${t('缺失值规则', 'missing values')}: carryForward ${x.missingPolicy.carryForward}, otherwise ${x.missingPolicy.otherwise}`,
  );

  lines.push(
    '',
    t('一、输入（数据来源与被取代的值）', '1. Inputs (where each value came from, and what it replaced)'),
  );
  for (const ind of x.indicators) lines.push(...inputLines(ind, t, name));
  lines.push(
    `  ${t(
      '注：同一批次内先到后被取代、未被任何快照记录的上报不在哈希链中，只在事件归档中',
      'note: a report superseded inside the same batch before any snapshot recorded it is not in the chain, only in the event archive',
    )}`,
  );

  lines.push('', t('二、标准化', '2. Normalisation'));
  for (const ind of x.indicators) lines.push(...normalisationLines(ind, x, t));

  lines.push(
    '',
    t(
      '三、加权汇总（权重在存在的子项上重新归一；无子项的节点视为缺失）',
      '3. Aggregation (weights renormalised over the present children; a node with none is missing)',
    ),
  );
  for (const node of x.nodes) lines.push(...nodeLines(node, t, name));

  lines.push('', t('四、综合得分', '4. Composite'));
  const c = x.composite;
  lines.push(`  raw = ${show(c.raw)}`);
  if (c.rescale && c.raw !== null) {
    const { min, max } = c.rescale;
    lines.push(
      `  rescale minmax (${t('最低', 'min')} ${c.rescale.minEntities.join(',')}, ${t('最高', 'max')} ${c.rescale.maxEntities.join(',')}): s = (raw - min)/(max - min) = ${
        max === min ? '1' : `(${num(c.raw)} - ${num(min)})/(${num(max)} - ${num(min)})`
      } = ${show(c.score)}`,
    );
  }
  lines.push(`  ${t('存储的综合得分', 'stored composite')} = ${show(c.score)}`);

  lines.push('', t('五、排名与并列', '5. Rank and ties'));
  const r = x.ranking;
  if (r.unranked !== null || r.rank === null)
    lines.push(`  ${t('未排名', 'unranked')}: ${r.unranked ?? '—'}`);
  else {
    lines.push(
      `  ${t('比较值', 'comparison key')}: ${
        c.precision === null
          ? `${show(c.score)} (${t('全精度', 'full precision')})`
          : `round(${show(c.score)}, ${c.precision}) = ${show(c.key)}`
      }`,
      `  ${t(
        '标准竞争排名（1224）：名次 = 1 + 比较值严格更高的单位数',
        'standard competition ranking (1224): rank = 1 + entities with a strictly higher key',
      )} = 1 + ${r.better} = ${r.rank} (${t(`共 ${r.ranked} 个排名单位`, `of ${r.ranked} ranked`)})`,
      r.tied
        ? `  ${t('并列', 'tied')}: ${r.tiedWith.map((w) => `${w.entity} (${show(w.score)})`).join(', ')} ${t('——并列者同名次，下一名次跳过', '— tied entities share the rank, the next rank is skipped')}`
        : `  ${t('无并列', 'not tied')}`,
    );
  }

  const bad = x.checks.filter((k) => !k.ok);
  lines.push(
    '',
    bad.length === 0
      ? t(
          `核对：${x.checks.length} 个存储数值均由引擎函数从存储的输入重新得出`,
          `checks: all ${x.checks.length} stored numbers re-derived from the stored inputs by the engine's functions`,
        )
      : `${t('核对不一致', 'checks FAILED')}: ${bad.map((k) => `${k.what} stored ${show(k.stored)} ≠ ${show(k.derived)}`).join('; ')}`,
  );
  return `${lines.join('\n')}\n`;
}

type T = (zh: string, en: string) => string;
type Name = (n: LocalisedName | null | undefined, fallback: string) => string;

/** A number in full; negative ones parenthesised so a formula stays plain arithmetic. */
const num = (v: number) => (v < 0 ? `(${v})` : String(v));
const show = (v: number | null | undefined) => (v === null || v === undefined ? '—' : String(v));

function origin(
  t: T,
  v: { eventId: string; observedAt: string | null; source: string | null },
  seqs?: { firstSeq: number; lastSeq: number },
): string {
  const held = seqs
    ? ` · ${t('快照', 'snapshot')} #${seqs.firstSeq}${seqs.lastSeq > seqs.firstSeq ? `–#${seqs.lastSeq}` : ''}`
    : '';
  return `${t('事件', 'event')} ${v.eventId || '—'} · observedAt ${v.observedAt ?? '—'} · ${t('来源', 'source')} ${v.source ?? '—'}${held}`;
}

function inputLines(ind: IndicatorExplanation, t: T, name: Name): string[] {
  const head = `  ${ind.id} ${name(ind.name, '')}`.trimEnd();
  const out: string[] = [];
  if (ind.value === null) out.push(`${head}: ${t('缺失', 'missing')}`);
  else if (ind.carried)
    out.push(
      `${head} = ${ind.value} ${ind.unit} (${t(`沿用 ${ind.carriedFrom?.period ?? '?'} 的值`, `carried from ${ind.carriedFrom?.period ?? '?'}`)})${
        ind.carriedFrom ? ` ← ${origin(t, ind.carriedFrom)}` : ''
      }`,
    );
  else out.push(`${head} = ${ind.value} ${ind.unit} ← ${ind.input ? origin(t, ind.input, ind.input) : '—'}`);
  for (const s of ind.superseded)
    out.push(`      ${t('取代', 'superseded')}: ${s.value} ← ${origin(t, s, s)}`);
  return out;
}

function normalisationLines(ind: IndicatorExplanation, x: Explanation, t: T): string[] {
  const p = ind.normalise;
  const head = `  ${ind.id} [${ind.direction === 'higher' ? t('越高越好', 'higher is better') : t('越低越好', 'lower is better')}]`;
  if (ind.value === null || p === null)
    return [
      x.missingPolicy.otherwise === 'zero' && ind.score !== null
        ? `${head} ${t('缺失', 'missing')} (otherwise: zero): s = 0 = ${show(ind.score)}`
        : `${head}: ${t('缺失，不计分', 'missing, not scored')}`,
    ];
  const v = ind.value;
  const s = show(ind.score);
  const rank =
    ind.rank === null
      ? ''
      : ` · ${t('指标名次', 'indicator rank')} ${ind.rank}${ind.tied ? ` ${t('并列', 'tied with')} ${ind.tiedWith.join(',')}` : ''}`;
  switch (p.method) {
    case 'goalpost': {
      if (p.transform === 'log') {
        const o = num(p.offset);
        return [
          `${head} goalpost log best=${p.best} worst=${p.worst} offset=${p.offset}: s = min(100, max(0, (ln(x + offset) - ln(worst + offset))/(ln(best + offset) - ln(worst + offset))×100)) = min(100, max(0, (ln(${num(v)} + ${o}) - ln(${num(p.worst)} + ${o}))/(ln(${num(p.best)} + ${o}) - ln(${num(p.worst)} + ${o}))×100)) = ${s}${rank}`,
        ];
      }
      return [
        `${head} goalpost best=${p.best} worst=${p.worst}: s = min(100, max(0, (x - worst)/(best - worst)×100)) = min(100, max(0, (${num(v)} - ${num(p.worst)})/(${num(p.best)} - ${num(p.worst)})×100)) = ${s}${rank}`,
      ];
    }
    case 'minmax': {
      const who = `${t('最低', 'min')} ${p.minEntities.join(',')}, ${t('最高', 'max')} ${p.maxEntities.join(',')}, n=${p.count}`;
      if (p.max === p.min)
        return [
          `${head} minmax min=max=${p.min} (${who}): s = 100 ${t('（全部相等）', '(all equal)')} = ${s}${rank}`,
        ];
      return [
        ind.direction === 'higher'
          ? `${head} minmax min=${p.min} max=${p.max} (${who}): s = (x - min)/(max - min)×100 = (${num(v)} - ${num(p.min)})/(${num(p.max)} - ${num(p.min)})×100 = ${s}${rank}`
          : `${head} minmax min=${p.min} max=${p.max} (${who}): s = (max - x)/(max - min)×100 = (${num(p.max)} - ${num(v)})/(${num(p.max)} - ${num(p.min)})×100 = ${s}${rank}`,
      ];
    }
    case 'zscore': {
      const d = ind.direction === 'higher' ? 1 : -1;
      if (p.sd === 0) return [`${head} zscore mean=${p.mean} sd=0 n=${p.count}: s = 50 = ${s}${rank}`];
      return [
        `${head} zscore mean=${p.mean} sd=${p.sd} n=${p.count} (${t('总体标准差', 'population σ')}): s = 50 + 10×d×(x - mean)/sd = 50 + 10×${num(d)}×(${num(v)} - ${num(p.mean)})/${num(p.sd)} = ${s}${rank}`,
      ];
    }
    case 'rank': {
      const by =
        ind.precision === null
          ? t('按全精度比较', 'values compared at full precision')
          : t(`按 ${ind.precision} 位小数比较`, `values rounded to ${ind.precision} decimals`);
      if (p.points)
        return [
          `${head} rank r=${p.rank} n=${p.count} (${by}) points=[${p.points.join(', ')}]: s = points[r - 1] = ${p.points[p.rank - 1] ?? 0} = ${s}${rank}`,
        ];
      if (p.count === 1) return [`${head} rank r=1 n=1: s = 100 = ${s}${rank}`];
      return [
        `${head} rank r=${p.rank} n=${p.count} (${by}): s = 100×(n - r)/(n - 1) = 100×(${p.count} - ${p.rank})/(${p.count} - 1) = ${s}${rank}`,
      ];
    }
    case 'none':
      return [`${head} none: s = x = ${num(v)} = ${s}${rank}`];
  }
}

function nodeLines(node: NodeExplanation, t: T, name: Name): string[] {
  const label =
    node.id === '' ? t('综合（根）', 'composite (root)') : `${node.id} ${name(node.name, '')}`.trimEnd();
  const kind =
    node.aggregate === 'arithmetic'
      ? t('算术加权平均', 'arithmetic')
      : `${t('几何加权平均', 'geometric')}${node.floor === null ? '' : `, floor ${node.floor}`}`;
  const present = node.children.filter((ch) => ch.value !== null);
  const out: string[] = [];
  if (present.length === 0)
    out.push(`  ${label} (${kind}): ${t('无子项，缺失', 'no child present: missing')}`);
  else if (node.aggregate === 'arithmetic') {
    const terms = present.map((ch) => `${num(ch.weight)}×${num(ch.value!)}`).join(' + ');
    const weights = present.map((ch) => num(ch.weight)).join(' + ');
    out.push(`  ${label} (${kind}): s = Σ w×s / Σ w = (${terms})/(${weights}) = ${show(node.value)}`);
  } else {
    const lifted = present.map((ch) =>
      node.floor !== null && ch.value! < node.floor ? node.floor : ch.value!,
    );
    const formula = lifted.some((v) => v <= 0)
      ? `0 ${t('（有子项 ≤ 0）', '(a child ≤ 0)')}`
      : present
          .map((ch, i) => `${num(lifted[i]!)}^(${num(ch.weight)}/${num(node.presentWeight)})`)
          .join(' × ');
    out.push(`  ${label} (${kind}): s = Π max(s, floor)^(w/Σ w) = ${formula} = ${show(node.value)}`);
  }
  if (node.value === null && present.length > 0)
    out.push(
      `    ${t('按缺失值规则不计分（未排名）', 'not scored under the missing-value rule (unranked)')}`,
    );
  for (const ch of node.children)
    out.push(
      ch.value === null
        ? `    · ${ch.id} w=${ch.weight} s=${t('缺失，不计入', 'missing, left out')}`
        : `    · ${ch.id} w=${ch.weight} s=${ch.value} ${t('权重占比', 'share')}=${ch.share}`,
    );
  return out;
}
