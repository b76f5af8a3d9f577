import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { indicatorResultsPublished } from '../../events/indicator-results-published.ts';
import { bilingual, describeZodIssues, formatIssuePath } from '../../events/issues.ts';
import { observationRejected } from '../../events/observation-rejected.ts';
import { readSample } from '../../events/samples.ts';

type Event = { detail: { values: { entity: string; value: unknown }[]; [k: string]: unknown } };
const published = () => structuredClone(readSample(indicatorResultsPublished)) as Event;

describe('formatIssuePath', () => {
  it('writes keys with dots and indexes in brackets', () => {
    expect(formatIssuePath(['detail', 'values', 3, 'value'])).toBe('detail.values[3].value');
    expect(formatIssuePath([0, 'entity'])).toBe('[0].entity');
  });

  it('quotes keys that are not identifiers and prefixes when asked', () => {
    expect(formatIssuePath(['detail-type'])).toBe('["detail-type"]');
    expect(formatIssuePath(['values', 1], 'detail')).toBe('detail.values[1]');
  });

  it('names the root when the path is empty', () => {
    expect(formatIssuePath([])).toBe('(root)');
    expect(formatIssuePath([], 'detail')).toBe('detail');
  });
});

describe('describeZodIssues', () => {
  it('explains a bad value inside a published table by its envelope path, in Chinese and English', () => {
    const event = published();
    event.detail.values[3]!.value = '95.73%';
    const result = indicatorResultsPublished.envelope.safeParse(event);
    expect(describeZodIssues(result.error!, { input: event })).toEqual([
      {
        path: 'detail.values[3].value',
        code: 'invalid_type',
        message: {
          zh: '无效输入：期望 数字，实际接收 string',
          en: 'Invalid input: expected number, received string',
        },
      },
    ]);
  });

  it('gives one reason per field, in the order zod found them', () => {
    const event = published();
    event.detail.period = '2026-8';
    delete event.detail.observedAt;
    event.detail.values[0]!.entity = 'lan zhou';
    const reasons = describeZodIssues(indicatorResultsPublished.envelope.safeParse(event).error!, {
      input: event,
    });
    expect(reasons.map((r) => r.path)).toEqual([
      'detail.period',
      'detail.observedAt',
      'detail.values[0].entity',
    ]);
    expect(reasons[0]?.message).toEqual({
      zh: '考核周期格式应为 2026、2026-H1、2026-Q3、2026-08 或 2026-W33',
      en: 'period must look like 2026, 2026-H1, 2026-Q3, 2026-08 or 2026-W33',
    });
    expect(reasons[1]?.message.zh).toBe('无效输入：期望 string，实际接收 undefined');
  });

  it('points at the repeated entity when a table lists one twice', () => {
    const event = published();
    event.detail.values[5]!.entity = 'lanzhou';
    const reasons = describeZodIssues(indicatorResultsPublished.envelope.safeParse(event).error!);
    expect(reasons).toEqual([
      {
        path: 'detail.values[5].entity',
        code: 'custom',
        message: {
          zh: '该单位在 `values` 中已出现过（每个单位只能有一个值）',
          en: 'this entity already has a value earlier in `values`',
        },
      },
    ]);
  });

  it('prefixes paths when only the detail was parsed', () => {
    const detail = published().detail;
    detail.values[1]!.value = null;
    const error = indicatorResultsPublished.detail.safeParse(detail).error!;
    expect(describeZodIssues(error, { prefix: 'detail', input: detail }).map((r) => r.path)).toEqual([
      'detail.values[1].value',
    ]);
  });

  it('explains a union by the branch that came closest', () => {
    const schema = z.object({
      payload: z.union([z.object({ kind: z.literal('a'), n: z.number() }), z.object({ count: z.number() })]),
    });
    const input = { payload: { kind: 'a', n: 'x' } };
    const reasons = describeZodIssues(schema.safeParse(input).error!, { input });
    expect(reasons.map((r) => `${r.path} ${r.code}`)).toEqual(['payload.n invalid_type']);
  });

  it('produces the reasons shown in the Observation.Rejected sample', () => {
    const event = published();
    event.detail.period = '2026-8';
    event.detail.values[3]!.value = '95.73%';
    const reasons = describeZodIssues(indicatorResultsPublished.envelope.safeParse(event).error!, {
      input: event,
    });
    const sample = readSample(observationRejected) as { detail: { reasons: unknown } };
    expect(reasons).toEqual(sample.detail.reasons);
  });

  it('fills an Observation.Rejected that validates', () => {
    const event = published();
    event.detail.values[3]!.value = '95.73%';
    const reasons = describeZodIssues(indicatorResultsPublished.envelope.safeParse(event).error!, {
      input: event,
    });
    const rejection = {
      schemaVersion: 1,
      eventId: 'outbox-1',
      originalEventId: 'c3f1a8d2-4b6e-4e0f-8a17-9d5c2b7e6f10',
      department: 'hotline12345',
      cause: 'validation',
      reasons,
      receivedAt: '2026-09-01T01:30:58.204Z',
    };
    expect(observationRejected.detail.safeParse(rejection).success).toBe(true);
  });
});

describe('bilingual', () => {
  it('returns the English message and refuses a second, different Chinese text for it', () => {
    expect(bilingual('a test message', '测试消息')).toBe('a test message');
    expect(bilingual('a test message', '测试消息')).toBe('a test message');
    expect(() => bilingual('a test message', '别的')).toThrow(/two Chinese texts/);
  });
});

describe('describeZodIssues without the input', () => {
  it('still says in Chinese what type was received', () => {
    const result = z.object({ n: z.number(), s: z.string() }).safeParse({ n: 'x' });
    expect(describeZodIssues(result.error!).map((r) => r.message.zh)).toEqual([
      '无效输入：期望 数字，实际接收 string',
      '无效输入：期望 string，实际接收 undefined',
    ]);
  });

  it('explains a bad record key by the key', () => {
    const result = z.record(z.string().regex(/^dept\./), z.number()).safeParse({ hotline: 1 });
    expect(describeZodIssues(result.error!).map((r) => `${r.path} ${r.code}`)).toEqual([
      'hotline invalid_format',
    ]);
  });
});
