// Security enforced on the local engine, from the synthesised template: requests are SigV4-signed with the
// local principals' keys (checked with the SDK's signer), the bus policy pins each department to its own
// source, and the auditors' API answers only principals allowed execute-api:Invoke on its routes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, ListRulesCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDICATOR_VALUE_REPORTED } from '../../events/index.ts';
import { type Engine, startEngine } from '../../local/engine.ts';
import { evaluateAccess } from '../../local/iam.ts';
import {
  AUDITOR_CREDENTIALS,
  type Credentials,
  departmentCredentials,
  LEADER_CREDENTIALS,
  localPrincipals,
  OPERATOR_CREDENTIALS,
  signedHeaders,
} from '../../local/principals.ts';
import { localModel, readCloudAssembly } from '../../local/template.ts';
import { synthRankwatch } from '../support/cdk.ts';

const { outdir } = synthRankwatch({}, { bundle: true });
const model = localModel(readCloudAssembly(outdir), {
  region: 'us-east-1',
  account: '000000000000',
  queueUrl: (n) => `http://sqs/${n}`,
  apiUrl: (id) => `http://${id}`,
});

describe('the local principals, read from the template', () => {
  const principals = localPrincipals(model);

  it('has one department per publisher role of the bus policy, the auditor, the leader, each function and the operator', () => {
    const byKind = (kind: string) => principals.all.filter((p) => p.kind === kind).map((p) => p.name);
    expect(byKind('department').sort()).toEqual([
      'bizenv',
      'datasharing',
      'digitaleconomy',
      'govservice',
      'hotline12345',
    ]);
    expect(byKind('auditor')).toEqual(['auditor']);
    expect(byKind('leader')).toEqual(['leader']);
    expect(byKind('function')).toHaveLength(model.functions.length);
    const hotline = principals.byAccessKey.get(departmentCredentials('hotline12345').accessKeyId)!;
    expect(hotline.arn).toMatch(/^arn:aws:iam::000000000000:role\/.*Publisherhotline12345/);
  });

  it('evaluates the bus policy as AWS does: the explicit Deny of another source wins over the role’s Allow', () => {
    const bus = [...principals.security.busPolicies.keys()][0]!;
    const policy = principals.security.busPolicies.get(bus)!;
    const hotline = principals.byAccessKey.get(departmentCredentials('hotline12345').accessKeyId)!;
    const busArn = `arn:aws:events:us-east-1:000000000000:event-bus/${bus}`;
    const put = (source: string, who = hotline) =>
      evaluateAccess(
        {
          principalArn: who.arn,
          action: 'events:PutEvents',
          resource: busArn,
          context: { 'events:source': source },
        },
        who.statements,
        policy,
      );
    expect(put('dept.hotline12345')).toEqual({ allowed: true });
    expect(put('dept.govservice')).toEqual({ allowed: false, deniedBy: 'only-own-source-hotline12345' });
    expect(put('rankwatch.engine')).toEqual({ allowed: false, deniedBy: 'only-own-source-hotline12345' });
    const operator = principals.byAccessKey.get(OPERATOR_CREDENTIALS.accessKeyId)!;
    expect(put('dept.hotline12345', operator)).toEqual({
      allowed: false,
      deniedBy: 'department-sources-reserved',
    });
    expect(put('rankwatch.engine', operator)).toEqual({ allowed: false, deniedBy: 'engine-source-reserved' });
    expect(put('ops.test', operator)).toEqual({ allowed: true });
    const leader = principals.byAccessKey.get(LEADER_CREDENTIALS.accessKeyId)!;
    expect(put('ops.test', leader)).toEqual({ allowed: false });
  });
});

describe('the running engine enforces it', () => {
  let engine: Engine;
  const clients: EventBridgeClient[] = [];
  const client = (credentials: Credentials) => {
    const c = new EventBridgeClient({
      region: 'us-east-1',
      endpoint: engine.endpoints.eventBridge,
      credentials,
      maxAttempts: 1,
    });
    clients.push(c);
    return c;
  };
  const entry = (source: string) => ({
    EventBusName: engine.bus,
    Source: source,
    DetailType: INDICATOR_VALUE_REPORTED,
    Detail: JSON.stringify({ schemaVersion: 1 }),
  });
  const api = () => Object.values(engine.endpoints.apis)[0]!;
  const query = async (credentials: Credentials | undefined, path = '/schemes/gansu-weekly-2026/periods') => {
    const url = `${api()}${path}`;
    const headers = credentials
      ? await signedHeaders(
          credentials,
          { method: 'GET', url },
          { service: 'execute-api', region: 'us-east-1' },
        )
      : {};
    const res = await fetch(url, { headers });
    return { status: res.status, body: (await res.json()) as { message?: string } };
  };

  beforeAll(async () => {
    engine = await startEngine({
      cdkOut: outdir,
      timeScale: 250,
      stateDir: mkdtempSync(join(tmpdir(), 'rankwatch-security-')),
      alertConsole: false,
      log: () => {},
    });
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await engine?.stop();
  });

  it('lets a department publish as itself and refuses it another department’s source, entry by entry', async () => {
    const out = await client(departmentCredentials('hotline12345')).send(
      new PutEventsCommand({ Entries: [entry('dept.hotline12345'), entry('dept.govservice')] }),
    );
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries![0]!.EventId).toBeDefined();
    expect(out.Entries![1]).toMatchObject({ ErrorCode: 'NotAuthorizedForSourceException' });
  });

  it('refuses the leader and the operator any department source, and everyone but the relay the engine’s', async () => {
    for (const credentials of [LEADER_CREDENTIALS, OPERATOR_CREDENTIALS, AUDITOR_CREDENTIALS]) {
      const out = await client(credentials).send(
        new PutEventsCommand({ Entries: [entry('dept.hotline12345'), entry('rankwatch.engine')] }),
      );
      expect(out.Entries!.map((e) => e.ErrorCode)).toEqual([
        'NotAuthorizedForSourceException',
        'NotAuthorizedForSourceException',
      ]);
    }
  });

  it('refuses unknown keys, wrong secrets and unsigned requests before anything is done', async () => {
    await expect(
      client({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' }).send(new ListRulesCommand({})),
    ).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    await expect(
      client({
        accessKeyId: departmentCredentials('hotline12345').accessKeyId,
        secretAccessKey: 'wrong',
      }).send(new PutEventsCommand({ Entries: [entry('dept.hotline12345')] })),
    ).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    const unsigned = await fetch(engine.endpoints.eventBridge, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.ListRules' },
      body: '{}',
    });
    expect(unsigned.status).toBe(403);
    expect(((await unsigned.json()) as { __type: string }).__type).toBe(
      'MissingAuthenticationTokenException',
    );
  });

  it('answers the audit routes to the auditor and refuses departments, the leader, bad signatures and unsigned calls', async () => {
    expect((await query(AUDITOR_CREDENTIALS)).status).toBe(200);
    const department = await query(departmentCredentials('hotline12345'));
    expect(department.status).toBe(403);
    expect(department.body.message).toMatch(
      /Publisherhotline12345.* is not authorized to perform: execute-api:Invoke/,
    );
    expect((await query(LEADER_CREDENTIALS)).status).toBe(403);
    expect((await query({ ...AUDITOR_CREDENTIALS, secretAccessKey: 'wrong' })).status).toBe(403);
    expect(await query(undefined)).toEqual({ status: 403, body: { message: 'Forbidden' } });
    expect(
      (await query(AUDITOR_CREDENTIALS, '/schemes/gansu-weekly-2026/verify?period=2026-W01')).status,
    ).toBe(200);
  });
});
