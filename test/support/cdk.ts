// The CDK app as the tests synthesise it: the context of cdk.json (feature flags, stage, departments) plus
// overrides, into a temporary output directory. Bundling is skipped unless asked for: template assertions
// do not need the code, and the bundle test builds it once.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type RankwatchStacks } from '../../infra/app.ts';

const CDK_JSON = new URL('../../cdk.json', import.meta.url);

export function projectContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context: Record<string, unknown> }).context;
}

export interface SynthesisedApp extends RankwatchStacks {
  app: App;
  outdir: string;
  statefulTemplate: Template;
  engineTemplate: Template;
}

export function synthRankwatch(
  context: Record<string, unknown> = {},
  options: {
    bundle?: boolean /** Changes the stacks before synthesis (to prove checks catch it). */;
    tweak?: (stacks: RankwatchStacks) => void;
  } = {},
): SynthesisedApp {
  const outdir = mkdtempSync(join(tmpdir(), 'rankwatch-cdk-'));
  const app = new App({
    outdir,
    context: {
      ...projectContext(),
      ...context,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const stacks = buildApp(app);
  options.tweak?.(stacks);
  app.synth();
  return {
    app,
    outdir,
    ...stacks,
    statefulTemplate: Template.fromStack(stacks.stateful),
    engineTemplate: Template.fromStack(stacks.engine),
  };
}
