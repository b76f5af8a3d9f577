// The CDK app: the stateful stack and the engine stack for one stage, checked by cdk-nag (AwsSolutions) on
// every synth. Offline by construction: no context lookups, local esbuild bundling, no Docker.
//   npx cdk synth                      (stage dev, settings from cdk.json)
//   npx cdk deploy --all -c stage=prod -c alertEmails=a@example.cn
import { App, CloudFormationValidatePlugin, type Stage, Validations } from 'aws-cdk-lib';
import nag from 'cdk-nag';
import { readConfig } from './config.ts';
import { EngineStack } from './engine-stack.ts';
import { StatefulStack } from './stateful-stack.ts';

export interface RankwatchStacks {
  stateful: StatefulStack;
  engine: EngineStack;
}

/** Adds both stacks of one stage to an app (or any Stage), with the settings from its context. */
export function buildApp(app: App | Stage): RankwatchStacks {
  const config = readConfig(app.node);
  const prefix = `rankwatch-${config.stage}`;
  const stateful = new StatefulStack(app, `${prefix}-stateful`, {
    config,
    description: 'rankwatch: table, event bus with archive, keys and the bulletin bucket (retained)',
    terminationProtection: config.stage === 'prod',
  });
  const engine = new EngineStack(app, `${prefix}-engine`, {
    config,
    table: stateful.table,
    bus: stateful.bus,
    bulletins: stateful.bulletins,
    description: 'rankwatch: functions, queues, rules, alerts, the auditors API, alarms and dashboard',
  });
  engine.addStackDependency(stateful);
  // CloudFormation's own property checks (what a deployment would refuse) beside cdk-nag, registered here so
  // that every synthesis runs them, the tests' too.
  Validations.of(app).addPlugins(new nag.AwsSolutionsChecks(app), new CloudFormationValidatePlugin());
  return { stateful, engine };
}

if (import.meta.main) {
  const app = new App();
  buildApp(app);
  app.synth();
}
