import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/clock.ts';
import { LocalSnsTopic, SnsError } from '../../local/sns.ts';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'rankwatch-sns-'));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

function topic() {
  const shown: string[] = [];
  const logFile = join(directory, 'nested', 'alerts.log');
  let id = 0;
  const sns = new LocalSnsTopic({
    name: 'rankwatch-leaders',
    region: 'cn-northwest-1',
    account: '123456789012',
    logFile,
    console: (text) => shown.push(text),
    clock: new ManualClock(Date.UTC(2025, 2, 3, 8, 0, 0)),
    newId: () => `m-${++id}`,
  });
  return { sns, shown, logFile };
}

describe('the leaders’ topic', () => {
  it('shows each message under a header with the topic, the time and its id, JSON indented', () => {
    const { sns, shown } = topic();
    sns.publish({ message: '{"entity":"lanzhou","toRank":5}', subject: '排名下滑 Ranking slipped' });
    expect(shown).toEqual([
      [
        '┌─ 领导通知 SNS notification · rankwatch-leaders · 2025-03-03T08:00:00.000Z',
        '│ 主题 Subject: 排名下滑 Ranking slipped',
        '│ {',
        '│   "entity": "lanzhou",',
        '│   "toRank": 5',
        '│ }',
        '└─ 消息 Message m-1',
      ].join('\n'),
    ]);
  });

  it('appends every message to the file, creating its folder', () => {
    const { sns, shown, logFile } = topic();
    sns.publish({ message: 'plain text' });
    sns.publish({ message: 'second' });
    expect(readFileSync(logFile, 'utf8')).toBe(`${shown[0]}\n\n${shown[1]}\n\n`);
    expect(shown[0]).toContain('│ plain text');
  });

  it('shows a JSON string message (a quoted input template) decoded, line by line, and keeps it as delivered', () => {
    const { sns, shown } = topic();
    const delivered = '"兰州市排名下滑至第5\\n\\nLanzhou slipped to 5th\\n\\n(slip:lanzhou)"';
    sns.publish({ message: delivered });
    expect(shown[0]?.split('\n').slice(1, -1)).toEqual([
      '│ 兰州市排名下滑至第5',
      '│ ',
      '│ Lanzhou slipped to 5th',
      '│ ',
      '│ (slip:lanzhou)',
    ]);
    expect(sns.messages()[0]?.message).toBe(delivered);
  });

  it('keeps the messages and tells subscribers', () => {
    const { sns } = topic();
    const heard: string[] = [];
    sns.subscribe((m) => heard.push(m.message));
    sns.publish({ message: 'a' });
    expect(heard).toEqual(['a']);
    expect(sns.messages()).toEqual([
      {
        messageId: 'm-1',
        topicArn: 'arn:aws:sns:cn-northwest-1:123456789012:rankwatch-leaders',
        subject: undefined,
        message: 'a',
        timestamp: '2025-03-03T08:00:00.000Z',
        messageAttributes: {},
      },
    ]);
  });

  it('refuses an empty message, one over 256 KB and a subject over 100 characters', () => {
    const { sns, shown } = topic();
    expect(() => sns.publish({ message: '' })).toThrow(SnsError);
    expect(() => sns.publish({ message: 'x'.repeat(256 * 1024 + 1) })).toThrow(SnsError);
    expect(() => sns.publish({ message: 'x', subject: 's'.repeat(101) })).toThrow(SnsError);
    expect(shown).toEqual([]);
  });

  it('can write to no file at all', () => {
    const sns = new LocalSnsTopic({ name: 't', logFile: false, console: false });
    sns.publish({ message: 'quiet' });
    expect(sns.logFile).toBeUndefined();
    expect(sns.messages()).toHaveLength(1);
  });
});

describe('subscriptions with filter policies', () => {
  const str = (stringValue: string) => ({ dataType: 'String', stringValue });
  function routed() {
    return new LocalSnsTopic({
      name: 'alerts',
      logFile: false,
      console: false,
      subscriptions: [
        { protocol: 'email', endpoint: 'leader@gansu.example.cn' },
        {
          protocol: 'email',
          endpoint: 'hotline@gansu.example.cn',
          filterPolicy: { owner: ['hotline12345'] },
        },
        { protocol: 'email', endpoint: 'data@gansu.example.cn', filterPolicy: { owner: ['datashare'] } },
        {
          protocol: 'email',
          endpoint: 'chief@gansu.example.cn',
          filterPolicy: { kind: ['escalated'], level: [{ numeric: ['>=', 2] }] },
        },
        {
          protocol: 'email',
          endpoint: 'body@gansu.example.cn',
          filterPolicy: { severity: ['critical'] },
          filterPolicyScope: 'MessageBody',
        },
      ],
    });
  }

  it('deliver to each subscription what its policy admits; no filter admits everything', () => {
    const sns = routed();
    sns.publish({
      message: 'hotline slip',
      messageAttributes: { kind: str('slipped'), owner: str('hotline12345') },
    });
    sns.publish({ message: 'overall slip', messageAttributes: { kind: str('slipped') } });
    sns.publish({
      message: 'level 2',
      messageAttributes: {
        kind: str('escalated'),
        owner: str('datashare'),
        level: { dataType: 'Number', stringValue: '2' },
      },
    });
    sns.publish({
      message: 'level 1',
      messageAttributes: { kind: str('escalated'), level: { dataType: 'Number', stringValue: '1' } },
    });
    sns.publish({ message: '{"severity":"critical"}' });
    const to = (e: string) => sns.deliveredTo(e).map((m) => m.message);
    expect(to('leader@gansu.example.cn')).toEqual([
      'hotline slip',
      'overall slip',
      'level 2',
      'level 1',
      '{"severity":"critical"}',
    ]);
    expect(to('hotline@gansu.example.cn')).toEqual(['hotline slip']);
    expect(to('data@gansu.example.cn')).toEqual(['level 2']);
    expect(to('chief@gansu.example.cn')).toEqual(['level 2']);
    expect(to('body@gansu.example.cn')).toEqual(['{"severity":"critical"}']);
    expect(sns.subscriptions().map((s) => s.messages.length)).toEqual([5, 1, 1, 1, 1]);
  });

  it('match a String.Array attribute when any element matches', () => {
    const sns = routed();
    sns.publish({
      message: 'two owners',
      messageAttributes: { owner: { dataType: 'String.Array', stringValue: '["datashare","hotline12345"]' } },
    });
    expect(sns.deliveredTo('hotline@gansu.example.cn')).toHaveLength(1);
    expect(sns.deliveredTo('data@gansu.example.cn')).toHaveLength(1);
  });

  it('show the attributes under the subject, and refuse bad ones as SNS does', () => {
    const shown: string[] = [];
    const sns = new LocalSnsTopic({ name: 't', logFile: false, console: (t) => shown.push(t) });
    sns.publish({ message: 'm', messageAttributes: { kind: str('slipped'), owner: str('hotline12345') } });
    expect(shown[0]).toContain('│ 属性 Attributes: kind=slipped · owner=hotline12345');
    expect(() =>
      sns.publish({ message: 'm', messageAttributes: { n: { dataType: 'Number', stringValue: 'x' } } }),
    ).toThrow(/'n' with type 'Number'/);
    expect(() => sns.publish({ message: 'm', messageAttributes: { e: str('') } })).toThrow(/'e'/);
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, str('v')]));
    expect(() => sns.publish({ message: 'm', messageAttributes: eleven })).toThrow(
      /exceeds the allowed maximum \[10\]/,
    );
    expect(sns.messages()).toHaveLength(1);
  });
});
