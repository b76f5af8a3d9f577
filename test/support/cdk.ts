// The CDK app as the tests synthesise it: the context of cdk.json (feature flags, stage, departments) plus
// overrides, into a temporary output directory. Bundling is skipped unless asked for: template assertions
// do not need the code, and the bundle test builds it once.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll } from 'vitest';
import { buildApp, type RankwatchStacks } from '../../infra/app.ts';

const CDK_JSON = new URL('../../cdk.json', import.meta.url);

/** Every synthesis of a test file goes under one directory, removed after the file's tests. */
const parent = mkdtempSync(join(tmpdir(), 'rankwatch-cdk-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));
const outputDirectory = () => mkdtempSync(join(parent, 'app-'));

export function projectContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context: Record<string, unknown> }).context;
}

/** The prod stage, without the dev context's example addresses (which prod refuses). */
export const PROD = {
  stage: 'prod',
  alertEmails: '',
  departmentEmails: '{}',
  escalationEmails: '{}',
} as const;

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
  const outdir = outputDirectory();
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
