import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { synthRankwatch } from '../support/cdk.ts';

// The functions exactly as `cdk deploy` would upload them: bundled by CDK (local esbuild) during synthesis.
const synthesised = synthRankwatch({}, { bundle: true });
const PROBE = fileURLToPath(new URL('../../infra/bundling/import-probe.ts', import.meta.url));

type Fn = { Properties: { Code: { S3Key: string }; Environment: { Variables: Record<string, unknown> } } };
const functions = Object.values(
  synthesised.engineTemplate.findResources('AWS::Lambda::Function') as Record<string, Fn>,
).map((f) => {
  const service = String(f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME);
  const dir = join(synthesised.outdir, `asset.${f.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
  return [service, dir] as const;
});

/** Imports the bundle in a fresh Node 22 process with Lambda's kind of environment (no AWS call is made). */
function importInChild(bundle: string) {
  const out = execFileSync(process.execPath, ['--enable-source-maps', PROBE, bundle], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'cn-northwest-1',
      TABLE_NAME: 'rankwatch-test',
      LANG: 'C.UTF-8',
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(out) as { exports: Record<string, string>; resolved: string[]; ms: number };
}

describe('every function bundle', () => {
  it('is built for each of the ten functions', () => {
    expect(functions.map(([service]) => service).sort()).toEqual([
      'rankwatch-bulletin',
      'rankwatch-dashboard',
      'rankwatch-escalate',
      'rankwatch-ingest',
      'rankwatch-notify',
      'rankwatch-project',
      'rankwatch-query',
      'rankwatch-relay',
      'rankwatch-remind',
      'rankwatch-replay',
    ]);
  });

  describe.each(functions)('%s', (_service, dir) => {
    const bundle = join(dir, 'index.mjs');

    it('is one ESM file with its source map, pointing into the repository', () => {
      expect(existsSync(bundle)).toBe(true);
      const code = readFileSync(bundle, 'utf8');
      expect(code.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
      const map = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as {
        sources: string[];
        sourcesContent?: unknown;
      };
      expect(map.sources.some((s) => /(^|\/)functions\/\w+\.ts$/.test(s))).toBe(true);
      expect(map.sourcesContent).toBeUndefined();
    });

    let probe: ReturnType<typeof importInChild> | undefined;
    const imported = () => {
      probe ??= importInChild(bundle);
      return probe;
    };

    it('imports in a fresh Node 22 process and exports the handler', () => {
      expect(imported().exports.handler).toBe('function');
    });

    it('resolves no module at run time: the AWS SDK and every dependency are inside, built-ins come through shims', () => {
      expect(imported().resolved).toEqual([]);
    });

    it('calls AWS through the engine’s JSON client with the SDK’s signer and retry strategy, and no AWS SDK client inside', () => {
      const { sources } = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as {
        sources: string[];
      };
      const has = (path: string) => sources.some((s) => s.endsWith(path));
      expect(has('functions/shared/aws/client.ts')).toBe(true);
      expect(has('@smithy/core/dist-es/submodules/retry/util-retry/StandardRetryStrategy.js')).toBe(true);
      expect(has('@smithy/signature-v4/dist-es/SignatureV4.js')).toBe(true);
      // No service client, document client, HTTP handler, endpoint rules, schema serde or credential chain.
      const sdkClient =
        /node_modules\/(@aws-sdk\/(client-|lib-dynamodb|core\/|credential-provider|nested-clients)|@smithy\/(node-http-handler|credential-provider)|@smithy\/core\/dist-es\/submodules\/(schema|endpoints|event-streams|cbor|config)\/)/;
      expect(sources.filter((s) => sdkClient.test(s))).toEqual([]);
    });
  });
});

describe('ECharts', () => {
  it('is inside the bulletin and dashboard bundles only (the query function stays small)', () => {
    const withEcharts = functions
      .filter(([, dir]) =>
        (JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as { sources: string[] }).sources.some(
          (s) => s.includes('node_modules/echarts/'),
        ),
      )
      .map(([service]) => service)
      .sort();
    expect(withEcharts).toEqual(['rankwatch-bulletin', 'rankwatch-dashboard']);
  });
});

describe('the ingest bundle', () => {
  it('validates with the event contracts but does not attach their descriptions (RANKWATCH_SCHEMA_DOCS is off)', () => {
    const dir = functions.find(([service]) => service === 'rankwatch-ingest')![1];
    const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
    expect(code).toContain('Text for people, in Chinese and English.'); // a contract is inside
    expect(code).not.toContain('RANKWATCH_SCHEMA_DOCS'); // replaced at build time, the copy folded away
  });
});
