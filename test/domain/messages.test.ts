import { describe, expect, it } from 'vitest';
import { escalationMessage } from '../../domain/alert-messages.ts';
import { reachedFirstMessage, recoveredMessage, schemeNames, slipMessage } from '../../domain/messages.ts';
import type { Slip } from '../../domain/slips.ts';

const names = schemeNames({
  entities: [
    { id: 'lz', name: { zh: '兰州市', en: 'Lanzhou' } },
    { id: 'tj', name: { zh: '天水市' } },
  ],
  indicators: [{ id: 'rate', name: { zh: '接通率', en: 'Answer rate' } }],
});

const slip: Slip = {
  key: 'k',
  entity: 'lz',
  scope: 'overall',
  rule: 'rankDrop',
  severity: 'critical',
  for: 1,
  comparison: 'period',
  fromPeriod: '2026-01',
  toPeriod: '2026-02',
  fromRank: 1,
  toRank: 3,
  fromMargin: 0,
  toMargin: 0,
  score: 0,
  mean: 0,
};

describe('bilingual messages', () => {
  it('words an overall slip in Chinese and English', () => {
    expect(slipMessage(slip, names)).toEqual({
      zh: '【严重】兰州市 2026-02 总排名由第1名变为第3名（排名下降）',
      en: '[critical] Lanzhou 2026-02 overall rank went from 1 to 3 (rank drop)',
    });
  });

  it('names the indicator and marks a provisional comparison', () => {
    const m = slipMessage(
      { ...slip, scope: 'indicator', indicator: 'rate', comparison: 'provisional', severity: 'info' },
      names,
    );
    expect(m.zh).toBe('【提示】兰州市 2026-02 「接通率」排名由第1名变为第3名（排名下降）（本期数据更新）');
    expect(m.en).toBe(
      '[info] Lanzhou 2026-02 rank on “Answer rate” went from 1 to 3 (rank drop) (provisional, same period)',
    );
  });

  it('words recovery and reaching first', () => {
    expect(recoveredMessage(slip, 1, names).zh).toBe('【已恢复】兰州市 总排名回到第1名（排名下降已解除）');
    expect(
      reachedFirstMessage({ entity: 'lz', scope: 'overall', fromRank: 2, period: '2026-03' }, names).en,
    ).toBe('[first place] Lanzhou 2026-03 reached first overall (was 2)');
  });

  it('falls back to the other language, then to the id', () => {
    expect(names.entity('tj')).toEqual({ zh: '天水市', en: '天水市' });
    expect(names.entity('zz')).toEqual({ zh: 'zz', en: 'zz' });
  });
});

describe('margin erosion messages', () => {
  const erosion = (fromMargin: number, toMargin: number): Slip => ({
    ...slip,
    rule: 'marginErosion',
    severity: 'info',
    fromRank: 3,
    toRank: 3,
    fromMargin,
    toMargin,
  });

  it('says the gap to first grew when the rank did not move', () => {
    expect(slipMessage(erosion(-1.79, -2.58), names)).toEqual({
      zh: '【提示】兰州市 2026-02 总分与第一名差距由1.79分扩大至2.58分（第3名，优势收窄/差距扩大）',
      en: '[info] Lanzhou 2026-02 overall: gap to first grew from 1.79 to 2.58 points (rank 3, margin erosion)',
    });
  });

  it('says the lead shrank while still first', () => {
    expect(slipMessage({ ...erosion(2, 0.5), toRank: 1 }, names).zh).toBe(
      '【提示】兰州市 2026-02 总分领先第二名优势由2.00分收窄至0.50分（第1名，优势收窄/差距扩大）',
    );
  });
});

describe('names in alert texts', () => {
  it('carry no ASCII double quote, which would break the quoted text of an EventBridge input template', () => {
    const n = schemeNames({
      entities: [{ id: 'lz', name: { zh: '兰州市', en: 'Lanzhou' } }],
      indicators: [{ id: 'one', name: { zh: '“高效办成一件事”', en: '"Get one thing done" packages' } }],
    });
    const m = slipMessage({ ...slip, scope: 'indicator', indicator: 'one' }, n);
    expect(m.en).toBe(
      '[critical] Lanzhou 2026-02 rank on ““Get one thing done” packages” went from 1 to 3 (rank drop)',
    );
    expect(m.en).not.toContain('"');
    expect(m.zh).not.toContain('"');
  });
});

describe('the escalation message (提级)', () => {
  const notification = {
    id: 'N0123456789abcdef0123',
    scheme: 'x',
    period: '2026-02',
    seq: 2,
    entity: 'lz',
    scope: 'overall' as const,
    severity: 'critical' as const,
    rule: 'rankDrop' as const,
    rules: [slip],
    inhibited: [],
    alertKeys: ['k'],
    openedAt: '2026-02-09T01:00:00.000Z',
  };
  const facts = {
    level: 2,
    levelInfo: { id: 'director', name: { zh: '局长', en: 'director' }, subscribers: ['王局长', '督查室'] },
    slaMs: 4 * 3_600_000,
    escalatedAt: '2026-02-09T09:00:00.000Z',
    gapToFirst: 1.5,
    prescriptions: [{ zh: '「接通率」提高3.20分', en: 'raise “Answer rate” by 3.20 points' }],
  };

  it('says the level, the SLA that ran out (2 × PT4H = 8 h open), the slip, the gap, who acts and what to fix', () => {
    const m = escalationMessage(notification, facts, names);
    expect(m.subject).toEqual({
      zh: '【提级·第2级 局长】兰州市 2026-02 总排名：排名下降',
      en: '[Escalated · level 2 director] Lanzhou 2026-02 overall rank: rank drop',
    });
    expect(m.body.zh.split('\n')).toEqual([
      m.subject.zh,
      '',
      '2026-02-09T01:00:00.000Z发出的提醒在确认时限4小时（PT4H）内未获确认，已开放8小时，现提级至第2级：局长。',
      '原始下滑：【严重】兰州市 2026-02 总排名由第1名变为第3名（排名下降）',
      '与第一名差距：1.50分',
      '本级办理：王局长、督查室',
      '建议措施：',
      '1. 「接通率」提高3.20分',
      '提醒编号：N0123456789abcdef0123',
    ]);
    expect(m.body.en.split('\n').slice(2, 6)).toEqual([
      'The notification of 2026-02-09T01:00:00.000Z was not acknowledged within its SLA of 4 h (PT4H); open 8 h, now escalated to level 2: director.',
      'Original slip: [critical] Lanzhou 2026-02 overall rank went from 1 to 3 (rank drop)',
      'Gap to first: 1.50 points',
      'To act at this level: 王局长, 督查室',
    ]);
  });

  it('leaves out who acts when the scheme names no subscribers for the level', () => {
    const m = escalationMessage(
      notification,
      { ...facts, levelInfo: { ...facts.levelInfo, subscribers: [] } },
      names,
    );
    expect(m.body.zh).not.toContain('本级办理');
    expect(m.body.en).not.toContain('To act at this level');
  });
});
