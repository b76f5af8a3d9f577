import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../infra/config.ts';

const read = (context: Record<string, unknown>) => readConfig(new App({ context }).node);

describe('the deployment settings', () => {
  it('default to the dev stage with no subscriptions and no webhook', () => {
    expect(read({ departments: ['hotline12345'] })).toEqual({
      stage: 'dev',
      alertEmails: [],
      alarmEmails: [],
      departmentEmails: {},
      escalationEmails: {},
      departments: ['hotline12345'],
      trustedPrincipals: [],
      observedAtToleranceSeconds: 300,
    });
  });

  it('take the observedAt tolerance in seconds, as a number or as text from -c', () => {
    expect(read({ departments: ['a'], observedAtToleranceSeconds: 60 }).observedAtToleranceSeconds).toBe(60);
    expect(read({ departments: ['a'], observedAtToleranceSeconds: '0' }).observedAtToleranceSeconds).toBe(0);
  });

  it('take lists as JSON from cdk.json or as comma-separated text from -c', () => {
    const config = read({
      stage: 'prod',
      departments: 'hotline12345, govservice',
      alertEmails: '["a@gansu.example.cn"]',
      alarmEmails: ['ops@gansu.example.cn'],
    });
    expect(config.departments).toEqual(['hotline12345', 'govservice']);
    expect(config.alertEmails).toEqual(['a@gansu.example.cn']);
    expect(config.alarmEmails).toEqual(['ops@gansu.example.cn']);
  });

  it('take each department’s addresses as an object or as JSON text, and example addresses in dev only', () => {
    const departmentEmails = { a: ['a@lanzhou.rankwatch.example'] };
    expect(read({ departments: ['a'], departmentEmails }).departmentEmails).toEqual(departmentEmails);
    expect(
      read({ departments: ['a'], departmentEmails: JSON.stringify(departmentEmails) }).departmentEmails,
    ).toEqual(departmentEmails);
  });

  it('take each escalation level’s addresses by level number, as an object or as JSON text', () => {
    const escalationEmails = {
      1: ['deputy@gansu.example.cn'],
      3: ['d@gansu.example.cn', 'e@gansu.example.cn'],
    };
    const expected = { '1': ['deputy@gansu.example.cn'], '3': ['d@gansu.example.cn', 'e@gansu.example.cn'] };
    expect(read({ departments: ['a'], escalationEmails }).escalationEmails).toEqual(expected);
    expect(
      read({ departments: ['a'], escalationEmails: JSON.stringify(escalationEmails) }).escalationEmails,
    ).toEqual(expected);
  });

  it('take the webhook as an object or as JSON text, with the API key header defaulted', () => {
    const webhook = { url: 'https://chat.example.cn/hook', secret: 'rankwatch/webhook' };
    expect(read({ departments: ['a'], webhook }).webhook).toEqual({ ...webhook, header: 'x-api-key' });
    expect(read({ departments: ['a'], webhook: JSON.stringify(webhook) }).webhook?.url).toBe(webhook.url);
  });

  it.each([
    [{ departments: ['a'], stage: 'staging' }, /context stage:/],
    [{ departments: [] }, /context departments:/],
    [{ departments: ['dept.hotline'] }, /context departments\.0:/],
    [{ departments: ['a'], alertEmails: 'not-an-address' }, /context alertEmails\.0:/],
    [
      { departments: ['a'], webhook: { url: 'http://chat.example.cn', secret: 's' } },
      /context webhook\.url:/,
    ],
    [{ departments: ['a'], trustedPrincipals: ['123456789012'] }, /context trustedPrincipals\.0:/],
    [{ departments: ['a'], observedAtToleranceSeconds: -1 }, /context observedAtToleranceSeconds:/],
    [{ departments: ['a'], observedAtToleranceSeconds: '5min' }, /context observedAtToleranceSeconds:/],
    [{ departments: ['a'], departmentEmails: { b: ['b@gansu.example.cn'] } }, /context departmentEmails\.b:/],
    [{ departments: ['a'], departmentEmails: '{"a":["nope"]}' }, /context departmentEmails\.a\.0:/],
    [
      { departments: ['a'], stage: 'prod', alertEmails: ['leader@lanzhou.rankwatch.example'] },
      /context alertEmails\.0: leader@lanzhou\.rankwatch\.example is an example address/,
    ],
    [
      { departments: ['a'], stage: 'prod', departmentEmails: { a: ['a@lanzhou.rankwatch.example'] } },
      /context departmentEmails\.a\.0: .* is an example address/,
    ],
    [{ departments: ['a'], escalationEmails: { 0: ['x@gansu.example.cn'] } }, /context escalationEmails\.0:/],
    [{ departments: ['a'], escalationEmails: '{"1":[]}' }, /context escalationEmails\.1:/],
    [
      { departments: ['a'], stage: 'prod', escalationEmails: { 1: ['deputy@lanzhou.rankwatch.example'] } },
      /context escalationEmails\.1\.0: .* is an example address/,
    ],
  ])('refuse %j naming the context key', (context, message) => {
    expect(() => read(context)).toThrow(ConfigError);
    expect(() => read(context)).toThrow(message);
  });
});
