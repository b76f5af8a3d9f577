// The notify function: each alert event becomes one plain-text SNS message (Chinese, then English) whose
// attributes route it — `owner` for the department's filtered subscriptions; leaders' see everything.
import { describe, expect, it } from 'vitest';
import { alertEscalated, rankingSlipped, reminderWeekly } from '../../events/index.ts';
import { readSample } from '../../events/samples.ts';
import { notifyHandler } from '../../functions/notify.ts';
import type { PublishInput } from '../../functions/shared/aws/sns.ts';
import { NotifyInputError, notifyMessage } from '../../functions/shared/notify-message.ts';

type Sample = { detail: Record<string, unknown> & { message: { zh: string; en: string } } };
const sample = (c: Parameters<typeof readSample>[0]) => structuredClone(readSample(c)) as Sample;

/** The Slipped sample moved to an indicator scope, owned by the hotline department. */
function ownedSlip(): Sample {
  const e = sample(rankingSlipped);
  Object.assign(e.detail, {
    scope: 'indicator',
    indicator: 'hotline_connection_rate',
    owner: 'hotline12345',
  });
  return e;
}

describe('notifyMessage', () => {
  it('writes Chinese first, then English, then the notification it is, as plain text', () => {
    const e = sample(rankingSlipped);
    const m = notifyMessage(e);
    const { zh, en } = e.detail.message;
    expect(m.message.startsWith(`${zh}\n\n---\n\n${en}\n\n---\nrankwatch · `)).toBe(true);
    expect(m.message).toContain(String(e.detail.notificationId ?? e.detail.alertKey));
    expect(m.message).not.toMatch(/^[{"[]/);
    expect(m.kind).toBe('slipped');
  });

  it('names the owner department of an indicator alert, and none for an overall one (leaders only)', () => {
    expect(notifyMessage(ownedSlip()).attributes).toEqual({
      kind: { DataType: 'String', StringValue: 'slipped' },
      scheme: { DataType: 'String', StringValue: 'gansu-digital-government' },
      period: { DataType: 'String', StringValue: '2026-08' },
      entity: { DataType: 'String', StringValue: 'lanzhou' },
      alertKey: {
        DataType: 'String',
        StringValue: 'gansu-digital-government|2026-08|overall|lanzhou|lostFirst',
      },
      severity: { DataType: 'String', StringValue: 'critical' },
      owner: { DataType: 'String', StringValue: 'hotline12345' },
    });
    expect(notifyMessage(sample(rankingSlipped)).attributes.owner).toBeUndefined();
  });

  it('gives an escalation its level as a Number attribute and a subject naming the level', () => {
    const e = sample(alertEscalated);
    const m = notifyMessage(e);
    expect(m.kind).toBe('escalated');
    expect(m.attributes.level).toEqual({ DataType: 'Number', StringValue: String(e.detail.level) });
    expect(m.subject).toBe(
      `【提级 L${e.detail.level}】lanzhou · ${e.detail.period} / Escalated to level ${e.detail.level}: lanzhou ${e.detail.period}`,
    );
  });

  it('routes a weekly reminder to the department it reminds', () => {
    const e = sample(reminderWeekly);
    const m = notifyMessage(e);
    expect(m.kind).toBe('reminder');
    expect(m.attributes.owner).toEqual({ DataType: 'String', StringValue: e.detail.owner });
    expect(m.message.startsWith(e.detail.message.zh)).toBe(true);
    expect(m.subject.startsWith('【周提醒】')).toBe(true);
  });

  it('keeps subjects within SNS limits: at most 100 characters, no line breaks', () => {
    const e = sample(reminderWeekly);
    e.detail.owner = `d${'x'.repeat(60)}`;
    const m = notifyMessage(e);
    expect([...m.subject]).toHaveLength(100);
    expect(m.subject.endsWith('…')).toBe(true);
    expect(m.subject).not.toMatch(/[\n\r]/);
  });

  it('refuses an event that breaks its contract, naming the field, and any other detail-type', () => {
    const e = sample(rankingSlipped);
    delete (e.detail as Record<string, unknown>).severity;
    expect(() => notifyMessage(e)).toThrow(NotifyInputError);
    expect(() => notifyMessage(e)).toThrow(/detail\.severity/);
    const other = { ...sample(rankingSlipped), 'detail-type': 'Assessment.Recorded' };
    expect(() => notifyMessage(other)).toThrow(/detail-type: "Assessment.Recorded"/);
    expect(() => notifyMessage(null)).toThrow(NotifyInputError);
  });
});

describe('notifyHandler', () => {
  it('publishes the message to the topic with its subject and attributes, and counts it', async () => {
    const published: PublishInput[] = [];
    const metrics: number[] = [];
    const out = await notifyHandler(ownedSlip(), {
      sns: {
        publish: async (input) => {
          published.push(input);
          return { MessageId: 'm-1' };
        },
      },
      topicArn: 'arn:aws:sns:cn-northwest-1:123456789012:alerts',
      log: () => {},
      metric: (_name, v) => metrics.push(v),
    });
    expect(out).toEqual({ messageId: 'm-1', kind: 'slipped', owner: 'hotline12345' });
    const m = notifyMessage(ownedSlip());
    expect(published).toEqual([
      {
        TopicArn: 'arn:aws:sns:cn-northwest-1:123456789012:alerts',
        Subject: m.subject,
        Message: m.message,
        MessageAttributes: m.attributes,
      },
    ]);
    expect(metrics).toEqual([1]);
  });

  it('fails the invocation when SNS refuses (Lambda retries it, then the on-failure queue keeps it)', async () => {
    const refused = Object.assign(new Error('Topic does not exist'), { name: 'NotFound' });
    await expect(
      notifyHandler(ownedSlip(), {
        sns: { publish: () => Promise.reject(refused) },
        topicArn: 'arn:aws:sns:cn-northwest-1:123456789012:gone',
        log: () => {},
        metric: () => {},
      }),
    ).rejects.toBe(refused);
  });
});
