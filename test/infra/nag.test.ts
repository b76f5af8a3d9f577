import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../functions/query-routes.ts';
import { synthRankwatch } from '../support/cdk.ts';

interface Violation {
  ruleName: string;
  violatingConstructs: { constructPath: string }[];
}
interface Report {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: Violation[];
    suppressedViolations?: Violation[];
  }[];
}

const synthesised = synthRankwatch({
  alertEmails: 'leader@gansu.example.cn',
  webhook: { url: 'https://chat.example.cn/hook', secret: 'rankwatch/webhook' },
});
const report = JSON.parse(readFileSync(join(synthesised.outdir, 'validation-report.json'), 'utf8')) as Report;
const nag = report.pluginReports.find((p) => p.pluginName === 'AwsSolutions')!;

/** Every acknowledgement in the app: rule id → reasons, with the construct it sits on. */
function acknowledgements() {
  const found: { path: string; rule: string; reason: string }[] = [];
  for (const stack of [synthesised.stateful, synthesised.engine])
    for (const node of stack.node.findAll())
      for (const entry of node.node.metadata)
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          for (const [rule, reason] of Object.entries(entry.data as Record<string, string>))
            found.push({ path: node.node.path, rule, reason });
  return found;
}

describe('cdk-nag AwsSolutions', () => {
  it('runs on the whole app and finds nothing unacknowledged, webhook and subscriptions included', () => {
    expect(nag.conclusion).toBe('success');
    expect(nag.violations).toEqual([]);
  });

  it('has only the acknowledgements the design needs, each finding one it was meant for', () => {
    const suppressed = new Map<string, string[]>();
    for (const v of nag.suppressedViolations ?? [])
      for (const c of v.violatingConstructs)
        suppressed.set(v.ruleName, [
          ...(suppressed.get(v.ruleName) ?? []),
          c.constructPath.replace(/^rankwatch-dev-\w+\//, ''),
        ]);
    const rules = [...suppressed.keys()];
    // One per route a role may call: the stage and the path parameters are the only wildcards.
    const apiInvoke = rules.filter((r) => r.includes(':execute-api:')).sort();
    const routeOf = (rule: string) => /\/\*\/(GET|POST)(\/[^\]]*)\]$/.exec(rule)?.slice(1).join(' ');
    expect(apiInvoke.map(routeOf).sort()).toEqual(
      Object.values(API_ROUTES)
        .map((r) => `${r.method} ${r.path.replace(/\{[^}]+\}/g, '*')}`)
        .sort(),
    );
    // Acknowledging (POST) is granted to leaders and the departments, never to the auditor.
    for (const rule of apiInvoke.filter((r) => r.includes('/POST/')))
      expect(suppressed.get(rule)?.some((path) => path.includes('Auditor'))).toBe(false);
    // Scheduler's roles invoke the scheduled functions (escalate, remind; bulletin) and their versions only.
    const scheduled = (r: string) =>
      /<(AlertLifecycle(Escalate|Remind)|BulletinsBulletin)\w+\.Arn>:\*/.test(r);
    const schedulerInvoke = rules.filter(scheduled).sort();
    expect(schedulerInvoke).toHaveLength(3);
    expect(schedulerInvoke[0]).toMatch(
      /^AwsSolutions-IAM5\[Resource::<AlertLifecycleEscalate\w+\.Arn>:\*\]$/,
    );
    expect(schedulerInvoke[1]).toMatch(/^AwsSolutions-IAM5\[Resource::<AlertLifecycleRemind\w+\.Arn>:\*\]$/);
    expect(schedulerInvoke[2]).toMatch(/^AwsSolutions-IAM5\[Resource::<BulletinsBulletin\w+\.Arn>:\*\]$/);
    for (const rule of schedulerInvoke.slice(0, 2))
      expect(suppressed.get(rule)).toEqual(['AlertLifecycle/SchedulerRole/DefaultPolicy/Resource']);
    expect(suppressed.get(schedulerInvoke[2]!)).toEqual(['Bulletins/SchedulerRole/DefaultPolicy/Resource']);
    // The bulletin function puts objects under bulletins/ of the bulletin bucket, nowhere else.
    expect(
      suppressed.get('AwsSolutions-IAM5[Resource::rankwatch-dev-bulletin-bucket-arn/bulletins/*]'),
    ).toEqual(['Bulletins/Bulletin/Role/DefaultPolicy/Resource']);
    expect(rules.filter((r) => !r.includes(':execute-api:') && !scheduled(r)).sort()).toEqual([
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::rankwatch-dev-bulletin-bucket-arn/bulletins/*]',
      'AwsSolutions-L1',
      'AwsSolutions-SQS3',
    ]);
    expect(suppressed.get('AwsSolutions-L1')?.sort()).toEqual([
      'AlertLifecycle/Escalate/Function/Resource',
      'AlertLifecycle/Remind/Function/Resource',
      'AuditApi/Dashboard/Function/Resource',
      'AuditApi/Query/Function/Resource',
      'Bulletins/Bulletin/Function/Resource',
      'History/Project/Function/Resource',
      'Ingestion/Ingest/Function/Resource',
      'Notifications/Notify/Function/Resource',
      'Relay/Relay/Function/Resource',
      'Replay/Replay/Function/Resource',
    ]);
    // Every acknowledgement suppresses a finding on its own construct: none is left after the finding went away.
    const findings = (nag.suppressedViolations ?? []).flatMap((v) =>
      v.violatingConstructs.map((c) => ({ rule: `AwsSolutions::${v.ruleName}`, path: c.constructPath })),
    );
    for (const ack of acknowledgements())
      expect(
        findings.some(
          (f) => f.rule === ack.rule && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
        ),
        `${ack.path}: ${ack.rule} suppresses nothing`,
      ).toBe(true);
  });

  it("passes CloudFormation's own property checks: no role description IAM would refuse (F3031)", () => {
    // The plugin (registered in infra/app.ts) writes its report only when it finds something; broken on
    // purpose (a role description with 周提醒) it reports F3031 twice here.
    const cfn = report.pluginReports.find((p) => p.pluginName === 'CloudFormation Validate');
    expect(cfn?.violations.map((v) => v.ruleName) ?? []).toEqual([]);
    const latin1 = /^[\t\n\r\u0020-\u007E\u00A1-\u00FF]*$/;
    for (const stack of [synthesised.stateful, synthesised.engine])
      for (const [id, r] of Object.entries(Template.fromStack(stack).findResources('AWS::IAM::Role')))
        expect(String(r.Properties.Description ?? ''), id).toMatch(latin1);
  });

  it('gives every acknowledgement a reason of its own', () => {
    const acks = acknowledgements();
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.rule).toMatch(/^AwsSolutions::AwsSolutions-/);
      expect(ack.reason.length, `${ack.path}: ${ack.rule}`).toBeGreaterThan(40);
    }
  });

  it('fails the synthesis when something breaks a rule', () => {
    expect(() =>
      synthRankwatch({}, { tweak: ({ engine }) => new Queue(engine, 'Careless', { enforceSSL: false }) }),
    ).toThrow(/AwsSolutions-SQS4|requests to use SSL/);
  });
});
